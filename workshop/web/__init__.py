"""The web adapter: HTTP blueprints by resource, the pages, the Socket.IO handlers, errors, links.

``init_app`` attaches all of it to one Flask app: its own Socket.IO server, its realtime adapter
and its blueprints. Handlers reach the service through ``extension.service()``.
"""

from flask import Flask, request
from flask_socketio import SocketIO

from ..core import protocol, scale
from ..service import Workshops
from .errors import register_error_handlers
from .extension import REALTIME, SERVICE
from .frameworks import frameworks
from .organizations import organizations_api, organizations_pages
from .pages import pages
from .realtime import Realtime
from .sessions import sessions


def init_app(app: Flask, service: Workshops) -> Realtime:
    """Attach the service, a Socket.IO server of this app's own, the handlers and the blueprints."""
    config = app.config
    app.extensions[SERVICE] = service
    socketio = SocketIO()
    socketio.init_app(
        app,
        async_mode=config["ASYNC_MODE"],
        message_queue=config["MESSAGE_QUEUE"],
        channel=config["MESSAGE_QUEUE_CHANNEL"],
        cors_allowed_origins=config["CORS_ORIGINS"],
        max_http_buffer_size=config["MAX_PAYLOAD_BYTES"],
        ping_interval=20,
        ping_timeout=20,
        transports=["websocket"] if config["WEBSOCKET_ONLY"] else ["polling", "websocket"],
    )
    realtime = Realtime(socketio, service, config["TALLY_INTERVAL"], ticker=config["BACKGROUND_TICKER"])
    realtime.register()
    app.extensions[REALTIME] = realtime

    for blueprint in (frameworks, sessions, organizations_api, organizations_pages, pages):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    app.after_request(security_headers)
    shared = {"constants": protocol.client_constants(), "palette": scale.css_variables()}
    app.context_processor(lambda: shared)
    return realtime


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        host = request.host
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
    return response
