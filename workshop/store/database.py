"""The connection to the database: one per process, short write transactions, the schema on open.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the process
being killed (the WAL is in the operating system's hands once ``COMMIT`` returns); a power cut may
lose the last transactions (see docs/deployment.md).

Write transactions are short and explicit (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a vote's check
and its insert are atomic even when several server processes share the file. The connection is
guarded by a lock that gevent/eventlet monkey-patching turns cooperative. Time comes from ``now``
(epoch seconds), so tests can set the clock instead of waiting.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per database there
    fcntl = None

from sqlite_utils import Database as SqliteUtilsDatabase

from .schema import migrations

Clock = Callable[[], float]


class DatabaseUnusable(Exception):
    """The database cannot be opened, read or written; the message says which file and why."""


def iso(stamp: float) -> str:
    """Epoch seconds as ISO 8601 in UTC, to the second ("2025-03-14T09:30:00Z")."""
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@contextmanager
def schema_lock(path: str) -> Iterator[None]:
    """Hold an exclusive lock on a file beside the database while setting up its schema.

    Two server processes started together on a new database would otherwise both find the same
    migrations pending and race to apply them (one fails with "database is locked").
    """
    if path == ":memory:" or fcntl is None:
        yield
        return
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Database:
    """One SQLite connection, its lock, and the clock every store reads."""

    def __init__(self, path: str | Path, *, now: Clock = time.time):
        self.path = str(path)
        self.now = now
        try:
            self.conn = self._open()
        except (sqlite3.Error, OSError) as error:
            raise DatabaseUnusable(_explain(self.path, error)) from None
        self._lock = threading.RLock()

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            if Path(self.path).is_dir():
                raise IsADirectoryError(self.path)
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=10000")
        with schema_lock(self.path):  # several processes may open a new database at once
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            # deleted content is overwritten with zeros, so a deleted session leaves no trace in
            # the file's free pages
            connection.execute("PRAGMA secure_delete=ON")
            self.utils = SqliteUtilsDatabase(connection)
            migrations.apply(self.utils)
        return connection

    def now_iso(self) -> str:
        return iso(self.now())

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; the lock keeps greenlets/threads from interleaving."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read outside a write transaction (several statements, one lock)."""
        with self._lock:
            yield self.conn

    def query(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=()):
        """The first column of the first row (a count, say)."""
        return self.query(sql, params)[0][0]

    def query_dicts(self, sql: str, params=()) -> list[dict]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params=()) -> None:
        """One statement in its own (autocommit) transaction."""
        with self._lock:
            self.conn.execute(sql, params)


def _explain(path: str, error: Exception) -> str:
    """One line for a database that cannot be used, naming the file and what to do."""
    if isinstance(error, IsADirectoryError):
        return f"{path} is a folder, not a database file"
    if isinstance(error, OSError):
        return f"cannot open {path}: {error.strerror or error}"
    text = str(error)
    if "file is not a database" in text or "malformed" in text:
        return f"{path} is not a workshop database (SQLite says: {text}); give another --db or restore a backup"
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only: the server must be able to write to it and to its folder"
    return f"cannot use the database {path}: {text}"
