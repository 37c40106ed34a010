"""The PostgreSQL engine: a database server that several hosts share, through psycopg 3.

Chosen by a ``postgresql://`` URL as ``--db``; psycopg is an optional extra
(``pip install 'cx-workshop[postgres]'``), needed only by a deployment that names one.

**One connection per process, guarded by the store's lock.** The stores were written for one
connection: a vote reads the session's state inside its own write transaction, on the same
connection, and the per-process caches are checked against what that connection sees. Keeping
one connection keeps those semantics exactly as on SQLite, with no connection to pick per call. It
is enough: each statement is a round trip of a fraction of a millisecond on a private network, so
one connection carries thousands of statements a second, more than one process's single core
produces; more throughput comes from more processes (each with its connection), not from a pool
inside one. A broken connection (the server restarted) is replaced at the next call.

**Atomic across hosts: row locks on the session's ``assessments`` row.** ``BEGIN IMMEDIATE`` on
SQLite serialises every writer of the file; here several hosts write at once, and what must not
interleave is per session: a vote's check ("is this round open?") and its insert must not straddle
a reveal, and a facilitator's version check and change must not straddle another's. So a write
that depends on a session's state starts by locking that session's row: ``FOR SHARE`` for a vote
(votes of one session go on side by side; a reveal waits for them, and they for it) and ``FOR NO
KEY UPDATE`` for a facilitator's action or settings (the lock a plain ``UPDATE`` of the row takes,
so an ``UPDATE assessments`` elsewhere serialises with them too). Row locks rather than advisory
locks: they belong to the data they protect, every ``UPDATE`` of the row takes them without being
told, and they are released with the transaction; ``NO KEY`` leaves inserts that only reference the
row (a participant joining) free, since foreign-key checks take a ``KEY SHARE`` lock that does not
conflict with it. Schema changes take a session-level advisory lock instead (there is no row yet).

**Cooperative under gevent.** psycopg 3 waits for the server through Python's ``select``/
``selectors`` (never inside libpq) once it sees that gevent patched them, and gevent's versions
yield to other greenlets: while one greenlet waits for a slow query, the others go on
(``tests/integration/test_postgres.py`` checks it with ``pg_sleep``). psycopg does not detect
eventlet, so under eventlet the wait function is switched to the ``select``-based one here.
"""

import logging
import sys
import urllib.parse
import zlib
from collections.abc import Sequence
from functools import lru_cache

from .database import Clock, Database, DatabaseUnusable
from .schema import migrations

try:
    import psycopg
    import psycopg.waiting
except ImportError:  # pragma: no cover - reported when a postgresql:// database is named
    psycopg = None

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "workshop_migrations"  # same columns as sqlite-utils' _sqlite_migrations
SCHEMA_LOCK = zlib.crc32(b"cx-workshop schema")  # the advisory lock held while migrating
CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise
TYPES = {int: "BIGINT", str: "TEXT", float: "DOUBLE PRECISION"}
WRITTEN_TABLES = ("assessments", "participants", "rounds", "votes", "decisions", "presence", "instances")


@lru_cache(maxsize=1024)
def dialect(sql: str) -> str:
    """The stores' SQL (``?`` placeholders) in psycopg's (``%s``; a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """The stores' view of a psycopg connection."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params: Sequence = ()):
        return self.raw.execute(dialect(sql), params)

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(dialect(sql), rows)  # pipelined: one round trip for many rows

    def insert(self, sql: str, params: Sequence = ()) -> int:
        # SQLite's cursor has lastrowid; PostgreSQL says the new id when asked
        return self.raw.execute(dialect(sql + " RETURNING id"), params).fetchone()[0]


def _literal(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"no default of type {type(value).__name__} in the schema")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


class Table:
    """The calls of sqlite-utils' ``Table`` that the migrations use, in PostgreSQL's DDL."""

    def __init__(self, conn: PostgresConnection, name: str):
        self.conn = conn
        self.name = name

    def create(self, columns: dict, pk, not_null=(), defaults=None, foreign_keys=()) -> None:
        defaults = defaults or {}
        lines = []
        for column, kind in columns.items():
            if column == pk and kind is int:
                # SQLite's INTEGER PRIMARY KEY: ids chosen by the database
                lines.append(f"{column} BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                continue
            line = f"{column} {TYPES[kind]}"
            if column in not_null:
                line += " NOT NULL"
            if column in defaults:
                line += f" DEFAULT {_literal(defaults[column])}"
            lines.append(line)
        if isinstance(pk, tuple):
            lines.append(f"PRIMARY KEY ({', '.join(pk)})")
        elif pk not in columns or columns[pk] is not int:
            lines.append(f"PRIMARY KEY ({pk})")
        for column, other, other_column in foreign_keys:
            lines.append(f"FOREIGN KEY ({column}) REFERENCES {other} ({other_column})")
        self.conn.execute(f"CREATE TABLE {self.name} ({', '.join(lines)})")

    def create_index(self, columns: list[str], unique: bool = False) -> None:
        name = f"idx_{self.name}_{'_'.join(columns)}"  # sqlite-utils' names
        self.conn.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {self.name} ({', '.join(columns)})")

    def add_column(self, name: str, kind: type) -> None:
        self.conn.execute(f"ALTER TABLE {self.name} ADD COLUMN {name} {TYPES[kind]}")


class Schema:
    """What a migration is given on PostgreSQL: ``schema["table"]`` and ``schema.execute``."""

    def __init__(self, conn: PostgresConnection):
        self.conn = conn

    def __getitem__(self, name: str) -> Table:
        return Table(self.conn, name)

    def execute(self, sql: str, params: Sequence = ()):
        return self.conn.execute(sql, params)


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.quote(parts.username or "", safe="")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def _explain(url: str, error: Exception) -> str:
    """One line for a PostgreSQL database that cannot be used, and what to do."""
    text = " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    text = text.removeprefix("connection failed: ")
    hint = ""
    if "does not exist" in text and "database" in text:
        hint = "; create it (createdb NAME) or give another --db"
    elif "refused" in text or "resolve host" in text or "timeout" in text:
        hint = "; is the PostgreSQL server running and reachable there?"
    return f"cannot use the PostgreSQL database {shown(url)}: {text}{hint}"


def _cooperate_with_eventlet() -> None:
    """psycopg detects gevent's patching but not eventlet's: wait through ``select`` there too
    (eventlet patches it), not in C, which would stop every green thread."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("select"):
        psycopg.waiting.wait = psycopg.waiting.wait_select


class PostgresDatabase(Database):
    """One psycopg connection per process (see the module's docstring)."""

    engine = "postgresql"
    share_session = " FOR SHARE"
    lock_session = " FOR NO KEY UPDATE"
    lock_session_for_delete = " FOR UPDATE"

    def __init__(self, url: str, *, now: Clock, stop_before: str | None = None):
        super().__init__(shown(url), now)
        if psycopg is None:
            raise DatabaseUnusable(
                f"{self.path} is a PostgreSQL database, which needs psycopg: pip install 'cx-workshop[postgres]'"
            )
        _cooperate_with_eventlet()
        self.url = url
        self.refused_row = (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError)
        try:
            self.raw = self._open()
            self.conn = PostgresConnection(self.raw)
            self.migrate(stop_before=stop_before)
        except psycopg.Error as error:
            raise DatabaseUnusable(_explain(url, error)) from None

    def _open(self):
        options = {} if "connect_timeout" in self.url else {"connect_timeout": CONNECT_TIMEOUT}
        # autocommit: outside transaction() every statement is its own transaction, as on SQLite
        return psycopg.connect(self.url, autocommit=True, **options)

    def check(self) -> None:
        try:
            self._check()
        except psycopg.Error as error:
            raise DatabaseUnusable(_explain(self.url, error)) from None

    def _check(self) -> None:
        if self.scalar("SHOW transaction_read_only") == "on":
            raise DatabaseUnusable(f"{self.path} is read-only (a standby?): the server must be able to write to it")
        for table in WRITTEN_TABLES:
            if not self.scalar("SELECT has_table_privilege(?, 'INSERT, UPDATE, DELETE')", [table]):
                raise DatabaseUnusable(f"{self.path}: this user may not write to the table {table}")
        for setting in ("fsync", "synchronous_commit"):
            if self.scalar(f"SHOW {setting}") == "off":
                log.warning("%s is off on %s: a crash of the database server may lose acknowledged votes "
                            "(see docs/deployment.md)", setting, self.path)  # fmt: skip

    def _connection(self) -> PostgresConnection:
        if self.raw.broken or self.raw.closed:
            log.warning("the connection to %s was lost; connecting again", self.path)
            self.raw = self._open()
            self.conn = PostgresConnection(self.raw)
        return self.conn

    def _begin(self, conn: PostgresConnection, *, read_only: bool = False) -> None:
        # read committed for writes: once a transaction holds the session's row lock, each of its
        # statements sees the latest committed state, which nobody else can change meanwhile
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if read_only else "BEGIN")

    def columns(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
        return [name for (name,) in rows]

    def applied_migrations(self) -> list[str]:
        if self.scalar("SELECT to_regclass(?) IS NULL", [MIGRATIONS_TABLE]):
            return []
        rows = self.query(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY id", [migrations.name])
        return [name for (name,) in rows]

    def migrate(self, *, stop_before: str | None = None) -> None:
        """Apply the pending migrations, each in its own transaction (PostgreSQL's DDL is
        transactional), under an advisory lock: hosts started together on an empty database wait
        for the first to create the schema instead of racing it."""
        with self.reading() as conn:
            conn.execute("SELECT pg_advisory_lock(?)", [SCHEMA_LOCK])
            try:
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                    "PRIMARY KEY, migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, "
                    "UNIQUE (migration_set, name))"
                )
                applied = set(self.applied_migrations())
                for step in migrations.steps:
                    if step.__name__ == stop_before:
                        break
                    if step.__name__ in applied:
                        continue
                    with self.transaction() as writing:
                        step(Schema(writing))
                        writing.execute(
                            f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
                            [migrations.name, step.__name__, self.now_iso()],
                        )
            finally:
                conn.execute("SELECT pg_advisory_unlock(?)", [SCHEMA_LOCK])

    def close(self) -> None:
        with self._lock:
            self.raw.close()
