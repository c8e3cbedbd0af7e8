"""Django settings of the test identity provider.

Read from the environment that ``serve.py`` prepares before Django starts:

``IDP_BASE_URL``
    ``http://127.0.0.1:<port>``, known once the listening socket is bound; the device
    page URI that DOT hands out must name the real port.
``IDP_DB_DIR``
    Folder for the SQLite file (a temporary folder per test session).
``IDP_SHORT_CODE_LIFETIME``
    Lifetime in seconds of device codes issued to the short-lived test client.
``IDP_CONTROL_KEY``
    Shared secret of the test-only control endpoint (``views.control``).
``IDP_PREFIX``
    Where DOT's URLs are mounted (default ``o/``, the tutorial's; any depth works).
"""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_URL = os.environ["IDP_BASE_URL"].rstrip("/")
# Where DOT is mounted: "o/" as in DOT's tutorial, or deeper ("services/auth/").
DOT_PREFIX = os.environ.get("IDP_PREFIX", "o/").strip("/") + "/"
DB_DIR = Path(os.environ["IDP_DB_DIR"])

# Client ids are fixed so that the tests can name them; both are public clients.
CLIENT_ID = "device-app-tv"
SHORT_LIVED_CLIENT_ID = "device-app-tv-short-codes"
# Per-client device code lifetime (seconds). oauthlib hard-codes 1800 s and DOT does
# not expose it, so views.DeviceAuthorizationView applies this table.
DEVICE_CODE_LIFETIMES = {
    SHORT_LIVED_CLIENT_ID: int(os.environ.get("IDP_SHORT_CODE_LIFETIME", "4")),
}
CONTROL_KEY = os.environ["IDP_CONTROL_KEY"]

DEMO_USER = {
    "username": "dot.tester",
    "password": os.environ.get("IDP_USER_PASSWORD", "correct horse battery staple"),
    "first_name": "Dot",
    "last_name": "Tester",
    "email": "dot.tester@example.org",
}

# A fresh key per run: sessions and CSRF tokens only need to live as long as the process.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",  # DOT's base template uses {% static %}
    "oauth2_provider",
    "idp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "idp.polllog.PollLogMiddleware",
]

ROOT_URLCONF = "idp.urls"
WSGI_APPLICATION = None  # serve.py builds the handler itself

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DB_DIR / "idp.sqlite3"),
        # The server is threaded (user pages and device polls run at once).
        "OPTIONS": {"timeout": 10},
    }
}

# Django's own advice for test speed: the default PBKDF2 costs ~0.3 s per login on a
# small machine, which every browser sign-in would pay. Never use this hasher for real.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = f"/{DOT_PREFIX}device/"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}


def _rsa_private_key_pem() -> str:
    """A throwaway RS256 signing key for OIDC (generated per run, ~0.1 s)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


OAUTH2_PROVIDER = {
    # RFC 8628 section 3.2 verification_uri: DOT's own user-code page.
    "OAUTH_DEVICE_VERIFICATION_URI": f"{BASE_URL}/{DOT_PREFIX}device/",
    # OIDC on, so that /o/userinfo/ exists and plays the protected API.
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _rsa_private_key_pem(),
    "OAUTH2_VALIDATOR_CLASS": "idp.validators.IdpValidator",
    "SCOPES": {
        "openid": "OpenID Connect sign-in",
        "read": "Read your profile",
        "write": "Change your profile",
    },
    "DEFAULT_SCOPES": ["read"],
    # RFC 8628 section 3.2 interval. DOT's default is 5 s; the tests lower it through
    # IDP_DEVICE_FLOW_INTERVAL to stay fast.
    "DEVICE_FLOW_INTERVAL": int(os.environ.get("IDP_DEVICE_FLOW_INTERVAL", "5")),
}
