"""The Flask application factory."""

import logging
from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from .core.frameworks import BUILTIN_DIRECTORY, load_frameworks
from .extensions import socketio
from .jsonapi import http_error_body
from .realtime import Realtime
from .service import Workshops
from .store import Store

log = logging.getLogger(__name__)

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
}


def site_folder(name: str) -> str:
    """``templates``/``static`` beside the package (a checkout) or inside it (an installed wheel)."""
    for candidate in (PACKAGE.parent / name, PACKAGE / "_site" / name):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"cannot find the {name} folder next to {PACKAGE}")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: load and validate frameworks, open the store, attach Socket.IO."""
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
    store = Store(app.config["DATABASE"])
    service = Workshops(store, frameworks, offload=app.config.get("OFFLOAD"))
    app.extensions["workshop.service"] = service

    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"],
        channel=app.config["MESSAGE_QUEUE_CHANNEL"],
        cors_allowed_origins=app.config["CORS_ORIGINS"],
        max_http_buffer_size=app.config["MAX_PAYLOAD_BYTES"],
        ping_interval=20,
        ping_timeout=20,
        transports=["websocket"] if app.config["WEBSOCKET_ONLY"] else ["polling", "websocket"],
    )
    realtime = Realtime(
        socketio, service, app.config["TALLY_INTERVAL"], ticker=app.config["BACKGROUND_TICKER"]
    )
    realtime.register()
    app.extensions["workshop.realtime"] = realtime

    from .api import api
    from .pages import pages
    from .reports import reports_api, reports_pages

    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(reports_api)
    app.register_blueprint(reports_pages)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # errors no blueprint saw (an unknown /api/ URL) are JSON there too
        if request.path.startswith("/api/"):
            return http_error_body(error)
        if error.code == 404:
            return render_template("404.html"), 404
        return error

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            host = request.host
            response.headers.setdefault("Content-Security-Policy", (
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                f"img-src 'self' data:; connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
            ))
        return response

    return app
