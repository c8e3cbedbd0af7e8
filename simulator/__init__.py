"""Local OAuth 2.0 / OpenID Connect authorization server with the Device Authorization Grant.

The simulator speaks the wire dialects of several real providers (see ``dialects.py``) so the
device client can be exercised end to end on loopback, with faults injected on demand.

Installed as ``device_app_simulator`` (the folder is ``simulator/`` in the repository); it needs
the ``simulator`` extra: ``pip install 'device-app[simulator]'``.
"""

from importlib.util import find_spec

# What the extra brings (pyproject.toml). Checked here, before any module imports them, so
# that a missing extra is one sentence naming it rather than a ModuleNotFoundError traceback.
_EXTRA = ("flask", "werkzeug", "authlib")
_missing = [name for name in _EXTRA if find_spec(name) is None]
if _missing:
    raise SystemExit(
        "The simulator needs the packages of its extra (missing: %s): "
        "pip install 'device-app[simulator]'" % ", ".join(_missing)
    )
