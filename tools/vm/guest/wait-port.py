#!/usr/bin/python3
"""Wait (up to 60 s) until something listens on 127.0.0.1:PORT; exit 1 if nothing does."""

import socket
import sys
import time

port = int(sys.argv[1])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
