"""Run the test identity provider: bind, migrate, seed, then serve until killed.

    python tests/dot/idp/serve.py [--port 0] [--db-dir DIR]

The socket is bound first (port 0 = any free port) so that the settings can name the
real address; then one JSON line goes to stdout:
``{"base_url": ..., "issuer": ..., "client_id": ..., "username": ...}`` and more.
Request logs go to stderr. Stop it with SIGTERM or Ctrl-C.
"""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

import argparse
import json
import os
import secrets
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--db-dir", help="folder for the SQLite file (default: a new temp dir)")
    parser.add_argument("--prefix", default="o/", help="where DOT's URLs are mounted")
    return parser.parse_args(argv)


def _seed() -> None:
    """The demo user and the two public device clients (idempotent)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import get_application_model

    details = dict(settings.DEMO_USER)
    password = details.pop("password")
    user, _ = get_user_model().objects.update_or_create(
        username=details.pop("username"), defaults=details
    )
    user.set_password(password)
    user.save()

    application = get_application_model()
    for client_id, name in (
        (settings.CLIENT_ID, "Living-room TV"),
        (settings.SHORT_LIVED_CLIENT_ID, "Living-room TV (short-lived codes)"),
    ):
        application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": name,
                "user": user,
                "client_type": application.CLIENT_PUBLIC,
                # One grant type per DOT application; DOT lets device-code apps refresh.
                "authorization_grant_type": application.GRANT_DEVICE_CODE,
                "client_secret": "",
                "hash_client_secret": False,
                "redirect_uris": "",
                "algorithm": application.RS256_ALGORITHM,
            },
        )


def main(argv: list[str]) -> int:
    args = _parse_args(argv)
    sys.path.insert(0, str(HERE.parent))  # makes the "idp" package importable
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idp.settings")
    os.environ.setdefault("IDP_CONTROL_KEY", secrets.token_urlsafe(24))
    db_dir = args.db_dir or tempfile.mkdtemp(prefix="dot-idp-")
    os.environ["IDP_DB_DIR"] = db_dir
    os.environ["IDP_PREFIX"] = args.prefix

    # Importing basehttp does not read settings; binding now tells us the port.
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    server = ThreadedWSGIServer(("127.0.0.1", args.port), WSGIRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    os.environ["IDP_BASE_URL"] = base_url

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _seed()
    server.set_app(get_wsgi_application())

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    ready = {
        "base_url": base_url,
        "issuer": f"{base_url}/{settings.DOT_PREFIX.rstrip('/')}",
        "client_id": settings.CLIENT_ID,
        "short_lived_client_id": settings.SHORT_LIVED_CLIENT_ID,
        "short_code_lifetime": settings.DEVICE_CODE_LIFETIMES[settings.SHORT_LIVED_CLIENT_ID],
        "username": settings.DEMO_USER["username"],
        "db_dir": db_dir,
    }
    print(json.dumps(ready), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
