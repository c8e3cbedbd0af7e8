"""Themes are data; their colours meet the contrast numbers of design-notes §5 / WCAG 2.x."""

from __future__ import annotations

from pathlib import Path

import pytest

from device_app.ui import themes

NAMES = themes.available_themes()


def test_the_three_themes_ship() -> None:
    assert {"dark", "light", "high-contrast"} <= set(NAMES)


def test_contrast_ratio_matches_known_values() -> None:
    assert themes.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert themes.contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    # WCAG's own example: #777777 on white is about 4.48:1.
    assert themes.contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(
        4.48, abs=0.01
    )


@pytest.mark.parametrize("name", NAMES)
def test_text_contrast(name: str) -> None:
    t = themes.load_theme(name)
    for colour in ("text", "muted", "accent", "warning", "error", "success"):
        assert themes.contrast_ratio(getattr(t, colour), t.background) >= 4.5, colour
    assert themes.contrast_ratio(t.code, t.background) >= 7.0  # the code: AAA
    assert themes.contrast_ratio(t.button_text, t.button) >= 4.5
    assert themes.contrast_ratio(t.focus_text, t.focus) >= 4.5
    assert themes.contrast_ratio(t.qr_dark, t.card) >= 15  # dark modules on a light card
    assert themes.luminance(t.card) > themes.luminance(t.qr_dark)


def test_high_contrast_is_aaa_everywhere() -> None:
    t = themes.load_theme("high-contrast")
    for colour in ("text", "muted", "code", "accent", "warning"):
        assert themes.contrast_ratio(getattr(t, colour), t.background) >= 7.0, colour


def test_bad_theme_files_say_what_to_fix(tmp_path: Path) -> None:
    good = (themes.THEME_DIR / "dark.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(good.replace('text = "#EDEDED"', 'text = "white"'))
    with pytest.raises(themes.ThemeError, match="text must be a colour"):
        themes.load_theme(str(bad))
    bad.write_text(good + 'sparkle = "#FFFFFF"\n')
    with pytest.raises(themes.ThemeError, match="unknown key sparkle"):
        themes.load_theme(str(bad))
    with pytest.raises(themes.ThemeError, match="no such theme"):
        themes.load_theme("neon")
