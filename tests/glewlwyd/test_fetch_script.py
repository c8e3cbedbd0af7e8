"""fetch.sh, which tools/test.sh and the fixtures run as root on a fresh machine, stays clean."""

import shutil
import subprocess
from pathlib import Path

import pytest

from .server import FETCH_SCRIPT


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="apt install shellcheck")
def test_fetch_script_is_shellcheck_clean() -> None:
    done = subprocess.run(
        ["shellcheck", str(FETCH_SCRIPT)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_fetch_script_says_why_it_cannot_fetch(tmp_path: Path) -> None:
    # A machine without apt-get: exit 3 and one line naming the reason (the tests skip on it).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "mkdir"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        [str(bin_dir / "bash"), str(FETCH_SCRIPT), str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(bin_dir)},
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == (
        "glewlwyd cannot be fetched here: no apt-get (a Debian or Ubuntu machine is needed)"
    )
