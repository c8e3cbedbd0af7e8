"""Fake network module: a station interface that joins at once."""

STA_IF = 0
COUNTRY = []


def country(code=None):
    COUNTRY.append(code)


class WLAN:
    def __init__(self, iface):
        self._up = False
        self._joined = False

    def active(self, on=None):
        if on is not None:
            self._up = on
        return self._up

    def connect(self, ssid, password):
        self._joined = self._up

    def isconnected(self):
        return self._joined
