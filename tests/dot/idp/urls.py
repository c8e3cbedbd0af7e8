"""URLs of the test IdP: DOT under its prefix (/o/ unless IDP_PREFIX says otherwise), Django's
login pages under /accounts/.

Both metadata layouts a DOT site can have are served, as DOT's docs set them up: OIDC
discovery under the prefix (issuer ``<origin>/<prefix>``), and RFC 8414 metadata at the site
root, whose issuer is the origin itself (``/.well-known/oauth-authorization-server``) or, in
the path-inserted form, the origin plus the prefix. Neither lists the device endpoint.
"""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

from django.conf import settings
from django.urls import include, path
from oauth2_provider import urls as dot_urls

from . import views

urlpatterns = [
    # Listed before DOT's own route so that it wins for the same path.
    path(
        f"{settings.DOT_PREFIX}device-authorization/",
        views.DeviceAuthorizationView.as_view(),
        name="device-authorization-with-lifetimes",
    ),
    path(settings.DOT_PREFIX, include(dot_urls)),
    # RFC 8414 section 3: metadata at the origin (issuer: the origin), and with the issuer
    # path appended (issuer: origin + prefix); DOT's include above only serves the
    # <prefix>/.well-known/... fallback form.
    path("", include(dot_urls.metadata_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("test-control/", views.control, name="test-control"),
]
