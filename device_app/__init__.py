"""device-app: the reference smart-TV client for the OAuth 2.0 Device Authorization Grant."""

__version__ = "0.1.0"
