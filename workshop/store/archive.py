"""The archive: the list of sessions, deleting one for good, and backups of the whole database as
one versioned JSON document, and restoring them.

A backup holds every fact: organisations, sessions (with their copy of the framework), participants,
rounds, votes and decisions, column by column, plus the schema migrations it was made at. Live
connection state (``presence``, ``instances``) is not a fact and is left out. Restoring adds the
backup's sessions to a database, empty or not, under new row ids; it refuses, before writing
anything, a session code that already exists, or an organisation of the same name with another
key. Tokens stay valid: they are stored as hashes and restored as they were. Backups move between
engines: one made from SQLite restores into PostgreSQL, and the other way.

Neither holds up a live server. A backup reads in one read-only transaction (a consistent snapshot
that writers do not wait for). A restore writes in small transactions, pausing between them so
the server's votes get their turn; its sessions stay invisible until the last one, which gives them
their codes (a phone cannot join half a session), and if any row is refused everything the restore
wrote is removed again.

Backups hold the hashes of every secret and the presenter tokens in clear: keep them private.
"""

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .. import __version__
from ..core.errors import BadRequest, NotFound, WorkshopError
from .database import Connection, Database, column_names, iso
from .schema import migrations
from .sessions import Sessions

FORMAT = "cx-workshop-backup"
VERSION = 1
TABLES = ("organizations", "assessments", "participants", "rounds", "votes", "decisions")
ORDER = {
    "organizations": "id",
    "assessments": "id",
    "participants": "id",
    "rounds": "assessment_id, practice_id, number",
    "votes": "assessment_id, practice_id, round, participant_id",
    "decisions": "assessment_id, practice_id, round",
}


class InvalidBackup(BadRequest):
    """The file is not a backup this version can read."""


class RestoreConflict(WorkshopError):
    """The backup's sessions or organisations clash with what the database holds."""

    code = "conflict"
    http_status = 409


@dataclass(frozen=True)
class Restored:
    sessions: tuple[str, ...]
    counts: Mapping[str, int]
    merged_organizations: tuple[str, ...]  # already here with the same key: sessions joined them


@dataclass(frozen=True)
class Expired:
    """What housekeeping removed: abandoned empty sessions, then organisations left with none."""

    sessions: tuple[str, ...]
    organizations: tuple[str, ...]


@dataclass(frozen=True)
class Deleted:
    """What deleting a session removed (or would remove)."""

    code: str
    title: str
    participants: int
    votes: int
    rounds: int
    decisions: int
    presence: int

    def describe(self) -> str:
        """ "3 participants, 12 votes, 2 rounds and 1 decision"."""
        counts = [
            (self.participants, "participant"), (self.votes, "vote"), (self.rounds, "round"), (self.decisions, "decision"),
        ]  # fmt: skip
        parts = [f"{count} {word}{'' if count == 1 else 's'}" for count, word in counts]
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    def as_dict(self) -> dict:
        return {
            "sessions": 1,
            "participants": self.participants,
            "votes": self.votes,
            "rounds": self.rounds,
            "decisions": self.decisions,
            "presence": self.presence,
        }


CHUNK = 2000  # rows a restore writes per transaction
PAUSE = 0.005  # seconds a restore waits between its transactions, so other writers get the lock
RESTORING = "~restoring~"  # the code of a session a restore is still writing (codes never hold "~")


class Archive:
    """Every session at once: list, delete, back up, restore."""

    def __init__(self, db: Database, sessions: Sessions):
        self.db = db
        self.sessions = sessions

    def list(self, status: str | None = None, framework_id: str | None = None) -> list[dict]:
        """Every session (or those with ``status``/``framework_id``), oldest first, with its counts."""
        conditions, params = [], []
        if status is not None:
            conditions.append("a.status = ?")
            params.append(status)
        if framework_id is not None:
            conditions.append("a.framework_id = ?")
            params.append(framework_id)
        conditions.append(f"a.code NOT LIKE '{RESTORING}%'")  # not yet restored
        where = f"WHERE {' AND '.join(conditions)}"
        return self.db.query_dicts(
            f"""SELECT a.code, a.title, a.organization, a.organization_id, a.team, a.framework_id, a.status,
                       a.created_at, a.closed_at,
                       (SELECT count(*) FROM participants p WHERE p.assessment_id = a.id) AS participants,
                       (SELECT count(*) FROM votes v WHERE v.assessment_id = a.id) AS votes
                FROM assessments a {where} ORDER BY a.created_at, a.code""",
            params,
        )

    def delete(self, code: str, *, dry_run: bool = False) -> Deleted:
        """Remove a session and every fact about it (participants, votes, rounds, decisions,
        presence), for good; with ``dry_run``, only count what would be removed."""
        assessment_id = self.sessions.assessment_id(code)
        with self.db.transaction() as conn:
            title = conn.execute("SELECT title FROM assessments WHERE id = ?", [assessment_id]).fetchone()
            if title is None:
                raise NotFound(f"no session with code {code}")
            counts = {
                table: conn.execute(
                    f"SELECT count(*) FROM {table} WHERE assessment_id = ?", [assessment_id]
                ).fetchone()[0]
                for table in ("participants", "votes", "rounds", "decisions", "presence")
            }
            if not dry_run:
                # children first: votes point to participants, everything to the assessment
                for table in ("presence", "votes", "decisions", "rounds", "participants"):
                    conn.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])
                conn.execute("DELETE FROM assessments WHERE id = ?", [assessment_id])
        if not dry_run:
            self.sessions.forget(code)
            self.db.scrub()
        return Deleted(code=code, title=title[0], **counts)

    def expire_empty(self, older_than_days: float, batch: int = 500) -> Expired:
        """Delete sessions nobody joined (no participant, so no vote) created more than
        ``older_than_days`` ago, then organisations created that long ago that have no session
        left (their names are free again). Each goes in a short transaction of its own that checks
        again, under the session's lock, that nobody joined meanwhile."""
        cutoff = iso(self.db.now() - older_than_days * 86400)
        candidates = self.db.query(
            f"""SELECT id, code FROM assessments a WHERE a.created_at < ? AND a.code NOT LIKE '{RESTORING}%'
                AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.assessment_id = a.id)
                ORDER BY a.id LIMIT {int(batch)}""",
            [cutoff],
        )
        expired = []
        for assessment_id, code in candidates:
            with self.db.transaction() as conn:
                locked = conn.execute(
                    f"SELECT id FROM assessments WHERE id = ?{self.db.lock_session_for_delete}", [assessment_id]
                ).fetchone()
                joined = conn.execute("SELECT 1 FROM participants WHERE assessment_id = ? LIMIT 1", [assessment_id])
                if locked is None or joined.fetchone() is not None:
                    continue
                for table in ("presence", "decisions", "rounds"):
                    conn.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])
                conn.execute("DELETE FROM assessments WHERE id = ?", [assessment_id])
            self.sessions.forget(code)
            expired.append(code)
        organizations = []
        for organization_id, name in self.db.query(
            """SELECT id, name FROM organizations o WHERE o.created_at < ?
               AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.organization_id = o.id) ORDER BY o.id""",
            [cutoff],
        ):
            with self.db.transaction() as conn:  # a session naming it may have been created meanwhile
                deleted = conn.execute(
                    "DELETE FROM organizations WHERE id = ? "
                    "AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.organization_id = ?)",
                    [organization_id, organization_id],
                ).rowcount
            if deleted:
                organizations.append(name)
        return Expired(tuple(expired), tuple(organizations))

    def backup(self) -> dict:
        return backup(self.db)

    def restore(self, document) -> "Restored":
        return restore(self.db, self.sessions, document)


def backup(db: Database) -> dict:
    """Every table's facts, read in one read-only transaction (a consistent snapshot)."""
    tables = {}
    applied = db.applied_migrations()
    with db.snapshot() as conn:
        for table in TABLES:
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {ORDER[table]}")
            names = column_names(cursor)
            tables[table] = [dict(zip(names, row)) for row in cursor.fetchall()]
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": db.now_iso(),
        "app_version": __version__,
        "migrations": applied,
        "counts": {table: len(rows) for table, rows in tables.items()},
        "tables": tables,
    }


def dumps(document: dict) -> str:
    """The backup as a JSON file's text."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _validate(db: Database, document) -> dict[str, list[dict]]:
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise InvalidBackup(f'this is not a workshop backup (expected "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise InvalidBackup(
            f"backup format version {document.get('version')!r} cannot be read; this version reads {VERSION}"
        )
    known = set(migrations.names)  # all of them: the store applied them on open
    newer = [name for name in document.get("migrations", []) if name not in known]
    if newer:
        raise InvalidBackup(
            f"the backup was made by a newer version of the app (schema {newer[-1]}); upgrade before restoring"
        )
    raw_tables = document.get("tables")
    if not isinstance(raw_tables, Mapping):
        raise InvalidBackup('the backup has no "tables" object')
    tables = {}
    for table in TABLES:
        rows = raw_tables.get(table, [])
        columns = set(db.columns(table))
        if not isinstance(rows, list):
            raise InvalidBackup(f"tables.{table} must be an array of rows")
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise InvalidBackup(f"tables.{table}[{index}] must be an object")
            unknown = sorted(set(row) - columns)
            if unknown:
                raise InvalidBackup(f"tables.{table}[{index}] has an unknown column {unknown[0]!r}")
            if any(isinstance(value, (dict, list, bool)) for value in row.values()):
                raise InvalidBackup(f"tables.{table}[{index}]: values must be text, numbers or null")
        tables[table] = [dict(row) for row in rows]
    extra = sorted(set(raw_tables) - set(TABLES))
    if extra:
        raise InvalidBackup(f"the backup has an unknown table {extra[0]!r}")
    codes = [row.get("code") for row in tables["assessments"]]
    if len(set(codes)) != len(codes):
        raise InvalidBackup("the backup lists a session code twice")
    if any(not isinstance(code, str) or code.startswith(RESTORING) for code in codes):
        raise InvalidBackup("every session of the backup needs a code")
    for table in ("organizations", "assessments", "participants"):
        ids = [row.get("id") for row in tables[table]]
        if len(set(ids)) != len(ids) or not all(isinstance(value, int) for value in ids):
            raise InvalidBackup(f"every row of {table} needs an id of its own")
    assessment_ids = {row.get("id") for row in tables["assessments"]}
    participant_ids = {row.get("id") for row in tables["participants"]}
    organization_ids = {row.get("id") for row in tables["organizations"]}
    for table in ("participants", "rounds", "votes", "decisions"):
        for row in tables[table]:
            if row.get("assessment_id") not in assessment_ids:
                raise InvalidBackup(f"a row of {table} belongs to no session of the backup")
    for row in tables["votes"]:
        if row.get("participant_id") not in participant_ids:
            raise InvalidBackup("a vote belongs to no participant of the backup")
    for row in tables["assessments"]:
        if row.get("organization_id") is not None and row["organization_id"] not in organization_ids:
            raise InvalidBackup(f"session {row.get('code')} belongs to no organisation of the backup")
    return tables


def _insert(conn: Connection, table: str, row: Mapping) -> int:
    names = list(row)
    return conn.insert(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [row[name] for name in names],
    )


def _insert_many(db: Database, table: str, rows: list[dict]) -> None:
    """Insert rows in chunks, each its own short transaction, rows of the same columns together."""
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        by_columns.setdefault(tuple(row), []).append(row)
    for names, group in by_columns.items():
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        for start in range(0, len(group), CHUNK):
            with db.transaction() as conn:
                conn.execute_many(sql, [[row[name] for name in names] for row in group[start : start + CHUNK]])
            time.sleep(PAUSE)  # let the server's writes in (cooperative under gevent, too)


def _taken_codes(conn: Connection, tables: dict[str, list[dict]]) -> list[str]:
    return [
        f"session {row['code']} ({row.get('title')!r}) already exists"
        for row in tables["assessments"]
        if conn.execute("SELECT 1 FROM assessments WHERE code = ?", [row["code"]]).fetchone()
    ]


def _conflicts(conn: Connection, tables: dict[str, list[dict]]) -> tuple[list[str], dict[int, int], list[str]]:
    """(what clashes, backup organisation id -> existing id, names of the organisations merged)."""
    conflicts = _taken_codes(conn, tables)
    organization_map: dict[int, int] = {}
    merged = []
    for row in tables["organizations"]:
        existing = conn.execute(
            "SELECT id, key_hash FROM organizations WHERE name_key = ?", [row.get("name_key")]
        ).fetchone()
        if existing is None:
            continue
        if existing[1] == row.get("key_hash"):
            organization_map[row["id"]] = existing[0]
            merged.append(row["name"])
        else:
            conflicts.append(f"organisation {row.get('name')} already exists here with another key")
    for row in tables["participants"]:
        if conn.execute("SELECT 1 FROM participants WHERE token_hash = ?", [row.get("token_hash")]).fetchone():
            conflicts.append("a participant of the backup is already in this database")
            break
    return conflicts, organization_map, merged


def _refuse(conflicts: list[str]) -> RestoreConflict:
    shown = "; ".join(conflicts[:10]) + (f"; and {len(conflicts) - 10} more" if len(conflicts) > 10 else "")
    return RestoreConflict(f"nothing was restored: {shown}")


def restore(db: Database, sessions: Sessions, document) -> Restored:
    """Add a backup's facts to the database; refuse conflicts, or a row the database refuses,
    and then leave nothing written."""
    tables = _validate(db, document)
    with db.reading() as conn:
        conflicts, organization_map, merged = _conflicts(conn, tables)
    if conflicts:
        raise _refuse(conflicts)
    written = _Written()
    try:
        _write(db, tables, organization_map, written)
        with db.transaction() as conn:  # the last step: the sessions get their codes, all at once
            conflicts = _taken_codes(conn, tables)
            if conflicts:
                raise _refuse(conflicts)  # a session took one of the codes meanwhile
            for row in tables["assessments"]:
                conn.execute(
                    "UPDATE assessments SET code = ?, organization_id = ? WHERE id = ?",
                    [row["code"], written.organization_of(row, organization_map), written.assessments[row["id"]]],
                )
    except RestoreConflict:
        written.undo(db)
        raise
    except Exception as error:
        written.undo(db)
        if not isinstance(error, (*db.refused_row, OverflowError)):
            raise
        reason = " ".join(str(error).split())  # PostgreSQL's messages run over several lines
        raise InvalidBackup(f"nothing was restored: the database refused a row of the backup ({reason})") from None
    codes = tuple(row["code"] for row in tables["assessments"])
    for code in codes:
        sessions.forget(code)
    return Restored(
        sessions=codes,
        counts={table: len(rows) for table, rows in tables.items()},
        merged_organizations=tuple(merged),
    )


class _Written:
    """The rows a restore has written so far: new ids by backup id, to map references and to undo."""

    def __init__(self):
        self.organizations: dict[int, int] = {}  # created by this restore
        self.assessments: dict[int, int] = {}

    def organization_of(self, row: Mapping, existing: Mapping[int, int]) -> int | None:
        backup_id = row.get("organization_id")
        if backup_id is None:
            return None
        return existing[backup_id] if backup_id in existing else self.organizations[backup_id]

    def undo(self, db: Database) -> None:
        """Remove what the restore wrote (children first), session by session."""
        for assessment_id in self.assessments.values():
            with db.transaction() as conn:
                for table in ("presence", "votes", "decisions", "rounds", "participants"):
                    conn.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])
                conn.execute("DELETE FROM assessments WHERE id = ?", [assessment_id])
        with db.transaction() as conn:
            for organization_id in self.organizations.values():
                conn.execute("DELETE FROM organizations WHERE id = ?", [organization_id])


def _write(db: Database, tables: dict[str, list[dict]], organization_map: dict[int, int], written: _Written) -> None:
    """Write the backup's rows, session by session, in short transactions; the sessions keep a
    placeholder code (and no organisation) until ``restore`` gives them theirs."""
    with db.transaction() as conn:
        for row in tables["organizations"]:
            if row["id"] not in organization_map:
                written.organizations[row["id"]] = _insert(
                    conn, "organizations", {k: v for k, v in row.items() if k != "id"}
                )
    children: dict[str, dict[int, list[dict]]] = {
        table: {} for table in ("participants", "rounds", "decisions", "votes")
    }
    for table, grouped in children.items():
        for row in tables[table]:
            grouped.setdefault(row["assessment_id"], []).append(row)
    for row in tables["assessments"]:
        values = {k: v for k, v in row.items() if k != "id"}
        values["code"] = f"{RESTORING}{secrets.token_hex(8)}"
        values["organization_id"] = None
        with db.transaction() as conn:
            assessment_id = written.assessments[row["id"]] = _insert(conn, "assessments", values)
        participant_map: dict[int, int] = {}
        people = children["participants"].get(row["id"], [])
        for start in range(0, len(people), CHUNK):
            with db.transaction() as conn:
                for person in people[start : start + CHUNK]:
                    values = {k: v for k, v in person.items() if k != "id"}
                    values["assessment_id"] = assessment_id
                    participant_map[person["id"]] = _insert(conn, "participants", values)
            time.sleep(PAUSE)
        for table in ("rounds", "decisions", "votes"):
            rows = []
            for child in children[table].get(row["id"], []):
                values = dict(child)
                values["assessment_id"] = assessment_id
                if "participant_id" in values:
                    values["participant_id"] = participant_map[child["participant_id"]]
                rows.append(values)
            _insert_many(db, table, rows)
