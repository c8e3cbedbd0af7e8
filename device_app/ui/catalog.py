"""A small .po reader and .mo writer, so catalogues compile the same way everywhere.

Follows the GNU gettext file formats (the .mo layout is the one CPython's
Tools/i18n/msgfmt.py writes: magic, revision 0, sorted originals, hash table size 0).
Run ``python -m device_app.ui.catalog`` to recompile every catalogue in ui_assets/locale.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

from device_app.assets import LOCALE_DIR
from device_app.ui.i18n import DOMAIN


class PoError(ValueError):
    """A .po file that cannot be read; the message names the file and line."""


def parse_po(text: str, source: str = "<po>") -> dict[str, str]:
    """msgid -> msgstr for every entry (the header under ""); fuzzy entries are skipped."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    section = ""
    fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None and not fuzzy:
            entries["".join(msgid)] = "".join(msgstr)
        msgid, msgstr, fuzzy = None, None, False

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            if msgid is not None:
                flush()
            msgid, section, line = [], "id", line[6:]
        elif line.startswith("msgstr "):
            if msgid is None:
                raise PoError("%s:%d: msgstr without msgid" % (source, lineno))
            msgstr, section, line = [], "str", line[7:]
        if not (line.startswith('"') and line.endswith('"')):
            raise PoError("%s:%d: expected a quoted string" % (source, lineno))
        try:
            value = ast.literal_eval(line)
        except (ValueError, SyntaxError):
            raise PoError("%s:%d: bad string literal" % (source, lineno)) from None
        if not isinstance(value, str):
            raise PoError("%s:%d: expected a string" % (source, lineno))
        target = msgid if section == "id" else msgstr
        if target is None:
            raise PoError("%s:%d: string outside an entry" % (source, lineno))
        target.append(value)
    flush()
    return entries


def build_mo(entries: dict[str, str]) -> bytes:
    """The binary .mo for these entries (untranslated ones left out, as msgfmt does)."""
    items = sorted((k, v) for k, v in entries.items() if v)
    ids = b""
    strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for k, v in items:
        kb, vb = k.encode("utf-8"), v.encode("utf-8")
        offsets.append((len(ids), len(kb), len(strs), len(vb)))
        ids += kb + b"\0"
        strs += vb + b"\0"
    n = len(items)
    keystart = 7 * 4 + 16 * n
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    table = struct.pack("%di" % len(koffsets + voffsets), *(koffsets + voffsets))
    return header + table + ids + strs


def extract(paths: list[Path]) -> list[str]:
    """Every literal passed to ``N_(...)`` or ``tr(...)`` in these source files, in order."""
    found: list[str] = []
    for path in paths:
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("N_", "tr")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                if node.args[0].value not in found:
                    found.append(node.args[0].value)
    return found


def source_files() -> list[Path]:
    """The modules whose strings are translated: the screens (ui/) and the TV app (tv/)."""
    package = Path(__file__).resolve().parent.parent
    return sorted(p for layer in ("ui", "tv") for p in (package / layer).glob("*.py"))


def po_files() -> list[Path]:
    """Every catalogue source in ui_assets/locale (none in an installed wheel: it ships the .mo)."""
    if not isinstance(LOCALE_DIR, Path):  # imported from a zip: no sources, nothing to write
        return []
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/%s.po" % DOMAIN))


def compile_all() -> list[Path]:
    """Write the .mo beside every .po; returns the files written."""
    written = []
    for po in po_files():
        mo = po.with_suffix(".mo")
        mo.write_bytes(build_mo(parse_po(po.read_text("utf-8"), str(po))))
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_all():
        sys.stdout.write("wrote %s\n" % path)
