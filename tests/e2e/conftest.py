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
def start_server(tmp_path, phones, new_database):
    """Start ``workshop serve`` (gevent by default) on the test's database (or ``database``);
    stopped after the test, before its clients and before its databases are dropped."""
    started: list[Server] = []

    def _start(mode: str = "gevent", database=None, *extra: str, port: int | None = None) -> Server:
        database = database or new_database("workshop")
        server = start(tmp_path, mode, database, *extra, port=port, name=f"server-{len(started)}")
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()
