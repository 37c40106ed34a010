"""Which engine the tests' databases use: SQLite files by default, PostgreSQL on request.

``WORKSHOP_TEST_DATABASE=postgresql://postgres@127.0.0.1:5432/postgres`` (a server and a database
to connect to for administration) makes every database a test asks for a new PostgreSQL database
on that server, created for the test and dropped after it: the ``app`` fixture's, the live
server's (``start_server``) and those of ``new_database``. ``python3 tasks.py test`` runs the
suites that touch the store a second time that way (see tasks.py).
"""

import itertools
import os
import urllib.parse
from pathlib import Path

import pytest

ENVIRONMENT = "WORKSHOP_TEST_DATABASE"
PREFIX = "workshop_test"
_numbers = itertools.count()


def server() -> str | None:
    """The PostgreSQL server the tests use, or None for SQLite."""
    return os.environ.get(ENVIRONMENT) or None


ON_POSTGRES = server() is not None
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite's own file (the tests run on PostgreSQL)")


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class Databases:
    """The databases of one test, by name: the same name gives the same database."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.server = server()
        self.made: dict[str, str] = {}

    def __call__(self, name: str = "workshop") -> str:
        if name not in self.made:
            self.made[name] = self._create(name)
        return self.made[name]

    def _create(self, name: str) -> str:
        if self.server is None:
            return str(self.folder / f"{name}.db")
        database = f"{PREFIX}_{os.getpid()}_{next(_numbers)}_{name}"[:63]
        self._admin(f'CREATE DATABASE "{database}"')
        return with_database(self.server, database)

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.server is None:
            return
        for url in self.made.values():
            name = urllib.parse.urlsplit(url).path.lstrip("/")
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()
