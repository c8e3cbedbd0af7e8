"""DeviceFlow: the OAuth 2.0 Device Authorization Grant (RFC 8628) as a sans-IO machine.

The driver owns the clock and the network::

    flow = DeviceFlow(profile)
    request = flow.start(now)
    while not flow.done:
        try:
            response = transport(request)
        except TransportError as e:
            events = flow.fail(clock(), e)
        else:
            events = flow.receive(response, clock())
        ...show events...
        while not flow.done and (request := flow.next_request(clock())) is None:
            sleep_until(flow.wake_at()); ...show flow.check(clock())...

That loop is written once, in driver.py. Every way a flow ends is an outcome (outcomes.py):
its final event, the table's input and the final state share the name; ``cancel()`` too
returns the ``cancelled`` event.

Each RFC rule is quoted beside the code that keeps it. States and transitions are in
states.py. Times are the driver's monotonic seconds.
"""

from device_app.core import errors, events, outcomes, states
from device_app.core.backoff import BACKOFF_CAP, RETRY_AFTER_CAP, backoff_delay
from device_app.core.errors import UsageError
from device_app.core.events import Event
from device_app.core.formenc import encode_form, split_url
from device_app.core.http import Request
from device_app.core.jsonparse import clamp, get_number, get_str
from device_app.core.profile import (
    DEFAULT_EXPIRES,
    DEFAULT_INTERVAL,
    FORM_TYPE,
    MAX_EXPIRES,
    MAX_INTERVAL,
)
from device_app.core.responses import R_ERROR, R_TOKENS, R_TRANSIENT, interpret, retry_after
from device_app.core.sanitize import check_uri, check_user_code, clean_text
from device_app.core.tokens import token_set

# RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent
# requests."
SLOW_DOWN_STEP = 5.0
# A device authorization request that fails on the network is retried this many times
# before the flow reports a network error (the UI then offers to try again).
CODE_ATTEMPTS = 3
SNAPSHOT_VERSION = 1
UNAVAILABLE = (502, 503, 504)  # gateway and availability failures: retried with backoff


def _zero():
    return 0.0


def _num(x):
    """Whole seconds as an int (5, not 5.0) for events and JSON lines."""
    return int(x) if x == int(x) else x


class DeviceFlow:
    """One run of the device flow, from "ask for a code" to tokens or a final answer."""

    def __init__(self, profile, rand=None):
        self.profile = profile
        self.rand = rand if rand is not None else _zero
        self.state = states.IDLE
        self.device_code = None
        self.user_code = None
        self.verification_uri = None
        self.verification_uri_complete = None
        self.message = None
        self.expires_in = None
        self.interval = DEFAULT_INTERVAL
        self.deadline = 0.0  # monotonic time the code stops being valid (once a code is held)
        self.next_due = 0.0  # monotonic time the next request may be sent
        self.failures = 0  # consecutive transient failures (backoff exponent)
        self.polls = 0
        self.tokens = None
        self.result = None  # the final Event

    # ----------------------------------------------------------------- state machine
    def _go(self, what):
        nxt = states.next_state(self.state, what)
        if nxt is None:
            raise UsageError("%s is not allowed in state %s" % (what, self.state))
        self.state = nxt

    @property
    def done(self):
        return self.state in states.FINAL

    def _finish(self, event):
        """End the flow with ``event``, whose kind is the outcome (and the table's input)."""
        self._go(event.kind)
        self.result = event
        # RFC 8628 §5.2: the device code is a secret; drop it as soon as it is of no use.
        self.device_code = None
        return [event]

    # ----------------------------------------------------------------- requests
    def start(self, now):
        """Begin: the device authorization request (RFC 8628 §3.1)."""
        self._go(states.START)
        return self._code_request()

    def _code_request(self):
        p = self.profile
        form = {}  # type: dict
        headers = {"Content-Type": FORM_TYPE, "Accept": "application/json"}
        # §3.1: "client_id REQUIRED if the client is not authenticating with the authorization
        # server as described in Section 3.2.1. of [RFC6749]."
        p.client_auth_fields(form, headers)
        if p.scope:
            form["scope"] = p.scope
        for k in p.extra_params:
            form[k] = p.extra_params[k]
        return Request(
            "POST",
            p.device_authorization_endpoint,
            headers,
            form,
            encode_form(form),
            ("client_secret",),
        )

    def _poll_request(self):
        p = self.profile
        # §3.4: grant_type, device_code and client_id (when not authenticating).
        form = {"grant_type": p.grant_type, "device_code": self.device_code}
        headers = {"Content-Type": FORM_TYPE, "Accept": "application/json"}
        p.client_auth_fields(form, headers)
        return Request(
            "POST",
            p.token_endpoint,
            headers,
            form,
            encode_form(form),
            ("device_code", "client_secret"),
        )

    def next_request(self, now):
        """The request to send now, or None when nothing is due yet (or the flow is over)."""
        if self.state == states.BACKING_OFF and now >= self.next_due:
            self._go(states.RETRY_DUE)
            return self._code_request()
        if self.state != states.WAITING or now < self.next_due:
            return None
        if now >= self.deadline:
            return None  # check() reports the expiry
        self._go(states.POLL)
        self.polls += 1
        return self._poll_request()

    def wake_at(self):
        """When the driver should next call check()/next_request(), or None."""
        if self.state == states.BACKING_OFF:
            return self.next_due
        if self.state == states.WAITING:
            return min(self.next_due, self.deadline)
        if self.state == states.POLLING:
            return self.deadline
        return None

    def check(self, now):
        """Enforce the local deadline.

        RFC 8628 §3.2 ``expires_in`` is the lifetime of the codes; a server that keeps saying
        "pending" after it (django-oauth-toolkit does) must not keep the device polling.
        """
        if self.state in (states.WAITING, states.POLLING) and now >= self.deadline:
            return self._finish(Event(outcomes.EXPIRED, {"reason": "deadline"}))
        return []

    def cancel(self):
        """Stop: the user pressed Back or the app is shutting down. Returns the events."""
        if self.done:
            return []
        return self._finish(Event(outcomes.CANCELLED))

    # ----------------------------------------------------------------- responses
    def receive(self, response, now):
        """Take the response to the last request; ``now`` is when it was received."""
        if self.state == states.REQUESTING:
            return self._receive_code(response, now)
        if self.state == states.POLLING:
            return self._receive_poll(response, now)
        raise UsageError("no request is in flight (state %s)" % self.state)

    def fail(self, now, error):
        """The last request got no usable response (a TransportError)."""
        if self.state not in (states.REQUESTING, states.POLLING):
            raise UsageError("no request is in flight (state %s)" % self.state)
        reason = getattr(error, "reason", errors.REASON_OTHER)
        if reason == errors.REASON_TLS:
            # A certificate that does not verify is an attack or a misconfiguration; retrying
            # would only hide it.
            return self._fail(outcomes.NETWORK, reason, str(error))
        retry_after = getattr(error, "retry_after", None)
        if self.state == states.REQUESTING:
            return self._code_transient(now, reason, retry_after)
        return self._poll_transient(now, reason, retry_after)

    # --- device authorization response (RFC 8628 §3.2)
    def _receive_code(self, response, now):
        out = interpret(response, retry_after(response))
        if out.kind == R_ERROR:
            cls = errors.classify(out.error, self.profile.error_map)
            if cls == errors.C_TRANSIENT or cls == errors.C_SLOW_DOWN:
                return self._code_transient(now, out.error, out.retry_after)
            category = (
                outcomes.CONFIGURATION if cls == errors.C_CONFIGURATION else outcomes.PROTOCOL
            )
            return self._fail(category, out.error, out.description)
        if out.kind == R_TRANSIENT:
            return self._code_transient(now, out.description, out.retry_after)
        if out.data is None or not (200 <= out.status < 300):
            return self._fail(outcomes.PROTOCOL, "invalid_response", out.description)
        return self._accept_code(out.data, now)

    def _accept_code(self, data, now):
        """A 2xx device authorization answer: check it and show the code, or fail."""
        # §3.2: device_code, user_code, verification_uri and expires_in are REQUIRED.
        device_code = get_str(data, ("device_code", "deviceCode"))
        if device_code is None or len(device_code) > 4096:
            return self._fail(
                outcomes.PROTOCOL, "invalid_response", "the answer has no device_code"
            )
        try:
            user_code = check_user_code(data.get("user_code", data.get("userCode")))
        except ValueError as e:
            return self._fail(outcomes.PROTOCOL, "invalid_response", "unusable user_code: %s" % e)
        p = self.profile
        raw_uri = get_str(data, ("verification_uri", "verification_url", "verificationUri"))
        try:
            uri = check_uri(raw_uri, p.insecure_hosts, p.allowed_hosts)
        except ValueError as e:
            return self._fail(
                outcomes.PROTOCOL, "unsafe_verification_uri", "verification_uri refused: %s" % e
            )
        complete = get_str(
            data,
            ("verification_uri_complete", "verification_url_complete", "verificationUriComplete"),
        )
        complete = self._checked_complete(complete, uri, device_code)
        # §3.2: "If no value is provided, clients MUST use 5 as the default."
        interval = clamp(
            get_number(data, ("interval",)),
            self.profile.min_interval,
            MAX_INTERVAL,
            DEFAULT_INTERVAL,
        )
        expires_in = clamp(
            get_number(data, ("expires_in", "expiresIn")),
            2 * interval,
            MAX_EXPIRES,
            DEFAULT_EXPIRES,
        )
        self._go(states.GOT_CODE)
        self.device_code = device_code
        self.user_code = user_code
        self.verification_uri = uri
        self.verification_uri_complete = complete
        self.message = clean_text(get_str(data, ("message",)))
        self.interval = interval
        self.expires_in = expires_in
        self.deadline = now + expires_in
        self.failures = 0
        # §3.5: "the client MUST wait at least the number of seconds specified by the interval
        # parameter" - so the first poll, too, comes one interval after the code.
        self.next_due = now + interval
        return [self.code_event(now)]

    def _checked_complete(self, complete, uri, device_code):
        """``verification_uri_complete`` if it may go into a QR code, else None."""
        if complete is None:
            return None
        p = self.profile
        try:
            check_uri(complete, p.insecure_hosts, p.allowed_hosts)
            # The QR code must lead where the text says: same host as verification_uri.
            if split_url(complete)[2] != split_url(uri)[2]:
                return None
        except ValueError:
            return None  # show the plain URI; the user types the code
        # §5.2: the device code is a secret; never put it in a QR code.
        if device_code in complete:
            return None
        return complete

    def code_event(self, now):
        """The ``code`` event for what is on screen now (also after a resume)."""
        return Event(
            events.CODE,
            {
                "user_code": self.user_code,
                "verification_uri": self.verification_uri,
                "verification_uri_complete": self.verification_uri_complete,
                "expires_in": int(self.deadline - now + 0.5),  # 1800.0 must not show as 1799
                "interval": _num(self.interval),
                "message": self.message,
                "expires_at": self.deadline,
            },
        )

    def _code_transient(self, now, reason, retry_after):
        self.failures += 1
        if self.failures >= CODE_ATTEMPTS:
            return self._fail(
                outcomes.NETWORK,
                "unreachable",
                clean_text("could not reach the server: %s" % reason),
            )
        delay = backoff_delay(1.0, self.failures, self.rand)
        if retry_after is not None and retry_after > delay:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        self._go(states.CODE_RETRY)
        return self._retry_at(now, delay, reason)

    def _retry_at(self, now, delay, reason):
        self.next_due = now + delay
        data = {
            "reason": clean_text(reason, 80),
            "delay": round(delay, 2),
            "attempt": self.failures,
        }
        return [Event(events.RETRYING, data)]

    # --- token endpoint answers while polling (RFC 8628 §3.5)
    def _receive_poll(self, response, now):
        out = interpret(response, retry_after(response), self.profile.empty_error_bodies)
        if out.kind == R_TOKENS:
            return self._authorized(out.data)
        if out.kind == R_TRANSIENT:
            return self._poll_transient(now, out.description, out.retry_after)
        if out.kind != R_ERROR:
            return self._fail(outcomes.PROTOCOL, "invalid_response", out.description)
        return self._poll_error(out, now)

    def _authorized(self, data):
        try:
            tokens = token_set(data, None, self.profile.dpop)  # the driver stamps the times
        except errors.ProtocolError as e:
            return self._fail(outcomes.PROTOCOL, "invalid_token_response", str(e))
        self.tokens = tokens
        public = {
            "token_type": tokens["token_type"],
            "scope": tokens["scope"],
            "expires_in": tokens["expires_in"],
            "tokens": tokens,
        }
        return self._finish(Event(outcomes.AUTHORIZED, public))

    def _poll_error(self, out, now):
        cls = errors.classify(out.error, self.profile.error_map)
        if cls == errors.C_PENDING or cls == errors.C_SLOW_DOWN:
            return self._keep_polling(cls == errors.C_SLOW_DOWN, out, now)
        if cls == errors.C_DENIED:
            # §3.5 access_denied: "The authorization request was denied."
            data = {"error": self._scrub(out.error), "description": self._scrub(out.description)}
            return self._finish(Event(outcomes.DENIED, data))
        if cls == errors.C_EXPIRED or (
            out.error in self.profile.expired_aliases and now >= self.deadline - self.interval
        ):
            # §3.5 expired_token: "The client MAY commence a new device authorization request
            # but SHOULD wait for user interaction before restarting."
            return self._finish(Event(outcomes.EXPIRED, {"reason": "server"}))
        if out.status in UNAVAILABLE or (out.status == 429 and cls == errors.C_TRANSIENT):
            # 502/503/504 mean the server (or its gateway) is not there to answer, whatever the
            # body says; a 429 rate limit likewise. Like a failed connection, they slow the
            # polling down (§3.5) instead of ending a flow the user may be completing.
            return self._poll_transient(now, out.error, out.retry_after)
        # §3.5: "if the client receives an error response with any other error code, it MUST
        # stop polling and SHOULD display an error to the user." That includes a 500 with an
        # error code (django-oauth-toolkit's internal_error): only outages are retried.
        if cls != errors.C_BAD_CODE and cls != errors.C_CONFIGURATION:
            cls = outcomes.PROTOCOL
        return self._fail(cls, out.error, out.description)

    def _keep_polling(self, slow_down, out, now):
        """authorization_pending or slow_down: the next poll, one (longer) interval later."""
        if slow_down:
            # §3.5 slow_down: "the interval MUST be increased by 5 seconds for this and all
            # subsequent requests." GitHub also sends the new interval: take the larger.
            self.interval += SLOW_DOWN_STEP
        # §3.5 authorization_pending: "the client SHOULD repeat the access token request to
        # the token endpoint (a process known as polling)". A larger interval sent by the
        # server is honoured; a smaller one never undoes an earlier slow_down.
        self._raise_interval(get_number(out.data, ("interval",)))
        if now >= self.deadline:
            return self.check(now)
        kind = events.SLOW_DOWN if slow_down else events.PENDING
        self._go(kind)  # states.SLOW_DOWN / states.PENDING: the same words
        self.failures = 0
        self.next_due = now + self.interval  # counted from the receipt of this response
        return [Event(kind, {"interval": _num(self.interval)})]

    def _raise_interval(self, server_interval):
        if server_interval is not None and server_interval > self.interval:
            # An absurd server value is capped, but the cap never undoes earlier slow_downs.
            capped = min(server_interval, MAX_INTERVAL + SLOW_DOWN_STEP * 12)
            self.interval = max(self.interval, capped)

    def _poll_transient(self, now, reason, retry_after):
        # §3.5: "On encountering a connection timeout, clients MUST unilaterally reduce their
        # polling frequency before retrying." Doubling from the interval, capped, jittered;
        # the flow lives on until its deadline.
        self.failures += 1
        # The first failure already doubles the wait: "reduce their polling frequency".
        delay = backoff_delay(
            2 * self.interval, self.failures, self.rand, max(BACKOFF_CAP, 2 * self.interval)
        )
        if retry_after is not None and retry_after > delay:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        if now >= self.deadline:
            return self.check(now)
        self._go(states.TRANSIENT)
        return self._retry_at(now, delay, reason)

    def _scrub(self, text):
        # §5.2: a server that echoes the device code in its error text must not get it shown.
        if text and self.device_code and self.device_code in text:
            text = text.replace(self.device_code, "[device code]")
        return text

    def _fail(self, category, code, description):
        """End as FAILED; ``category`` is one of outcomes.CATEGORIES."""
        data = {
            "category": category,
            "error": clean_text(self._scrub(code), 80),
            "description": clean_text(self._scrub(description)),
        }
        return self._finish(Event(outcomes.FAILED, data))

    # ----------------------------------------------------------------- persistence
    def snapshot(self, now, wall_now):
        """A dict to persist while a code is on screen, so a power cut does not lose it.

        It holds the device code: store it only where tokens are stored (owner-only).
        """
        if self.state not in (states.WAITING, states.POLLING):
            return None
        return {
            "v": SNAPSHOT_VERSION,
            "device_code": self.device_code,
            "user_code": self.user_code,
            "verification_uri": self.verification_uri,
            "verification_uri_complete": self.verification_uri_complete,
            "message": self.message,
            "interval": self.interval,
            "expires_in": self.expires_in,
            "saved_at": wall_now,
            "expires_at_wall": wall_now + (self.deadline - now),
        }

    @classmethod
    def resume(cls, profile, snap, now, wall_now, rand=None):
        """A flow waiting on a persisted code, or None when the code cannot still be valid.

        A Pi has no real-time clock: if the wall clock reads earlier than when the snapshot was
        taken, the time passed is unknown, so the code is not trusted.
        """
        try:
            if snap.get("v") != SNAPSHOT_VERSION:
                return None
            saved = float(snap["saved_at"])
            remaining = float(snap["expires_at_wall"]) - wall_now
            interval = float(snap["interval"])
            expires_in = float(snap["expires_in"])
            device_code = snap["device_code"]
            user_code = check_user_code(snap["user_code"])
            uri = check_uri(snap["verification_uri"], profile.insecure_hosts, profile.allowed_hosts)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not isinstance(device_code, str) or not device_code:
            return None
        if wall_now < saved or remaining <= interval or remaining > expires_in:
            return None
        if expires_in > MAX_EXPIRES:
            return None  # the flow never grants more: this is not a snapshot it wrote
        flow = cls(profile, rand)
        flow.state = states.WAITING
        flow.device_code = device_code
        flow.user_code = user_code
        flow.verification_uri = uri
        complete = snap.get("verification_uri_complete")
        flow.verification_uri_complete = flow._checked_complete(
            complete if isinstance(complete, str) else None, uri, device_code
        )
        flow.message = clean_text(snap.get("message"))
        # Bounded by the time left (checked above), and never below a slowed-down interval.
        flow.interval = clamp(interval, profile.min_interval, remaining, DEFAULT_INTERVAL)
        flow.expires_in = expires_in
        flow.deadline = now + remaining
        flow.next_due = now + flow.interval
        return flow
