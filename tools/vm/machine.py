"""One boot of the virtual TV under QEMU, and the two channels the host drives it through.

- QMP (QEMU's JSON control socket): screenshots of the display (``screendump``), keys on the
  guest's PS/2 keyboard (``send-key``), ``system_powerdown`` and ``quit`` (a power cut: QEMU
  stops at once, the guest gets no shutdown).
- The agent (tools/vm/guest/vm-agent.py) on a virtio-serial port: run a command in the guest
  and get its output. The guest has no network device; both channels are UNIX sockets here.

Only the standard library: this runs before anything is installed.
"""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

# TCG, not KVM: the KVM on these machines is nested and the stock Debian kernel does not boot
# under it (see docs/vm.md). Two vCPUs on two host cores.
QEMU_BASE = ["qemu-system-x86_64", "-accel", "tcg,thread=multi", "-smp", "2", "-m", "1024"]


class GuestError(RuntimeError):
    """The guest did not answer, or a command in it failed where it had to succeed."""


class QMP:
    """A minimal QMP client: one command at a time, events kept for whoever asks."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._sock = _connect_unix(path, timeout)
        self._file = self._sock.makefile("rwb", buffering=0)
        self.events: list[dict[str, Any]] = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise GuestError("not a QMP greeting: %r" % greeting)
        self.execute("qmp_capabilities")

    def _read(self) -> dict[str, Any]:
        line = self._file.readline()
        if not line:
            raise GuestError("QMP connection closed")
        return json.loads(line)  # type: ignore[no-any-return]

    def execute(self, command: str, **arguments: Any) -> Any:
        """Run a QMP command; return its ``return`` value or raise on ``error``."""
        message: dict[str, Any] = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self._file.write((json.dumps(message) + "\n").encode())
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise GuestError("QMP %s: %s" % (command, reply["error"].get("desc")))
            return reply.get("return")

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


class Agent:
    """The host end of the guest agent's serial port. Lines from the guest go to a queue."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._sock = _connect_unix(path, timeout)
        self._lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.hellos: list[tuple[float, float]] = []  # (host monotonic, guest uptime) per boot
        self._next_id = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # a half line from a boot that was cut off
                if "hello" in message:
                    self.hellos.append((time.monotonic(), float(message["hello"])))
                else:
                    self._lines.put(message)

    def wait_boot(self, count: int, timeout: float) -> float:
        """Wait until the agent has said hello ``count`` times; the host time of that hello."""
        deadline = time.monotonic() + timeout
        while len(self.hellos) < count:
            if time.monotonic() > deadline:
                raise GuestError("the guest's agent did not start within %.0f s" % timeout)
            time.sleep(0.2)
        return self.hellos[count - 1][0]

    def run(
        self, argv: list[str], timeout: float = 30.0, stdin: str = "", check: bool = False
    ) -> tuple[int, str, str]:
        """Run ``argv`` in the guest as root; (exit status, stdout, stderr)."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            request = {"id": ident, "argv": argv, "timeout": timeout, "stdin": stdin}
            self._sock.sendall((json.dumps(request) + "\n").encode())
            deadline = time.monotonic() + timeout + 15
            while True:
                try:
                    reply = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    raise GuestError("no answer from the guest to %s" % argv) from None
                if reply.get("id") == ident:
                    break  # older ids are answers to commands a reboot cut off
        rc, out, err = int(reply["rc"]), str(reply["out"]), str(reply["err"])
        if check and rc != 0:
            raise GuestError("%s exited %d: %s" % (" ".join(argv), rc, err.strip()[-500:]))
        return rc, out, err

    def sh(self, script: str, timeout: float = 30.0, check: bool = False) -> str:
        """Run a shell script in the guest; its stdout."""
        return self.run(["/bin/sh", "-c", script], timeout=timeout, check=check)[1]

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


def _connect_unix(path: Path, timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise GuestError("cannot connect to %s" % path) from None
            time.sleep(0.05)


class Machine:
    """QEMU running the guest image: ``start()``, drive it, then ``stop()``.

    ``disk`` is the image the guest boots (a qcow2 overlay over the built raw image, so the
    built image stays pristine and a power cut keeps what the guest had written).
    ``display=False`` boots with no display device at all (scenario 7).
    """

    def __init__(
        self, build: Path, run_dir: Path, disk: Path, display: bool = True, tag: str = "boot"
    ) -> None:
        self.build = build
        self.run_dir = run_dir
        self.disk = disk
        self.display = display
        self.tag = tag
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.qmp: QMP | None = None
        self.agent: Agent | None = None

    @property
    def console_log(self) -> Path:
        return self.run_dir / ("%s-console.log" % self.tag)

    def argv(self) -> list[str]:
        qmp = self.run_dir / ("%s.qmp" % self.tag)
        agent = self.run_dir / ("%s.agent" % self.tag)
        display = ["-device", "virtio-vga"] if self.display else []
        return [
            *QEMU_BASE,
            "-kernel", str(self.build / "vmlinuz"),
            "-initrd", str(self.build / "initrd.img"),
            "-append", "root=/dev/vda rw console=ttyS0 quiet",
            "-drive", "file=%s,format=qcow2,if=virtio,cache=writeback" % self.disk,
            "-nic", "none",  # no network device: the guest reaches nothing outside itself
            "-vga", "none", *display,
            "-display", "none",
            "-qmp", "unix:%s,server=on,wait=off" % qmp,
            "-serial", "file:%s" % self.console_log,
            "-device", "virtio-serial",
            "-chardev", "socket,id=agent,path=%s,server=on,wait=off" % agent,
            "-device", "virtserialport,chardev=agent,name=vm.agent",
        ]  # fmt: skip

    def start(self) -> None:
        """Start QEMU and connect both channels (the guest is still booting when it returns)."""
        for name in ("%s.qmp" % self.tag, "%s.agent" % self.tag):
            (self.run_dir / name).unlink(missing_ok=True)
        self.started_at = time.monotonic()
        log = open(self.run_dir / ("%s-qemu.log" % self.tag), "wb")
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT)
        self.qmp = QMP(self.run_dir / ("%s.qmp" % self.tag))
        self.agent = Agent(self.run_dir / ("%s.agent" % self.tag))

    def screendump(self, path: Path) -> Path:
        """The display's current frame as a PNG on the host."""
        assert self.qmp is not None
        self.qmp.execute("screendump", filename=str(path), format="png")
        return path

    def send_key(self, qcode: str) -> None:
        """Press and release one key on the guest's PS/2 keyboard (qcodes: ret, esc, right...)."""
        assert self.qmp is not None
        self.qmp.execute("send-key", keys=[{"type": "qcode", "data": qcode}], **{"hold-time": 80})

    def power_cut(self) -> None:
        """QEMU quits at once: no shutdown, whatever the guest had not flushed is lost."""
        assert self.qmp is not None and self.proc is not None
        try:
            self.qmp.execute("quit")
        except GuestError:
            pass
        self.proc.wait(timeout=30)
        self._close()

    def power_button(self, timeout: float = 120.0) -> float:
        """ACPI power button; wait for the guest to shut down. Seconds it took."""
        assert self.qmp is not None and self.proc is not None
        start = time.monotonic()
        self.qmp.execute("system_powerdown")
        self.proc.wait(timeout=timeout)
        self._close()
        return time.monotonic() - start

    def stop(self) -> None:
        """End QEMU whatever state it is in (used on errors)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._close()

    def _close(self) -> None:
        for channel in (self.qmp, self.agent):
            if channel is not None:
                channel.close()
