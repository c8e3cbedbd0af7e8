"""The token lifecycle of one device profile: sign in, keep tokens fresh, call the API, sign out.

The session glues the sans-IO core to a transport and the token store. Rules it keeps
(design-notes §4):

- refresh ahead of expiry, under the store's cross-process lock (one refresh at a time);
- a rotated refresh token is on disk before the new access token is used;
- a refresh that fails on the network keeps serving a still-valid access token;
- ``invalid_grant`` on refresh means the device must be authorized again;
- a 401 ``invalid_token`` from the API triggers one refresh and one retry;
- sign-out revokes the refresh token (RFC 7009) and wipes local state even when revocation
  fails; a revocation that could not be delivered is retried later.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from device_app.core import events as ev
from device_app.core import outcomes
from device_app.core import tokens as tk
from device_app.core.errors import (
    C_BAD_CODE,
    C_CONFIGURATION,
    DeviceAppError,
    OAuthError,
    ProtocolError,
    TransportError,
)
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.http import Request, Response
from device_app.core.profile import Profile
from device_app.core.sanitize import check_uri
from device_app.engine.errors import ReauthRequired as ReauthRequired
from device_app.engine.errors import outcome_of
from device_app.engine.logging_setup import register_secret
from device_app.engine.runner import run_flow
from device_app.engine.token_store import TokenStore, TokenStoreError

if TYPE_CHECKING:  # imported where used: hashlib, secrets and base64 only for DPoP
    from device_app.engine.dpop import DeviceKey, DPoP

log = logging.getLogger("device_app.engine.session")

Transport = Callable[[Request], Response]


class Session:
    """One device profile's tokens and the operations on them."""

    def __init__(
        self,
        profile: Profile | Callable[[], Profile],
        store: TokenStore,
        transport: Transport,
        *,
        device_name: str = "",
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._profile = profile
        self.store = store
        self.transport = transport
        self.device_name = device_name
        self.clock = clock
        self.wall = wall
        self.rand = rand
        self.warning: str | None = None  # the last thing the user should know about storage
        self._dpop: DPoP | None = None  # the signer of the stored key (keeps servers' nonces)
        self._memory: dict[str, Any] | None = None  # the document when the disk refused it

    # ----------------------------------------------------------------- helpers
    @property
    def profile(self) -> Profile:
        """The resolved profile (discovery runs on first use, so it may raise)."""
        if not isinstance(self._profile, Profile):
            self._profile = self._profile()
        return self._profile

    def _load(self) -> dict[str, Any]:
        if self._memory is not None:
            return dict(self._memory)
        doc = self.store.load()
        if self.store.warning:
            self.warning = self.store.warning
        doc = doc or {}
        tokens = doc.get("tokens")
        if isinstance(tokens, dict):
            _register_tokens(tokens)
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        try:
            self.store.save(doc)
        except TokenStoreError as e:
            # ENOSPC / EROFS: keep working from memory and say so (checklist item 41).
            self._memory = dict(doc)
            self.warning = str(e)
            log.error("could not save the token store: %s", e)
        else:
            self._memory = None

    def _send(self, request: Request) -> Response:
        return self.transport(request)

    @property
    def unsaved(self) -> bool:
        """True while the disk refused the last save and the document lives only in memory."""
        return self._memory is not None

    # ----------------------------------------------------------------- status
    def signed_in(self) -> bool:
        """True when tokens are stored (they may need a refresh)."""
        return bool(self._load().get("tokens"))

    def status(self) -> dict[str, Any]:
        """What ``device-app status`` shows; never a token value."""
        doc = self._load()
        tokens = doc.get("tokens") or {}
        now = self.wall()
        expires_at = tokens.get("expires_at")
        return {
            "signed_in": bool(tokens),
            "expires_in": int(expires_at - now) if expires_at else None,
            "scope": tokens.get("scope"),
            "has_refresh_token": bool(tokens.get("refresh_token")),
            "user": _public_user(doc.get("user")),
            "pending_code": bool(doc.get("pending")),
            "revocations_queued": len(doc.get("revoke_queue") or []),
            "reauth_reason": None if tokens else doc.get("reauth_reason"),
            # RFC 9449: bound tokens are useless without this device's key.
            "dpop_bound": bool(tokens) and tokens.get("token_type") == "DPoP",
            "warning": self.warning,
        }

    # ----------------------------------------------------------------- sign in
    def login(
        self, on_event: Callable[[Event], None], cancel: threading.Event | None = None
    ) -> Event:
        """Run the device flow until it ends; store the tokens; return the final event.

        A code that was on screen when the power went is shown again if still valid.
        """
        cancel = cancel or threading.Event()
        try:
            profile = self.profile
        except DeviceAppError as e:  # discovery or the settings failed: an outcome, not a crash
            final = outcome_of(e)
            if final is None:
                raise
            on_event(final)
            return final
        self.flush_revocations()
        doc = self._load()
        flow, request = self._flow_to_run(profile, doc, on_event)
        # RFC 9449: a new device key for each new authorization; proofs on the token polls.
        signer: DPoP | None = None
        if profile.dpop:
            from device_app.engine.dpop import DeviceKey, DPoP

            signer = DPoP(DeviceKey.generate(), self.wall)
        checked: list[Event] = []

        def relay(event: Event) -> None:
            # What an event announces is on disk before anyone hears of it: a listener that
            # reacts to "authorized" at once (the TV fetches the user's name) finds the tokens.
            if event.kind == outcomes.AUTHORIZED and signer is not None:
                event = _bound_or_error(event, signer.key)
                checked.append(event)
            if event.kind == ev.CODE:
                register_secret(flow.device_code)
                # Persist the pending code so a power cut does not lose it.
                doc["pending"] = flow.snapshot(self.clock(), self.wall())
                self._save(doc)
            elif event.terminal:
                self._finish_login(event, signer)
            on_event(event)

        transport = self._proving(signer, profile.token_endpoint)
        ended = run_flow(flow, transport, self.clock, cancel.wait, relay, request)
        return checked[-1] if checked else ended

    def _proving(self, signer: DPoP | None, url: str) -> Transport:
        """The transport, adding a DPoP proof to requests for ``url`` when ``signer`` is set."""
        if signer is None:
            return self.transport

        def send(request: Request) -> Response:
            if request.url != url:
                return self.transport(request)
            return signer.send(self.transport, request)

        return send

    def _flow_to_run(
        self, profile: Profile, doc: dict[str, Any], on_event: Callable[[Event], None]
    ) -> tuple[DeviceFlow, Request | None]:
        """The code still on screen from before a restart, else a new flow and its request."""
        now, wall = self.clock(), self.wall()
        if doc.get("pending"):
            flow = DeviceFlow.resume(profile, doc["pending"], now, wall, self.rand)
            if flow is not None:
                log.info("resuming the code that was on screen before the restart")
                register_secret(flow.device_code)
                on_event(flow.code_event(now))
                return flow, None
            doc["pending"] = None
            self._save(doc)
        flow = DeviceFlow(profile, self.rand)
        return flow, flow.start(now)

    def _finish_login(self, final: Event, signer: DPoP | None = None) -> None:
        """Drop the pending code and, when authorized, store the tokens (and their key)."""
        doc = self._load()
        doc["pending"] = None
        if final.kind == ev.AUTHORIZED:
            tokens = dict(final.data["tokens"])
            _register_tokens(tokens)
            tk.stamp(tokens, self.wall())
            doc["tokens"] = tokens
            # One record holds the key and the tokens bound to it: one atomic write saves
            # both or neither, so a crash can never pair a key with another key's tokens.
            doc["dpop_key"] = signer.key.record() if signer is not None else None
            doc["user"] = None
            doc["reauth_reason"] = None
            self._dpop = signer
        self._save(doc)

    def _signer(self, doc: dict[str, Any]) -> DPoP | None:
        """The DPoP signer of the stored key, or None when the tokens have no key."""
        record = doc.get("dpop_key")
        if not record:
            return None
        if self._dpop is None or self._dpop.key.record() != record:
            from device_app.engine.dpop import DeviceKey, DPoP

            try:
                self._dpop = DPoP(DeviceKey.from_record(record), self.wall)
            except ValueError:
                raise ReauthRequired(
                    "the stored DPoP key is damaged: authorize again with device-app login"
                ) from None
        return self._dpop

    # ----------------------------------------------------------------- tokens
    def access_token(self, min_ttl: float = 0.0) -> str:
        """A valid access token, refreshed first when it expires within ``min_ttl`` or soon."""
        return str(self._tokens(min_ttl)["access_token"])

    def _tokens(self, min_ttl: float = 0.0) -> dict[str, Any]:
        """The stored token set, refreshed first when needed (see :meth:`access_token`)."""
        with self.store.lock():
            doc = self._load()
            tokens = doc.get("tokens")
            if not tokens:
                raise ReauthRequired(
                    doc.get("reauth_reason") or "not signed in: run device-app login"
                )
            if tk.needs_refresh(tokens, self.wall(), min_ttl):
                tokens = self._refresh_locked(doc, tokens)
            return dict(tokens)

    def _refresh_locked(self, doc: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
        rt = tokens.get("refresh_token")
        still_valid = tokens.get("expires_at") is None or self.wall() < tokens["expires_at"]
        if not rt:
            if still_valid:
                return tokens
            raise ReauthRequired("the access token expired and there is no refresh token")
        signer = self._signer(doc)
        try:
            request = tk.refresh_request(self.profile, rt)
            # RFC 9449 §5: a public client's refresh token is bound to the key: prove it.
            response = signer.send(self.transport, request) if signer else self._send(request)
            new = tk.read_token_response(self.profile, response, self.wall(), bool(signer))
            if signer is not None:
                from device_app.engine.dpop import check_binding

                check_binding(signer.key, new)
        except TransportError as e:
            if still_valid:
                log.warning("refresh failed (%s); the current access token is still valid", e)
                return tokens
            raise
        except OAuthError as e:
            if e.category in (C_BAD_CODE,) or e.error in ("invalid_grant", "invalid_token"):
                # The grant is gone (revoked, expired, reused): only a new code helps. The
                # dead tokens are dropped so that status and token agree with the server.
                message = (
                    "the server no longer accepts this device's sign-in (%s): "
                    "authorize it again with device-app login" % e.error
                )
                doc["tokens"] = None
                doc["user"] = None
                doc["reauth_reason"] = message
                self._save(doc)
                raise ReauthRequired(message) from None
            if e.category == C_CONFIGURATION:
                raise
            if still_valid:
                log.warning("refresh refused (%s); the current access token is still valid", e)
                return tokens
            raise
        new = dict(tk.merge_refreshed(tokens, new))
        _register_tokens(new)
        doc["tokens"] = new
        # The rotated refresh token is on disk before the new access token is used.
        self._save(doc)
        return new

    def refresh(self) -> None:
        """Refresh now, whatever the expiry says."""
        self.access_token(min_ttl=float("inf"))

    # ----------------------------------------------------------------- the API
    def call(self, url: str, method: str = "GET") -> Response:
        """Call the API with the bearer token; on 401 invalid_token refresh once and retry."""
        try:
            check_uri(url, self.profile.insecure_hosts)
        except ValueError as e:
            raise ProtocolError("refusing to send the token to %s: %s" % (url, e)) from None
        response = self._call(url, method)
        if response.status == 200 and method == "GET" and url == self.profile.userinfo_endpoint:
            self._remember_user(response)  # so that status says who, after any such call
        return response

    def _call(self, url: str, method: str) -> Response:
        response = self._authorized(url, method, self._tokens())
        if response.status == 401:
            err = tk.www_authenticate_error(response.header("www-authenticate"))
            if err in (None, "invalid_token"):
                log.info("the API said invalid_token; refreshing once and retrying")
                self.refresh()
                response = self._authorized(url, method, self._tokens())
                if response.status == 401:
                    raise ReauthRequired(
                        "the API still refuses the token after a refresh: authorize again"
                    )
        return response

    def _authorized(self, url: str, method: str, tokens: dict[str, Any]) -> Response:
        """The API request with the token as its type says: Bearer, or DPoP with a proof."""
        token = str(tokens["access_token"])
        if tokens.get("token_type") != "DPoP":
            return self._send(tk.bearer_request(method, url, token))
        signer = self._signer(self._load())
        if signer is None:
            raise ReauthRequired("the DPoP key of these tokens is missing: authorize again")
        request = Request(method, url, {"Accept": "application/json"}, None, None)
        return signer.send(self.transport, request, access_token=token)

    def userinfo(self) -> dict[str, Any]:
        """The signed-in user's details from the provider's userinfo endpoint (the API)."""
        url = self.profile.userinfo_endpoint
        if not url:
            raise ProtocolError("this provider has no userinfo endpoint; give --userinfo-endpoint")
        response = self.call(url)
        if response.status != 200:
            raise ProtocolError("the userinfo endpoint answered HTTP %d" % response.status)
        try:
            data = json.loads(response.body)
        except ValueError:
            raise ProtocolError("the userinfo endpoint did not answer with JSON") from None
        if not isinstance(data, dict):
            raise ProtocolError("the userinfo endpoint did not answer with a JSON object")
        return data

    def _remember_user(self, response: Response) -> None:
        try:
            data = json.loads(response.body)
        except ValueError:
            return
        doc = self._load()
        if isinstance(data, dict) and doc.get("tokens"):
            doc["user"] = _public_user(data)
            self._save(doc)

    # ----------------------------------------------------------------- sign out
    def logout(self) -> bool:
        """Revoke at the server (best effort) and wipe local state. True if revoked there."""
        with self.store.lock():
            doc = self._load()
            tokens = doc.get("tokens") or {}
            queue = list(doc.get("revoke_queue") or [])
            token = tokens.get("refresh_token") or tokens.get("access_token")
            hint = "refresh_token" if tokens.get("refresh_token") else "access_token"
            revoked = False
            if token:
                result = self._revoke(token, hint, self._revocation_signer(doc))
                revoked = result == _REVOKED
                if result == _RETRY_LATER and self._can_revoke():
                    queue.append({"token": token, "hint": hint})
            self.store.clear()
            self._memory = None
            self._dpop = None
            if queue:
                # RFC 7009 §2.2.1: after a 503 "the client must assume the token still
                # exists"; keep only what is needed to retry the revocation later.
                self._save({"tokens": None, "pending": None, "user": None, "revoke_queue": queue})
            return revoked

    def _can_revoke(self) -> bool:
        try:
            return bool(self.profile.revocation_endpoint)
        except DeviceAppError:
            return True

    def _revocation_signer(self, doc: dict[str, Any]) -> DPoP | None:
        """The signer for revoking bound tokens; a server that does not want a proof ignores it."""
        try:
            return self._signer(doc)
        except ReauthRequired:
            return None

    def _revoke(self, token: str, hint: str, signer: DPoP | None = None) -> str:
        """_REVOKED, _RETRY_LATER (it did not get through) or _REFUSED (no retry will help)."""
        try:
            request = tk.revocation_request(self.profile, token, hint)
        except DeviceAppError as e:
            log.warning("could not revoke at the server: %s", e)
            return _RETRY_LATER
        if request is None:
            log.info("this provider has no revocation endpoint; signed out locally")
            return _REFUSED
        try:
            response = signer.send(self.transport, request) if signer else self._send(request)
        except TransportError as e:
            log.warning("could not reach the revocation endpoint: %s", e)
            return _RETRY_LATER
        # RFC 7009 §2.2: 200 also for tokens the server does not know.
        if response.status == 200:
            return _REVOKED
        log.warning("the revocation endpoint answered HTTP %d", response.status)
        # RFC 7009 §2.2.1: a 503 means "try again later"; so do other outages (5xx, 429).
        # Any other refusal (a public client refused with 401, say) is final: keeping the
        # token to send it again at every sign-in would only spread it around.
        if response.status >= 500 or response.status == 429:
            return _RETRY_LATER
        return _REFUSED

    def flush_revocations(self) -> None:
        """Retry revocations that could not be delivered at sign-out."""
        doc = self._load()
        queue = doc.get("revoke_queue") or []
        if not queue:
            return
        left = [item for item in queue if self._revoke(item["token"], item["hint"]) == _RETRY_LATER]
        doc["revoke_queue"] = left
        self._save(doc)


# What became of a revocation (Session._revoke).
_REVOKED = "revoked"
_RETRY_LATER = "retry later"
_REFUSED = "refused"


def _bound_or_error(event: Event, key: DeviceKey) -> Event:
    """The authorized event, or a protocol error when its token names another key."""
    from device_app.engine.dpop import check_binding

    try:
        check_binding(key, event.data["tokens"])
    except ProtocolError as e:
        log.error("%s", e)
        data = {"category": outcomes.PROTOCOL, "error": "dpop_key_mismatch", "description": str(e)}
        return Event(outcomes.FAILED, data)
    return event


def _register_tokens(tokens: dict[str, Any]) -> None:
    """Every secret of a token set is redacted from the logs from now on."""
    for key in ("access_token", "refresh_token", "id_token"):
        register_secret(tokens.get(key))


def display_name(user: Any) -> str | None:
    """How to greet a user: ``name``, else ``preferred_username``, else GitHub's ``login``."""
    if not isinstance(user, dict):
        return None
    for key in ("name", "preferred_username", "login"):
        if user.get(key):
            return str(user[key])
    return None


def _public_user(user: Any) -> dict[str, Any] | None:
    """The user fields worth showing, as short clean strings."""
    from device_app.core.sanitize import clean_text

    if not isinstance(user, dict):
        return None
    out = {}
    for key in ("name", "preferred_username", "login", "email", "sub", "locale"):
        value = user.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            out[key] = clean_text(str(value), 120)
    return out
