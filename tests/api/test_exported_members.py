"""The public API is exactly what ``device_app.__all__`` says, typed, and cheap to import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import device_app

PACKAGE = Path(device_app.__file__).resolve().parent

EXPORTED = [
    "ActivationScreen",
    "ConfigurationError",
    "DeviceAppError",
    "DeviceFlow",
    "Event",
    "HttpTransport",
    "OAuthError",
    "Profile",
    "ProtocolError",
    "ReauthRequired",
    "Request",
    "Response",
    "Session",
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "UsageError",
    "__version__",
    "build_profile",
    "discover",
    "events",
    "login_async",
    "provider_names",
    "run_flow",
    "run_flow_async",
]


def test_all_is_pinned() -> None:
    assert device_app.__all__ == EXPORTED


def test_every_name_resolves_to_our_own_code() -> None:
    for name in device_app.__all__:
        value = getattr(device_app, name)
        home = getattr(value, "__module__", None) or getattr(value, "__name__", "")
        assert name == "__version__" or home.startswith("device_app."), (name, home)
    assert dir(device_app) == sorted(set(dir(device_app)))
    assert set(device_app.__all__) <= set(dir(device_app))


def test_the_stub_declares_the_same_names() -> None:
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    declared: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            assert isinstance(node.value, ast.List)
            declared = [ast.literal_eval(e) for e in node.value.elts]
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared == EXPORTED
    assert imported == set(EXPORTED) - {"__version__"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        device_app.Nope  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as e:
        assert "Nope" in str(e)
    else:
        raise AssertionError("device_app.Nope resolved")


def test_importing_the_package_loads_no_http_and_no_pygame() -> None:
    code = (
        "import sys, device_app\n"
        "heavy = [m for m in ('requests', 'pygame', 'urllib3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_the_package_is_marked_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()
