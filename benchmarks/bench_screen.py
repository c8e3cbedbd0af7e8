"""Benchmark of the TV app: start-up to a drawn activation screen, CPU while waiting, peak RSS.

It starts the authorization-server simulator on loopback (long polling interval, so the
wait measures the screen and not the network), then runs the real command line

    device-app run --board B --events LOG --issuer SIM --client-id tv-demo ...

as a child process, and reads

* start-up: from just before the child is spawned to the ``screen: activation`` line of
  the event log (written after the first frame with the code and the QR was presented);
  both are ``time.monotonic()`` readings, one clock for every process on Linux;
* CPU while waiting: utime + stime of the child from /proc/PID/stat across ``--wait``
  seconds of an untouched activation screen (the countdown redraws once a second);
* peak RSS: VmHWM from /proc/PID/status at the end.

Usage (Linux only; /proc):

    .venv/bin/python benchmarks/bench_screen.py              # off-screen (SDL dummy driver)
    .venv/bin/python benchmarks/bench_screen.py --locale ja  # the same with the CJK font
    xvfb-run -a .venv/bin/python benchmarks/bench_screen.py --board desktop   # X11 window
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (proc(5): fields 14 and 15 of /proc/PID/stat)."""
    raw = Path("/proc/%d/stat" % pid).read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_kib(pid: int) -> int:
    """VmHWM (peak resident set size) in KiB from /proc/PID/status."""
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line being written
    return out


def offscreen_board(tmp: Path) -> Path:
    """A copy of the desktop board drawing off-screen (SDL dummy driver)."""
    text = (ROOT / "board_configs" / "desktop.toml").read_text()
    lines = [
        ln
        for ln in text.splitlines()
        if not ln.startswith(("display", "video_driver", "video_fallbacks", "name"))
    ]
    lines.insert(0, 'name = "bench-offscreen"')
    lines.insert(1, 'display = "offscreen"')
    path = tmp / "bench-offscreen.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--board", help="board name or file (default: desktop, drawn off-screen)")
    ap.add_argument("--wait", type=float, default=30.0, help="seconds of waiting to measure")
    ap.add_argument(
        "--interval",
        type=int,
        default=600,
        help="the simulator's polling interval (long: measure the screen only)",
    )
    ap.add_argument(
        "--locale",
        default="",
        help="the screen's language (ja: with the Japanese font loaded; default: the board's)",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = ap.parse_args()

    from device_app_simulator.config import SimulatorConfig
    from device_app_simulator.server import start_server

    with tempfile.TemporaryDirectory(prefix="bench-screen-") as tmpdir:
        tmp = Path(tmpdir)
        board = args.board or str(offscreen_board(tmp))
        server = start_server(
            SimulatorConfig(port=0, interval=args.interval, expires_in=1800, db_path=tmp / "sim.db")
        )
        events = tmp / "events.jsonl"
        cmd = [
            sys.executable,
            "-m",
            "device_app",
            "run",
            "--board",
            board,
            "--events",
            str(events),
            "--issuer",
            server.issuer,
            "--client-id",
            "tv-demo",
            "--allow-insecure-host",
            "127.0.0.1",
            "--token-store",
            str(tmp / "store"),
            "--exit-after",
            str(args.wait + 60),
        ]
        if args.locale:
            cmd += ["--locale", args.locale]
        env = dict(os.environ, SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
        t0 = time.monotonic()
        child = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            shown = None
            deadline = t0 + 60
            while shown is None and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.01)
                shown = next(
                    (
                        e
                        for e in read_events(events)
                        if e.get("event") == "screen" and e.get("screen") == "activation"
                    ),
                    None,
                )
            if shown is None:
                err = (
                    child.stderr.read().decode(errors="replace")
                    if child.poll() is not None and child.stderr
                    else ""
                )
                print("the activation screen never appeared: %s" % err.strip(), file=sys.stderr)
                return 1
            log = read_events(events)
            code = next(e for e in log if e.get("event") == "code")
            startup = shown["t"] - t0
            first_screen = next(e for e in log if e.get("event") == "screen")["t"] - t0
            time.sleep(1.0)  # let the first-second work (font cache, QR) settle
            c0, w0 = cpu_seconds(child.pid), time.monotonic()
            time.sleep(args.wait)
            c1, w1 = cpu_seconds(child.pid), time.monotonic()
            rss = peak_rss_kib(child.pid)
            child.send_signal(signal.SIGTERM)
            rc = child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            server.stop()
        frames = sum(1 for e in read_events(events) if e.get("event") == "screen")
        result = {
            "board": Path(board).stem,
            "locale": args.locale or "(board)",
            "startup_to_first_frame_s": round(first_screen, 3),
            "startup_to_activation_s": round(startup, 3),
            "user_code_len": len(str(code.get("user_code", ""))),
            "wait_s": round(w1 - w0, 2),
            "cpu_while_waiting_s": round(c1 - c0, 3),
            "cpu_while_waiting_pct": round(100 * (c1 - c0) / (w1 - w0), 2),
            "peak_rss_mib": round(rss / 1024, 1),
            "exit_code_on_sigterm": rc,
            "screens_logged": frames,
        }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print("%-28s %s" % (k, v))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
