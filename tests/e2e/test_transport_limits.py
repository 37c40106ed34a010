"""One device on the venue Wi-Fi cannot take the server down: each attack on the transport, replayed
against the real gevent server (the default), then a legitimate phone still joins and votes.

The attacks speak raw HTTP and websocket frames over sockets, as an attacker's script would.
"""

import json
import os
import re
import socket
import struct
import time

import pytest

from ..live import frame_header, open_websocket, raw, read_response

MAX_PAYLOAD = 64 * 1024


def close_code(connection: socket.socket) -> int | None:
    """Read frames until the server's close frame; its status code (None if the socket just ends)."""
    buffer = b""
    while True:
        while len(buffer) < 2:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
        offset = 2
        if length == 126:
            length, offset = struct.unpack("!H", buffer[2:4])[0], 4
        elif length == 127:
            length, offset = struct.unpack("!Q", buffer[2:10])[0], 10
        while len(buffer) < offset + length:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        payload, buffer = buffer[offset : offset + length], buffer[offset + length :]
        if opcode == 0x8:
            return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def a_phone_still_votes(server, phones) -> None:
    session = server.new_session()
    facilitator = phones(server.url)
    assert facilitator.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["ok"]
    assert facilitator.call("open", {"practice": "repair-identify"})["ok"]
    phone = phones(server.url)
    assert phone.call("join", {"code": session["code"]})["ok"]
    assert phone.call("vote", {"practice": "repair-identify", "level": "repeatable"})["ok"]


@pytest.fixture
def server(start_server):
    return start_server("gevent")


def test_a_websocket_message_over_the_limit_is_refused_from_its_header(server, phones):
    """gevent-websocket read a 20 MB frame whole on the event loop before Engine.IO's size check:
    every request stopped for 8 to 11 s. Now the header alone closes the connection (1009)."""
    connection = open_websocket(server)
    connection.sendall(frame_header(20 * 1024 * 1024) + b"x" * 1024)  # the rest is never sent
    assert close_code(connection) == 1009
    connection.close()
    a_phone_still_votes(server, phones)


def test_a_message_split_into_fragments_is_limited_as_a_whole(server, phones):
    connection = open_websocket(server)
    piece = b"4" + b"x" * (40 * 1024)
    connection.sendall(frame_header(len(piece), opcode=0x1, fin=False) + piece)
    connection.sendall(frame_header(len(piece), opcode=0x0, fin=True))  # its payload would pass 64 KB
    assert close_code(connection) == 1009
    a_phone_still_votes(server, phones)


def test_a_message_under_the_limit_still_passes(server):
    connection = open_websocket(server)
    connection.recv(65536)  # Engine.IO's open packet
    message = b'40{"padding":"' + b"x" * 60_000 + b'"}'  # Socket.IO connect, with a large (ignored) body
    connection.sendall(frame_header(len(message)) + message)
    connection.settimeout(10)
    assert b"40" in connection.recv(65536)  # connected, not closed


def polling_sid(server) -> str:
    connection = raw(server)
    connection.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    response = read_response(connection)
    connection.close()
    return re.search(rb'"sid":"([^"]+)"', response).group(1).decode()


def open_files(server) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def test_an_oversized_long_polling_post_is_answered_and_its_socket_freed(server, phones):
    """Engine.IO never answered a POST announcing more than 64 KB and never freed its socket:
    20,000 such requests exhausted the open files. Now each gets 413 and is closed."""
    baseline = open_files(server)
    for _ in range(200):
        connection = raw(server, timeout=10)
        connection.sendall(
            f"POST /socket.io/?EIO=4&transport=polling&sid={polling_sid(server)} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {MAX_PAYLOAD + 1}\r\n\r\n".encode()
        )
        assert read_response(connection).startswith(b"HTTP/1.1 413")
        connection.close()
    time.sleep(0.5)
    assert open_files(server) < baseline + 20
    a_phone_still_votes(server, phones)


def test_binary_events_are_refused_with_an_error_ack(server, phones):
    phone = phones(server.url)
    ack = phone.call("join", b"\0" * 1000)
    assert ack["ok"] is False and ack["error"] == "bad_request" and "binary" in ack["message"]


def test_attachments_announced_by_a_binary_event_are_never_buffered(server, phones):
    """999,999 announced attachments then 60 KB frames grew memory by 57 KB a frame. Now the event
    gets an error ack and binary frames are read past and dropped: nothing is buffered."""
    connection = open_websocket(server)
    connection.recv(65536)
    connection.sendall(frame_header(2) + b"40")
    connection.recv(65536)
    event = b'45999999-1["vote",{"_placeholder":true,"num":0}]'
    connection.sendall(frame_header(len(event)) + event)
    reply = connection.recv(65536)
    assert b"431[" in reply and b"binary" in reply  # the error ack of packet 1
    before = rss(server)
    attachment = b"x" * 60_000
    for _ in range(300):
        connection.sendall(frame_header(len(attachment), opcode=0x2) + attachment)
    probe = b'4299["no_such_event",{}]'  # answered once every frame before it has been read
    connection.sendall(frame_header(len(probe)) + probe)
    assert b"4399[" in connection.recv(65536)
    assert rss(server) - before < 4 * 1024 * 1024  # 300 frames of 60 KB would be 18 MB
    a_phone_still_votes(server, phones)


def rss(server) -> int:
    status = open(f"/proc/{server.process.pid}/status").read()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


@pytest.mark.parametrize("name", ["disconnect", "connect", "connect_error", "*"])
def test_reserved_event_names_are_refused_and_change_nothing(server, phones, name):
    """A client sending ``disconnect`` dropped its identity while staying in the room (one connection
    could create unlimited participants); ``connect`` was acked ``[true]``; ``*`` got no ack."""
    session = server.new_session()
    phone = phones(server.url)
    joined = phone.call("join", {"code": session["code"]})
    assert joined["ok"]
    ack = phone.call(name, {})
    assert ack["ok"] is False and ack["error"] == "bad_request" and "reserved" in ack["message"]
    # the connection is still the same person: it cannot mint a second participant
    assert phone.call("join", {"code": session["code"]})["error"] == "forbidden"
    assert phone.call("join", {"code": session["code"], "participant_token": joined["participant_token"]})["resumed"]
    summary = server.summary(session)
    assert summary["participants"]["joined"] == 1, summary["participants"]


@pytest.mark.parametrize("packet", ['421[["vote"],{}]', "4212[5]", '4213{"a":1}', "4214[]", "421x"])
def test_malformed_event_names_get_an_error_ack_or_nothing(server, packet):
    connection = open_websocket(server)
    connection.recv(65536)
    connection.sendall(frame_header(2) + b"40")
    connection.recv(65536)
    message = packet.encode()
    connection.sendall(frame_header(len(message)) + message)
    connection.settimeout(3)
    try:
        reply = connection.recv(65536)
    except TimeoutError:
        reply = b""
    if reply:  # an ack, never a crash or a malformed answer
        ack = re.search(rb"43\d+(\[.*\])", reply)
        assert ack, reply
        assert json.loads(ack.group(1))[0]["error"] == "bad_request"
    probe = b'4299["no_such_event",{}]'  # the connection still answers
    connection.sendall(frame_header(len(probe)) + probe)
    assert b"4399[" in connection.recv(65536)


def test_half_open_requests_are_closed_after_the_header_timeout(server, phones):
    """2,000 trickling headers all stayed open for 60 s; now they get 10 s (serve.HEADER_TIMEOUT)."""
    from workshop.serve import HEADER_TIMEOUT

    trickling = []
    for _ in range(50):
        connection = raw(server, timeout=HEADER_TIMEOUT + 10)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        trickling.append(connection)
    started = time.monotonic()
    for connection in trickling:
        connection.recv(65536)  # the server closes (or answers 400): no hang
    assert time.monotonic() - started < HEADER_TIMEOUT + 8
    a_phone_still_votes(server, phones)


def test_one_address_holds_at_most_its_share_of_connections(start_server, phones):
    server = start_server("gevent", None, "--connections-per-address", "20")
    held = [raw(server) for _ in range(20)]
    for connection in held:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
    time.sleep(0.3)
    extra = raw(server)
    assert read_response(extra).startswith(b"HTTP/1.1 503")
    for connection in held:
        connection.close()
    time.sleep(0.3)
    a_phone_still_votes(server, phones)


@pytest.mark.parametrize("path, kind", [("/api/sessions/ABC", "application/json"), ("/join", "text/html")])
def test_an_address_over_8_kb_gets_the_apps_414(server, path, kind):
    connection = raw(server)
    connection.sendall(f"GET {path}?q={'a' * 9000} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    response = read_response(connection)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and kind.encode() in head
    if kind == "application/json":
        assert json.loads(body)["error"] == "too_large"
    else:
        assert b"longer than" in body
