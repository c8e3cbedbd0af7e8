"""The Pi Zero 2 W budget (issue 14), measured in one run against a floor built in the same run.

Starts the authorization-server simulator on loopback, then measures, alternating the app
(``device-app run --board B --events LOG``) with the floor (benchmarks/floor.py: import
pygame, open a window of the same size, one HTTP request, fill and flip once, write a line):

* start-up: process spawned -> activation screen drawn with code and QR (the app's event
  log ``screen: activation`` line, written after that frame was presented; the floor's own
  line after its flip); both ``time.monotonic()``, one clock for all processes on Linux.
  Goal: median app / median floor <= 1.3.
* memory: peak RSS (VmHWM) one second after that line, at 1080p and at 4K, app / floor.
  Goal <= 1.25 each.
* idle CPU: utime + stime of the app over ``--idle`` s of an untouched activation screen
  at 1080p. Goal <= 0.2 % of one core.
* approval seen: the phone (device_app_simulator.phone, real HTTP) approves at moments
  spread evenly over a polling interval; from the approval stored by the simulator to the
  app's ``authorized`` event, ``--trials`` times at interval 1 s and 2 s. Goal: mean <=
  interval/2 + 0.05 s, and no ``slow_down`` (the simulator answers slow_down to any poll
  that comes early). The mean is printed with its standard error (+-).

Usage (Linux; /proc):

    .venv/bin/python benchmarks/bench_budget.py                 # SDL off-screen (dummy) driver
    .venv/bin/python benchmarks/bench_budget.py --tls           # the server over https
    xvfb-run -a -s "-screen 0 3840x2160x24" .venv/bin/python benchmarks/bench_budget.py --window

The app runs as users start it: the ``device-app`` script of the interpreter's venv (give
``--python VENV/bin/python`` for a venv where the wheel is installed, outside the checkout).
With ``--tls`` the simulator serves https with a private CA: the app gets ``--ca-bundle``
(it trusts the system's CAs, certifi's and that one), the floor the system's and that one.

Prints each figure with its spread (min / median / max over the runs) and the load average
before and after, since the machine it runs on may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_screen import cpu_seconds, peak_rss_kib, read_events

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTLE_S = 1.0  # after the first activation frame, before reading peak RSS / starting CPU
# The interpreter both the app and the floor run with: this one (the checkout's editable
# install), or --python, e.g. a venv with the wheel installed as a user has it.
PYTHON = sys.executable
GOALS = {"startup": 1.3, "memory": 1.25, "idle_pct": 0.2, "approval_extra_s": 0.05}


def board_file(tmp: Path, base: str, window: bool) -> Path:
    """A copy of a shipped board drawing off-screen (or in a plain X11 window)."""
    text = (ROOT / "board_configs" / (base + ".toml")).read_text()
    keep = [
        ln
        for ln in text.splitlines()
        if not ln.startswith(("display", "video_driver", "video_fallbacks", "fullscreen", "name"))
    ]
    head = ['name = "bench-%s"' % base]
    if window:
        head += ['display = "window"', 'video_driver = "x11"', "video_fallbacks = []"]
        head += ["fullscreen = false"]
    else:
        head += ['display = "offscreen"', "fullscreen = false"]
    path = tmp / ("bench-%s.toml" % base)
    path.write_text("\n".join(head + keep) + "\n")
    return path


def child_env(window: bool, floor: bool = False) -> dict[str, str]:
    """An installed device has its .pyc files (pip compiles them): let the children write
    theirs, and warm up once before timing (see ``startup_and_memory``)."""
    env = dict(os.environ, SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["SDL_VIDEODRIVER"] = "x11" if window else "dummy"
    if window and floor:  # like for like: the app asks SDL for X11's own images (display/base.py)
        env.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    return env


def device_app_command() -> list[str]:
    """``device-app`` as users start it (the systemd unit runs the venv's script), from the
    interpreter's venv; ``python -m device_app`` where there is no script."""
    script = Path(PYTHON).with_name("device-app")
    return [str(script)] if script.exists() else [PYTHON, "-m", "device_app"]


class Server:
    """The simulator the app and the floor talk to, over http or (``ca`` set) https."""

    def __init__(self, issuer: str, ca: Path | None) -> None:
        self.issuer = issuer
        self.ca = ca

    def app_args(self) -> list[str]:
        if self.ca is not None:
            return ["--ca-bundle", str(self.ca)]
        return ["--allow-insecure-host", "127.0.0.1"]

    def floor_args(self) -> list[str]:
        return ["--cafile", str(self.ca)] if self.ca is not None else []


class App:
    """``device-app run`` as a child, watched through its event log."""

    def __init__(self, board: Path, server: Server, tmp: Path, window: bool, n: int) -> None:
        self.events = tmp / ("events-%d.jsonl" % n)
        cmd = [*device_app_command(), "run", "--board", str(board), "--events", str(self.events)]
        cmd += ["--issuer", server.issuer, "--client-id", "tv-demo", *server.app_args()]
        cmd += ["--token-store", str(tmp / ("s%d" % n)), "--exit-after", "900"]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, env=child_env(window), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.helper_kib = 0  # the start-up helper's peak RSS, as last seen while it ran

    def wait_for(self, match: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            self._see_helper()
            found = next((e for e in read_events(self.events) if match(e)), None)
            if found is not None:
                return found
            time.sleep(0.005)
        err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() else ""
        raise RuntimeError("the app never logged what was expected: %s" % err.strip()[-500:])

    def _see_helper(self) -> None:
        for pid in children(self.proc.pid):
            try:
                self.helper_kib = max(self.helper_kib, peak_rss_kib(pid))
            except OSError:
                pass  # it has just ended

    def activation(self) -> dict[str, Any]:
        return self.wait_for(lambda e: e.get("event") == "screen" and e["screen"] == "activation")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (the app's start-up helper)."""
    found: list[int] = []
    for task in Path("/proc/%d/task" % pid).glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def run_app(
    board: Path, server: Server, tmp: Path, window: bool, n: int
) -> tuple[float, int, float, int]:
    """(start-up s, peak RSS KiB, first frame s, helper's peak RSS KiB) of one app run."""
    app = App(board, server, tmp, window, n)
    try:
        shown = app.activation()
        first = next(e for e in read_events(app.events) if e.get("event") == "screen")
        time.sleep(SETTLE_S)
        return (
            shown["t"] - app.t0,
            peak_rss_kib(app.proc.pid),
            first["t"] - app.t0,
            app.helper_kib,
        )
    finally:
        app.stop()


def run_floor(size: tuple[int, int], server: Server, window: bool) -> tuple[float, int]:
    """(start-up s, peak RSS KiB) of one floor run."""
    cmd = [PYTHON, str(ROOT / "benchmarks" / "floor.py"), "--issuer", server.issuer]
    cmd += ["--size", "%dx%d" % size, "--hold", "30", *server.floor_args()]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=child_env(window, floor=True), stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        if not line.get("user_code_len"):
            raise RuntimeError("the floor got no user code: %s" % line)
        time.sleep(SETTLE_S)
        return line["t"] - t0, peak_rss_kib(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def spread(xs: list[float]) -> str:
    return "min %.3f / median %.3f / max %.3f" % (min(xs), statistics.median(xs), max(xs))


def verdict(value: float, goal: float) -> str:
    return "PASS" if value <= goal else "FAIL"


def start_simulator(tmp: Path, tls: bool, name: str, **config: Any) -> tuple[Any, Server]:
    """The simulator on loopback, over https with a private CA when ``tls`` (real servers are
    reached over https: the app then loads CA bundles, and the floor the system's)."""
    from device_app_simulator.config import SimulatorConfig
    from device_app_simulator.server import start_server

    ca = None
    if tls:
        from tests.transport.servers import CertFactory

        certs = CertFactory(tmp)
        certs.server_context()  # writes the leaf for 127.0.0.1 that the CA signs
        config.update(tls_cert=tmp / "127.0.0.1-00.crt", tls_key=tmp / "127.0.0.1-00.key")
        ca = certs.ca_path
    sim = start_server(SimulatorConfig(port=0, db_path=tmp / (name + ".db"), **config))
    return sim, Server(sim.issuer, ca)


def startup_and_memory(args: argparse.Namespace, tmp: Path, server: Server) -> list[str]:
    out: list[str] = []
    for base in ("pi-hdmi-1080p", "tv-4k"):
        board = board_file(tmp, base, args.window)
        size = (1920, 1080) if base == "pi-hdmi-1080p" else (3840, 2160)
        runs = args.runs if base == "pi-hdmi-1080p" else max(1, args.runs // 2)
        app_t, app_m, floor_t, floor_m, app_f, helper_m = [], [], [], [], [], []
        run_floor(size, server, args.window)  # warm-up: .pyc files, the page cache
        run_app(board, server, tmp, args.window, 99 + 100 * len(out))
        for _ in range(runs):  # alternate, floor first then app, so load drifts hit both
            ft, fm = run_floor(size, server, args.window)
            at, am, af, hm = run_app(board, server, tmp, args.window, len(app_t) + 100 * len(out))
            helper_m.append(hm / 1024)
            floor_t.append(ft)
            floor_m.append(fm / 1024)
            app_t.append(at)
            app_m.append(am / 1024)
            app_f.append(af)
        tag = "%dx%d" % size
        first = len(out)
        if base == "pi-hdmi-1080p":
            r = statistics.median(app_t) / statistics.median(floor_t)
            out.append("start-up %s   app %s s" % (tag, spread(app_t)))
            out.append("                    floor %s s" % spread(floor_t))
            out.append("  ratio %.2fx  goal <= %.2fx  %s" % (r, GOALS["startup"], verdict(r, 1.3)))
            out.append("  app's first frame (the starting screen) %s s" % spread(app_f))
        r = statistics.median(app_m) / statistics.median(floor_m)
        out.append("peak RSS %s   app %s MiB" % (tag, spread(app_m)))
        out.append("                    floor %s MiB" % spread(floor_m))
        out.append("  ratio %.2fx  goal <= %.2fx  %s" % (r, GOALS["memory"], verdict(r, 1.25)))
        out.append(
            "  the start-up helper, while it ran (gone by then; pages shared with the app "
            "counted in both): %s MiB" % spread(helper_m)
        )
        for line in out[first:]:
            print(line, flush=True)
    return out


def idle_cpu(args: argparse.Namespace, tmp: Path, server: Server) -> list[str]:
    app = App(board_file(tmp, "pi-hdmi-1080p", args.window), server, tmp, args.window, 900)
    try:
        app.activation()
        time.sleep(SETTLE_S)
        c0, w0 = cpu_seconds(app.proc.pid), time.monotonic()
        time.sleep(args.idle)
        c1, w1 = cpu_seconds(app.proc.pid), time.monotonic()
    finally:
        app.stop()
    pct = 100 * (c1 - c0) / (w1 - w0)
    line = "idle CPU 1920x1080 over %.0f s: %.2f s = %.2f %% of a core  goal <= %.2f %%  %s" % (
        w1 - w0,
        c1 - c0,
        pct,
        GOALS["idle_pct"],
        verdict(pct, GOALS["idle_pct"]),
    )
    print(line, flush=True)
    return [line]


def decided_at(db: Path, user_code: str) -> float:
    """When the simulator recorded the approval, on this process's monotonic clock (it
    stores wall-clock seconds; the simulator runs in this process, so one offset converts)."""
    offset = time.time() - time.monotonic()
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT decided_at FROM device_codes WHERE user_code=?", (user_code,))
        return float(row.fetchone()[0]) - offset


def approval(args: argparse.Namespace, tmp: Path, interval: int) -> list[str]:
    from device_app_simulator.phone import approve

    db = tmp / ("a%d.db" % interval)
    sim, server = start_simulator(tmp, False, db.stem, interval=interval, expires_in=600)
    board = board_file(tmp, "pi-hdmi-1080p", args.window)
    lags: list[float] = []
    slow_downs = 0
    try:
        for n in range(args.trials):
            app = App(board, server, tmp, args.window, 1000 * interval + n)
            try:
                code = app.wait_for(lambda e: e.get("event") == "code")
                # The first poll's answer: the next poll leaves one interval after it. The
                # approvals are spread evenly over that interval (stratified, not random:
                # with 20 random phases the mean alone would wander by +-0.13 interval).
                answered = app.wait_for(lambda e: e.get("event") == "pending")["t"]
                phase = (n + 0.5) / args.trials * interval
                time.sleep(max(0.0, answered + phase - time.monotonic()))
                approve(code.get("verification_uri") or "", str(code["user_code"]))
                done = app.wait_for(lambda e: e.get("event") == "authorized")
                # From the approval itself, not from the end of the phone's requests (it
                # answers with a page after the decision is stored).
                lags.append(done["t"] - decided_at(db, str(code["user_code"])))
                slow_downs += sum(1 for e in read_events(app.events) if e["event"] == "slow_down")
            finally:
                app.stop()
    finally:
        sim.stop()
    mean, goal = statistics.mean(lags), interval / 2 + GOALS["approval_extra_s"]
    line = "approval -> authorized, interval %d s, %d trials: mean %.3f s +- %.3f (%s)" % (
        interval,
        len(lags),
        mean,
        stratified_error(lags),
        spread(lags),
    )
    line2 = "  goal mean <= %.3f s  %s; slow_down answers (early polls): %d %s" % (
        goal,
        verdict(mean, goal),
        slow_downs,
        "PASS" if slow_downs == 0 else "FAIL",
    )
    print(line + "\n" + line2, flush=True)
    return [line, line2]


def stratified_error(xs: list[float]) -> float:
    """Standard error of the mean of one sample per stratum (phases in order), estimated
    from neighbouring pairs (collapsed strata): conservative, since the lag also falls
    steadily with the phase within each pair."""
    pairs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    if not pairs:
        return float("nan")
    return (sum((a - b) ** 2 for a, b in pairs) / len(pairs) / 2 / len(xs)) ** 0.5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--window", action="store_true", help="an X11 window (under xvfb-run)")
    ap.add_argument("--runs", type=int, default=9, help="app/floor pairs at 1080p (4K: half)")
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU to measure")
    ap.add_argument("--trials", type=int, default=20, help="approvals per interval")
    ap.add_argument(
        "--only", choices=["startup", "idle", "approval"], help="measure one thing only"
    )
    ap.add_argument(
        "--tls",
        action="store_true",
        help="start-up and idle over https (a private CA), as real servers are reached",
    )
    ap.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter for the app and the floor (e.g. a venv where the wheel is installed)",
    )
    args = ap.parse_args()
    global PYTHON
    PYTHON = args.python

    print("load average before: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    print("driver: %s" % ("x11 window" if args.window else "SDL dummy (off-screen)"), flush=True)
    print("server: the simulator on loopback over %s" % ("https" if args.tls else "http"))
    print("app: %s" % " ".join(device_app_command()), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmpdir:
        tmp = Path(tmpdir)
        if args.only in (None, "startup", "idle"):
            sim, server = start_simulator(tmp, args.tls, "sim", interval=600, expires_in=1800)
            try:
                if args.only in (None, "startup"):
                    startup_and_memory(args, tmp, server)
                if args.only in (None, "idle"):
                    idle_cpu(args, tmp, server)
            finally:
                sim.stop()
        if args.only in (None, "approval"):
            for interval in (1, 2):
                approval(args, tmp, interval)
    print("load average after: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
