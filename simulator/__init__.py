"""Local OAuth 2.0 / OpenID Connect authorization server with the Device Authorization Grant.

The simulator speaks the wire dialects of several real providers (see ``dialects.py``) so the
device client can be exercised end to end on loopback, with faults injected on demand.
"""
