"""Translations: gettext catalogues in ui_assets/locale, language chosen by board or environment."""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from device_app.assets import LOCALE_DIR

DOMAIN = "device_app"
DEFAULT_LANGUAGE = "en"


def available_languages() -> list[str]:
    """Languages with a compiled catalogue, sorted."""
    if not LOCALE_DIR.is_dir():
        return []
    return sorted(d.name for d in LOCALE_DIR.iterdir() if _catalogue(d.name).is_file())


def _catalogue(language: str) -> Traversable:
    """The compiled catalogue of a language (which may not exist)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / (DOMAIN + ".mo")


def _lang_of(tag: str) -> str:
    """'it_IT.UTF-8@euro' -> 'it'; 'C' / 'POSIX' -> ''."""
    base = tag.split(".")[0].split("@")[0].strip()
    if base in ("", "C", "POSIX"):
        return ""
    return base.split("_")[0].split("-")[0].lower()


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
        lang = _lang_of(tag)
        if lang in have:
            return lang
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
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
