"""Fake machine module: an I2C bus with an SSD1306 at 0x3C, and pins."""


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1

    def __init__(self, n, mode=None, pull=None):
        self.n = n

    def value(self):
        return 1  # the button is never pressed


class I2C:
    def __init__(self, id, sda=None, scl=None, freq=400000):
        self.id = id

    def scan(self):
        return [0x3C]
