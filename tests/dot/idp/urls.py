"""URLs of the test IdP: DOT under /o/, Django's login pages under /accounts/."""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

from django.urls import include, path
from oauth2_provider import urls as dot_urls

from . import views

urlpatterns = [
    # Listed before DOT's own route so that it wins for the same path.
    path(
        "o/device-authorization/",
        views.DeviceAuthorizationView.as_view(),
        name="device-authorization-with-lifetimes",
    ),
    path("o/", include(dot_urls)),
    # RFC 8414 section 3: metadata at the origin, with the issuer path ("/o") appended;
    # DOT's include above only serves the /o/.well-known/... fallback form.
    path("", include(dot_urls.metadata_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("test-control/", views.control, name="test-control"),
]
