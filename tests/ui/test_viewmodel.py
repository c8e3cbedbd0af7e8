"""The view-model is built from event dicts and a clock reading, nothing else."""

from __future__ import annotations

import pytest

from device_app.ui import viewmodel as vm


def test_code_prefers_the_complete_uri_for_the_qr() -> None:
    info = vm.code_from_public(
        {
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://e.com/d",
            "verification_uri_complete": "https://e.com/d?c=ABCD",
            "expires_in": 300,
        },
        now=50.0,
    )
    assert info is not None
    assert info.qr_payload == "https://e.com/d?c=ABCD"
    assert info.expires_at == 350.0


@pytest.mark.parametrize("complete", [None, "", "not a uri", "javascript:x"])
def test_qr_falls_back_to_the_verification_uri(complete: object) -> None:
    info = vm.code_from_public(
        {
            "user_code": "X",
            "verification_uri": "https://e.com/d",
            "verification_uri_complete": complete,
            "expires_in": 60,
        },
        0.0,
    )
    assert info is not None and info.qr_payload == "https://e.com/d"


def test_code_without_uri_is_unusable() -> None:
    assert vm.code_from_public({"user_code": "X", "verification_uri": ""}, 0.0) is None
    assert vm.code_from_public({"user_code": "", "verification_uri": "https://e"}, 0.0) is None


def test_device_code_never_reaches_the_view_model() -> None:
    info = vm.code_from_public(
        {
            "user_code": "X",
            "verification_uri": "https://e.com",
            "device_code": "SECRET-DEVICE-CODE",
            "expires_in": 60,
        },
        0.0,
    )
    assert "SECRET-DEVICE-CODE" not in repr(info)


@pytest.mark.parametrize(
    ("info", "name"),
    [
        ({"name": "Ada Lovelace", "preferred_username": "ada"}, "Ada Lovelace"),
        ({"preferred_username": "ada"}, "ada"),
        ({"login": "octocat", "id": 1}, "octocat"),  # GitHub /user
        ({"sub": "123"}, ""),
    ],
)
def test_user_name_precedence(info: dict[str, object], name: str) -> None:
    assert vm.user_from_userinfo(info).name == name


def test_user_details_are_cleaned_and_bounded() -> None:
    u = vm.user_from_userinfo({"name": "A", "email": "a@e.com\x1b[2J", "sub": "s" * 300})
    labels = dict(u.details)
    assert labels["E-mail"] == "a@e.com[2J"
    assert len(labels["Account ID"]) <= 60


def test_seconds_until_rounds_up_and_next_tick_is_the_change() -> None:
    assert vm.seconds_until(10.0, 0.2) == 10
    assert vm.seconds_until(10.0, 10.5) == 0
    t = vm.next_tick(10.0, 0.2)
    assert t is not None and t == pytest.approx(1.0)
    assert vm.seconds_until(10.0, t) == 9
    assert vm.next_tick(10.0, 10.0) is None


def test_format_clock() -> None:
    assert vm.format_clock(582) == "9:42"
    assert vm.format_clock(3723) == "1:02:03"
    assert vm.format_clock(-5) == "0:00"


def test_expiring_under_a_minute() -> None:
    state = vm.ScreenState(
        screen=vm.ACTIVATION,
        code=vm.code_from_public(
            {"user_code": "X", "verification_uri": "https://e.com", "expires_in": 120}, 0.0
        ),
    )
    assert not vm.build(state, "TV", False, 60.0).expiring
    v = vm.build(state, "TV", False, 61.0)
    assert v.seconds_left == 59 and v.expiring
