"""Translations: gettext catalogues in ui_assets/locale, language chosen by board or environment."""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import gettext
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # no importlib.resources at run time (assets.py)
    from importlib.resources.abc import Traversable

from device_app.assets import LOCALE_DIR

DOMAIN = "device_app"
DEFAULT_LANGUAGE = "en"

# Each language named in itself, as the language screen lists it (never translated: a
# person who cannot read the current language must still find their own).
LANGUAGE_NAMES = {
    "ar": "العربية",
    "de": "Deutsch",
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "ja": "日本語",
    "pt_BR": "Português (Brasil)",
}
RTL_LANGUAGES = frozenset({"ar"})  # written right to left: screens are mirrored


def available_languages() -> list[str]:
    """Languages with a compiled catalogue, sorted."""
    if not LOCALE_DIR.is_dir():
        return []
    return sorted(d.name for d in LOCALE_DIR.iterdir() if _catalogue(d.name).is_file())


def selectable_languages() -> tuple[str, ...]:
    """The languages the language screen offers, in the order of their own names."""
    have = set(available_languages()) | {DEFAULT_LANGUAGE}
    return tuple(sorted(have, key=lambda lang: LANGUAGE_NAMES.get(lang, lang)))


def _catalogue(language: str) -> "Traversable":
    """The compiled catalogue of a language (which may not exist)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / (DOMAIN + ".mo")


def _match(tag: str, have: set[str]) -> str:
    """The catalogue for a locale tag: 'pt_BR.UTF-8' -> 'pt_BR', 'it_IT@euro' -> 'it',
    'pt' -> 'pt_BR' (the only Portuguese there is); 'C' / 'POSIX' / unknown -> ''."""
    base = tag.split(".")[0].split("@")[0].strip().replace("-", "_")
    if base in ("", "C", "POSIX"):
        return ""
    lang, _, region = base.partition("_")
    lang = lang.lower()
    exact = lang + "_" + region.upper() if region else lang
    if exact in have:
        return exact
    if lang in have:
        return lang
    regional = sorted(h for h in have if h.split("_")[0] == lang)
    return regional[0] if regional else ""


def find_language(tag: str) -> str:
    """The language with a catalogue for a locale tag ("" when there is none)."""
    return _match(tag, set(available_languages()) | {DEFAULT_LANGUAGE})


def is_rtl(language: str) -> bool:
    """True for a language written right to left."""
    return language in RTL_LANGUAGES


def choose_language(board_locale: str, environ: Mapping[str, str] | None = None) -> str:
    """The language to show: the board's setting, else the first usable one from the
    environment in gettext's order (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English."""
    env = os.environ if environ is None else environ
    have = set(available_languages()) | {DEFAULT_LANGUAGE}
    candidates: list[str] = []
    if board_locale:
        candidates.append(board_locale)
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            # LANGUAGE may be a colon-separated priority list (gettext(3)).
            candidates.extend(value.split(":") if var == "LANGUAGE" else [value])
    for tag in candidates:
        lang = _match(tag, have)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


class Translator(NamedTuple):
    """``tr("text {name}", name=...)`` -> the translated, formatted text."""

    language: str
    catalog: gettext.NullTranslations

    def __call__(self, message: str, **values: object) -> str:
        text = self.catalog.gettext(message)
        return text.format(**values) if values else text


def translator(language: str) -> Translator:
    """The translator for a language; English (the msgids) when there is no catalogue."""
    catalog: gettext.NullTranslations
    try:
        # Read through the resource, not by folder name: no real path is needed.
        with _catalogue(language).open("rb") as f:
            catalog = gettext.GNUTranslations(f)
    except FileNotFoundError:
        catalog = gettext.NullTranslations()
    return Translator(language, catalog)


def N_(message: str) -> str:  # the gettext name for "mark only"
    """Mark a string for extraction without translating it here."""
    return message
