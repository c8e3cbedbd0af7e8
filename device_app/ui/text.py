"""Untrusted strings made safe to draw: no control or bidi characters, bounded length.

The core already sanitises what the server sends; this is the second fence, applied to
every string a screen draws (server strings, userinfo values, the device name).
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"

# Longest strings a screen will draw. A user code beyond Google's 15 characters
# (design-notes §5) is already absurd; 32 leaves room for odd servers.
MAX_CODE = 32
MAX_URI = 200  # a QR up to version ~10 at level M still scans from the sofa
MAX_LINE = 160  # one sentence of server prose
MAX_FIELD = 60  # a userinfo value (name, e-mail)


def clean(value: object, limit: int = MAX_LINE) -> str:
    """A single-line printable string: controls, format chars and bidi overrides removed.

    Newlines and tabs become spaces; runs of spaces collapse; longer than ``limit``
    characters is cut and ends with an ellipsis.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    out: list[str] = []
    last_space = True
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f" or cat == "Zs" or cat in ("Zl", "Zp"):
            if not last_space:
                out.append(" ")
                last_space = True
            continue
        # Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private use,
        # Cn unassigned: none of them is something a person needs to read on a TV.
        if cat.startswith("C"):
            continue
        out.append(ch)
        last_space = False
    result = "".join(out).strip()
    if len(result) > limit:
        result = result[: max(0, limit - 1)].rstrip() + ELLIPSIS
    return result


def clean_code(value: object) -> str:
    """The user code exactly as sent (no re-casing or re-grouping), minus unprintables."""
    return clean(value, MAX_CODE)


def is_web_uri(value: str) -> bool:
    """True for an absolute http(s) URI without spaces (what a phone can open)."""
    low = value.lower()
    return (low.startswith("https://") or low.startswith("http://")) and " " not in value


def spell(text: str, names: dict[str, str]) -> list[str]:
    """Characters one by one for reading aloud; punctuation replaced by its spoken name."""
    return [names.get(ch, ch) for ch in text if not ch.isspace()]
