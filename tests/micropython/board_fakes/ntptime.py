"""Fake ntptime module."""

import fakenet

host = "pool.ntp.org"


def settime():
    fakenet.NTP.append(host)
