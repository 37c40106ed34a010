"""Shared fixtures: an app on a fresh database with a clock tests can move, its HTTP client, and
Socket.IO clients by role whose acks are checked. The databases are SQLite files, or new
PostgreSQL databases when ``WORKSHOP_TEST_DATABASE`` names a server (``tests/databases.py``)."""

import signal
import time

import pytest

from tests.databases import Databases
from workshop import create_app


class Clock:
    """A clock that stands still until a test moves it (epoch seconds)."""

    def __init__(self, start: float | None = None):
        self.time = time.time() if start is None else start

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def new_database(tmp_path):
    """A database for this test by name (``new_database("fresh")``): the same name, the same one;
    a SQLite file in ``tmp_path``, or a PostgreSQL database dropped after the test."""
    databases = Databases(tmp_path)
    yield databases
    databases.drop()


@pytest.fixture
def app(new_database, clock):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": new_database("workshop"),
            "BACKGROUND_TICKER": False,  # tests call realtime.tick() when they need a tally
            "PUBLIC_URL": "http://workshop.test",
            "CLOCK": clock,
            # tests create many sessions from one address; the default limit has its own test
            "SESSIONS_PER_ADDRESS": "10000/minute",
        }
    )
    yield app
    app.extensions["workshop.realtime"].stop()
    app.extensions["workshop.service"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def realtime(app):
    return app.extensions["workshop.realtime"]


@pytest.fixture
def service(app):
    return app.extensions["workshop.service"]


@pytest.fixture
def store(service):
    return service.store


class SocketClient:
    """A Socket.IO test client that checks every ack and collects server events by name.

    ``emit`` asserts that the server accepted the event, unless the test says which error it
    expects (``expect="not_open"``): a test never ignores what the server answered.
    """

    def __init__(self, app, client):
        self.io = app.extensions["socketio"].test_client(app, flask_test_client=client)
        self._received = []

    def emit(self, event, *args, expect: str | None = None):
        ack = self.io.emit(event, *args, callback=True)
        assert isinstance(ack, dict), f"{event}: no ack, got {ack!r}"
        if expect is None:
            assert ack.get("ok") is True, f"{event} {args}: {ack}"
        else:
            assert ack.get("ok") is False and ack.get("error") == expect, (
                f"{event} {args}: expected {expect}, got {ack}"
            )
            assert set(ack) == {"ok", "error", "message"} and ack["message"], ack
            assert "Traceback" not in ack["message"], ack
        return ack

    def events(self, name):
        self._received.extend(self.io.get_received())
        return [message["args"][0] for message in self._received if message["name"] == name]

    def last(self, name):
        found = self.events(name)
        return found[-1] if found else None

    def clear(self):
        self.io.get_received()
        self._received = []

    def disconnect(self):
        if self.io.is_connected():
            self.io.disconnect()


@pytest.fixture
def cli():
    """Run the ``workshop`` command line in-process (Click's CliRunner); returns its Result."""
    from click.testing import CliRunner

    from workshop.cli import cli as command

    runner = CliRunner()

    def run(*args, input=None):
        # the command resets SIGPIPE to its default (`workshop sessions | head`); in this process that
        # would let a later write to a closed socket kill the whole test run
        handler = signal.getsignal(signal.SIGPIPE)
        try:
            return runner.invoke(command, [str(arg) for arg in args], input=input, catch_exceptions=False)
        finally:
            signal.signal(signal.SIGPIPE, handler)

    return run


@pytest.fixture
def connect(app, client):
    """Open a raw Socket.IO connection (no role yet)."""
    opened = []

    def _connect():
        socket = SocketClient(app, client)
        opened.append(socket)
        return socket

    yield _connect
    for socket in opened:
        socket.disconnect()


@pytest.fixture
def new_session(client):
    """Create a session over HTTP; returns the API's response body."""

    def _new_session(framework="forrester-path", title="Quarterly CX check", **extra):
        response = client.post("/api/sessions", json={"framework": framework, "title": title, **extra})
        assert response.status_code == 201, response.json
        return response.json

    return _new_session


@pytest.fixture
def facilitator(connect):
    """Connect and host a session as its facilitator."""

    def _facilitator(session):
        socket = connect()
        socket.host_ack = socket.emit(
            "host", {"code": session["code"], "facilitator_token": session["facilitator_token"]}
        )
        return socket

    return _facilitator


@pytest.fixture
def join_participant(connect):
    """Connect and join a session as a participant."""

    def _join(session_or_code, **fields):
        code = session_or_code if isinstance(session_or_code, str) else session_or_code["code"]
        socket = connect()
        ack = socket.emit("join", {"code": code, **fields})
        socket.join_ack = ack
        socket.token = ack["participant_token"]
        return socket

    return _join
