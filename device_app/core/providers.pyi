# Types for library users; providers.py has no annotations (it also runs on MicroPython).
from typing import Any

PROVIDERS: dict[str, dict[str, Any]]

def provider_names() -> list[str]: ...
