"""The SQLite engine: a file on this host, through the standard library and sqlite-utils.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the process
being killed (the WAL is in the operating system's hands once ``COMMIT`` returns); a power cut may
lose the last transactions (see docs/deployment.md). A write transaction starts with
``BEGIN IMMEDIATE``, which takes the file's one write lock: a vote's check and insert, or a
facilitator's version check and change, cannot interleave with another writer, in this process or
another.

Waiting for that lock never blocks the event loop. SQLite's own busy handler sleeps inside C, where
gevent and eventlet cannot switch to another greenlet: with it, one vote waiting for a backup or a
restore in another process froze every phone of the server (issue 12). So the busy timeout is 0
and a statement that finds the database locked is retried here, sleeping with ``time.sleep``
between tries, which gevent and eventlet patch to yield to the other greenlets (in threading mode
it releases the GIL). Retrying a statement is safe: a statement that failed with ``SQLITE_BUSY``
changed nothing, and outside ``BEGIN IMMEDIATE`` every statement is its own transaction.
"""

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per database there
    fcntl = None

from sqlite_utils import Database as SqliteUtilsDatabase

from .database import Clock, Database, DatabaseUnusable
from .schema import migrations

BUSY_WAIT = 30.0  # seconds a statement waits for another writer before it fails
FIRST_RETRY, LONGEST_RETRY = 0.001, 0.02  # seconds between tries: doubling from the first, up to the longest


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


class _Probed(Exception):
    """Ends the write probe of ``SqliteDatabase.check``, rolling it back."""


def _busy(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "database is locked" in text or "database table is locked" in text or "busy" in text


class SqliteConnection:
    """The stores' view of the connection: ``?`` placeholders as SQLite has them, retries when locked."""

    def __init__(self, raw: sqlite3.Connection):
        self.raw = raw

    def execute(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        return self._retrying(self.raw.execute, sql, params)

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        self._retrying(self.raw.executemany, sql, rows)

    def _retrying(self, run, sql: str, params):
        deadline = None
        pause = FIRST_RETRY
        while True:
            try:
                return run(sql, params)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                now = time.monotonic()
                deadline = deadline or now + BUSY_WAIT
                if now >= deadline:
                    raise
                time.sleep(pause)  # cooperative under gevent/eventlet: other phones go on meanwhile
                pause = min(pause * 2, LONGEST_RETRY)

    def insert(self, sql: str, params: Sequence = ()) -> int:
        return self.execute(sql, params).lastrowid


class SqliteDatabase(Database):
    """One SQLite connection per process."""

    engine = "sqlite"
    refused_row = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError, sqlite3.ProgrammingError)

    def __init__(self, path: str, *, now: Clock, stop_before: str | None = None):
        super().__init__(path, now)
        try:
            self.raw = self._open(stop_before)
            self.conn = SqliteConnection(self.raw)
        except (sqlite3.Error, OSError) as error:
            raise DatabaseUnusable(_explain(self.path, error)) from None

    def _open(self, stop_before: str | None) -> sqlite3.Connection:
        if self.path != ":memory:":
            if Path(self.path).is_dir():
                raise IsADirectoryError(self.path)
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
        connection.execute("PRAGMA busy_timeout=0")  # waits are retried cooperatively (see above)
        with schema_lock(self.path):  # several processes may open a new database at once
            connection.execute("PRAGMA busy_timeout=10000")  # only here: no phone waits during set-up
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            # deleted content is overwritten with zeros, so a deleted session leaves no trace in
            # the file's free pages
            connection.execute("PRAGMA secure_delete=ON")
            self.utils = SqliteUtilsDatabase(connection)
            migrations.for_sqlite_utils().apply(self.utils, stop_before=stop_before)
            connection.execute("PRAGMA busy_timeout=0")
        return connection

    def check(self) -> None:
        try:
            with self.transaction() as conn:
                # SQLite opens a file it may not write read-only, and says so only at the first write
                conn.execute("CREATE TABLE _workshop_write_check (x)")
                raise _Probed
        except _Probed:
            pass
        except sqlite3.Error as error:
            raise DatabaseUnusable(_explain(self.path, error)) from None
        try:
            problems = [row[0] for row in self.query("PRAGMA quick_check")]
        except sqlite3.Error as error:
            raise DatabaseUnusable(_explain(self.path, error)) from None
        if problems != ["ok"]:
            raise DatabaseUnusable(
                f"{self.path} is damaged (SQLite's check says: {problems[0]}); restore a backup into a new --db"
            )

    def _connection(self) -> SqliteConnection:
        return self.conn

    def _begin(self, conn: SqliteConnection, *, read_only: bool = False) -> None:
        conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.query(f"PRAGMA table_info({table})")]

    def applied_migrations(self) -> list[str]:
        with self.reading():
            return [migration.name for migration in migrations.for_sqlite_utils().applied(self.utils)]

    def migrate(self, *, stop_before: str | None = None) -> None:
        with self.reading(), schema_lock(self.path):
            migrations.for_sqlite_utils().apply(self.utils, stop_before=stop_before)

    def scrub(self) -> None:
        # no copy of deleted rows in the write-ahead log either (best effort with readers)
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            self.raw.close()


def _explain(path: str, error: Exception) -> str:
    """One line for a database that cannot be used, naming the file and what to do."""
    if isinstance(error, IsADirectoryError):
        return f"{path} is a folder, not a database file"
    if isinstance(error, PermissionError):
        return f"cannot open {path}: {error.strerror}; the server must be able to read and write it and its folder"
    if isinstance(error, OSError):
        return f"cannot open {path}: {error.strerror or error}"
    text = str(error)
    if "file is not a database" in text or "malformed" in text:
        return f"{path} is not a workshop database (SQLite says: {text}); give another --db or restore a backup"
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only: the server must be able to write to it and to its folder"
    if "unable to open" in text:
        return f"cannot open {path} (SQLite says: {text}); the server must be able to write to it and to its folder"
    return f"cannot use the database {path}: {text}"
