# Types of the public API: device_app/__init__.py loads these names lazily.
from device_app.core import events as events
from device_app.core.errors import ConfigurationError as ConfigurationError
from device_app.core.errors import DeviceAppError as DeviceAppError
from device_app.core.errors import OAuthError as OAuthError
from device_app.core.errors import ProtocolError as ProtocolError
from device_app.core.errors import TransportError as TransportError
from device_app.core.errors import UsageError as UsageError
from device_app.core.events import Event as Event
from device_app.core.flow import DeviceFlow as DeviceFlow
from device_app.core.http import Request as Request
from device_app.core.http import Response as Response
from device_app.core.profile import Profile as Profile
from device_app.core.profile import build_profile as build_profile
from device_app.core.providers import provider_names as provider_names
from device_app.engine.aio import login as login_async
from device_app.engine.aio import run_flow as run_flow_async
from device_app.engine.discovery import discover as discover
from device_app.engine.runner import run_flow as run_flow
from device_app.engine.session import ReauthRequired as ReauthRequired
from device_app.engine.session import Session as Session
from device_app.engine.token_store import TokenStore as TokenStore
from device_app.engine.token_store import TokenStoreError as TokenStoreError
from device_app.engine.transport import HttpTransport as HttpTransport
from device_app.ui.component import ActivationScreen as ActivationScreen

__version__: str

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
