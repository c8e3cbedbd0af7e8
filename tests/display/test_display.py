"""Display back ends: rotation, DRM card choice, framebuffer bytes, offscreen and window."""

from __future__ import annotations

import importlib.util
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from device_app.hardware.boards import Board, load_board
from device_app.hardware.display import DisplayError, open_display
from device_app.hardware.display.drm import (
    connected_connectors,
    device_problem,
    pick_card,
    select_framebuffer_renderer,
    select_kmsdrm_card,
)
from device_app.hardware.display.framebuffer import dirty_spans, read_geometry
from device_app.hardware.display.rotation import point_to_logical, rect_to_panel
from device_app.hardware.display.sdl_renderer import window_renderer

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


@pytest.fixture(autouse=True)
def _quit_display() -> Iterator[None]:
    # open_display sets SDL_VIDEODRIVER (and the DRM card) for the process; put them back so
    # later tests still get the dummy driver.
    saved = {n: os.environ.get(n) for n in ("SDL_VIDEODRIVER", "SDL_KMSDRM_DEVICE_INDEX")}
    yield
    pygame.display.quit()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def small(board: str = "desktop", **changes: object) -> Board:
    return load_board(board)._replace(**changes)  # type: ignore[arg-type]


# -- rotation maths ---------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_point_and_rect_mappings_agree(rotation: int) -> None:
    size = (7, 4)
    for x in range(7):
        for y in range(4):
            px, py, w, h = rect_to_panel((x, y, 1, 1), size, rotation)
            assert (w, h) == (1, 1)
            assert point_to_logical((px, py), size, rotation) == (x, y)


# -- DRM card choice --------------------------------------------------------------------------


def fake_drm(root: Path, connectors: dict[str, str]) -> Path:
    drm = root / "class" / "drm"
    drm.mkdir(parents=True)
    for name in ("card0", "card1", "card2", "renderD128", "version"):
        (drm / name).mkdir()
    for name, status in connectors.items():
        (drm / name).mkdir()
        (drm / name / "status").write_text(status + "\n")
    return root


def test_pi5_card_with_the_connected_hdmi_is_chosen(tmp_path: Path) -> None:
    # Pi 5: card0 = v3d (no connectors), card1 = RP1 DSI (nothing attached), card2 = vc4 HDMI.
    root = fake_drm(
        tmp_path,
        {
            "card1-DSI-1": "disconnected",
            "card2-HDMI-A-1": "connected",
            "card2-HDMI-A-2": "disconnected",
            "card2-Writeback-1": "unknown",
        },
    )
    assert connected_connectors(root) == [(2, "HDMI-A-1")]
    env: dict[str, str] = {}
    assert select_kmsdrm_card(root, environ=env) == 2
    assert env == {"SDL_KMSDRM_DEVICE_INDEX": "2"}


def test_preferred_connector_wins_and_user_setting_is_kept(tmp_path: Path) -> None:
    root = fake_drm(tmp_path, {"card1-DSI-1": "connected", "card2-HDMI-A-1": "connected"})
    assert pick_card(root) == 1
    assert pick_card(root, ["HDMI-A"]) == 2
    assert pick_card(root, ["DP", "DSI"]) == 1
    env = {"SDL_KMSDRM_DEVICE_INDEX": "0"}
    assert (
        select_kmsdrm_card(root, ["HDMI-A"], environ=env) == 0
        and env["SDL_KMSDRM_DEVICE_INDEX"] == "0"
    )
    bad = {"SDL_KMSDRM_DEVICE_INDEX": "hdmi"}
    assert select_kmsdrm_card(root, ["HDMI-A"], environ=bad) == 2
    assert bad["SDL_KMSDRM_DEVICE_INDEX"] == "2"


def test_nothing_connected_or_no_sysfs(tmp_path: Path) -> None:
    root = fake_drm(tmp_path, {"card1-HDMI-A-1": "disconnected"})
    env: dict[str, str] = {}
    assert select_kmsdrm_card(root, environ=env) is None and env == {}
    assert pick_card(tmp_path / "nowhere") is None


def test_kmsdrm_draws_through_gles2_unless_the_user_chose() -> None:
    # Unset, SDL's first hardware renderer (desktop opengl) gave all-black frames on a real
    # KMS device (docs/vm.md, scenario 10); a value the user set is theirs.
    env: dict[str, str] = {}
    assert select_framebuffer_renderer(env) == "opengles2"
    assert env == {"SDL_FRAMEBUFFER_ACCELERATION": "opengles2"}
    mine = {"SDL_FRAMEBUFFER_ACCELERATION": "software"}
    assert select_framebuffer_renderer(mine) == "software"
    assert mine["SDL_FRAMEBUFFER_ACCELERATION"] == "software"
    blank = {"SDL_FRAMEBUFFER_ACCELERATION": " "}
    assert select_framebuffer_renderer(blank) == "opengles2"


def test_the_renderer_behind_a_window_is_asked_of_sdl() -> None:
    from pygame._sdl2.video import Renderer, Window

    pygame.display.init()
    try:
        window = Window("renderer test", size=(64, 48), hidden=True)
        assert window_renderer(window.id) is None  # no renderer yet
        renderer = Renderer(window, accelerated=0)  # kept: a dropped Renderer is destroyed
        assert window_renderer(window.id) == "software"
        del renderer
        gone = window.id
        window.destroy()
        assert window_renderer(gone) is None  # no such window any more
    finally:
        pygame.display.quit()


# -- framebuffer ------------------------------------------------------------------------------


def fake_fb(tmp_path: Path, w: int, h: int, bpp: int, stride: int | None) -> tuple[Path, str]:
    sysfs = tmp_path / "sys"
    fb = sysfs / "class" / "graphics" / "fb1"
    fb.mkdir(parents=True)
    (fb / "virtual_size").write_text(f"{w},{h}\n")
    (fb / "bits_per_pixel").write_text(f"{bpp}\n")
    if stride is not None:
        (fb / "stride").write_text(f"{stride}\n")
    dev = tmp_path / "fb1"
    dev.write_bytes(b"\xaa" * ((stride or w * bpp // 8) * h))
    return sysfs, str(dev)


def px565(data: bytes, stride: int, x: int, y: int) -> int:
    value: int = struct.unpack_from("<H", data, y * stride + x * 2)[0]
    return value


def test_geometry_from_sysfs(tmp_path: Path) -> None:
    sysfs, dev = fake_fb(tmp_path, 320, 480, 16, 640)
    geo = read_geometry(dev, sysfs)
    assert geo is not None and (geo.width, geo.height, geo.fmt, geo.stride) == (
        320,
        480,
        "rgb565",
        640,
    )
    assert read_geometry("/dev/fb7", sysfs) is None


def test_spi_board_writes_rgb565_little_endian_turned_90(tmp_path: Path) -> None:
    sysfs, dev = fake_fb(tmp_path, 320, 480, 16, 640)  # a portrait panel, as fbtft reports it
    d = open_display(load_board("spi-480x320"), sysfs_root=sysfs, framebuffer=dev)
    try:
        assert d.driver == "framebuffer" and d.size == (480, 320)
        d.surface.fill((0, 0, 0))
        d.surface.set_at((0, 0), RED)  # logical top-left
        d.surface.set_at((479, 0), GREEN)  # logical top-right
        d.surface.set_at((0, 319), BLUE)  # logical bottom-left
        d.present()
        data = Path(dev).read_bytes()
        assert len(data) == 640 * 480  # never grows the device
        # Turned 90 degrees clockwise: top-left lands at the panel's top-right...
        assert px565(data, 640, 319, 0) == 0xF800
        assert px565(data, 640, 319, 479) == 0x07E0
        assert px565(data, 640, 0, 0) == 0x001F
        assert px565(data, 640, 100, 100) == 0
        assert d.bytes_written == 640 * 480  # type: ignore[attr-defined]
    finally:
        d.close()


def test_dirty_rects_write_only_their_rows(tmp_path: Path) -> None:
    sysfs, dev = fake_fb(tmp_path, 320, 240, 16, 704)  # stride with padding after each row
    board = small("spi-480x320", width=320, height=240, rotation=0)
    d = open_display(board, sysfs_root=sysfs, framebuffer=dev)
    try:
        d.surface.fill(BLUE)
        d.present()
        Path(dev).write_bytes(b"\xaa" * 704 * 240)  # forget the first frame
        written = d.bytes_written  # type: ignore[attr-defined]
        d.surface.fill(RED, (10, 100, 5, 3))
        d.present([(10, 100, 5, 3)])
        data = Path(dev).read_bytes()
        assert d.bytes_written - written == 3 * 640  # type: ignore[attr-defined]
        assert px565(data, 704, 10, 100) == 0xF800
        assert px565(data, 704, 20, 100) == 0x001F  # same row, outside the rect: row copied
        assert data[99 * 704 : 100 * 704] == b"\xaa" * 704  # untouched row above
        assert data[100 * 704 + 640 : 101 * 704] == b"\xaa" * 64  # stride padding untouched
    finally:
        d.close()


def test_xrgb8888_and_180(tmp_path: Path) -> None:
    sysfs, dev = fake_fb(tmp_path, 100, 80, 32, None)  # no stride file: packed rows
    board = small("spi-480x320", width=100, height=80, rotation=180, framebuffer_format="")
    d = open_display(board, sysfs_root=sysfs, framebuffer=dev)
    try:
        d.surface.fill((0, 0, 0))
        d.surface.set_at((0, 0), (0x12, 0x34, 0x56))
        d.present()
        data = Path(dev).read_bytes()
        off = (79 * 100 + 99) * 4  # turned 180: bottom-right of the panel
        assert data[off : off + 4] == bytes([0x56, 0x34, 0x12, 0x00])  # B, G, R, X in memory
    finally:
        d.close()


def test_framebuffer_mismatches_are_explained(tmp_path: Path) -> None:
    sysfs, dev = fake_fb(tmp_path, 480, 320, 16, 960)
    with pytest.raises(
        DisplayError,
        match=r"is 480x320 but board spi-480x320 needs 320x480.*"
        r"rotation = 90",
    ):
        open_display(load_board("spi-480x320"), sysfs_root=sysfs, framebuffer=dev)
    with pytest.raises(DisplayError, match=r"is rgb565 but board .*'xrgb8888'"):
        open_display(
            small("spi-480x320", rotation=0, framebuffer_format="xrgb8888"),
            sysfs_root=sysfs,
            framebuffer=dev,
        )
    with pytest.raises(DisplayError, match=r"cannot open framebuffer .*nope.*dtoverlay"):
        open_display(
            small("spi-480x320", rotation=0), sysfs_root=sysfs, framebuffer=str(tmp_path / "nope")
        )


def test_framebuffer_without_sysfs_uses_the_board(tmp_path: Path) -> None:
    dev = tmp_path / "fb1"
    dev.write_bytes(b"")
    d = open_display(
        small("spi-480x320", width=64, height=64, rotation=0),
        sysfs_root=tmp_path / "nosys",
        framebuffer=str(dev),
    )
    try:
        d.surface.fill(GREEN)
        d.present()
    finally:
        d.close()
    assert dev.stat().st_size == 64 * 64 * 2
    assert px565(dev.read_bytes(), 128, 63, 63) == 0x07E0


def test_dirty_spans_merge() -> None:
    rects = [
        pygame.Rect(0, 5, 1, 3),
        pygame.Rect(4, 6, 1, 4),
        pygame.Rect(0, 20, 1, 1),
        pygame.Rect(0, 30, 1, 50),
    ]
    assert dirty_spans(rects, 40) == [(5, 10), (20, 21), (30, 40)]


# -- SDL back ends ----------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_offscreen_rotates_on_present(rotation: int) -> None:
    board = small(width=160, height=90, rotation=rotation)
    with open_display(board, offscreen=True) as d:
        assert d.size == (160, 90)
        assert d.panel.get_size() == ((90, 160) if rotation in (90, 270) else (160, 90))
        d.surface.fill((0, 0, 0))
        d.surface.fill(RED, (0, 0, 10, 5))
        d.present([(0, 0, 10, 5)])
        x, y, w, h = rect_to_panel((0, 0, 10, 5), (160, 90), rotation)
        assert d.panel.get_at((x, y))[:3] == RED
        assert d.panel.get_at((x + w - 1, y + h - 1))[:3] == RED
        assert d.panel_to_logical((x, y)) in {(0, 0), (9, 0), (0, 4), (9, 4)}


def test_screenshot(tmp_path: Path) -> None:
    with open_display(small(width=120, height=80, rotation=90), offscreen=True) as d:
        d.surface.fill(BLUE)
        d.present()
        d.screenshot(tmp_path / "shot.png")  # type: ignore[attr-defined]
    img = pygame.image.load(str(tmp_path / "shot.png"))
    assert img.get_size() == (80, 120) and img.get_at((5, 5))[:3] == BLUE


def test_window_falls_back_through_the_board_drivers(monkeypatch: pytest.MonkeyPatch) -> None:
    board = small(
        width=200, height=100, video_driver="x11", video_fallbacks=("wayland", "offscreen")
    )
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    d = open_display(board)
    try:
        assert d.driver == "offscreen" and os.environ["SDL_VIDEODRIVER"] == "offscreen"
        assert d.surface.get_size() == (200, 100)
        d.surface.fill(GREEN)
        d.present()
        d.present([(0, 0, 5, 5)])
        assert d.frames == 2
    finally:
        d.close()
    d.close()  # twice is fine
    with pytest.raises(DisplayError, match="after close"):
        d.present()


def test_no_driver_works_names_each_try(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DisplayError) as info:
        open_display(small(video_driver="x11", video_fallbacks=("wayland",)))
    msg = str(info.value)
    assert "x11:" in msg and "wayland:" in msg and "video" in msg


def test_kmsdrm_board_sets_the_card_before_trying(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = fake_drm(tmp_path, {"card2-HDMI-A-1": "connected"})
    monkeypatch.delenv("SDL_KMSDRM_DEVICE_INDEX", raising=False)
    # No DRM here, so kmsdrm fails and the board's offscreen fallback takes over. A windowed
    # board: a full-screen one never falls back to offscreen (the next test).
    board = small(
        "pi-hdmi-1080p",
        width=320,
        height=180,
        display="window",
        fullscreen=False,
        video_fallbacks=("offscreen",),
    )
    d = open_display(board, sysfs_root=root)
    try:
        assert os.environ["SDL_KMSDRM_DEVICE_INDEX"] == "2"
        assert d.driver == "offscreen"
        assert not pygame.mouse.get_visible()
    finally:
        d.close()


def test_a_full_screen_board_never_falls_back_to_offscreen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A black TV that reports ready: kmsdrm cannot start here, and offscreen is not tried."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    board = small("pi-hdmi-1080p", width=320, height=180, video_fallbacks=("offscreen", "dummy"))
    with pytest.raises(DisplayError) as info:
        open_display(board, sysfs_root=tmp_path)
    msg = str(info.value)
    assert msg.startswith("board pi-hdmi-1080p: the screen did not start")
    assert "kmsdrm:" in msg and "offscreen:" not in msg and "dummy:" not in msg
    assert not pygame.display.get_init()


def test_no_drm_device_is_said_plainly_not_as_sdls_udev_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The virtual TV with /dev/dri/card0 gone: SDL said "Failed loading
    # udev_device_get_action: ... undefined symbol", which reads like a broken install.
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    (tmp_path / "dev" / "dri").mkdir(parents=True)
    (tmp_path / "dev" / "dri" / "renderD128").write_text("")
    board = small("pi-hdmi-1080p", width=320, height=180, video_fallbacks=())
    with pytest.raises(DisplayError) as info:
        open_display(board, sysfs_root=tmp_path, dev_root=tmp_path / "dev")
    msg = str(info.value)
    assert "kmsdrm: no DRM device (" in msg and "has no card*" in msg, msg
    assert "udev" not in msg


def test_drm_nodes_that_cannot_be_opened_name_the_groups(tmp_path: Path) -> None:
    assert device_problem(tmp_path / "absent").startswith("no DRM device")  # type: ignore[union-attr]
    (tmp_path / "dri").mkdir()
    assert device_problem(tmp_path).startswith("no DRM device")  # type: ignore[union-attr]
    (tmp_path / "dri" / "card0").write_text("")
    assert device_problem(tmp_path) is None  # openable: SDL's own reason stands
    said = device_problem_as_nobody() if os.geteuid() == 0 else unreadable_card(tmp_path)
    assert said is not None and "video and render groups" in said and "card0" in said


def unreadable_card(dev: Path) -> str | None:
    (dev / "dri" / "card0").chmod(0)
    return device_problem(dev)


def device_problem_as_nobody() -> str | None:
    """:func:`device_problem` in a child that has given up root (root opens any file), on a
    /dev of its own that others may look into, with a card only root may open."""
    dev = Path(tempfile.mkdtemp(prefix="device-app-dev-"))
    try:
        dev.chmod(0o755)
        (dev / "dri").mkdir(mode=0o755)
        (dev / "dri" / "card0").write_text("")
        (dev / "dri" / "card0").chmod(0o600)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns into pytest
            try:
                os.setgid(65534)
                os.setuid(65534)
                os.write(write_end, repr(device_problem(dev)).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as r:
            text = r.read().decode()
    finally:
        shutil.rmtree(dev)
    return None if text == "None" else text


def test_rotated_window_draws_on_a_logical_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    board = small(width=120, height=60, rotation=270, video_driver="offscreen", video_fallbacks=())
    with open_display(board) as d:
        assert d.surface.get_size() == (120, 60)
        screen = pygame.display.get_surface()
        assert screen is not None and screen.get_size() == (60, 120)
        d.surface.fill((0, 0, 0))
        d.surface.set_at((0, 0), RED)
        d.present()
        # 270 clockwise: the logical top-left ends up at the panel's bottom-left.
        assert screen.get_at((0, 119))[:3] == RED


def test_bench_measures_a_board() -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_present.py"
    spec = importlib.util.spec_from_file_location("bench_present", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    (line,) = bench.measure(load_board("spi-480x320"), n=2)
    assert line.startswith("spi-480x320 480x320 rotation 90: full frame ")
