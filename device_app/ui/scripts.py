"""Which font draws each character, and in which order runs of text appear. Pure.

DejaVu (the bundled face) draws Latin, Greek, Cyrillic, digits and punctuation; Japanese
and Arabic characters come from their own Noto faces, loaded only when such a character is
drawn. A line is cut into *segments*, each drawn by one face in one direction.

Direction follows a small subset of the Unicode Bidirectional Algorithm (UAX #9), enough
for a line of interface text: Arabic letters are strong right-to-left, other letters and
digits strong left-to-right; a neutral (space, punctuation) between two characters of the
same direction takes it, any other neutral the paragraph's direction (rules N1 and N2).
Runs then go right to left in a right-to-left paragraph, and each right-to-left run is
shaped by HarfBuzz (through SDL_ttf) in that direction. No embeddings, no isolates: the text
comes from our catalogues and from sanitised server strings (text.clean removes every bidi
control), so the nesting the full algorithm handles never occurs.
"""

from __future__ import annotations

ARABIC = "arabic"
CJK = "cjk"
COMMON = ""  # drawn by the bundled face

_RANGES = (
    (0x0600, 0x06FF, ARABIC),  # Arabic
    (0x0750, 0x077F, ARABIC),  # Arabic Supplement
    (0x08A0, 0x08FF, ARABIC),  # Arabic Extended-A
    (0xFB50, 0xFDFF, ARABIC),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF, ARABIC),  # Arabic Presentation Forms-B
    (0x2E80, 0x2FDF, CJK),  # radicals
    (0x3000, 0x30FF, CJK),  # CJK punctuation, hiragana, katakana
    (0x31F0, 0x31FF, CJK),  # katakana phonetic extensions
    (0x3400, 0x4DBF, CJK),  # CJK Extension A
    (0x4E00, 0x9FFF, CJK),  # CJK Unified Ideographs
    (0xF900, 0xFAFF, CJK),  # CJK Compatibility Ideographs
    (0xFF00, 0xFFEF, CJK),  # full-width forms
)
# UAX #9 rule L4: in a right-to-left run, paired punctuation shows its mirror image.
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")
# No character below this one is in a CJK range (a quick test for text with no Japanese).
FIRST_CJK = chr(min(lo for lo, _, script in _RANGES if script == CJK))


def script_of(ch: str) -> str:
    """ARABIC, CJK or COMMON for one character."""
    cp = ord(ch)
    if cp < 0x0600:
        return COMMON
    for lo, hi, script in _RANGES:
        if lo <= cp <= hi:
            return script
    return COMMON


def needs_segments(text: str) -> bool:
    """True when ``text`` has a character the bundled face does not draw."""
    if max(text, default=" ") < "\u0600":  # at C speed: no character beyond Latin to check
        return False
    return any(ord(c) >= 0x0600 and script_of(c) for c in text)


def _strong(ch: str) -> str:
    if script_of(ch) == ARABIC and ch.isalpha():
        return "R"
    if ch.isalnum():
        return "L"
    return ""


def bidi_runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """``text`` as (run, right_to_left) pairs in visual order, leftmost first."""
    base = "R" if rtl else "L"
    strong = [_strong(c) if script_of(c) != ARABIC else "R" for c in text]
    before: list[str] = []
    last = base
    for d in strong:
        before.append(last)
        last = d or last
    after: list[str] = [""] * len(text)
    last = base
    for i in range(len(text) - 1, -1, -1):
        after[i] = last
        last = strong[i] or last
    runs: list[tuple[str, bool]] = []
    for i, ch in enumerate(text):
        d = strong[i] or (before[i] if before[i] == after[i] else base)
        if runs and runs[-1][1] == (d == "R"):
            runs[-1] = (runs[-1][0] + ch, d == "R")
        else:
            runs.append((ch, d == "R"))
    return runs[::-1] if rtl else runs


def segments(text: str, rtl: bool) -> list[tuple[str, str, bool]]:
    """(text, script, right_to_left) in visual order, leftmost first.

    Each segment is one face's share of a run; the text of a right-to-left segment is in
    logical order (HarfBuzz lays it out), except for COMMON segments in a right-to-left
    run, which are drawn left to right by the bundled face and so come reversed and mirrored.
    """
    out: list[tuple[str, str, bool]] = []
    for run, run_rtl in bidi_runs(text, rtl):
        parts: list[list[str]] = []
        for ch in run:
            s = script_of(ch)
            if ch == " " and parts and parts[-1][0] != COMMON:
                s = parts[-1][0]  # a space inside Arabic or Japanese stays with its face
            if parts and parts[-1][0] == s:
                parts[-1][1] += ch
            else:
                parts.append([s, ch])
        if run_rtl:
            parts.reverse()
        for s, t in parts:
            if run_rtl and s == COMMON:
                t = t[::-1].translate(_MIRROR)
            out.append((t, s, run_rtl and s != COMMON))
    return out
