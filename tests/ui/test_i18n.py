"""Catalogues: chosen by board or environment, complete, and compiled .mo up to date."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from device_app.ui import catalog, i18n

SOURCES = catalog.extract(catalog.source_files())
PO = {p.parent.parent.name: p for p in catalog.po_files()}


def test_english_and_italian_exist() -> None:
    assert {"en", "it"} <= set(PO)


def test_the_eight_languages_exist_and_are_named_in_themselves() -> None:
    assert set(PO) >= {"en", "it", "de", "fr", "es", "pt_BR", "ja", "ar"}
    assert set(PO) == set(i18n.LANGUAGE_NAMES)  # the language screen names every catalogue
    assert set(i18n.available_languages()) == set(PO)  # every .po compiled to a .mo


def test_a_message_the_code_no_longer_uses_is_found(tmp_path: Path) -> None:
    """The completeness check itself: a stale entry and a missing one are both reported."""
    po = tmp_path / "device_app.po"
    po.write_text('msgid "Try again"\nmsgstr "Riprova"\n\nmsgid "Gone"\nmsgstr "Via"\n')
    entries = catalog.parse_po(po.read_text("utf-8"))
    assert [k for k in entries if k not in SOURCES] == ["Gone"]
    assert "Get a new code" in [s for s in SOURCES if not entries.get(s)]


@pytest.mark.parametrize("lang", sorted(PO))
def test_mo_is_compiled_from_the_current_po(lang: str) -> None:
    po = PO[lang]
    expected = catalog.build_mo(catalog.parse_po(po.read_text("utf-8"), str(po)))
    assert po.with_suffix(".mo").read_bytes() == expected, "run: python -m device_app.ui.catalog"


@pytest.mark.parametrize("lang", sorted(PO))
def test_every_string_is_translated_with_the_same_placeholders(lang: str) -> None:
    entries = catalog.parse_po(PO[lang].read_text("utf-8"))
    missing = [s for s in SOURCES if not entries.get(s)]
    assert not missing
    stale = [k for k in entries if k and k not in SOURCES]
    assert not stale
    for msgid in SOURCES:
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", entries[msgid]))


def test_our_mo_reads_back_with_gettext() -> None:
    with open(PO["it"].with_suffix(".mo"), "rb") as f:
        t = gettext.GNUTranslations(f)
    assert t.gettext("Try again") == "Riprova"
    assert t.gettext("not in the catalogue") == "not in the catalogue"


def test_right_to_left_is_arabic_only() -> None:
    assert [lang for lang in sorted(PO) if i18n.is_rtl(lang)] == ["ar"]


def test_translator_formats_and_falls_back() -> None:
    assert i18n.translator("it")("Signed in as {name}", name="Ada") == "Accesso effettuato come Ada"
    assert i18n.translator("xx")("Signed in as {name}", name="Ada") == "Signed in as Ada"


@pytest.mark.parametrize(
    ("board", "env", "expected"),
    [
        ("it", {"LANG": "en_US.UTF-8"}, "it"),
        # (Dutch has no catalogue: the next language in the list is taken.)
        ("", {"LANGUAGE": "nl:it:en", "LANG": "en_GB.UTF-8"}, "it"),
        ("", {"LC_ALL": "it_IT.UTF-8", "LANG": "en_US"}, "it"),
        ("", {"LC_MESSAGES": "it_CH", "LANG": "C"}, "it"),
        ("", {"LANG": "C.UTF-8"}, "en"),
        ("", {}, "en"),
        ("nl_NL", {"LANG": "it_IT@euro"}, "it"),
        ("de_DE", {"LANG": "it_IT@euro"}, "de"),
        ("pt_BR", {}, "pt_BR"),
        ("", {"LANG": "pt_PT.UTF-8"}, "pt_BR"),  # the only Portuguese there is
        ("", {"LANG": "ja_JP.UTF-8"}, "ja"),
        ("", {"LC_ALL": "ar_EG.UTF-8"}, "ar"),
        ("", {"LANGUAGE": "fr_CA:en"}, "fr"),
        ("es-MX", {}, "es"),
    ],
)
def test_language_choice(board: str, env: dict[str, str], expected: str) -> None:
    assert i18n.choose_language(board, env) == expected


def test_po_parser_reports_the_line() -> None:
    with pytest.raises(catalog.PoError, match=":2:"):
        catalog.parse_po('msgid "a"\nmsgstr oops\n', "x.po")


def test_fuzzy_entries_are_left_out() -> None:
    entries = catalog.parse_po('#, fuzzy\nmsgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr "d"\n')
    assert entries == {"c": "d"}
