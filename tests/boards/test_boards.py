"""Board files: every shipped board loads; every kind of mistake gives one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from device_app.hardware.boards import (
    BOARD_DIR,
    Board,
    BoardError,
    list_boards,
    load_board,
    parse_board,
)
from device_app.hardware.input.actions import ALL_ACTIONS

SHIPPED = sorted(p.stem for p in BOARD_DIR.glob("*.toml"))

MINIMAL = 'name = "t"\ndescription = "test board"\nwidth = 640\nheight = 480\n'


def write(tmp_path: Path, text: str, name: str = "b.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_the_required_boards_are_shipped() -> None:
    for name in ("desktop", "pi-hdmi-1080p", "tv-4k", "pi-dsi-7in", "spi-480x320", "kiosk"):
        assert name in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_board_loads_and_is_sane(name: str) -> None:
    b = load_board(name)
    assert b.name == name  # the file name and the name inside agree
    assert b.description
    assert set(b.keymap.values()) <= ALL_ACTIONS
    assert b.keymap  # layered over the defaults, never empty
    if b.display != "window":
        # Pi boards keep tokens where a read-only root still lets them write.
        assert b.token_store == "/var/lib/device-app"


def test_board_specifics() -> None:
    spi = load_board("spi-480x320")
    assert (spi.display, spi.framebuffer, spi.framebuffer_format) == (
        "framebuffer",
        "/dev/fb1",
        "rgb565",
    )
    assert spi.panel_size == (320, 480) and spi.size == (480, 320)
    assert load_board("tv-4k").size == (3840, 2160)
    dsi = load_board("pi-dsi-7in")
    assert dsi.size == (800, 480) and dsi.touch and "touch" in dsi.input_sources
    kiosk = load_board("kiosk")
    assert kiosk.kiosk.enabled and kiosk.size == (1920, 1080)
    assert "escape" not in kiosk.keymap  # unbound by the board's "none"
    pi = load_board("pi-hdmi-1080p")
    assert pi.display == "kmsdrm" and pi.video_driver == "kmsdrm" and pi.fullscreen
    assert pi.safe_area.top == 0.05


def test_list_boards_matches_the_folder() -> None:
    assert [b.name for b in list_boards()] == SHIPPED


def test_defaults_when_only_required_keys(tmp_path: Path) -> None:
    b = load_board(write(tmp_path, MINIMAL))
    assert isinstance(b, Board)
    assert b.keymap["return"] == "select" and b.keymap["KEY_OK"] == "select"
    assert b.input_sources == ("keyboard",) and b.rotation == 0
    assert b.source.endswith("b.toml")


def test_board_keymap_layers_over_the_defaults(tmp_path: Path) -> None:
    b = load_board(
        write(tmp_path, MINIMAL + '[keymap]\n"q" = "back"\nKEY_OK = "info"\n"escape" = "none"\n')
    )
    assert b.keymap["q"] == "back"
    assert b.keymap["KEY_OK"] == "info"
    assert "escape" not in b.keymap
    assert b.keymap["return"] == "select"  # untouched default


def test_sdl_names_are_case_insensitive(tmp_path: Path) -> None:
    b = load_board(write(tmp_path, MINIMAL + '[keymap]\n"Keypad Enter" = "menu"\n'))
    assert b.keymap["keypad enter"] == "menu"


def test_relative_input_script_is_relative_to_the_board_file(tmp_path: Path) -> None:
    b = load_board(
        write(tmp_path, MINIMAL + 'input_sources = ["scripted"]\ninput_script = "demo.toml"\n')
    )
    assert b.input_script == str(tmp_path / "demo.toml")


BAD = [
    # (extra TOML, words the one-line message must contain)
    ('colour = "red"\n', ["unknown key 'colour'", "expected one of"]),
    ("device_name = 5\n", ["device_name must be a string, not 5"]),
    ('fullscreen = "yes"\n', ["fullscreen must be true or false"]),
    ("rotation = 45\n", ["rotation must be one of 0, 90, 180, 270", "45"]),
    ("rotation = true\n", ["rotation must be an integer"]),
    ('display = "fbdev"\n', ["display must be one of", "'fbdev'"]),
    ('display = "framebuffer"\n', ['needs framebuffer = "/dev/fbN"']),
    ('framebuffer_format = "bgr24"\n', ["framebuffer_format must be one of", "'bgr24'"]),
    ('video_driver = "kmsdrn"\n', ["video_driver must be one of", "kmsdrm"]),
    ('video_fallbacks = ["x11", "wayand"]\n', ["video_fallbacks[1] must be one of"]),
    ('input_sources = ["keyboard", "lirc"]\n', ["input_sources[1] must be one of", "'lirc'"]),
    ('input_sources = "keyboard"\n', ["input_sources must be a list of strings"]),
    ('input_sources = ["scripted"]\n', ["input_script is not set"]),
    ("[safe_area]\ntop = 0.5\n", ["safe_area.top must be between 0 and 0.4"]),
    ("[safe_area]\nmiddle = 0.1\n", ["unknown key safe_area.middle"]),
    ('[safe_area]\ntop = "5%"\n', ["safe_area.top must be a number"]),
    ("[kiosk]\nenabled = 1\n", ["kiosk.enabled must be true or false"]),
    ("kiosk = true\n", ["[kiosk] must be a table"]),
    ('[keymap]\n"return" = "launch"\n', ["keymap.return", "unknown action 'launch'"]),
    ('[keymap]\n"retrun" = "select"\n', ["keymap.retrun", "unknown SDL key name"]),
    ('[keymap]\nKEY_OKK = "select"\n', ["keymap.KEY_OKK", "unknown evdev key name"]),
    ('[keymap]\n"key_ok" = "select"\n', ["keymap.key_ok", "write 'KEY_OK'"]),
    ('[keymap]\n"return" = 1\n', ["keymap.return must be a string"]),
    ("repeat_suppress_ms = 5000\n", ["repeat_suppress_ms must be between 0 and 2000"]),
    ('theme = "neon"\n', ["theme 'neon' is not a bundled theme", "dark"]),
    ('locale = "English"\n', ["locale must be a language code", "'English'"]),
    ('token_store = " "\n', ["token_store must be a folder path"]),
    # A black TV that reports ready: full-screen boards may not draw off-screen instead.
    (
        'display = "kmsdrm"\nvideo_fallbacks = ["x11", "offscreen"]\n',
        ["video_fallbacks[1] = 'offscreen' on a full-screen board", "remove it"],
    ),
    ('fullscreen = true\nvideo_driver = "dummy"\n', ["video_driver = 'dummy' on a full-screen"]),
]


@pytest.mark.parametrize(("extra", "words"), BAD, ids=[b[0].strip()[:30] for b in BAD])
def test_bad_board_files_name_file_key_and_expectation(
    tmp_path: Path, extra: str, words: list[str]
) -> None:
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(BoardError) as info:
        load_board(path)
    msg = str(info.value)
    assert msg.startswith(path + ": "), msg  # names the file first
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg


def test_missing_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "t"\ndescription = "x"\nwidth = 640\n')
    with pytest.raises(BoardError, match=r"missing key 'height' \(an integer\)"):
        load_board(path)


def test_float_width(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("640", "640.5"))
    with pytest.raises(BoardError, match=r"b.toml: width must be an integer, not 640.5$"):
        load_board(path)


def test_size_limits(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("640", "10000"))
    with pytest.raises(BoardError, match="between 64x64 and 7680x4320"):
        load_board(path)


def test_missing_file_lists_the_known_boards(tmp_path: Path) -> None:
    with pytest.raises(BoardError) as info:
        load_board("no-such-board")
    assert "no such board file" in str(info.value)
    assert "desktop" in str(info.value) and "spi-480x320" in str(info.value)
    with pytest.raises(BoardError, match="no such board file"):
        load_board(str(tmp_path / "gone.toml"))


def test_not_toml_and_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="not valid TOML"):
        load_board(write(tmp_path, "name = \n"))
    p = tmp_path / "latin1.toml"
    p.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(BoardError, match="not UTF-8"):
        load_board(str(p))


def test_unreadable_path(tmp_path: Path) -> None:
    d = tmp_path / "dir.toml"
    d.mkdir()
    with pytest.raises(BoardError, match="cannot read"):
        load_board(str(d))


def test_parse_board_from_a_dict() -> None:
    b = parse_board(
        {"name": "x", "description": "y", "width": 320, "height": 240, "rotation": 270}, "<dict>"
    )
    assert b.panel_size == (240, 320)
    with pytest.raises(BoardError, match=r"^<dict>: rotation"):
        parse_board(
            {"name": "x", "description": "y", "width": 320, "height": 240, "rotation": 91}, "<dict>"
        )


def test_the_board_is_frozen() -> None:
    b = load_board("desktop")
    with pytest.raises(AttributeError):
        b.width = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        b.keymap["return"] = "back"  # type: ignore[index]
