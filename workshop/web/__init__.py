"""The web adapter: HTTP blueprints by resource, the pages, the Socket.IO handlers, errors, links.

``init_app`` attaches all of it to one Flask app: its own Socket.IO server, its realtime adapter
and its blueprints. Handlers reach the service through ``extension.service()``.
"""

from flask import Flask, request
from flask_socketio import SocketIO
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..core import protocol, scale
from ..service import Workshops
from . import links
from .errors import register_error_handlers
from .extension import REALTIME, SERVICE
from .frameworks import frameworks
from .limits import SESSIONS_MESSAGE, SocketLimits, http_limiter, sessions_per_address
from .organizations import organizations_api, organizations_pages
from .pages import pages
from .queue import ResyncingRedisManager
from .realtime import Realtime
from .sessions import sessions
from .transport import guard_packets, refuse_oversized_posts


def init_app(app: Flask, service: Workshops) -> Realtime:
    """Attach the service, a Socket.IO server of this app's own, the handlers and the blueprints."""
    config = app.config
    app.extensions[SERVICE] = service
    socketio = SocketIO()
    queue = config["MESSAGE_QUEUE"]
    manager = None
    if queue and queue.startswith(("redis://", "rediss://")):
        manager = ResyncingRedisManager(queue, channel=config["MESSAGE_QUEUE_CHANNEL"])
    socketio.init_app(
        app,
        async_mode=config["ASYNC_MODE"],
        **(
            {"client_manager": manager}
            if manager
            else {"message_queue": queue, "channel": config["MESSAGE_QUEUE_CHANNEL"]}
        ),
        cors_allowed_origins=config["CORS_ORIGINS"],
        max_http_buffer_size=config["MAX_PAYLOAD_BYTES"],
        ping_interval=20,
        ping_timeout=20,
        transports=["websocket"] if config["WEBSOCKET_ONLY"] else ["polling", "websocket"],
    )
    guard_packets(socketio.server)
    realtime = Realtime(
        socketio, service, config["TALLY_INTERVAL"], ticker=config["BACKGROUND_TICKER"], limits=SocketLimits(config)
    )
    realtime.register()
    if manager is not None:
        manager.on_resubscribed = lambda: socketio.start_background_task(realtime.resync)
    app.extensions[REALTIME] = realtime

    if config.get("PUBLIC_URL"):
        config["TRUSTED_HOSTS"] = links.trusted_hosts(config["PUBLIC_URL"], config.get("ALLOWED_HOSTS", ()))
    limiter = http_limiter(app)
    limiter.limit(sessions_per_address, methods=["POST"], error_message=SESSIONS_MESSAGE)(sessions)
    for blueprint in (frameworks, sessions, organizations_api, organizations_pages, pages):
        app.register_blueprint(blueprint)
    if config["TRUSTED_PROXIES"]:
        # outside Socket.IO's middleware, so socket handlers see the client's address too
        hops = config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # outermost: Engine.IO never sees a long-polling POST it would hang on
    app.wsgi_app = refuse_oversized_posts(app.wsgi_app, config["MAX_PAYLOAD_BYTES"])
    register_error_handlers(app)
    app.after_request(security_headers)
    shared = {"constants": protocol.client_constants(), "palette": scale.css_variables()}
    app.context_processor(lambda: shared)
    return realtime


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        try:
            sockets = f" ws://{request.host} wss://{request.host}"
        except SecurityError:  # a Host header the server does not answer to: its error page
            sockets = ""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; connect-src 'self'{sockets}; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
    return response
