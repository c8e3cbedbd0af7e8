"""device-app: the reference smart-TV client for the OAuth 2.0 Device Authorization Grant.

The public API (docs/api.md) is the names in ``__all__``. They load on first use, so that
``import device_app`` stays cheap for the command line and runs on MicroPython, which
imports this file before the core: the engine (HTTP) and the activation screen (pygame)
are imported only by a program that asks for them. Types: ``__init__.pyi``.
"""

__version__ = "0.1.0"

# name -> (module, attribute); the attribute None means the module itself.
_EXPORTS = {
    # sign-in: the sans-IO core and its vocabulary
    "DeviceFlow": ("device_app.core.flow", "DeviceFlow"),
    "Event": ("device_app.core.events", "Event"),
    "events": ("device_app.core.events", None),
    "Request": ("device_app.core.http", "Request"),
    "Response": ("device_app.core.http", "Response"),
    # providers
    "Profile": ("device_app.core.profile", "Profile"),
    "build_profile": ("device_app.core.profile", "build_profile"),
    "provider_names": ("device_app.core.providers", "provider_names"),
    "discover": ("device_app.engine.discovery", "discover"),
    # errors
    "DeviceAppError": ("device_app.core.errors", "DeviceAppError"),
    "UsageError": ("device_app.core.errors", "UsageError"),
    "ConfigurationError": ("device_app.core.errors", "ConfigurationError"),
    "TransportError": ("device_app.core.errors", "TransportError"),
    "ProtocolError": ("device_app.core.errors", "ProtocolError"),
    "OAuthError": ("device_app.core.errors", "OAuthError"),
    "ReauthRequired": ("device_app.engine.session", "ReauthRequired"),
    "TokenStoreError": ("device_app.engine.token_store", "TokenStoreError"),
    # the engine: HTTP, tokens on disk, the token lifecycle
    "HttpTransport": ("device_app.engine.transport", "HttpTransport"),
    "TokenStore": ("device_app.engine.token_store", "TokenStore"),
    "Session": ("device_app.engine.session", "Session"),
    # the two drivers
    "run_flow": ("device_app.engine.runner", "run_flow"),
    "run_flow_async": ("device_app.engine.aio", "run_flow"),
    "login_async": ("device_app.engine.aio", "login"),
    # the activation screen, for a pygame program's own loop
    "ActivationScreen": ("device_app.ui.component", "ActivationScreen"),
}

__all__ = [
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


def __getattr__(name):
    """Load an exported name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError("module 'device_app' has no attribute %r" % name)
    module_name, attribute = _EXPORTS[name]
    module = __import__(module_name, None, None, ("_",))  # with a fromlist: the leaf module
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
