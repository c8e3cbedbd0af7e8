"""A profile's ``empty_error_bodies``: a bare HTTP error status that stands for an OAuth error.

glewlwyd answers a refresh token it no longer accepts (signed out on the web, rotated away,
expired) with HTTP 400 and no body at all. Read as it is, that is an answer no retry fixes;
the glewlwyd profile says it is ``invalid_grant``, so the device knows to authorize again.
"""

from __future__ import annotations

from typing import Any

import pytest

from device_app.core import responses as rs
from device_app.core import tokens as tk
from device_app.core.errors import ConfigurationError, OAuthError, ProtocolError
from device_app.core.flow import DeviceFlow
from device_app.core.http import Response
from device_app.core.profile import build_profile

from .fakes import ISSUER, REFRESH_TOKEN, T0, code_reply, kinds, pending, standard

WALL = 1_700_000_000.0
BARE_400 = Response(400, {"Content-Length": "0"}, b"")


def glewlwyd() -> Any:
    return build_profile("glewlwyd", "tv", issuer=ISSUER + "/api/oidc")


def test_the_glewlwyd_profile_reads_a_bare_400_from_the_token_endpoint_as_invalid_grant() -> None:
    with pytest.raises(OAuthError) as e:
        tk.read_token_response(glewlwyd(), BARE_400, WALL)
    assert (e.value.error, e.value.status, e.value.category) == ("invalid_grant", 400, "bad_code")
    assert "empty body" in (e.value.description or "")


def test_without_the_key_a_bare_400_stays_an_answer_no_retry_fixes() -> None:
    with pytest.raises(ProtocolError) as e:
        tk.read_token_response(standard(), BARE_400, WALL)
    assert not isinstance(e.value, OAuthError)
    assert rs.interpret(BARE_400).kind == rs.R_PROTOCOL


@pytest.mark.parametrize(
    "response",
    [
        Response(400, {"Content-Type": "application/json"}, b'{"error": "invalid_request"}'),
        Response(400, {"Content-Type": "text/html"}, b"<h1>Bad request</h1>"),
        Response(401, {}, b""),
        Response(503, {}, b""),
    ],
)
def test_only_the_named_status_with_nothing_in_it_is_mapped(response: Response) -> None:
    mapped = rs.interpret(response, None, {400: "invalid_grant"})
    plain = rs.interpret(response)
    assert (mapped.kind, mapped.error) == (plain.kind, plain.error)


def test_whitespace_counts_as_empty() -> None:
    out = rs.interpret(Response(400, {}, b" \r\n"), 7.0, {400: "invalid_grant"})
    assert (out.kind, out.error, out.data, out.retry_after) == (
        rs.R_ERROR,
        "invalid_grant",
        {},
        7.0,
    )


def test_a_bare_400_while_polling_ends_the_flow_as_the_mapped_error() -> None:
    flow = DeviceFlow(glewlwyd())
    flow.start(T0)
    flow.receive(code_reply(interval=5), T0)
    assert flow.next_request(T0 + 5) is not None
    assert kinds(flow.receive(pending(), T0 + 5)) == ["pending"]
    assert flow.next_request(T0 + 10) is not None
    evs = flow.receive(BARE_400, T0 + 10)
    assert kinds(evs) == ["error"]
    assert evs[0].public()["category"] == "bad_code"
    assert evs[0].public()["error"] == "invalid_grant"


def test_the_refresh_request_is_unchanged_by_the_key() -> None:
    request = tk.refresh_request(glewlwyd(), REFRESH_TOKEN)
    assert request.url == ISSUER + "/api/oidc/token"
    assert request.form == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": "tv",
    }


def test_statuses_may_be_given_as_strings() -> None:
    provider = {
        "endpoints": {"device_authorization": "{issuer}/d", "token": "{issuer}/t"},
        "empty_error_bodies": {"400": "invalid_grant"},
    }
    assert build_profile(provider, "c", issuer=ISSUER).empty_error_bodies == {400: "invalid_grant"}


@pytest.mark.parametrize(
    "bad",
    [{"200": "invalid_grant"}, {"four hundred": "invalid_grant"}, {400: ""}, {400: 7}, {None: "x"}],
)
def test_a_bad_map_is_a_configuration_error(bad: dict[Any, Any]) -> None:
    provider = {
        "endpoints": {"device_authorization": "{issuer}/d", "token": "{issuer}/t"},
        "empty_error_bodies": bad,
    }
    with pytest.raises(ConfigurationError, match="empty_error_bodies"):
        build_profile(provider, "c", issuer=ISSUER)


def test_other_shipped_profiles_keep_bare_answers_as_they_are() -> None:
    assert standard().empty_error_bodies == {}
    assert glewlwyd().empty_error_bodies == {400: "invalid_grant"}
    assert glewlwyd().error_map == {"access_denied": "bad_code"}
