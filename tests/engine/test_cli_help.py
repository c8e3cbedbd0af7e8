"""Help that helps, and the command line's own mistakes each said in one sentence."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from device_app.cli import exitcodes
from device_app.cli.commands import build_parser
from device_app.engine.flags import settings_from_args


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_subcommand_and_option_explains_itself() -> None:
    commands = subcommands()
    assert {"login", "status", "token", "call", "logout", "run", "screenshot", "boards"} <= set(
        commands
    )
    missing = []
    for name, parser in commands.items():
        if not parser.description:
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name}: {action.option_strings or action.dest} has no help")
    assert missing == []


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "device_app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_no_command_prints_usage_on_stderr() -> None:
    r = run()
    assert r.returncode == exitcodes.USAGE
    assert r.stdout == ""
    assert r.stderr.startswith("usage: device-app")
    assert r.stderr.strip().splitlines()[-1].startswith("device-app: error: give a command")


def test_help_after_the_command_lists_the_global_flags() -> None:
    r = run("login", "--help")
    assert r.returncode == 0 and "--debug" in r.stdout and "Ask the server for a code" in r.stdout


def test_an_unknown_locale_lists_each_language_once(tmp_path: Path) -> None:
    r = run("screenshot", "--screen", "home", "--locale", "xx", "--out", str(tmp_path / "x.png"))
    assert r.returncode == exitcodes.USAGE
    assert r.stderr == (
        "device-app: error: no translation for 'xx' "
        "(available: ar, de, en, es, fr, it, ja, pt_BR)\n"
    )


@pytest.mark.parametrize("tag", ["pt_BR", "pt", "ar_EG.UTF-8"])
def test_a_regional_locale_finds_its_catalogue(tmp_path: Path, tag: str) -> None:
    out = tmp_path / "x.png"
    r = run("screenshot", "--screen", "activation", "--locale", tag, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_ca_bundle_is_a_profile_file_key_as_the_messages_say(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(
        'client_id = "tv"\nissuer = "https://id.example.com"\nca_bundle = "/ca.pem"\n'
    )
    args = build_parser().parse_args(["status", "--provider", str(profile)])
    assert settings_from_args(args).ca_bundle == "/ca.pem"
    flag = build_parser().parse_args(["status", "--provider", str(profile), "--ca-bundle", "/b"])
    assert settings_from_args(flag).ca_bundle == "/b"  # the flag wins, as for every key


def test_a_missing_client_id_names_the_profile_file(tmp_path: Path) -> None:
    """The file the Pi installer writes: comments only."""
    profile = tmp_path / "provider.toml"
    profile.write_text('# provider = "keycloak"\n# client_id = "living-room-tv"\n')
    r = run("status", "--provider", str(profile))
    assert r.returncode == exitcodes.CONFIGURATION
    assert r.stderr == (
        "device-app: error: no client ID: give --client-id (or client_id in %s)\n" % profile
    )


def test_check_board_fails_when_there_are_no_themes_to_check_against(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As from an incomplete install: a check with nothing to compare with must not pass."""
    from device_app.cli import board_commands
    from device_app.hardware import boards

    board = tmp_path / "b.toml"
    text = (boards.BOARD_DIR / "desktop.toml").read_text().replace('"dark"', '"darkk"')
    board.write_text(text)
    empty = tmp_path / "no-themes"
    monkeypatch.setattr(boards, "THEME_DIR", empty)
    with pytest.raises(boards.BoardError, match="cannot check theme 'darkk': no bundled themes"):
        boards.load_board(str(board))
    monkeypatch.setattr(board_commands, "BOARD_DIR", empty)
    out, err = io.StringIO(), io.StringIO()
    assert board_commands.cmd_boards(argparse.Namespace(), out, err) == exitcodes.CONFIGURATION
    assert "no board files" in err.getvalue() and out.getvalue() == ""


def parse_both(argv: list[str]) -> tuple[object, object]:
    """What the whole parser and the one built for ``argv``'s command make of ``argv``:
    (namespace or exit code, stdout + stderr)."""
    from contextlib import redirect_stderr, redirect_stdout

    from device_app.cli.command_name import command_named

    results = []
    for parser in (build_parser(), build_parser(command_named(argv))):
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(out):
            try:
                got: object = vars(parser.parse_args(argv))
            except SystemExit as e:
                got = e.code
        results.append((got, out.getvalue()))
    return results[0], results[1]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--debug"],
        ["-v", "--debug", "run", "--board", "tv-4k", "--exit-after", "2", "--issuer", "https://x"],
        ["run", "--debug", "--client-id", "tv", "-v"],
        ["run", "--exit-after", "soon"],
        ["run", "--nope"],
        ["--", "run", "--locale", "it"],
        ["--verb", "run"],
        ["-h", "run"],
        ["--version", "run"],
        ["-", "run"],
        ["-1", "run"],
        ["runn"],
        ["run", "login"],
        ["screenshot", "--screen", "home", "--out", "/tmp/x.png"],
        ["boards"],
        ["check-board"],
        ["accounts", "--json"],
        ["call", "https://api.example/me", "--method", "POST"],
        ["token", "--min-ttl", "60", "--account", "2"],
        ["login", "--add", "--no-qr"],
        ["status", "-v"],
        ["logout"],
        ["providers"],
    ],
)
def test_the_parser_built_for_one_command_parses_as_the_whole_one(argv: list[str]) -> None:
    whole, one = parse_both(argv)
    assert one == whole


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_a_command_built_alone_helps_as_in_the_whole_parser(command: str) -> None:
    whole, one = parse_both([command, "--help"])
    assert whole[0] == 0 and "usage: device-app %s" % command in str(whole[1])
    assert one == whole
