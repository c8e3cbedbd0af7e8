"""Demo clients and users seeded into a fresh database (all data is fictional)."""

from __future__ import annotations

from typing import Any

# The OIDC scopes, plus the default scopes of the Microsoft and GitHub profiles, so that
# those dialects work with the profiles as shipped.
ALL_SCOPES = ("openid", "profile", "email", "offline_access", "User.Read", "read:user")

CLIENTS: tuple[dict[str, Any], ...] = (
    {
        "client_id": "tv-demo",
        "client_name": "Living-room TV (device-app demo)",
        "client_secret": None,
        "grant_types": ("urn:ietf:params:oauth:grant-type:device_code", "refresh_token"),
        "scope": " ".join(ALL_SCOPES),
    },
    {
        "client_id": "tv-confidential",
        "client_name": "Kitchen TV (confidential demo client)",
        # Public on purpose: RFC 8628 §5.6 says a device's embedded secret is not a secret.
        "client_secret": "demo-secret",
        "grant_types": ("urn:ietf:params:oauth:grant-type:device_code", "refresh_token"),
        "scope": " ".join(ALL_SCOPES),
    },
)

# Passwords equal the user names; they are printed on the sign-in page on purpose.
USERS: tuple[dict[str, str], ...] = (
    {
        "username": "alice",
        "sub": "a1ice-0001",
        "name": "Alice Liddell",
        "email": "alice@example.test",
        "favourite_show": "Through the Looking-Glass Tonight",
    },
    {
        "username": "bob",
        "sub": "b0b-0002",
        "name": "Bob Tanaka",
        "email": "bob@example.test",
        "favourite_show": "Great Pottery Throwdown",
    },
    {
        "username": "carol",
        "sub": "car0l-0003",
        "name": "Carol Okafor",
        "email": "carol@example.test",
        "favourite_show": "Nature at Night",
    },
)

# Scopes in words for the consent page.
SCOPE_WORDS = {
    "openid": "Know who you are (your account ID)",
    "profile": "See your name, user name and favourite show",
    "email": "See your email address",
    "offline_access": "Stay signed in on this device until you remove it",
    "User.Read": "Sign you in and read your profile (Microsoft-style scope)",
    "read:user": "Read your profile data (GitHub-style scope)",
}
