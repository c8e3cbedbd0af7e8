"""Read-aloud: characters one by one, in the screen's language, never blocking."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from device_app.tv.speech import Speaker, spoken_text, voice
from device_app.ui import i18n


class FakeProc:
    def __init__(self) -> None:
        self.stdin = self
        self.written = b""
        self.closed = False
        self.terminated = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def poll(self) -> int | None:
        return None

    def terminate(self) -> None:
        self.terminated = True


def test_spoken_text_spells_characters_and_names_punctuation() -> None:
    words = spoken_text("WDJB-MJHT", "https://ex.com/d", i18n.translator("en"))
    assert words == (
        "Go to: e, x, dot, c, o, m, slash, d. Then enter the code: W, D, J, B, dash, M, J, H, T."
    )
    it = spoken_text("AB-C", "https://e.it", i18n.translator("it"))
    assert "trattino" in it and it.startswith("Vai su")


def test_speaker_runs_espeak_without_waiting_and_never_in_argv() -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []
    procs: list[FakeProc] = []

    def popen(argv: list[str], **kw: Any) -> FakeProc:
        calls.append((argv, kw))
        procs.append(FakeProc())
        return procs[-1]

    s = Speaker("it", which=lambda name: "/usr/bin/" + name, popen=popen)
    assert s.say("-rf W, D")
    argv, kw = calls[0]
    assert argv[:3] == ["/usr/bin/espeak-ng", "-v", "it"] and "--stdin" in argv
    assert all("W, D" not in a for a in argv)
    assert kw["stdin"] == subprocess.PIPE
    assert procs[0].written == b"-rf W, D" and procs[0].closed
    s.say("again")
    assert procs[0].terminated  # a new request stops the old one


def test_without_espeak_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    s = Speaker("en", which=lambda name: None)
    with caplog.at_level(logging.INFO, logger="device_app.tv.speech"):
        assert not s.say("x")
        assert not s.say("y")
    assert len([r for r in caplog.records if "espeak-ng" in r.getMessage()]) == 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
@pytest.mark.parametrize("language", ["en", "it"])
def test_real_espeak_accepts_our_command_line(tmp_path: Path, language: str) -> None:
    """The same argv, with the sound sent to a WAV file instead of the speakers."""
    started: list[subprocess.Popen[bytes]] = []
    wav = tmp_path / "out.wav"

    def popen_to_file(argv: list[str], **kw: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([*argv, "-w", str(wav)], **kw)
        started.append(proc)
        return proc

    s = Speaker(language, popen=popen_to_file)
    assert s.say(spoken_text("WDJB-MJHT", "https://example.com/device", i18n.translator(language)))
    assert started[0].wait(timeout=20) == 0
    # 16-bit mono at 22050 Hz; ~30 spelled characters at 120 wpm take several seconds.
    assert wav.stat().st_size > 22050 * 2 * 3


def test_brazilian_portuguese_is_spoken_with_its_own_voice() -> None:
    calls: list[list[str]] = []

    def popen(argv: list[str], **kw: Any) -> FakeProc:
        calls.append(argv)
        return FakeProc()

    assert Speaker("pt_BR", which=lambda name: "/usr/bin/" + name, popen=popen).say("a")
    assert calls[0][1:3] == ["-v", "pt-br"]


@pytest.mark.parametrize("lang", sorted({"en", *i18n.available_languages()}))
def test_espeak_has_a_voice_for_every_language(lang: str) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    # -q: no sound; espeak-ng exits 1 ("The specified espeak-ng voice does not exist") else.
    done = subprocess.run(
        [exe, "-q", "-v", voice(lang), "a"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and not done.stderr, done.stderr


@pytest.mark.parametrize("lang", ["ja", "ar", "de"])
def test_the_code_is_spelled_in_the_language(lang: str) -> None:
    words = spoken_text("AB-C", "https://e.com/d", i18n.translator(lang))
    tr = i18n.translator(lang)
    assert tr("dash") in words and tr("slash") in words and tr("dash") != "dash"
    assert "A, B, " + tr("dash") + ", C" in words
