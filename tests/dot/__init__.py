"""Conformance tests of device-app against a real django-oauth-toolkit server."""
