"""Issue 12's scenarios, each a function that returns its verdict and figures.

A scenario returns a dict: ``verdict`` ("pass" or "fail"), the figures it measured, and
``why`` when it failed. It raises only when the guest itself stopped answering; the runner
records that as "error". Screenshots go to the output folder, named after the step.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import look
from machine import GuestError
from tv import APP as APP_PATH
from tv import PROVIDER_ARGS, TV

Result = dict[str, Any]
# Issue 12, scenario 9: SIGTERM to gone.
STOP_LIMIT_S = 2.0


def _verdict(ok: bool, why: str = "", **figures: Any) -> Result:
    result: Result = {"verdict": "pass" if ok else "fail", **figures}
    if not ok:
        result["why"] = why
    return result


def _last(tv: TV, kind: str) -> tuple[int, dict[str, Any]] | None:
    evs = tv.events()
    for i in range(len(evs) - 1, -1, -1):
        if evs[i].get("event") == kind:
            return i, evs[i]
    return None


def _reboot(tv: TV) -> None:
    """Reboot the guest and wait until it is back (its agent says hello again)."""
    boots = len(tv.agent.hellos)
    # --no-block: the answer comes back before the reboot cuts the agent off.
    tv.sh("systemctl reboot --no-block")
    tv.agent.wait_boot(boots + 1, timeout=300)


def _code_on_screen(tv: TV, name: str, code: dict[str, Any], timeout: float) -> Result:
    """Screenshots until the QR decodes to the code's URI; then read the drawn code by OCR."""
    uri = code.get("verification_uri_complete") or code["verification_uri"]
    png, ok = tv.shot_until(name, lambda p: uri in look.qr_texts(p), timeout)
    found: Result = {"qr": look.qr_texts(png), "expected_qr": uri, "qr_ok": ok}
    text = look.read_code(png)
    if text is None:
        found["code_drawn_ok"] = None  # no tesseract: the QR (which carries the code) only
    else:
        found["code_drawn_ok"] = look.squash(code["user_code"]) in look.squash(text)
    return found


# --------------------------------------------------------------------------- 1
def cold_boot(tv: TV, state: dict[str, Any]) -> Result:
    """Cold boot to the activation screen: QR = event URI, drawn code = event code."""
    tv.agent.wait_boot(1, timeout=240)
    _, code = tv.wait_event(lambda e: e.get("event") == "code", timeout=240)
    seen = _code_on_screen(tv, "activation", code, timeout=90)
    on_screen = time.monotonic() - tv.m.started_at
    state["code"] = code
    pending = (tv.store() or {}).get("pending") or {}
    state["device_code"] = pending.get("device_code")
    ok = seen["qr_ok"] and seen["code_drawn_ok"] is not False
    return _verdict(
        ok,
        "the QR or the drawn code does not match the event log",
        seconds_qemu_start_to_code_on_screen=round(on_screen, 1),
        user_code=code["user_code"],
        **seen,
    )


# --------------------------------------------------------------------------- 2
def approval(tv: TV, state: dict[str, Any]) -> Result:
    """The simulated phone approves; the TV greets Alice; no secret in the journal."""
    code = state["code"]
    uri = code.get("verification_uri_complete") or code["verification_uri"]
    start_index = len(tv.events())
    start = time.monotonic()
    outcome = tv.sh("/opt/vm/phone.py '%s' '%s'" % (uri, code["user_code"]), timeout=120)
    tv.wait_screen("signed_in", after=start_index, timeout=60)
    # The greeting screen comes up with "Getting your details..." and the name follows when
    # the userinfo call returns: wait for the name itself.
    if look.ocr_text(tv.shot("signed-in")) is None:
        greeted = None
    else:
        _, greeted = tv.shot_until(
            "signed-in", lambda p: "alice" in (look.ocr_text(p) or "").lower(), timeout=20
        )
    welcome = time.monotonic() - start
    tokens = (tv.store() or {}).get("tokens") or {}
    canaries = {
        "access_token": tokens.get("access_token"),
        "refresh_token": tokens.get("refresh_token"),
        "device_code": state.get("device_code"),
        "client_secret": "demo-secret",
    }
    state["canaries"] = canaries
    leaks = _leaks(tv, canaries)
    ok = "approved" in outcome and greeted is not False and not leaks and all(canaries.values())
    return _verdict(
        ok,
        "phone: %r, greeting read: %r, leaked: %s, canaries known: %s"
        % (outcome.strip(), greeted, leaks, [k for k, v in canaries.items() if v]),
        seconds_phone_approval_to_greeting_by_name=round(welcome, 1),
        greeting_read=greeted,
        canaries_checked=[k for k, v in canaries.items() if v],
        leaked=leaks,
    )


def _leaks(tv: TV, canaries: dict[str, Any]) -> list[str]:
    """Which canary values appear in the whole journal (every boot) or the console log."""
    journal = tv.journal()
    console = tv.m.console_log.read_text(errors="replace") if tv.m.console_log.exists() else ""
    return [k for k, v in canaries.items() if v and (v in journal or v in console)]


# --------------------------------------------------------------------------- 3
def remote_keys(tv: TV, state: dict[str, Any]) -> Result:
    """Keyboard keys over QMP and IR keys over uinput: Home → Remove → confirm → new code."""
    tv.wait_screen("home", timeout=30)
    # Home lists the accounts (the current one focused) over Add account and Remove.
    steps: list[tuple[str, str, str]] = [
        ("ir", "KEY_RED", "confirm_remove"),  # colour key: SDL sees nothing
        ("ir", "KEY_EXIT", "home"),  # the board maps KEY_EXIT to back
        ("qmp", "down", ""),  # from the account list to the buttons (Add account)
        ("qmp", "right", ""),  # focus Remove
        ("qmp", "ret", "confirm_remove"),  # Enter on Remove
        ("qmp", "right", ""),  # focus from Cancel to Remove
        ("ir", "KEY_OK", "activation"),  # confirm: signed out and forgotten, a fresh code
    ]
    seen = []
    for n, (how, key, screen) in enumerate(steps, 1):
        before = len(tv.events())
        if how == "ir":
            tv.remote(key)
        else:
            tv.m.send_key(key)
        if screen:
            try:
                tv.wait_screen(screen, after=before, timeout=30)
            except Exception:
                tv.shot("keys-%d-%s" % (n, key.lower()))
                return _verdict(False, "%s %s did not lead to %s" % (how, key, screen), seen=seen)
        else:
            time.sleep(1.5)  # a focus move draws no new screen
        tv.shot("keys-%d-%s" % (n, key.lower()))
        seen.append("%s:%s->%s" % (how, key, screen or "focus"))
    _, new_code = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=60)
    fresh = new_code["user_code"] != state["code"]["user_code"]
    state["code"] = new_code
    rows = tv.sh(
        "sqlite3 /var/lib/vm-simulator/sim.sqlite3 "
        "'select access_revoked, refresh_revoked from tokens'"
    ).split()
    revoked = bool(rows) and all(r.split("|")[1] == "1" for r in rows)
    return _verdict(
        fresh and revoked,
        "fresh code: %s, simulator tokens (access|refresh revoked): %s" % (fresh, rows),
        steps=seen,
        fresh_code=new_code["user_code"],
        simulator_tokens_revoked=rows,
    )


# --------------------------------------------------------------------------- 9
def _timed_stop(tv: TV, unit: str) -> float:
    """Seconds ``systemctl stop UNIT`` took, by the guest's clock."""
    out = tv.sh(
        "a=$(cat /proc/uptime); systemctl stop %s; b=$(cat /proc/uptime); "
        "echo ${a%%%% *} ${b%%%% *}" % unit,
        timeout=120,
    )
    a, b = (float(x) for x in out.split())
    return round(b - a, 2)


def stop_in_time(tv: TV, state: dict[str, Any]) -> Result:
    """``systemctl stop`` ends the app within 2 s of its own time (the shutdown half is read
    after a reboot). The floor is the same unit set-up around a program that exits at once."""
    tv.sh("systemctl start vm-floor; sleep 3", timeout=60)
    floor = _timed_stop(tv, "vm-floor")
    took = _timed_stop(tv, "device-app")
    before = len(tv.events())
    tv.sh("systemctl start device-app", timeout=120)
    tv.wait_screen("activation", after=before, timeout=120)
    _, code = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=30)
    # Read now, not right after the stop: journald takes the app's last lines a moment later.
    breakdown = [x for x in tv.journal("-b -t device-app").splitlines() if "stopped in" in x][-1:]
    state["code"] = code
    state["stop_seconds"] = took
    state["floor_seconds"] = floor
    own = took - floor
    return _verdict(
        own <= STOP_LIMIT_S,
        "systemctl stop took %.1f s, %.1f s over the floor's %.1f s" % (took, own, floor),
        seconds_systemctl_stop=took,
        seconds_floor_stop=floor,
        seconds_over_floor=round(own, 2),
        app_breakdown=breakdown,
    )


def shutdown_stop_time(journal_previous_boot: str) -> float | None:
    """Seconds between 'Stopping device-app' and its end in a journal (short-monotonic)."""
    start = end = None
    for line in journal_previous_boot.splitlines():
        m = re.match(r"\[\s*([\d.]+)\]", line)
        if not m or "device-app" not in line:
            continue
        if "Stopping device-app.service" in line and start is None:
            start = float(m.group(1))
        elif start is not None and ("Stopped device-app" in line or "Deactivated" in line):
            end = float(m.group(1))
            break
    return None if start is None or end is None else round(end - start, 2)


# --------------------------------------------------------------------------- 6
def watchdog(tv: TV, state: dict[str, Any]) -> Result:
    """SIGSTOP the app: systemd's watchdog kills and restarts it, the screen comes back."""
    unit = tv.unit("MainPID", "NRestarts", "WatchdogUSec")
    before = len(tv.events())
    tv.sh("kill -STOP %s" % unit["MainPID"])
    start = time.monotonic()
    tv.wait_event(lambda e: e.get("event") == "start", after=before, timeout=150)
    restarted = time.monotonic() - start
    _, code = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=120)
    seen = _code_on_screen(tv, "watchdog-back", code, timeout=90)
    back = time.monotonic() - start
    state["code"] = code
    after = tv.unit("NRestarts")
    line = [x for x in tv.journal("-u device-app").splitlines() if "atchdog" in x][-1:]
    return _verdict(
        seen["qr_ok"] and int(after["NRestarts"]) > int(unit["NRestarts"]),
        "restarts %s -> %s, QR back: %s" % (unit["NRestarts"], after["NRestarts"], seen["qr_ok"]),
        watchdog_usec=unit["WatchdogUSec"],
        seconds_sigstop_to_new_start=round(restarted, 1),
        seconds_sigstop_to_code_on_screen=round(back, 1),
        journal=line,
    )


# --------------------------------------------------------------------------- 4
def reboot_pending(tv: TV, state: dict[str, Any]) -> Result:
    """Reboot with a code pending: the same code is on screen after the boot."""
    code = state["code"]
    before = len(tv.events())
    _reboot(tv)
    _, new = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=240)
    seen = _code_on_screen(tv, "reboot-activation", new, timeout=90)
    state["code"] = new
    state["shutdown_stop_seconds"] = shutdown_stop_time(tv.journal("-b -1 -u device-app"))
    same = new["user_code"] == code["user_code"]
    return _verdict(
        same and seen["qr_ok"],
        "before %s, after %s" % (code["user_code"], new["user_code"]),
        code_before=code["user_code"],
        code_after=new["user_code"],
        seconds_device_app_stop_at_reboot=state["shutdown_stop_seconds"],
        **{k: v for k, v in seen.items() if k in ("qr_ok", "code_drawn_ok")},
    )


# --------------------------------------------------------------------------- 8
def comments_only_provider(tv: TV, state: dict[str, Any]) -> Result:
    """The provider file as the installer writes it: an error screen, no restart loop."""
    tv.sh("cp /etc/device-app/provider.toml /run/provider.toml.test")
    tv.sh("cp /etc/device-app/provider.toml.installed /etc/device-app/provider.toml")
    before = len(tv.events())
    tv.sh("systemctl restart device-app", timeout=120)
    # Counted from after the manual restart, which resets systemd's NRestarts: counted from
    # before it, an earlier automatic restart made this -1.
    restarts = int(tv.unit("NRestarts")["NRestarts"])
    time.sleep(25)  # an exit would be back within RestartSec=2 + a start (~10 s here)
    png = tv.shot("provider-comments-only")
    evs = tv.events()[before:]
    screens = [e.get("screen") for e in evs if e.get("event") == "screen"]
    unit = tv.unit("NRestarts", "ActiveState", "Result")
    loops = int(unit["NRestarts"]) - restarts
    lines = [x for x in tv.journal("-b").splitlines() if "device-app: error" in x][-2:]
    tv.sh("cp /run/provider.toml.test /etc/device-app/provider.toml")
    before = len(tv.events())
    tv.sh("systemctl reset-failed device-app; systemctl restart device-app", timeout=120)
    _, state["code"] = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=120)
    ok = "error" in screens and loops == 0 and tv.drawn(png)
    return _verdict(
        ok,
        "screens %s, restarts in 25 s: %d, unit %s" % (screens, loops, unit),
        screens=screens,
        restarts_in_25_s=loops,
        unit=unit,
        journal=lines,
    )


# --------------------------------------------------------------------------- 10
RENDERER_LINE = "SDL draws the screen through"
DROPIN_DIR = "/run/systemd/system/device-app.service.d"


def _renderer_line(tv: TV) -> str:
    """The app's newest 'SDL draws the screen through ...' journal line (this boot)."""
    lines = [x for x in tv.journal("-b -t device-app").splitlines() if RENDERER_LINE in x]
    return lines[-1] if lines else ""


def _boot_app_with(tv: TV, value: str | None, name: str) -> dict[str, Any]:
    """Restart the stock unit (``value``: SDL_FRAMEBUFFER_ACCELERATION forced by a drop-in, or
    None for the unit as installed); what reached the screen and what the app logged."""
    if value is None:
        tv.sh("rm -rf %s" % DROPIN_DIR)
    else:
        tv.sh(
            "mkdir -p %s && printf '[Service]\\nEnvironment=SDL_FRAMEBUFFER_ACCELERATION=%s\\n' "
            "> %s/vm.conf" % (DROPIN_DIR, value, DROPIN_DIR)
        )
    before = len(tv.events())
    tv.sh("systemctl daemon-reload; systemctl restart device-app", timeout=120)
    _, code = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=120)
    uri = code.get("verification_uri_complete") or code["verification_uri"]
    png, qr_ok = tv.shot_until(name, lambda p: uri in look.qr_texts(p), timeout=20)
    return {
        "drawn": tv.drawn(png),
        "qr_ok": qr_ok,
        "app_log": _renderer_line(tv),
        "code": code,
    }


def black_frame(tv: TV, state: dict[str, Any]) -> Result:
    """The unit as installed draws (the app picks GLES2 under kmsdrm and says so); forcing
    SDL's desktop-OpenGL renderer shows why it must: those frames reach the screen black."""
    stock = _boot_app_with(tv, None, "black-frame-stock")
    forced = _boot_app_with(tv, "opengl", "black-frame-opengl")
    # The drop-in goes; the next restart (scenario 7's, or the unit's own) is the stock unit.
    tv.sh("rm -rf %s; systemctl daemon-reload" % DROPIN_DIR)
    state["code"] = forced.pop("code")
    stock.pop("code")
    ok = stock["qr_ok"] and "its opengles2 renderer" in stock["app_log"]
    return _verdict(
        ok,
        "the unit as installed: %s" % stock,
        unit_as_installed=stock,
        forced_desktop_opengl=forced,
        desktop_opengl_black=not forced["drawn"],
    )


# --------------------------------------------------------------------------- 7
def no_display(tv: TV, state: dict[str, Any], watch_s: float = 40.0) -> Result:
    """KMSDRM cannot start (the DRM node is gone, as on a machine with no display device):
    the app never reports ready over nothing, says why in one journal line, systemd retries.

    The node is renamed rather than the machine booted without a display: the same failure
    for the app, without a boot of its own (docs/vm.md).
    """
    tv.sh("mv /dev/dri/card0 /dev/dri/.card0-hidden")
    restarts = int(tv.unit("NRestarts")["NRestarts"])
    since = tv.sh("cat /proc/uptime").split()[0]
    tv.sh("systemctl restart --no-block device-app")
    seen: list[str] = []
    deadline = time.monotonic() + watch_s
    while time.monotonic() < deadline:
        now = tv.unit("ActiveState", "SubState")
        label = "%s/%s" % (now["ActiveState"], now["SubState"])
        if not seen or seen[-1] != label:
            seen.append(label)
        time.sleep(1)
    unit = tv.unit("NRestarts", "ActiveState", "Result")
    lines = [
        x
        for x in tv.journal("-b -t device-app").splitlines()
        if "device-app: error" in x and float(x[1:].split("]")[0]) > float(since)
    ]
    tv.sh("mv /dev/dri/.card0-hidden /dev/dri/card0")
    before = len(tv.events())
    tv.sh("systemctl reset-failed device-app; systemctl restart device-app", timeout=120)
    _, state["code"] = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=120)
    ready = any(s.startswith("active/") for s in seen)
    retried = int(unit["NRestarts"]) > restarts
    plain = bool(lines) and "no DRM device" in lines[-1]  # not SDL's udev noise
    return _verdict(
        not ready and plain and retried,
        "states %s, journal %s, restarts %s -> %s" % (seen, lines, restarts, unit["NRestarts"]),
        states_seen=seen,
        unit=unit,
        journal=lines[-1:],
        failed_starts=len(lines),
    )


# --------------------------------------------------------------------------- 11
# The floor program (benchmarks/floor.py: import pygame, open the screen, one request to the
# simulator, fill, flip, one line) run by the same unit, session and interpreter as the app.
FLOOR_DROPIN = "/etc/systemd/system/device-app.service.d/floor.conf"
FLOOR_SERVICE = (
    "[Service]\\nType=simple\\nWatchdogSec=0\\nNotifyAccess=none\\n"
    "Environment=SDL_FRAMEBUFFER_ACCELERATION=opengles2\\nExecStart=\\n"
    "ExecStart=/opt/device-app/venv/bin/python /opt/vm/floor.py --issuer http://127.0.0.1:8765"
    " --client-id tv-demo --size 1920x1080 --hold 86400\\n"
)


def _main_started(tv: TV) -> float:
    """When systemd started the unit's program, on the guest's monotonic clock (seconds)."""
    text = tv.sh("systemctl show device-app -p ExecMainStartTimestampMonotonic")
    return int(text.strip().split("=", 1)[1]) / 1e6


def _floor_line(tv: TV, timeout: float) -> dict[str, Any]:
    """The floor's one line from this boot's journal."""
    deadline = time.monotonic() + timeout
    while True:
        for line in tv.sh("journalctl -b -t device-app -o cat --no-pager").splitlines():
            if line.startswith("{") and '"activation"' in line:
                return dict(json.loads(line))
        if time.monotonic() > deadline:
            raise GuestError("the floor program wrote no line within %.0f s" % timeout)
        time.sleep(1)


def power_on(tv: TV, state: dict[str, Any]) -> Result:
    """Power-on to the code on screen, the app beside the floor booted the same way.

    Both figures are read inside the guest on its monotonic clock, which starts with the
    kernel: the app's ``screen: activation`` event and the floor's line. The app is stopped
    first (which drops the pending code), so after the boot it asks the server for a code as
    the floor does, instead of showing the saved one.
    """
    tv.sh("systemctl stop device-app", timeout=60)
    before = len(tv.events())
    _reboot(tv)
    _, shown = tv.wait_screen("activation", after=before, timeout=240)
    app_started = _main_started(tv)
    tv.sh("mkdir -p %s && printf '%s' > %s && systemctl daemon-reload"
          % (FLOOR_DROPIN.rsplit("/", 1)[0], FLOOR_SERVICE, FLOOR_DROPIN))  # fmt: skip
    try:
        _reboot(tv)
        floor = _floor_line(tv, timeout=240)
        floor_started = _main_started(tv)
        png = tv.shot("power-on-floor")
    finally:
        tv.sh("rm -f %s; systemctl daemon-reload" % FLOOR_DROPIN)
    before = len(tv.events())
    tv.sh("systemctl restart device-app", timeout=120)
    _, state["code"] = tv.wait_event(lambda e: e.get("event") == "code", after=before, timeout=120)
    app, low = float(shown["t"]), float(floor["t"])
    return _verdict(
        floor.get("user_code_len", 0) > 0 and tv.drawn(png),
        "the floor program did not get a code or did not draw",
        seconds_power_on_to_code_app=round(app, 2),
        seconds_power_on_to_code_floor=round(low, 2),
        ratio=round(app / low, 2),
        seconds_process_start_to_code_app=round(app - app_started, 2),
        seconds_process_start_to_code_floor=round(low - floor_started, 2),
        ratio_from_process_start=round((app - app_started) / (low - floor_started), 2),
    )


# --------------------------------------------------------------------------- 5
# Each refresh in the guest's loop is framed by lines on the serial console, which the host
# writes to a file as they come: a cut after "refresh start N" and before "refresh end N"
# landed inside the app's refresh (the token request, the rotation, the store's write).
REFRESH_LOOP = (
    "systemd-run --unit vm-refresher /bin/sh -c '. /etc/default/device-app; "
    "export DEVICE_APP_CLIENT_SECRET; n=0; while :; do n=$((n+1)); "
    'echo "refresh start $n" > /dev/ttyS0; runuser -u device-app -- %s token --min-ttl 100000 '
    '%s >/dev/null 2>&1; echo "refresh end $n $?" > /dev/ttyS0; done\''
)


def power_cut_round(
    tv: TV, cut_after: float, before_cut: Callable[[TV, dict[str, Any]], None]
) -> dict[str, Any]:
    """One boot of the power-cut scenario: check the store, refresh hard, cut the power.

    ``before_cut(tv, found)`` runs after the checks (the runner signs in again after a loss).
    """
    tv.agent.wait_boot(1, timeout=240)
    listing = tv.sh("ls -a /var/lib/device-app")
    rc_status, out, _ = tv.app_command("status --json")
    try:
        status = json.loads(out)
    except ValueError:
        status = None
    rc_token, _, token_err = tv.app_command("token --min-ttl 100000")
    found = {
        "status_rc": rc_status,
        "signed_in": bool(status and status.get("signed_in")),
        "warning": (status or {}).get("warning"),
        "refresh_rc": rc_token,
        "refresh_error": token_err.strip()[-200:],
        "corrupt_files": [x for x in listing.split() if "corrupt" in x],
    }
    if cut_after <= 0:
        return found
    before_cut(tv, found)
    # Refresh over and over (each rotates the refresh token and rewrites the store) while the
    # power goes.
    tv.sh(REFRESH_LOOP % (APP_PATH, PROVIDER_ARGS))
    time.sleep(cut_after)
    tv.m.power_cut()
    found.update(refreshes_at_cut(tv.m.console_log.read_text(errors="replace")))
    return found


def refreshes_at_cut(console: str) -> dict[str, Any]:
    """From the console: refreshes done before the cut, and whether the cut hit one."""
    started = re.findall(r"refresh start (\d+)", console)
    ended = re.findall(r"refresh end (\d+) (\d+)", console)
    return {
        "refreshes_before_cut": len(ended),
        "refreshes_failed_before_cut": sum(1 for _, rc in ended if rc != "0"),
        "cut_mid_refresh": bool(started) and (not ended or ended[-1][0] != started[-1]),
    }
