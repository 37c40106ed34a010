"""Guards in front of Socket.IO: what a client may send before any handler of ours runs.

Two holes in the libraries are closed here, each found by attacking the server:

- A long-polling POST announcing more than the payload limit is refused by Engine.IO, which then
  disconnects the session from inside the request and waits for a GET that never comes: the request
  is never answered and its socket never freed. ``refuse_oversized_posts`` answers 413 first.
- Socket.IO packets the app never uses are refused with an error ack instead of reaching the
  library: binary events and acks (their attachments would be buffered with no total limit),
  events named like the library's own (``connect``, ``disconnect``: a client sending ``disconnect``
  dropped its identity while it stayed in the room), ``*`` (the catch-all handler's name) and
  events whose name is not a string.
"""

import logging

from socketio import packet

log = logging.getLogger(__name__)

RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting", "*"})
SOCKETIO_PATH = "/socket.io/"


def refused(message: str) -> dict:
    return {"ok": False, "error": "bad_request", "message": message}


def event_problem(data) -> str | None:
    """Why an event packet's data cannot be an event of this app, or None if it can."""
    if not isinstance(data, list) or not data:
        return "an event is a list: its name, then its payload"
    name = data[0]
    if not isinstance(name, str):
        return "an event's name is a string"
    if name in RESERVED_EVENTS:
        return f"'{name}' is reserved by Socket.IO and cannot be sent as an event"
    return None


def guard_packets(server) -> None:
    """Put the checks above in front of a python-socketio ``Server``'s message handler."""
    dispatch = server._handle_eio_message  # the library's own, for every packet that passes

    def answer(eio_sid: str, pkt, message: str) -> None:
        if pkt.id is not None:
            ack = server.packet_class(packet.ACK, namespace=pkt.namespace, data=[refused(message)], id=pkt.id)
            server._send_packet(eio_sid, ack)

    def on_message(eio_sid: str, data) -> None:
        if not isinstance(data, str):
            return  # a binary attachment: no packet of this app announces one
        if data[:1] not in ("2", "5", "6"):  # connect, disconnect, ack: the library's business
            return dispatch(eio_sid, data)
        try:
            pkt = server.packet_class(encoded_packet=data)
        except Exception:  # whatever a malformed packet raises, it is refused
            log.debug("malformed packet from %s refused", eio_sid)
            return
        if pkt.packet_type == packet.BINARY_ACK:
            return  # the server never asks a client for an acknowledgement
        if pkt.packet_type == packet.BINARY_EVENT:
            return answer(eio_sid, pkt, "binary payloads are not accepted; send JSON")
        problem = event_problem(pkt.data)
        if problem:
            return answer(eio_sid, pkt, problem)
        server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)

    server.eio.on("message", on_message)


def refuse_oversized_posts(app, limit: int):
    """WSGI middleware: a long-polling POST announcing more than ``limit`` bytes gets 413 and the
    connection is closed, before Engine.IO (which would hang on it) sees it."""

    def middleware(environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = limit + 1
            if length > limit:
                body = f"a message is at most {limit} bytes".encode()
                start_response(
                    "413 Payload Too Large",
                    [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("Connection", "close")],
                )
                return [body]
        return app(environ, start_response)

    return middleware
