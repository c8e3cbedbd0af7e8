"""Views the test IdP adds around django-oauth-toolkit.

* ``DeviceAuthorizationView``: DOT's view with a per-client device code lifetime.
* ``control``: a test-only endpoint that lets a test change server-side token state
  the way an administrator would (expire an access token, revoke a refresh token) and
  read it back. It exists only in this test project, answers only with the shared key
  from ``IDP_CONTROL_KEY`` and only on loopback.
"""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import (
    get_access_token_model,
    get_device_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.views import DeviceAuthorizationView as DotDeviceAuthorizationView

from .polllog import polls_of


class DeviceAuthorizationView(DotDeviceAuthorizationView):
    """DOT's device authorization endpoint, with a shorter code lifetime per client.

    oauthlib's ``DeviceApplicationServer`` never passes ``expires_in`` on, so every code
    lives 1800 s. DOT's view builds the ``DeviceGrant`` row (``expires`` column) from the
    response dict this method returns, so changing ``expires_in`` here keeps the answer
    to the device and DOT's own expiry check on the user page in agreement.
    """

    def create_device_authorization_response(self, request: HttpRequest) -> Any:
        headers, response, status = super().create_device_authorization_response(request)
        lifetime = settings.DEVICE_CODE_LIFETIMES.get(request.POST.get("client_id"))
        if status == 200 and lifetime is not None:
            response["expires_in"] = lifetime
        return headers, response, status


def _checksum(token: str) -> str:
    # DOT looks tokens up by the SHA-256 of their value (TokenChecksumField).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _access_token(value: str) -> Any:
    return get_access_token_model().objects.filter(token_checksum=_checksum(value)).first()


def _describe(access_token: Any) -> dict[str, Any]:
    refresh = getattr(access_token, "refresh_token", None)
    return {
        "access_token": "expired" if access_token.is_expired() else "live",
        "scope": access_token.scope,
        "refresh_token_id": refresh.pk if refresh is not None else None,
        # Handed to the tests so they can check the client never prints it.
        "refresh_token_value": refresh.token if refresh is not None else None,
    }


def _refresh_state(pk: int) -> str:
    refresh = get_refresh_token_model().objects.filter(pk=pk).first()
    if refresh is None:
        return "absent"
    return "revoked" if refresh.revoked is not None else "active"


def _device_grant(user_code: str) -> HttpResponse:
    grant = get_device_grant_model().objects.filter(user_code=user_code).first()
    if grant is None:
        return JsonResponse({"device_grant": "absent"}, status=404)
    return JsonResponse(
        {
            "status": grant.status,
            # Handed to the tests so they can check the client never prints it.
            "device_code": grant.device_code,
            "expires": grant.expires.timestamp(),
            "polls": polls_of(grant.device_code),
        }
    )


@csrf_exempt
@require_POST
def control(request: HttpRequest) -> HttpResponse:
    """Test-only token administration; JSON in, JSON out.

    ``{"action": "describe", "access_token": T}`` -> state of T and its refresh token
    ``{"action": "expire_access_token", "access_token": T}`` -> T expires now
    ``{"action": "revoke_refresh_token", "access_token": T}`` -> DOT's RefreshToken.revoke()
        on T's refresh token (which also deletes T, as DOT does)
    ``{"action": "refresh_token_state", "refresh_token_id": N}`` -> active/revoked/absent
    ``{"action": "device_grant", "user_code": U}`` -> status, expiry (epoch seconds) and
        the arrival times of the token requests that carried its device code
    """
    key = request.headers.get("X-Idp-Control-Key", "")
    if request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1") or not hmac.compare_digest(
        key.encode(), settings.CONTROL_KEY.encode()
    ):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        order = json.loads(request.body)
        action = order["action"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad_request"}, status=400)

    if action == "device_grant":
        return _device_grant(str(order.get("user_code", "")))
    if action == "refresh_token_state":
        return JsonResponse({"refresh_token": _refresh_state(int(order["refresh_token_id"]))})

    token = _access_token(str(order.get("access_token", "")))
    if token is None:
        return JsonResponse({"access_token": "absent"}, status=404)
    if action == "describe":
        return JsonResponse(_describe(token))
    if action == "expire_access_token":
        token.expires = timezone.now() - timedelta(seconds=1)
        token.save(update_fields=["expires"])
        return JsonResponse(_describe(token))
    if action == "revoke_refresh_token":
        refresh = getattr(token, "refresh_token", None)
        if refresh is None:
            return JsonResponse({"error": "no_refresh_token"}, status=409)
        refresh.revoke()
        return JsonResponse({"refresh_token": _refresh_state(refresh.pk)})
    return JsonResponse({"error": "unknown_action"}, status=400)
