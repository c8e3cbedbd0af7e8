"""A real HTTP server on 127.0.0.1 whose answers a test scripts, per path.

Used where a test needs real sockets (the CLI, the transport's own logging) but full control of
the bytes the client receives.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

Answer = tuple[int, dict[str, str], bytes]


def js(status: int, body: dict[str, Any], **headers: str) -> Answer:
    h = {"Content-Type": "application/json"}
    h.update(headers)
    return status, h, json.dumps(body).encode()


class ScriptedServer:
    """Answers each path from a queue of scripted answers (the last one repeats)."""

    def __init__(self) -> None:
        self.answers: dict[str, deque[Answer | Callable[[dict[str, str]], Answer]]] = defaultdict(
            deque
        )
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.base = ""

    def script(self, path: str, *answers: Answer | Callable[[dict[str, str]], Answer]) -> None:
        self.answers[path].extend(answers)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        self.requests.append((method, path, headers, form))
        q = self.answers.get(path.split("?")[0])
        if not q:
            return js(404, {"error": "not_found"})
        item = q.popleft() if len(q) > 1 else q[0]
        return item(form) if callable(item) else item


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    state = ScriptedServer()

    class Handler(BaseHTTPRequestHandler):
        def _go(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = state.handle(
                self.command, self.path, dict(self.headers.items()), body
            )
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _go

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
