"""Whether DPoP is on: the --dpop flag, a profile file's ``dpop`` key, and the metadata."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from device_app.core.errors import ConfigurationError
from device_app.core.http import Request, Response
from device_app.engine.config import resolve_profile
from device_app.engine.flags import add_provider_arguments, settings_from_args

ISSUER = "https://auth.example.test"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_provider_arguments(parser)
    return parser.parse_args(["--issuer", ISSUER, "--client-id", "tv", *argv])


def server(algs: list[str] | None) -> object:
    doc: dict[str, object] = {
        "issuer": ISSUER,
        "device_authorization_endpoint": ISSUER + "/device",
        "token_endpoint": ISSUER + "/token",
    }
    if algs is not None:
        doc["dpop_signing_alg_values_supported"] = algs

    def answer(request: Request) -> Response:
        return Response(200, {"Content-Type": "application/json"}, json.dumps(doc).encode())

    return answer


@pytest.mark.parametrize(
    ("flag", "algs", "on"),
    [
        ((), ["ES256", "RS256"], True),  # auto: the server offers ES256
        ((), ["RS256"], False),
        ((), None, False),
        (("--dpop", "off"), ["ES256"], False),
        (("--dpop", "on"), None, True),
        (("--dpop", "auto"), ["ES256"], True),
    ],
)
def test_dpop_follows_the_flag_then_the_metadata(
    flag: tuple[str, ...], algs: list[str] | None, on: bool
) -> None:
    settings = settings_from_args(parse(*flag))
    assert resolve_profile(settings, server(algs), None).dpop is on


def test_a_profile_file_turns_dpop_off_and_a_bad_value_is_named(tmp_path: Path) -> None:
    good = tmp_path / "p.toml"
    good.write_text('dpop = "off"\n')
    settings = settings_from_args(parse("--provider", str(good)))
    assert resolve_profile(settings, server(["ES256"]), None).dpop is False
    bad = tmp_path / "bad.toml"
    bad.write_text('dpop = "yes"\n')
    with pytest.raises(ConfigurationError, match="dpop must be one of auto, on, off"):
        settings_from_args(parse("--provider", str(bad)))
