"""How long a durable save and a load of the token store take on this machine's disk.

Usage: .venv/bin/python benchmarks/bench_token_store.py [FOLDER] [--rounds N]

FOLDER defaults to a fresh temporary folder; point it at the partition that will hold the
tokens (an SD card, a USB stick) to measure that one. Each save is a full cycle: lock, read
both generations, temp file, write, fsync, two renames, fsync of the folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from device_app.engine.token_store import TokenStore


def typical_doc(extra_bytes: int) -> dict[str, Any]:
    """A token set shaped like a real one (sizes of a Keycloak response), plus padding."""
    return {
        "tokens": {
            "access_token": "a" * 1400,
            "refresh_token": "r" * 700,
            "id_token": "i" * 1200,
            "token_type": "Bearer",
            "scope": "openid profile offline_access",
            "expires_in": 300,
            "obtained_at": 1_700_000_000,
            "expires_at": 1_700_000_300,
        },
        "pending": None,
        "profile": "default",
        "user": {"name": "Living room", "pad": "p" * extra_bytes},
    }


def measure(folder: Path, rounds: int, extra: int) -> tuple[list[float], list[float]]:
    store = TokenStore(folder, f"bench-{extra}")
    doc = typical_doc(extra)
    saves, loads = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        store.save(doc)
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.load()
        loads.append(time.perf_counter() - started)
    store.clear()
    return saves, loads


def describe(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"median {statistics.median(ms):6.2f} ms, p95 {p95:6.2f} ms, max {ms[-1]:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "store"
        print(
            f"token store in {folder} ({os.uname().sysname} {os.uname().machine}), "
            f"{args.rounds} rounds"
        )
        for extra in (0, 60_000):
            saves, loads = measure(folder, args.rounds, extra)
            size = len(str(typical_doc(extra)))
            print(f"  doc ~{size // 1024 or 1} KiB  save: {describe(saves)}")
            print(f"  doc ~{size // 1024 or 1} KiB  load: {describe(loads)}")


if __name__ == "__main__":
    main()
