"""Reading the code and the address aloud (the ``info`` action) through espeak-ng.

Characters are spoken one by one, punctuation by name, in the screen's language. The
speech runs as a child process so the screen never waits for it; a new request stops the
previous one. Without espeak-ng a single log line says so.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from typing import IO, Any

from device_app.ui import text
from device_app.ui.i18n import N_, Translator

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
# espeak-ng's voice for each catalogue whose name is not already one (espeak-ng --voices).
VOICES = {"pt_BR": "pt-br"}
WORDS_PER_MINUTE = 120  # slower than espeak-ng's default 175: letters must be caught one by one

PUNCTUATION = {
    "-": N_("dash"),
    "/": N_("slash"),
    ".": N_("dot"),
    ":": N_("colon"),
    "?": N_("question mark"),
    "=": N_("equals"),
    "&": N_("and sign"),
    "_": N_("underscore"),
    "#": N_("hash"),
}


def spoken_text(code: str, uri: str, tr: Translator) -> str:
    """What is said: 'Go to: h, t, t, p, s, colon, ... Then enter the code: W, D, ...'."""
    names = {k: tr(v) for k, v in PUNCTUATION.items()}
    # Spell the address without the scheme: "h t t p s colon slash slash" helps nobody.
    shown = uri.split("://", 1)[1] if "://" in uri else uri
    uri_part = ", ".join(text.spell(shown, names))
    code_part = ", ".join(text.spell(code, names))
    return tr("Go to: {address}. Then enter the code: {code}.", address=uri_part, code=code_part)


def voice(language: str) -> str:
    """The espeak-ng voice that speaks ``language``."""
    return VOICES.get(language, language)


class Speaker:
    """Starts espeak-ng without waiting; one utterance at a time."""

    def __init__(
        self,
        language: str,
        which: Callable[[str], str | None] = shutil.which,
        popen: Callable[..., Any] | None = None,
    ) -> None:
        self.language = language
        self._which = which
        self._popen = popen  # None: subprocess.Popen, imported when speech first starts
        self._proc: Any = None
        self._warned = False

    def say(self, words: str) -> bool:
        """Speak ``words``; False (and one log line) when espeak-ng is missing or fails."""
        exe = self._which(ESPEAK)
        if exe is None:
            if not self._warned:
                log.info("read-aloud: %s is not installed; install it to hear the code", ESPEAK)
                self._warned = True
            return False
        self.stop()
        import subprocess  # here, not at the top: ~1 ms of the TV app's start

        popen = self._popen or subprocess.Popen
        try:
            # Text goes through stdin, never argv: a server string starting with "-" must
            # not become an option.
            proc = popen(
                [exe, "-v", voice(self.language), "-s", str(WORDS_PER_MINUTE), "--stdin"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            pipe: IO[bytes] | None = proc.stdin
            if pipe is not None:
                pipe.write(words.encode("utf-8"))  # a few hundred bytes: fits the pipe buffer
                pipe.close()
        except OSError as e:
            log.warning("read-aloud: cannot run %s: %s", ESPEAK, e)
            return False
        self._proc = proc
        return True

    def stop(self) -> None:
        """Stop the utterance in progress, if any."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
