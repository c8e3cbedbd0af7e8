"""The sans-IO device-flow core.

Everything under this package runs on CPython and on MicroPython: it imports no HTTP
library, no clock, no threads, and no ``enum``/``dataclasses``/``typing`` at run time.
The driver passes ``now`` (monotonic seconds) in and sends the requests it is handed.
"""
