"""Make the small Japanese and Arabic fonts in ui_assets/fonts from Debian's full Noto fonts.

The full fonts are large (Noto Sans CJK: 19 MB per weight), and a TV needs only the glyphs
its screens draw: every character of the catalogues of that script, the language names of
the language screen, and printable ASCII (for names and numbers in between). Run this after
changing a catalogue; tests/ui/test_fonts.py fails while a catalogue character is missing.

Needs (development only, not at run time):
    apt-get install fonts-noto-cjk fonts-noto-core
    .venv/bin/pip install fonttools
    .venv/bin/python tools/subset_fonts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device_app.ui import catalog, scripts  # noqa: E402
from device_app.ui.fonts import SCRIPT_FILES  # noqa: E402
from device_app.ui.i18n import LANGUAGE_NAMES  # noqa: E402

NOTO = Path("/usr/share/fonts")
# (script, role) -> (source file, face number in a collection; 0 = JP in Noto Sans CJK)
SOURCES = {
    ("cjk", "sans"): ("opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("cjk", "bold"): ("opentype/noto/NotoSansCJK-Bold.ttc", 0),
    ("arabic", "sans"): ("truetype/noto/NotoSansArabic-Regular.ttf", 0),
    ("arabic", "bold"): ("truetype/noto/NotoSansArabic-Bold.ttf", 0),
}
LANGUAGES = {"cjk": ("ja",), "arabic": ("ar",)}
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
EXTRA = "…—·、。「」！？（）：，؟،"  # punctuation a translator may reach for


def characters(script: str) -> str:
    """Every character the screens of this script's languages may draw."""
    chars = set(ASCII + EXTRA)
    for lang in LANGUAGES[script]:
        po = ROOT / "ui_assets/locale" / lang / "LC_MESSAGES" / "device_app.po"
        chars.update("".join(catalog.parse_po(po.read_text("utf-8"), str(po)).values()))
    chars.update("".join(LANGUAGE_NAMES.values()))
    # Only what this face is for, plus ASCII and punctuation that sit inside its runs.
    return "".join(
        sorted(c for c in chars if scripts.script_of(c) in (script, "") or c in ASCII + EXTRA)
    )


def load(path: Path, number: int) -> TTFont:
    if path.suffix == ".ttc":
        return TTCollection(str(path), lazy=False).fonts[number]
    return TTFont(str(path))


def main() -> int:
    options = subset.Options()
    options.layout_features = ["*"]  # Arabic needs init/medi/fina/rlig/mark to join
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # FreeType's autohinter does as well at TV sizes, and is smaller
    for (script, role), (source, number) in SOURCES.items():
        font = load(NOTO / source, number)
        sub = subset.Subsetter(options)
        sub.populate(text=characters(script))
        sub.subset(font)
        out = ROOT / "ui_assets" / "fonts" / SCRIPT_FILES[script][role]
        font.save(str(out))
        sys.stdout.write("wrote %s (%d bytes)\n" % (out, out.stat().st_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
