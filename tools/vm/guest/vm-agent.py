#!/usr/bin/python3
"""The host's hands inside the virtual TV (test-only): runs commands sent over a serial port.

The guest has no network device, so the host talks to it over a virtio-serial port
(/dev/virtio-ports/vm.agent, a UNIX socket on the host). One JSON object per line each way:

    host:  {"id": 7, "argv": ["systemctl", "is-active", "device-app"], "timeout": 10}
    guest: {"id": 7, "rc": 0, "out": "active\\n", "err": ""}

At start it sends {"hello": <uptime seconds>} so the host knows userspace is up. Commands run
one at a time as root; this is a test harness, never part of a real TV.
"""

import json
import subprocess
import time

PORT = "/dev/virtio-ports/vm.agent"


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def run(request):
    try:
        done = subprocess.run(
            request["argv"],
            input=request.get("stdin", ""),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=request.get("timeout", 30),
        )
        return {"rc": done.returncode, "out": done.stdout, "err": done.stderr}
    except subprocess.TimeoutExpired:
        return {"rc": -1, "out": "", "err": "timed out"}
    except OSError as e:
        return {"rc": -2, "out": "", "err": str(e)}


def send(port, message):
    """Write one JSON line, all of it: a write to a character device may take only part."""
    data = memoryview((json.dumps(message) + "\n").encode())
    while data:
        written = port.write(data)
        data = data[written or 0 :]


def main():
    while True:
        try:
            port = open(PORT, "r+b", buffering=0)
            break
        except OSError:
            time.sleep(0.2)  # udev has not made the node yet
    send(port, {"hello": uptime()})
    buf = b""
    while True:
        chunk = port.read(65536)
        if not chunk:
            time.sleep(0.05)  # the host side is not connected: reads return nothing
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            request = json.loads(line)
            reply = {"id": request.get("id"), **run(request)}
            send(port, reply)


if __name__ == "__main__":
    main()
