"""Fixtures for the end-to-end tests: the real server in a subprocess, and phones over websockets."""

import pytest

from ..live import Phone, Server, start


@pytest.fixture
def phones():
    """Open python-socketio clients on a server's URL; closed after the test."""
    opened: list[Phone] = []

    def _open(url: str) -> Phone:
        phone = Phone(url)
        opened.append(phone)
        return phone

    yield _open
    for phone in opened:
        phone.close()


@pytest.fixture
def start_server(tmp_path, phones):
    """Start ``workshop serve`` (gevent by default); stopped after the test, before its clients."""
    started: list[Server] = []

    def _start(mode: str = "gevent", database=None, *extra: str, port: int | None = None) -> Server:
        server = start(tmp_path, mode, database, *extra, port=port, name=f"server-{len(started)}")
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()
