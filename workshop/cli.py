"""The ``workshop`` command (also ``python -m workshop``).

Imports stay inside the subcommands: ``serve`` must monkey-patch the standard library for gevent
or eventlet before Flask and the app are imported.
"""

import argparse
import os
import sys
from pathlib import Path

DEFAULT_DB = "sessions/workshop.db"


def _env(name: str, default=None):
    return os.environ.get(f"WORKSHOP_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workshop", description="A live workshop app for CX maturity assessments."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web and websocket server")
    serve.add_argument("--host", default=_env("HOST", "0.0.0.0"),
                       help="interface to listen on (default 0.0.0.0: phones on the network can join)")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "5000")), help="port (default 5000)")
    serve.add_argument("--db", default=_env("DB", DEFAULT_DB),
                       help=f"SQLite database file (default {DEFAULT_DB})")
    serve.add_argument("--frameworks", action="append", default=[], metavar="DIR",
                       help="also load every *.toml framework file of DIR (repeatable)")
    serve.add_argument("--async-mode", choices=("gevent", "eventlet", "threading"),
                       default=_env("ASYNC_MODE", "gevent"), help="async server (default gevent)")
    serve.add_argument("--public-url", default=_env("PUBLIC_URL"),
                       help="base URL phones use to join, for QR codes (default: this machine's LAN address)")
    serve.add_argument("--message-queue", default=_env("MESSAGE_QUEUE"), metavar="URL",
                       help="redis://HOST:PORT/DB to share sessions between several server processes")
    serve.add_argument("--message-queue-channel", default=_env("MESSAGE_QUEUE_CHANNEL", "cx-workshop"),
                       metavar="NAME", help="pub/sub channel on the message queue (one per installation)")
    serve.add_argument("--cors-origin", action="append", default=None, metavar="ORIGIN",
                       help="extra origin allowed to open websockets (repeatable)")
    serve.add_argument("--websocket-only", action="store_true",
                       default=_env("WEBSOCKET_ONLY", "") not in ("", "0", "false"),
                       help="refuse the long-polling fallback (for several processes behind round-robin)")
    serve.add_argument("--access-log", action="store_true", help="log every HTTP request")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))

    check = commands.add_parser("check-frameworks", help="validate framework files and list them")
    check.add_argument("paths", nargs="*", metavar="PATH", help="TOML files or directories (default: built-in)")

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    handler = {"serve": cmd_serve, "check-frameworks": cmd_check_frameworks}[options.command]
    return handler(options) or 0


def cmd_serve(options) -> int:
    import logging

    from . import serve
    from .core.errors import FrameworkError

    logging.basicConfig(level=options.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("engineio.server", "socketio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    config = {
        "DATABASE": options.db,
        "FRAMEWORK_DIRS": options.frameworks,
        "PUBLIC_URL": options.public_url,
        "MESSAGE_QUEUE": options.message_queue,
        "MESSAGE_QUEUE_CHANNEL": options.message_queue_channel,
        "CORS_ORIGINS": options.cors_origin,
        "WEBSOCKET_ONLY": options.websocket_only,
    }
    try:
        serve.run(config, options.host, options.port, options.async_mode, access_log=options.access_log)
    except FrameworkError as error:
        print(f"workshop: invalid framework file: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"workshop: cannot start the server: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_check_frameworks(options) -> int:
    from .core.errors import FrameworkError
    from .core.frameworks import BUILTIN_DIRECTORY, load_framework_file, load_frameworks

    try:
        if not options.paths:
            frameworks = list(load_frameworks([BUILTIN_DIRECTORY]).values())
        else:
            frameworks = []
            for raw in options.paths:
                path = Path(raw)
                if path.is_dir():
                    frameworks.extend(load_frameworks([path]).values())
                else:
                    frameworks.append(load_framework_file(path))
    except FrameworkError as error:
        print(f"invalid: {error}", file=sys.stderr)
        return 1
    for framework in frameworks:
        stages = ", ".join(f"{stage.name} ({len(stage.practices)})" for stage in framework.stages)
        print(f"ok  {framework.id}: {framework.name}; {len(framework.practices)} practices; {stages}")
    return 0
