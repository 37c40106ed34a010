"""The Flask application factory."""

import time
from pathlib import Path

from flask import Flask

from . import web
from .frameworks import BUILTIN_DIRECTORY, load_frameworks
from .service import RenderLimits, Workshops
from .store import open_store
from .web.limits import LIMIT_SETTINGS

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
    "PDF_RENDERS": 1,  # PDFs rendered at once; each takes a core for seconds on a large session
    "PDF_QUEUE": 4,  # PDFs that wait their turn; the next request is answered 503 "busy"
    "RENDER_IN_CHILD": None,  # render PDFs in a child process; None: yes under gevent and eventlet
    "ALLOWED_HOSTS": [],  # host names besides PUBLIC_URL's, loopback and this machine's addresses
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For gives the client's address
    "RATE_LIMITS": True,
    "RATE_LIMIT_STORAGE": None,  # limits' storage URI; None: the Redis message queue, else memory
    **LIMIT_SETTINGS,  # the rate limits themselves (web/limits.py, docs/deployment.md)
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
    config = app.config
    in_child = config["RENDER_IN_CHILD"]
    renders = RenderLimits(
        at_once=config["PDF_RENDERS"],
        waiting=config["PDF_QUEUE"],
        in_child=config["ASYNC_MODE"] != "threading" if in_child is None else in_child,
    )
    web.init_app(app, Workshops(store, frameworks, offload=config["OFFLOAD"], renders=renders))
    return app
