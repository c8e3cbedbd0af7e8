"""Conformance tests of device-app against a real glewlwyd (Debian's package, on loopback)."""
