"""Where the app's data files are found (device_app/assets.py): the package's own folder when
it is installed as files, as pip installs it; through importlib.resources from a zip."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from device_app import assets


def test_installed_as_files_the_locations_are_the_folders_themselves() -> None:
    import device_app.board_configs
    import device_app.ui_assets

    assert assets.UI_ASSETS == Path(next(iter(device_app.ui_assets.__path__)))
    assert assets.BOARD_DIR == Path(next(iter(device_app.board_configs.__path__)))
    assert isinstance(assets.FONT_DIR, Path) and (assets.FONT_DIR / "DejaVuSans.ttf").is_file()
    font = assets.FONT_DIR / "DejaVuSans.ttf"
    assert assets.file_path(font) == font  # no copy
    assert [assets.stem(f) for f in assets.toml_files(assets.THEME_DIR)][:1] == ["aurora"]


def test_from_a_zip_archive_through_importlib_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped_assets/__init__.py", "")
        z.writestr("zipped_assets/board.toml", 'name = "zipped"\n')
        z.writestr("zipped_assets/notes.txt", "not a board\n")
    monkeypatch.syspath_prepend(str(archive))
    try:
        folder = assets.files("zipped_assets")
        assert not isinstance(folder, Path)
        assert [f.name for f in assets.toml_files(folder)] == ["board.toml"]
        real = assets.file_path(folder / "board.toml")  # a copy, for libraries that open files
        assert real.is_file() and real.read_text() == 'name = "zipped"\n'
    finally:
        sys.modules.pop("zipped_assets", None)
