"""Run the server. The only module that imports gevent or eventlet.

gevent is the default async server: eventlet is deprecated upstream (it warns on import, its
maintainers recommend moving away, and gunicorn dropped its eventlet worker), while gevent is
maintained, has a production WSGI server (``gevent.pywsgi``) and works with every dependency here.
eventlet stays supported with ``--async-mode eventlet``; ``threading`` (Werkzeug's development
server) is for debugging only. The standard library is monkey-patched before the app is imported,
so that the store's locks and sockets cooperate with the event loop.
"""

import logging
import re
import socket

ASYNC_MODES = ("gevent", "eventlet", "threading")
LISTEN_BACKLOG = 4096
EVENTLET_MAX_CONNECTIONS = 100_000  # eventlet.wsgi caps simultaneous connections at 1,024 by default

log = logging.getLogger("workshop")


def patch(mode: str) -> None:
    """Monkey-patch the standard library for the chosen async server; call before other imports."""
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif mode == "eventlet":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import eventlet

        eventlet.monkey_patch()


class RedactTransportIds(logging.Filter):
    """Long-polling requests carry ``sid=`` (the Engine.IO session id): whoever has it can read and
    write that connection, so the access log never records it."""

    PATTERN = re.compile(r"(\bsid=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.PATTERN.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


ACCESS_LOGGERS = ("geventwebsocket.handler", "werkzeug", "workshop.access")


def configure_access_log(enabled: bool) -> None:
    """The access log is off unless asked for (``--access-log``); when on, it hides transport ids."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO if enabled else logging.WARNING)
        if not any(isinstance(item, RedactTransportIds) for item in logger.filters):
            logger.addFilter(RedactTransportIds())


def raise_open_files_limit() -> tuple[int, int]:
    """Lift the soft limit on open files to the hard limit: each phone holds a socket."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return (-1, -1)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            log.warning("could not raise the open-files limit above %s", soft)
    return soft, hard


def offloader(mode: str):
    """How to run CPU-heavy pure work (rendering a PDF) without pausing every connection.

    Under gevent or eventlet one long computation stops the event loop; in a native thread it
    shares the interpreter with the loop, which keeps answering the phones meanwhile.
    """
    if mode == "gevent":
        import gevent

        return lambda work: gevent.get_hub().threadpool.apply(work)
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute
    return None


class StartError(Exception):
    """The server cannot start; the message says why and what to do."""


def check_message_queue(url: str | None) -> None:
    """Fail at start, not silently later: python-socketio connects to the queue lazily and then
    only logs that it cannot publish, so every message between processes would be lost."""
    if not url:
        return
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return  # other kombu URLs (amqp://...) are checked by kombu itself
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError, ValueError) as error:
        raise StartError(
            f"the message queue {url} does not answer ({error}); start Redis or fix --message-queue"
        ) from None


def lan_address() -> str | None:
    """The address other devices on the network reach this machine at (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = probe.getsockname()[0]
        return None if address.startswith("127.") else address
    except OSError:
        return None
    finally:
        probe.close()


def urls(host: str, port: int) -> tuple[str, str | None]:
    """(URL to open on this machine, URL phones use) for a listening host and port."""
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    if host in ("0.0.0.0", "::", ""):
        address = lan_address()
        return local, f"http://{address}:{port}" if address else None
    if host.startswith("127.") or host == "localhost":
        return local, None
    return local, local


def run(config: dict, host: str, port: int, mode: str, access_log: bool = False) -> None:
    """Start the server in ``mode`` and block until it is stopped."""
    if mode not in ASYNC_MODES:
        raise ValueError(f"async mode must be one of {', '.join(ASYNC_MODES)}")
    patch(mode)
    check_message_queue(config.get("MESSAGE_QUEUE"))
    limit, _ = raise_open_files_limit()

    from .app import create_app

    local, phones = urls(host, port)
    config = {"ASYNC_MODE": mode, "OFFLOAD": offloader(mode), **config}
    if not config.get("PUBLIC_URL"):
        # links and QR codes use this address, never the Host header a client sends
        config["PUBLIC_URL"] = phones or local
    app = create_app(config)

    print(f"CX maturity workshop ({mode}) on {local}", flush=True)
    if phones and phones != local:
        print(f"Phones on the same network join at {phones}", flush=True)
    print(
        f"Open {local}/new to start a session. Data: {config.get('DATABASE')}. "
        f"Open-files limit: {limit}. Ctrl+C to stop.",
        flush=True,
    )

    if mode == "gevent":
        from gevent.pywsgi import WSGIHandler, WSGIServer

        try:  # engine.io uses gevent-websocket when it is installed; it needs its handler
            from geventwebsocket.handler import WebSocketHandler as handler_class
        except ImportError:  # otherwise simple-websocket serves websockets on the plain handler
            handler_class = WSGIHandler
        server = WSGIServer(
            (host, port),
            app,
            handler_class=handler_class,
            backlog=LISTEN_BACKLOG,
            log=logging.getLogger("workshop.access") if access_log else None,
            error_log=logging.getLogger("workshop.server"),
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop(timeout=2)
    elif mode == "eventlet":
        import eventlet
        import eventlet.wsgi

        listener = eventlet.listen((host, port), backlog=LISTEN_BACKLOG)
        eventlet.wsgi.server(
            listener,
            app,
            max_size=EVENTLET_MAX_CONNECTIONS,
            log_output=access_log,
        )
    else:
        app.extensions["socketio"].run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=access_log)
