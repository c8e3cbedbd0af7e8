"""Nothing the project ships points at notes outside it (they do not ship).

Rationale lives in docs/ (docs/design-notes.md) and cites public sources directly; a
pointer at the team's shared folder or at one of its note files is a dead link for
every reader of the repository, the wheel or the sdist.
"""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "node_modules", "build", "dist", "__pycache__"}
SHARED = "shared" + "/"
NOTE_FILES = ("PROVIDERS", "RELIABILITY", "TV_UX", "PEERS", "SERVERS", "VM", "STYLE")
POINTER = re.compile(
    re.escape(SHARED) + r"|\b(?:" + "|".join(NOTE_FILES) + r")\.md\b|\bTV_UX\b|\bRELIABILITY\b"
)


def _project_files() -> list[Path]:
    """Tracked and new files (git's view when there is one, else a walk of the tree)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            found += [Path(folder) / f for f in files]
        return found


def _pointers(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []  # images, fonts: no text to point with
    return [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if POINTER.search(line)
    ]


def test_the_pattern_catches_the_pointers_it_is_meant_to_catch():
    for line in (
        "see " + SHARED + "reference/TV_UX.md",
        "(PROVIDERS.md §3)",
        "RELIABILITY checklist item 29",
        "TV_UX §2",
    ):
        assert POINTER.search(line), line
    for line in ("PROVIDERS = {", "see docs/design-notes.md §5", "/usr/share/fonts"):
        assert not POINTER.search(line), line


def test_no_file_points_outside_the_project():
    files = _project_files()
    assert any(p.name == "README.md" for p in files)
    assert any(p.suffix == ".py" for p in files)
    this = Path(__file__).resolve()  # it spells the patterns out
    hits = [hit for path in files if path.resolve() != this for hit in _pointers(path)]
    assert hits == [], "point at docs/design-notes.md or a public source instead:\n" + "\n".join(
        hits
    )
