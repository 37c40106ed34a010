"""The database: one connection per process, short write transactions, the schema on open.

Two engines sit behind one interface, chosen by ``--db``: a SQLite file (the default, embedded,
through sqlite-utils; ``sqlite.py``) or a ``postgresql://`` URL (a database server that several
hosts share, through psycopg 3; ``postgres.py``). What differs between them lives in those two
modules and nowhere else: opening the connection, its transactions and locking, the migrations'
DDL, and the few places where the SQL dialects differ. Every other store module writes its SQL
once, with ``?`` placeholders, and runs it through ``Connection.execute``.

Write transactions are short and explicit (``transaction()``), so a vote's check and its insert
are atomic even when several server processes (or hosts) share the database: the engine serialises
them (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's lock on the session's row, see ``lock_session``).
The connection is guarded by a lock that gevent/eventlet monkey-patching turns cooperative. Time
comes from ``now`` (epoch seconds), so tests can set the clock instead of waiting.
"""

import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

Clock = Callable[[], float]
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class DatabaseUnusable(Exception):
    """The database cannot be opened, read or written; the message says which one and why."""


def iso(stamp: float) -> str:
    """Epoch seconds as ISO 8601 in UTC, to the second ("2025-03-14T09:30:00Z")."""
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def is_postgres(location: str | Path) -> bool:
    """Whether ``--db`` names a PostgreSQL database (a URL) rather than a SQLite file."""
    return str(location).startswith(POSTGRES_SCHEMES)


class Cursor(Protocol):
    description: Sequence

    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...
    def __iter__(self) -> Iterator[tuple]: ...


class Connection(Protocol):
    """What the stores use of a connection: the same on both engines."""

    def execute(self, sql: str, params: Sequence = ()) -> Cursor:
        """Run one statement (``?`` placeholders) and return its cursor."""

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        """Run one statement once for each row of parameters."""

    def insert(self, sql: str, params: Sequence = ()) -> int:
        """Run an ``INSERT`` into a table with an ``id`` key and return the new row's id."""


def column_names(cursor: Cursor) -> list[str]:
    return [column[0] for column in cursor.description]


class Database:
    """One connection, its lock, and the clock every store reads; ``sqlite.py`` and
    ``postgres.py`` fill in the engine."""

    engine = ""
    # appended to the SELECT of a session's row that starts a write: the row lock PostgreSQL needs
    # to serialise a vote (shared) or a facilitator's action (exclusive); SQLite needs none
    share_session = ""
    lock_session = ""
    lock_session_for_delete = ""  # also keeps rows that point to it (a participant joining) out
    refused_row: tuple[type[Exception], ...] = ()  # what the engine raises for a row it will not store

    def __init__(self, path: str, now: Clock):
        self.path = path  # as shown to people: a file, or a URL without its password
        self.now = now
        self._lock = threading.RLock()

    def now_iso(self) -> str:
        return iso(self.now())

    # --- engine-specific -----------------------------------------------------------------------

    def _connection(self) -> Connection:
        raise NotImplementedError

    def _begin(self, conn: Connection, *, read_only: bool = False) -> None:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        """The names of a table's columns, in order."""
        raise NotImplementedError

    def applied_migrations(self) -> list[str]:
        """The names of the migrations applied to this database, in the order they were applied."""
        raise NotImplementedError

    def migrate(self, *, stop_before: str | None = None) -> None:
        """Apply the pending migrations (all of them, or those before ``stop_before``)."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise ``DatabaseUnusable`` unless this database can be written (and, where the engine can
        tell quickly, is undamaged): the server calls it at start, so that a read-only or damaged
        database is one line then, not a failed vote later."""
        raise NotImplementedError

    def scrub(self) -> None:
        """After a delete: leave no copy of the deleted rows where the engine can avoid it."""

    def close(self) -> None:
        raise NotImplementedError

    # --- shared --------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A short write transaction; the lock keeps greenlets/threads from interleaving."""
        with self._lock:
            conn = self._connection()
            self._begin(conn)
            try:
                yield conn
            except BaseException:
                with suppress(Exception):  # the error that ended the transaction is the one to see
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def snapshot(self) -> AbstractContextManager[Connection]:
        """A read-only transaction: every read inside sees the same consistent state, and writers
        (other processes, other hosts) are not held up meanwhile."""
        return self._read_transaction()

    @contextmanager
    def _read_transaction(self) -> Iterator[Connection]:
        with self._lock:
            conn = self._connection()
            self._begin(conn, read_only=True)
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection for a read outside a write transaction (several statements, one lock)."""
        with self._lock:
            yield self._connection()

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.reading() as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence = ()):
        """The first column of the first row (a count, say)."""
        return self.query(sql, params)[0][0]

    def query_dicts(self, sql: str, params: Sequence = ()) -> list[dict]:
        with self.reading() as conn:
            cursor = conn.execute(sql, params)
            names = column_names(cursor)
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params: Sequence = ()) -> None:
        """One statement in its own (autocommit) transaction."""
        with self.reading() as conn:
            conn.execute(sql, params)

    def count(self, table: str) -> int:
        return self.scalar(f"SELECT count(*) FROM {table}")


def engine_errors() -> tuple[type[Exception], ...]:
    """The exceptions the engines in use raise (SQLite's, and psycopg's once it was imported)."""
    errors: list[type[Exception]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def open_database(location: str | Path, *, now: Clock = time.time, stop_before: str | None = None) -> Database:
    """The database at ``location``: a SQLite file, or a ``postgresql://`` URL; created or
    upgraded to the current schema (or, for the tests of upgrades, to the migration before
    ``stop_before``)."""
    if is_postgres(location):
        from .postgres import PostgresDatabase  # psycopg is needed only by a deployment that names it

        return PostgresDatabase(str(location), now=now, stop_before=stop_before)
    from .sqlite import SqliteDatabase

    return SqliteDatabase(str(location), now=now, stop_before=stop_before)
