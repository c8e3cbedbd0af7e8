"""Build a typeshed-shaped folder that describes MicroPython, for mypy's ``custom_typeshed_dir``.

mypy reads the standard library from typeshed, never from site-packages, so MicroPython's
stubs only take effect as a whole custom typeshed (the layout micropython-typeshed on PyPI
documents). This assembles one from the installed stub packages:

- ``stdlib/`` of micropython-stdlib-stubs (typeshed's stdlib cut down to what MicroPython
  has, plus its ``_mpy_shed`` helpers);
- the port modules of micropython-rp2-stubs (``machine``, ``network``, ``time``, ``tls``,
  ``framebuf`` ...), which replace the stdlib ones of the same name;
- two changes that make the check catch what MicroPython lacks:
  * modules the stubs need internally but MicroPython does not have at run time (``enum``,
    ``abc``, ``types`` ...) are marked unavailable in ``VERSIONS``, so importing them from
    checked code is an error;
  * methods of ``str``, ``bytes``, ``dict``, ``list`` and ``int`` that MicroPython's
    objects do not have (``str.format_map``, ``str.isalnum`` ...) are cut from
    ``builtins.pyi``.

Usage: ``python tools/micropython/typeshed.py DEST`` (prints DEST); ``typecheck.py`` calls
:func:`build` itself.
"""

from __future__ import annotations

import ast
import shutil
import sys
from importlib import metadata
from pathlib import Path

STDLIB_DIST = "micropython-stdlib-stubs"
PORT_DIST = "micropython-rp2-stubs"

# Stub-internal modules with no MicroPython counterpart on the rp2 / esp32 ports.
# (``abc``, ``types``, ``typing`` and ``typing_extensions`` must stay: mypy refuses to start
# without them; the test suite's import scan and the real MicroPython run catch those.)
HIDDEN = (
    "_ast",
    "_asyncio",
    "_codecs",
    "_decimal",
    "enum",
    "sre_compile",
    "sre_constants",
    "sre_parse",
)

# Public methods MicroPython 1.27.0 has, from dir() on the real runtime (webassembly port, the
# same feature level as rp2/esp32: MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES). The test
# tests/micropython/test_mypy_micropython.py checks these lists against the runtime.
MICROPYTHON_METHODS = {
    "str": (
        "center count encode endswith find format index isalpha isdigit islower isspace "
        "isupper join lower lstrip partition replace rfind rindex rpartition rsplit rstrip "
        "split splitlines startswith strip upper"
    ),
    "bytes": (
        "center count decode endswith find format fromhex hex index isalpha isdigit islower "
        "isspace isupper join lower lstrip partition replace rfind rindex rpartition rsplit "
        "rstrip split splitlines startswith strip upper"
    ),
    "dict": "clear copy fromkeys get items keys pop popitem setdefault update values",
    "list": "append clear copy count extend index insert pop remove reverse sort",
    "int": "from_bytes to_bytes",
}


def _dist_root(dist: str) -> Path:
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        raise SystemExit(
            "%s is not installed: .venv/bin/pip install the pin from pyproject.toml" % dist
        ) from None
    for f in files:
        if f.name == "RECORD":
            return Path(str(f.locate())).parents[1]
    raise SystemExit("%s has no RECORD; reinstall it" % dist)


def _top_level(dist: str) -> list[str]:
    """Top-level stub modules and packages of a distribution (``machine.pyi``, ``rp2/``)."""
    names = set()
    for f in metadata.distribution(dist).files or []:
        first = f.parts[0]
        if first.endswith(".dist-info") or first in ("stdlib", "__builtins__.pyi"):
            continue
        if len(f.parts) == 1 and not first.endswith(".pyi"):
            continue
        names.add(first)
    return sorted(names)


def _prune_builtins(path: Path) -> None:
    """Cut from builtins.pyi the public methods MicroPython's types lack."""
    source = path.read_text()
    lines = source.split("\n")
    tree = ast.parse(source)
    keep = {cls: set(names.split()) for cls, names in MICROPYTHON_METHODS.items()}

    def prune(body: list[ast.stmt], cls: str) -> None:
        for node in body:
            if isinstance(node, ast.If):
                prune(node.body, cls)
                prune(node.orelse, cls)
            elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if node.name not in keep[cls]:
                    first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
                    last = node.end_lineno or node.lineno
                    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
                    # `pass` keeps every block non-empty; the other lines become blank.
                    lines[first] = indent + "pass"
                    for i in range(first + 1, last):
                        lines[i] = ""

    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in keep:
            prune(node.body, node.name)
    path.write_text("\n".join(lines))


def _hide(versions: Path, names: tuple[str, ...], added: list[str]) -> None:
    out = []
    for line in versions.read_text().split("\n"):
        name = line.split(":")[0].strip()
        if name in names or name in added:
            continue  # replaced below
        out.append(line)
    for name in added:
        out.append("%s: 3.0-" % name)
    for name in names:
        # Available only in Python 3.0: never for the python_version mypy checks against.
        out.append("%s: 3.0-3.0" % name)
    versions.write_text("\n".join(out) + "\n")


def build(dest: Path) -> Path:
    """(Re)build the MicroPython typeshed in ``dest`` when the stub versions changed."""
    stamp = "%s %s\n%s %s\n%s\n" % (
        STDLIB_DIST,
        metadata.version(STDLIB_DIST),
        PORT_DIST,
        metadata.version(PORT_DIST),
        Path(__file__).read_text(),
    )
    if (dest / "stamp").is_file() and (dest / "stamp").read_text() == stamp:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    std_root = _dist_root(STDLIB_DIST)
    stdlib = dest / "stdlib"
    shutil.copytree(std_root / "stdlib", stdlib)
    added = ["_mpy_shed"]
    shutil.copytree(std_root / "_mpy_shed", stdlib / "_mpy_shed")
    port_root = _dist_root(PORT_DIST)
    for name in _top_level(PORT_DIST):
        src = port_root / name
        module = name[:-4] if name.endswith(".pyi") else name
        target = stdlib / name
        if target.is_dir():
            shutil.rmtree(target)
        if src.is_dir():
            shutil.copytree(src, target)
        else:
            shutil.copyfile(src, target)
        added.append(module)
    _hide(stdlib / "VERSIONS", HIDDEN, added)
    _prune_builtins(stdlib / "builtins.pyi")
    # mypy also wants typeshed's stubs/ folder for mypy_extensions; an empty one will do.
    (dest / "stubs" / "mypy-extensions").mkdir(parents=True)
    (dest / "stubs" / "mypy-extensions" / "mypy_extensions.pyi").write_text("")
    (dest / "stamp").write_text(stamp)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tools/micropython/typeshed.py DEST")
    print(build(Path(sys.argv[1])))
