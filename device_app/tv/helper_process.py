"""How the start-up helper's process starts: a new interpreter, given two pipes.

Apart from tv/startup_helper.py, which holds the work of both ends, because the entry point
starts the process first thing, before it loads anything else (this module imports ``os``
and ``sys`` only): each millisecond the helper starts sooner is one more for it to load the
network side before the app asks for it (issue 14).
"""

import os
import sys

# The helper's end of each pipe (its descriptors 3 and 4), and what it runs: a new
# interpreter (a fork would make the app copy each page it writes afterwards, ~7 ms here).
HELPER_IN, HELPER_OUT = 3, 4
_MAIN = "from device_app.tv.startup_helper import main; main()"

_early: list[tuple[int, int, int]] = []  # (pid, to it, from it), started by the entry point


def can_spawn() -> bool:
    """Whether a helper may start: two cores or more (a single core has nothing to run it
    beside), and ``os.posix_spawn``."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    return len(cores) >= 2 and hasattr(os, "posix_spawn")


def spawn() -> tuple[int, int, int]:
    """Start a helper: (its pid, the descriptor to write to it, the one to read from it).
    Raises OSError when it cannot start (no processes left)."""
    down_r, down_w = os.pipe()  # not inherited, as every descriptor Python opens ...
    up_r, up_w = os.pipe()
    argv = [sys.executable, "-c", _MAIN]
    # ... but these two, as the helper's descriptors 3 and 4.
    moves = [(os.POSIX_SPAWN_DUP2, down_r, HELPER_IN), (os.POSIX_SPAWN_DUP2, up_w, HELPER_OUT)]
    try:
        pid = os.posix_spawn(sys.executable, argv, os.environ, file_actions=moves)
    except OSError:
        os.close(down_w)
        os.close(up_r)
        raise
    finally:
        os.close(down_r)
        os.close(up_w)
    return pid, down_w, up_r


def start_early() -> None:
    """Start a helper now, for the ``run`` command to :func:`take_early`; nothing where one
    cannot start (``run`` then tries once more, and logs why)."""
    if not _early and can_spawn():
        try:
            _early.append(spawn())
        except OSError:
            pass


def take_early() -> tuple[int, int, int] | None:
    """The helper :func:`start_early` started, once; else None."""
    return _early.pop() if _early else None


def drop_early() -> None:
    """Let go of a helper that no run took (a usage error, ``--help``): its pipes close, and
    it ends as it reads their end."""
    while _early:
        pid, to_helper, from_helper = _early.pop()
        os.close(to_helper)
        os.close(from_helper)
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
