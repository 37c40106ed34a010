"""Run the server. The only module that imports gevent or eventlet.

gevent is the default async server: eventlet is deprecated upstream (it warns on import, its
maintainers recommend moving away, and gunicorn dropped its eventlet worker), while gevent is
maintained, has a production WSGI server (``gevent.pywsgi``) and works with every dependency here.
eventlet stays supported with ``--async-mode eventlet``; ``threading`` (Werkzeug's development
server) is for debugging only. The standard library is monkey-patched before the app is imported,
so that the store's locks and sockets cooperate with the event loop.
"""

import collections
import html
import json
import logging
import re
import socket
import struct

ASYNC_MODES = ("gevent", "eventlet", "threading")
LISTEN_BACKLOG = 4096
HEADER_TIMEOUT = 10.0  # seconds a client has to send a request line and its headers
MAX_URL = 8192  # longer request lines get a 414 (JSON under /api/, a short page elsewhere)
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


def connection_cap(setting: int, open_files: int) -> int:
    """Connections one client address may hold at once (0: no cap): the setting, but never more than
    half the open-files limit, so that one address cannot take every socket the server has."""
    if setting <= 0 or open_files <= 0:
        return max(setting, 0)
    return min(setting, max(64, open_files // 2))


def http_error(status: str, path: str, message: str) -> bytes:
    """A complete HTTP response for an error the server answers before the app sees the request:
    JSON under ``/api/`` (the app's error shape), a short page elsewhere."""
    from .web.errors import HTTP_ERROR_CODES  # after start: the web package imports Flask

    if path.startswith("/api/"):
        code = HTTP_ERROR_CODES.get(int(status[:3]), "bad_request")
        body, kind = json.dumps({"error": code, "message": message}), "application/json"
    else:
        body, kind = f"<!doctype html><title>{status}</title><p>{html.escape(message)}</p>", "text/html; charset=utf-8"
    data = body.encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    return head.encode("latin-1") + data


def unmask(mask: bytes, payload: bytes) -> bytes:
    """A websocket payload XOR its 4-byte mask, as one big-integer operation: gevent-websocket does
    it a byte at a time in Python (about 5 ms for 64 KB on the event loop, a whole core for one
    client streaming binary frames)."""
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def gevent_handler(max_message: int, per_address: int):
    """gevent's WSGI handler with gevent-websocket's upgrade, hardened against a single device:

    - a websocket message over ``max_message`` bytes is refused from its frame header (close code
      1009) before its payload is read: gevent-websocket would read, unmask and check any size on
      the event loop, freezing every connection; a binary message (the app sends JSON only) is
      read past and dropped, never unmasked nor kept;
    - after each message the reader yields: data always waiting on one socket kept it running;
    - payloads are unmasked and checked as UTF-8 at C speed, not a byte at a time in Python;
    - the request line and headers must arrive within ``HEADER_TIMEOUT`` seconds in all (half-open
      and trickling requests were held forever);
    - one client address holds at most ``per_address`` connections (0: no cap);
    - a request line over ``MAX_URL`` gets the app's 414 instead of gevent's empty one.
    """
    import gevent
    from geventwebsocket.handler import WebSocketHandler
    from geventwebsocket.websocket import Header, ProtocolError, WebSocket, WebSocketError

    class Refused(ProtocolError):
        """A message the server will not read: the connection is closed with ``code``."""

        def __init__(self, code: int, reason: str):
            super().__init__(reason)
            self.code, self.reason = code, reason

    class BoundedWebSocket(WebSocket):
        __slots__ = ()  # the same layout as WebSocket: the handler swaps the class in place

        def read_frame(self):
            header = Header.decode_header(self.stream)
            if header.opcode in (self.OPCODE_TEXT, self.OPCODE_BINARY):
                self.handler.message_bytes = 0  # a new message
                self.handler.binary = header.opcode == self.OPCODE_BINARY
            self.handler.message_bytes += header.length
            if self.handler.message_bytes > max_message:
                raise Refused(1009, f"a message is at most {max_message} bytes")
            if header.flags:
                raise ProtocolError
            if not header.length:
                return header, b""
            try:
                payload = self.raw_read(header.length)
            except Exception:  # as gevent-websocket: a failed read is a short frame
                payload = b""
            if len(payload) != header.length:
                raise WebSocketError("Unexpected EOF reading frame payload")
            if self.handler.binary and header.opcode in (self.OPCODE_BINARY, self.OPCODE_CONTINUATION):
                return header, b""  # dropped unread by read_message: never unmasked nor kept
            return header, unmask(header.mask, payload) if header.mask else payload

        def validate_utf8(self, payload):
            pass  # decoding the whole message checks it, in C (gevent-websocket's check is a Python loop)

        def read_message(self):
            while True:
                try:
                    message = super().read_message()
                except Refused as refused:
                    # close() of gevent-websocket 0.10 drops the status code: the frame is built here
                    self.send_frame(struct.pack("!H", refused.code) + refused.reason.encode(), self.OPCODE_CLOSE)
                    return None  # Engine.IO reads None as the end of the connection
                gevent.sleep(0)  # a client streaming messages must not keep every other one waiting
                if not isinstance(message, (bytes, bytearray)):
                    return message
                # a binary message: the app sends JSON only, so it is dropped (Socket.IO's binary
                # attachments would otherwise be buffered with no total limit)

    open_connections: collections.Counter = collections.Counter()

    class Handler(WebSocketHandler):
        message_bytes = 0
        binary = False

        def handle(self):
            address = self.client_address[0] if isinstance(self.client_address, tuple) else ""
            if per_address and open_connections[address] >= per_address:
                try:
                    self.socket.sendall(
                        http_error("503 Service Unavailable", "", "too many connections from this address")
                    )
                    self.socket.close()
                except OSError:
                    pass
                return
            open_connections[address] += 1
            try:
                super().handle()
            finally:
                open_connections[address] -= 1
                if not open_connections[address]:
                    del open_connections[address]

        def handle_one_request(self):
            # one deadline for the request line and all the headers: a per-read timeout would let a
            # client trickle a byte at a time for ever
            self.headers_deadline = gevent.Timeout.start_new(HEADER_TIMEOUT)
            try:
                result = super().handle_one_request()
            except gevent.Timeout as timeout:
                if timeout is not self.headers_deadline:
                    raise
                return None  # closes the connection
            finally:
                self.headers_deadline.close()
            if isinstance(result, tuple) and result[0] == "414":
                path = (self.requestline.split(" ") + [""])[1]
                return ("414", http_error("414 URI Too Long", path, f"the address is longer than {MAX_URL} bytes"))
            return result

        def read_request(self, raw_requestline):
            result = super().read_request(raw_requestline)
            self.headers_deadline.close()  # the headers are in: the app (and a websocket) take their time
            return result

        def upgrade_connection(self):
            refused = super().upgrade_connection()
            if refused is None and getattr(self, "websocket", None) is not None:
                self.websocket.__class__ = BoundedWebSocket
            return refused

    return Handler


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
        from gevent.pywsgi import WSGIServer

        settings = app.config
        per_address = 0 if settings["TRUSTED_PROXIES"] else connection_cap(settings["CONNECTIONS_PER_ADDRESS"], limit)
        server = WSGIServer(
            (host, port),
            app,
            handler_class=gevent_handler(settings["MAX_PAYLOAD_BYTES"], per_address),
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
