"""docs/ARCHITECTURE.md matches the code, and imports run one way through the layers.

Layers, bottom to top: core <- engine <- {ui, hardware} <- tv <- cli. A module may import
its own layer and the layers below; ``ui`` and ``hardware`` do not import each other;
``device_app/assets.py`` (where the package data is) serves every layer above the core; the
core imports nothing from the package outside ``device_app/core/``.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "device_app"
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")

RANK = {"core": 0, "engine": 1, "ui": 2, "hardware": 2, "tv": 3, "cli": 4}
# Top-level modules: the public API and ``python -m`` stand above every layer.
TOP = {"__init__", "__main__"}
# Where the package data is, and the data itself: usable by every layer except the core.
SHARED = {"assets", "ui_assets", "board_configs"}
ROOT_NAMES = {"__version__"}  # what a layer may take from the package itself


def _layer(module: str) -> str:
    """``device_app.engine.session`` -> ``engine``; ``device_app`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of the package."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([target] if target else []))
            found.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("device_app.x") / __import__("device_app.x")
            arg = node.args[0]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant):
                found.append((str(arg.value), [], node.lineno))
    return [f for f in found if f[0] == "device_app" or f[0].startswith("device_app.")]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import in ``source`` (the text of ``module``) that breaks the layer rule."""
    here = _layer(module)
    out = []
    for target, names, line in _imports(ast.parse(source), module, is_package):
        there = _layer(target)
        if target == "device_app" and set(names) <= ROOT_NAMES and here != "core":
            continue  # the version string, from the package's own metadata
        if target == "device_app" and any(n in RANK or n in SHARED for n in names):
            there = names[0]  # from device_app import engine
        if here in TOP or there == here:
            continue
        ok = (there in SHARED and here != "core") or (
            here in RANK and there in RANK and RANK[there] < RANK[here]
        )
        if not ok:
            out.append(f"{module}:{line}: {here} imports {target} ({there})")
    return out


def test_every_import_runs_down_the_layers():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        text = path.read_text(encoding="utf-8")
        found += violations(text, module, path.name == "__init__.py")
    assert found == [], "\n".join(found)


def test_the_checker_catches_upward_and_sideways_imports():
    bad = [
        ("from device_app.engine import session", "device_app.core.flow"),
        ("from device_app.assets import FONT_DIR", "device_app.core.flow"),
        ("import device_app.ui_assets", "device_app.core.flow"),
        ("from device_app import __version__", "device_app.core.flow"),
        ("import device_app.tv.app", "device_app.engine.runner"),
        ("from device_app.hardware.input import actions", "device_app.ui.controller"),
        ("from device_app.ui import viewmodel", "device_app.hardware.boards"),
        ("from device_app.cli import exitcodes", "device_app.tv.app"),
        ("from ..tv import app", "device_app.engine.runner"),
        ("from .. import cli", "device_app.ui.render"),
        ("def f():\n    import device_app.cli.commands\n", "device_app.tv.app"),
        ("importlib.import_module('device_app.tv.app')", "device_app.engine.wiring"),
    ]
    for source, module in bad:
        assert violations(source, module), (source, module)
    good = [
        ("from device_app.core.flow import DeviceFlow", "device_app.engine.runner"),
        ("from . import flow", "device_app.core.states"),
        ("from device_app.assets import FONT_DIR", "device_app.ui.fonts"),
        ("from device_app import __version__", "device_app.engine.transport"),
        ("from device_app.tv import app", "device_app.cli.tv_commands"),
        ("from device_app.engine import session", "device_app"),
        ("from device_app import ui_assets", "device_app.ui.fonts"),
    ]
    for source, module in good:
        assert violations(source, module) == [], (source, module)


def _named_paths() -> set[str]:
    spans = re.findall(r"`([^`\n]+)`", DOC)
    paths = set()
    for span in spans:
        for m in re.finditer(
            r"(?:device_app|simulator|ui_assets|board_configs|tests|docs)/[\w./-]*", span
        ):
            paths.add(m.group(0).rstrip("."))
    return paths


def test_every_path_the_doc_names_exists():
    paths = _named_paths()
    assert "device_app/core/flow.py" in paths  # the pattern finds what the page names
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], "named in docs/ARCHITECTURE.md but not in the tree: %s" % missing


def test_every_dotted_module_the_doc_names_exists():
    for name in set(re.findall(r"\bdevice_app(?:\.\w+)+", DOC)):
        parts = name.split(".")
        # The longest prefix that is a module or package; what follows is an attribute.
        exists = any(
            (ROOT.joinpath(*parts[:n]).with_suffix(".py")).is_file()
            or (ROOT.joinpath(*parts[:n]) / "__init__.py").is_file()
            for n in range(2, len(parts) + 1)
        )
        assert exists, name


def test_every_subpackage_is_described():
    packages = sorted(
        p.parent.relative_to(ROOT).as_posix() + "/"
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE
    )
    top = [p for p in packages if p.count("/") == 2]
    assert top, "no subpackages found"
    for package in top:
        layer = package.split("/")[1]
        assert layer in RANK, f"{package} has no place in the layers (RANK in this test)"
        assert f"| `{package}` |" in DOC, f"{package} has no row in the folder table"
    for package in packages:
        assert f"`{package}" in DOC, f"{package} is not named in docs/ARCHITECTURE.md"


def test_every_layer_is_in_the_picture_and_the_import_rule():
    picture = DOC.split("```", 2)[1]
    for layer in RANK:
        assert f"device_app/{layer}/" in picture, layer
    assert "core ← engine ← {ui, hardware} ← tv ← cli" in DOC
