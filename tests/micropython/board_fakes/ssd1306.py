"""Fake ssd1306 driver: a real framebuf.FrameBuffer whose show() keeps a copy of the frame."""

import framebuf

FRAMES = []


class SSD1306_I2C(framebuf.FrameBuffer):
    def __init__(self, width, height, i2c, addr=0x3C):
        self.width = width
        self.height = height
        self.buffer = bytearray(width * height // 8)
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)

    def show(self):
        FRAMES.append(bytes(self.buffer))
