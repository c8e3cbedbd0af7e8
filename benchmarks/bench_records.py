"""What the records cost at import (issue 14): one class each way, and the first screen's modules.

Prints, each as the best of ``--runs`` (the machine is shared: the best run is the one
least disturbed), with the load average:

* the time to create one record class of six fields as a frozen dataclass, a
  ``typing.NamedTuple`` and a plain class with ``__slots__``, in this process;
* ``import dataclasses`` in a fresh interpreter (it brings inspect, ast, dis, tokenize);
* in a fresh interpreter, importing what ``device-app run`` imports before its first frame
  (``device_app.cli.commands``, ``device_app.engine.wiring``, ``device_app.tv.app``) and
  loading a board, and how many dataclasses of ``device_app`` that created.

Usage (the figures before the records became NamedTuples: the same with the package of an
older commit checked out, ``git checkout 6f53db0 -- device_app``, then back):

    .venv/bin/python benchmarks/bench_records.py
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
import typing
from collections.abc import Callable

FIELDS = ("a", "b", "c", "d", "e", "f")

FIRST_SCREEN = """
import sys, time
t = time.perf_counter()
import device_app.cli.commands, device_app.engine.wiring, device_app.tv.app
from device_app.hardware.boards import load_board
load_board("pi-hdmi-1080p")
took = time.perf_counter() - t
ours = [
    c for name, m in list(sys.modules.items()) if name.startswith("device_app") and m
    for c in vars(m).values()
    if isinstance(c, type) and c.__module__ == name and "__dataclass_fields__" in vars(c)
]
print(took, len(ours))
"""
IMPORT_DATACLASSES = """
import time
t = time.perf_counter()
import dataclasses
print(time.perf_counter() - t)
"""


def best(make: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        make()
        times.append(time.perf_counter() - t)
    return min(times)


def one_class(runs: int) -> dict[str, float]:
    annotations = dict.fromkeys(FIELDS, int)

    def frozen_dataclass() -> object:
        return dataclasses.make_dataclass("R", list(annotations.items()), frozen=True)

    def named_tuple() -> object:
        return typing.NamedTuple("R", list(annotations.items()))

    def plain_class() -> object:
        def __init__(self: typing.Any, *values: int) -> None:
            for name, value in zip(FIELDS, values, strict=True):
                setattr(self, name, value)

        return type("R", (), {"__slots__": FIELDS, "__init__": __init__})

    return {
        "frozen dataclass": best(frozen_dataclass, runs),
        "typing.NamedTuple": best(named_tuple, runs),
        "plain class, __slots__": best(plain_class, runs),
    }


def fresh(code: str, runs: int) -> list[list[float]]:
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: from .pyc files
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
        out.append([float(x) for x in done.stdout.split()])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per figure")
    args = parser.parse_args()
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    for kind, took in one_class(30).items():
        print("one record class, %-24s %7.1f µs (best of 30)" % (kind + ":", took * 1e6))
    took = min(r[0] for r in fresh(IMPORT_DATACLASSES, args.runs))
    print("import dataclasses (fresh interpreter):    %5.1f ms" % (took * 1e3))
    runs = fresh(FIRST_SCREEN, args.runs)
    took, count = min(runs)
    print(
        "first screen's imports + a board:        %5.1f ms, %d dataclasses of device_app "
        "(best of %d)" % (took * 1e3, count, args.runs)
    )


if __name__ == "__main__":
    main()
