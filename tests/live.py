"""The real server in a subprocess, and clients for it: shared by the e2e and browser tests."""

import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import socketio


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def request(self, method: str, path: str, body=None, token: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def new_session(self, framework="forrester-path", **extra):
        status, body = self.request("POST", "/api/sessions", {"framework": framework, "title": "E2E", **extra})
        assert status == 201, body
        return body

    def summary(self, session):
        status, body = self.request(
            "GET", f"/api/sessions/{session['code']}/summary", token=session["facilitator_token"]
        )
        assert status == 200, body
        return body

    def kill(self):
        """SIGKILL: no shutdown handler runs, as in a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until_up(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/api/frameworks", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {timeout} s:\n{server.log.read_text()}")


def start(
    tmp_path: Path,
    mode: str = "gevent",
    database: Path | str | None = None,
    *extra: str,
    port: int | None = None,
    name: str = "server",
) -> Server:
    """Start ``workshop serve`` on a free port and wait until it answers. ``database`` is a SQLite
    file or a PostgreSQL URL (the e2e tests' ``start_server`` gives each test its own, on the
    engine ``WORKSHOP_TEST_DATABASE`` chooses); by default a SQLite file in ``tmp_path``."""
    port = port or free_port()
    database = database or tmp_path / "workshop.db"
    log = tmp_path / f"{name}-{port}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workshop",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(database),
            "--async-mode",
            mode,
            *extra,
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_up(server)
    except Exception:
        server.stop()
        raise
    return server


class Phone:
    """A python-socketio client over a real websocket."""

    def __init__(self, url: str):
        self.client = socketio.Client(reconnection=False)
        self.states: list[dict] = []
        self.tallies: list[dict] = []
        self.client.on("state", self.states.append)
        self.client.on("tally", self.tallies.append)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)

    def call(self, event: str, payload=None) -> dict:
        return self.client.call(event, payload if payload is not None else {}, timeout=10)

    def close(self):
        if self.client.connected:
            self.client.disconnect()


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


# --- raw HTTP and websocket frames, for the attacks on the transport ---------------------------


def raw(server, timeout: float = 15.0) -> socket.socket:
    """A plain TCP connection to ``server`` (anything with a ``url``), as an attacker's script opens."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=timeout)
    return connection


def read_response(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"content-length: *(\d+)", head, re.I)
    while match and len(body) < int(match.group(1)):
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def open_websocket(server) -> socket.socket:
    """A websocket to Engine.IO, past its handshake and Socket.IO's connect."""
    connection = raw(server)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += connection.recv(1)
    assert b" 101 " in head, head
    return connection


def frame_header(length: int, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A client frame's header (masked, as a browser sends) announcing ``length`` bytes."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    return header + b"\0\0\0\0"  # a zero mask leaves the payload as sent
