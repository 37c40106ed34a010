"""Shared fixtures: an app on a fresh database, its HTTP client, and Socket.IO clients by role."""

import pytest

from workshop import create_app
from workshop.extensions import socketio


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "workshop.db"),
            "BACKGROUND_TICKER": False,  # tests call realtime.tick() when they need a tally
            "PUBLIC_URL": "http://workshop.test",
        }
    )
    yield app
    app.extensions["workshop.realtime"].stop()
    app.extensions["workshop.service"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def realtime(app):
    return app.extensions["workshop.realtime"]


@pytest.fixture
def service(app):
    return app.extensions["workshop.service"]


class SocketClient:
    """A Socket.IO test client that returns acks and collects server events by name."""

    def __init__(self, app, client):
        self.io = socketio.test_client(app, flask_test_client=client)
        self._received = []

    def emit(self, event, *args):
        return self.io.emit(event, *args, callback=True)

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
        ack = socket.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})
        assert ack["ok"], ack
        socket.host_ack = ack
        return socket

    return _facilitator


@pytest.fixture
def join_participant(connect):
    """Connect and join a session as a participant."""

    def _join(session_or_code, **fields):
        code = session_or_code if isinstance(session_or_code, str) else session_or_code["code"]
        socket = connect()
        ack = socket.emit("join", {"code": code, **fields})
        assert ack["ok"], ack
        socket.join_ack = ack
        socket.token = ack["participant_token"]
        return socket

    return _join
