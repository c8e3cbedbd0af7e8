"""The floor: the least any pygame device-flow client must do to show a code on a TV.

Start Python, import pygame, open a window of the board's size, make one HTTP request to the
authorization server (the device authorization request, RFC 8628 §3.1), fill and flip once,
write one line. benchmarks/bench_budget.py runs it beside ``device-app run`` and divides.

It is also the floor for the virtual TV: a VM image can run it as its app, in place of
``device-app run``, and read the same line on its console:

    python3 benchmarks/floor.py --issuer http://HOST:PORT --size 1920x1080

The line is ``{"t": <time.monotonic()>, "event": "screen", "screen": "activation",
"user_code_len": N}`` (the same shape as the app's ``--events`` line).
"""

from __future__ import annotations

import os
import sys
import time


def main(argv: list[str]) -> int:
    """floor.py --issuer URL [--size WxH] [--client-id ID] [--hold SECONDS]"""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--issuer", required=True, help="authorization server, http://host:port")
    ap.add_argument("--size", default="1920x1080", help="window size, WxH")
    ap.add_argument("--client-id", default="tv-demo")
    ap.add_argument("--path", default="/device_authorization", help="the endpoint's path")
    ap.add_argument("--hold", type=float, default=0.0, help="seconds to keep the window open")
    ap.add_argument("--cafile", help="for an https issuer: a CA to trust besides the system's")
    args = ap.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import http.client
    import json
    from urllib.parse import urlsplit

    import pygame

    pygame.display.init()
    surface = pygame.display.set_mode((width, height))
    url = urlsplit(args.issuer)
    host = url.hostname or "127.0.0.1"
    if url.scheme == "https":  # what any client verifying a server does: the system's CAs
        import ssl

        context = ssl.create_default_context()
        if args.cafile:
            context.load_verify_locations(cafile=args.cafile)
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, url.port or 443, timeout=10, context=context
        )
    else:
        conn = http.client.HTTPConnection(host, url.port or 80, timeout=10)
    conn.request(
        "POST",
        args.path,
        body="client_id=" + args.client_id,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = json.loads(conn.getresponse().read())
    conn.close()
    surface.fill((16, 20, 28))
    pygame.display.flip()
    line = {
        "t": round(time.monotonic(), 6),
        "event": "screen",
        "screen": "activation",
        "user_code_len": len(str(answer.get("user_code", ""))),
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    if args.hold > 0:
        time.sleep(args.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
