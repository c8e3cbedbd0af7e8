"""Bad requests get the RFC's error in the dialect's shape, never a 500."""

from __future__ import annotations

import pytest
import requests

from .conftest import DEVICE_GRANT, StartFn, device_authorize


@pytest.fixture
def srv(start: StartFn):  # type: ignore[no-untyped-def]
    return start()


def _token(srv, **data: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(srv.endpoints["token"], data=data, timeout=5)


def _device(srv, **data: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(srv.endpoints["device_authorization"], data=data, timeout=5)


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        # RFC 6749 §5.2 allows 401 for invalid_client; Authlib (and oauthlib) send it.
        ({"client_id": "nobody"}, 400, "invalid_client"),
        ({"scope": "openid"}, 401, "invalid_client"),  # no client_id
        ({}, 400, "invalid_request"),  # no body at all
        ({"client_id": "tv-demo", "scope": "openid admin"}, 400, "invalid_scope"),
        ({"client_id": "tv-confidential"}, 401, "invalid_client"),  # must authenticate
        ({"client_id": "tv-confidential", "client_secret": "wrong"}, 401, "invalid_client"),
    ],
)
def test_device_authorization_errors(srv, data, status, error) -> None:  # type: ignore[no-untyped-def]
    resp = _device(srv, **data)
    assert (resp.status_code, resp.json()["error"]) == (status, error)
    assert resp.headers["Content-Type"].startswith("application/json")


def test_wrong_basic_auth_is_401(srv) -> None:  # type: ignore[no-untyped-def]
    resp = requests.post(
        srv.endpoints["device_authorization"],
        timeout=5,
        data={"scope": "openid"},
        auth=("tv-confidential", "wrong"),
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    assert "Basic" in resp.headers.get("WWW-Authenticate", "")


def test_token_endpoint_errors(srv) -> None:  # type: ignore[no-untyped-def]
    dc = device_authorize(srv)["device_code"]
    cases = [
        ({"grant_type": DEVICE_GRANT, "client_id": "tv-demo"}, "invalid_request"),
        ({"grant_type": DEVICE_GRANT, "device_code": dc, "client_id": "nobody"}, "invalid_client"),
        ({"grant_type": DEVICE_GRANT, "device_code": dc}, "invalid_client"),
        ({"grant_type": "password", "client_id": "tv-demo"}, "unsupported_grant_type"),
        ({"client_id": "tv-demo", "device_code": dc}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "client_id": "tv-demo"}, "invalid_request"),
        (
            {
                "grant_type": DEVICE_GRANT,
                "device_code": dc,
                "client_id": "tv-confidential",
                "client_secret": "demo-secret",
            },
            "invalid_grant",
        ),  # another client's code
    ]
    for data, error in cases:
        resp = _token(srv, **data)
        assert resp.status_code in (400, 401), (data, resp.text)
        assert resp.json()["error"] == error, (data, resp.text)


def test_duplicate_parameters_and_wrong_content_type(srv) -> None:  # type: ignore[no-untyped-def]
    dup = requests.post(
        srv.endpoints["device_authorization"],
        timeout=5,
        data=[("client_id", "tv-demo"), ("client_id", "tv-demo")],
    )
    assert dup.status_code == 400 and dup.json()["error"] == "invalid_request"
    as_json = requests.post(srv.endpoints["token"], json={"grant_type": DEVICE_GRANT}, timeout=5)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    huge = requests.post(srv.endpoints["token"], data={"x": "y" * 100_000}, timeout=5)
    assert huge.status_code == 413 and huge.json()["error"] == "invalid_request"


def test_wrong_methods_and_garbage_never_500(srv) -> None:  # type: ignore[no-untyped-def]
    for url in (
        srv.endpoints["token"],
        srv.endpoints["device_authorization"],
        srv.endpoints["revocation"],
    ):
        resp = requests.get(url, timeout=5)
        assert resp.status_code == 405 and resp.json()["error"] == "invalid_request"
    garbage = requests.post(
        srv.endpoints["token"],
        data=b"\xff\xfe=%%%&&==",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert garbage.status_code < 500
    page = requests.post(srv.endpoints["verification"], data={"user_code": "x"}, timeout=5)
    assert page.status_code == 400  # no CSRF token
    admin = requests.put(
        f"{srv.base_url}/admin/api/faults",
        data="{",
        timeout=5,
        headers={"Content-Type": "application/json"},
    )
    assert admin.status_code == 400


def test_github_bad_client_is_incorrect_client_credentials(start: StartFn) -> None:
    srv = start("github")
    resp = requests.post(
        srv.endpoints["token"] or "",
        timeout=5,
        headers={"Accept": "application/json"},
        data={"grant_type": DEVICE_GRANT, "device_code": "x", "client_id": "nobody"},
    )
    assert resp.status_code == 200
    assert resp.json()["error"] == "incorrect_client_credentials"


def test_random_forms_never_get_a_5xx(start: StartFn) -> None:
    """Hypothesis: any form sent to any API endpoint of any dialect gets a 2xx/4xx answer."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    servers = {d: start(d) for d in ("standard", "github", "microsoft", "google")}
    names = st.sampled_from(
        [
            "grant_type",
            "device_code",
            "client_id",
            "client_secret",
            "scope",
            "refresh_token",
            "token",
            "token_type_hint",
            "x",
        ]
    )
    values = st.one_of(
        st.sampled_from(
            [
                DEVICE_GRANT,
                "refresh_token",
                "tv-demo",
                "tv-confidential",
                "demo-secret",
                "openid",
                "",
            ]
        ),
        st.text(max_size=40),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        dialect=st.sampled_from(sorted(servers)),
        endpoint=st.sampled_from(["device_authorization", "token", "revocation", "userinfo"]),
        form=st.dictionaries(names, values, max_size=5),
    )
    def check(dialect: str, endpoint: str, form: dict[str, str]) -> None:
        url = servers[dialect].endpoints[endpoint]
        if url is None:
            return
        resp = requests.post(url, data=form, timeout=5)
        assert resp.status_code < 500, (dialect, endpoint, form, resp.text)

    check()
