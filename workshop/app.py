"""The Flask application factory."""

import time
from pathlib import Path

from flask import Flask

from . import web
from .frameworks import BUILTIN_DIRECTORY, load_frameworks
from .service import DEFAULT_EXPIRE_EMPTY_AFTER, Workshops
from .store import open_store

PACKAGE = Path(__file__).resolve().parent
DEFAULTS = {
    "DATABASE": "sessions/workshop.db",
    "FRAMEWORK_DIRS": [],
    "PUBLIC_URL": None,
    "ASYNC_MODE": "threading",
    "MESSAGE_QUEUE": None,
    "MESSAGE_QUEUE_CHANNEL": "cx-workshop",
    "CORS_ORIGINS": None,
    # behind a round-robin proxy with several processes, long-polling would need sticky sessions
    "WEBSOCKET_ONLY": False,
    "TALLY_INTERVAL": 0.1,
    "BACKGROUND_TICKER": True,
    "MAX_PAYLOAD_BYTES": 64 * 1024,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "CLOCK": time.time,  # epoch seconds; tests pass a clock they can move
    "OFFLOAD": None,  # runs CPU-heavy work off the event loop (serve.py sets it for gevent/eventlet)
    "EXPIRE_EMPTY_AFTER": DEFAULT_EXPIRE_EMPTY_AFTER,  # days before a session nobody joined is deleted; 0: never
}


def site_folder(name: str) -> str:
    """``templates``/``static`` beside the package (a checkout) or inside it (an installed wheel)."""
    for candidate in (PACKAGE.parent / name, PACKAGE / "_site" / name):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"cannot find the {name} folder next to {PACKAGE}")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: load and validate frameworks, open the store, attach the web adapter."""
    app = Flask(
        __name__,
        template_folder=site_folder("templates"),
        static_folder=site_folder("static"),
        static_url_path="/static",
    )
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.json.sort_keys = False

    frameworks = load_frameworks([BUILTIN_DIRECTORY, *map(Path, app.config["FRAMEWORK_DIRS"])])
    store = open_store(app.config["DATABASE"], now=app.config["CLOCK"])
    try:
        store.database.check()  # a read-only or damaged database stops the start, with the reason
    except Exception:
        store.close()
        raise
    service = Workshops(
        store, frameworks, offload=app.config["OFFLOAD"], expire_empty_after=app.config["EXPIRE_EMPTY_AFTER"]
    )
    web.init_app(app, service)
    return app
