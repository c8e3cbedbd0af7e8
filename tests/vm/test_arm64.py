"""device-app on aarch64: deploy/install-pi.sh in an arm64 Debian chroot under qemu-user-static,
then ``device-app screenshot`` there, its QR decoded here (tools/vm/arm64.sh, docs/vm.md).

Skips only when this machine cannot run it (not root, no binfmt_misc), saying so;
``DEVICE_APP_VM=0`` or ``DEVICE_APP_ARM64=0`` turn it off on purpose, also saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 1500


@pytest.mark.timeout(TIMEOUT_S + 60)
def test_install_pi_on_arm64_and_the_app_renders() -> None:
    for name in ("DEVICE_APP_VM", "DEVICE_APP_ARM64"):
        if os.environ.get(name) == "0":
            pytest.skip("%s=0: the arm64 chroot test was turned off on purpose" % name)
    if os.geteuid() != 0:
        pytest.skip("the arm64 chroot needs root (debootstrap, chroot, binfmt_misc)")
    out = Path(os.environ.get("DEVICE_APP_ARM64_OUT", "/tmp/device-app-arm64-out"))
    print("\narm64 chroot: screenshot, logs and arm64.json in %s" % out, file=sys.stderr)
    if os.environ.get("DEVICE_APP_ARM64_BACKGROUND") == "1":
        # tools/test.sh started it at the beginning: wait for it to let go of its lock.
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["flock", str(out / ".lock"), "true"], check=True, timeout=TIMEOUT_S)
        if not (out / "arm64.json").exists():
            log = out / "arm64-run.log"
            text = log.read_text()[-3000:] if log.exists() else "(no log)"
            if "exit status 77" in text:
                pytest.skip("tools/vm/arm64.sh cannot run here (exit 77): %s" % text[-300:])
            pytest.fail("the background arm64 run left no arm64.json:\n%s" % text)
    else:
        done = subprocess.run(
            ["bash", str(ROOT / "tools" / "vm" / "arm64.sh"), "--out", str(out)],
            timeout=TIMEOUT_S,
        )
        if done.returncode == 77:
            pytest.skip("tools/vm/arm64.sh cannot run here (exit 77: see its output)")
    report = json.loads((out / "arm64.json").read_text())
    assert report["verdict"] == "pass", json.dumps(report, indent=2)
