"""Ctrl-C for a child process that a test starts and then interrupts."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def reaching_children() -> Iterator[None]:
    """Children started inside get SIGINT's default action even where the tests ignore it.

    A shell that starts the tests in the background (``bash .ci/run &``) leaves SIGINT
    ignored, a child inherits that, and Python then leaves Ctrl-C ignored in it too: a test
    that interrupts its child would wait forever. A handler here is reset to the default in
    a child by ``exec``.
    """
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
