"""The store: facts (sessions, participants, rounds, votes, decisions) in SQLite via sqlite-utils.

Only facts are persisted; tallies, agreement and placement are derived by the pure core from the
counts this module returns. The database runs in WAL mode with ``synchronous=NORMAL``: a committed
transaction survives the process being killed (the WAL is in the operating system's hands once
``COMMIT`` returns); a power cut may lose the last transactions (see docs/deployment.md).

Write transactions are short and explicit (``BEGIN IMMEDIATE`` ... ``COMMIT``) so a vote's check and
its insert are atomic even when several server processes share the file. One connection per process,
guarded by a lock that gevent/eventlet monkey-patching turns cooperative.
"""

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per database there
    fcntl = None

from sqlite_utils import Database, Migrations

from .core import assessment as rules
from .core import organizations as orgs
from .core.assessment import Assessment, Decision, Round, Settings
from .core.errors import Forbidden, NotFound
from .core.frameworks import Framework, framework_from_dict, framework_to_dict
from .core.organizations import Organization
from .core.progress import DEFAULT_REVIEW_MONTHS
from .core.protocol import CODE_ALPHABET, CODE_LENGTH

migrations = Migrations("workshop")


@migrations()
def m001_initial(db: Database) -> None:
    db["assessments"].create(
        {
            "id": int,
            "code": str,
            "title": str,
            "organization": str,
            "team": str,
            "framework_id": str,
            "framework": str,  # JSON copy of the framework as it was when the session was created
            "settings": str,  # JSON
            "status": str,
            "current_practice": str,
            "facilitator_token_hash": str,
            "presenter_token_hash": str,
            "notes": str,
            "timer_ends_at": float,
            "spotlight": str,  # JSON
            "previous_code": str,
            "created_at": str,
            "closed_at": str,
            "version": int,
        },
        pk="id",
        not_null={"code", "title", "framework_id", "framework", "settings", "status", "version"},
        defaults={"version": 0, "status": rules.RUNNING},
    )
    db["assessments"].create_index(["code"], unique=True)
    db["assessments"].create_index(["organization", "created_at"])
    db["participants"].create(
        {
            "id": int,
            "assessment_id": int,
            "token_hash": str,
            "name": str,
            "segment": str,
            "joined_at": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "token_hash", "joined_at"},
    )
    db["participants"].create_index(["token_hash"], unique=True)
    db["participants"].create_index(["assessment_id"])
    db["rounds"].create(
        {
            "assessment_id": int,
            "practice_id": str,
            "number": int,
            "opened_at": str,
            "revealed_at": str,
        },
        pk=("assessment_id", "practice_id", "number"),
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["votes"].create(
        {
            "assessment_id": int,
            "practice_id": str,
            "round": int,
            "participant_id": int,
            "level": str,
            "note": str,
            "cast_at": str,
        },
        pk=("assessment_id", "practice_id", "round", "participant_id"),
        foreign_keys=[
            ("assessment_id", "assessments", "id"),
            ("participant_id", "participants", "id"),
        ],
        not_null={"level"},
    )
    db["votes"].create_index(["participant_id"])
    db["decisions"].create(
        {
            "assessment_id": int,
            "practice_id": str,
            "round": int,
            "level": str,
            "computed_level": str,
            "note": str,
            "decided_at": str,
        },
        pk=("assessment_id", "practice_id", "round"),
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["presence"].create(
        {
            "sid": str,
            "instance": str,
            "assessment_id": int,
            "participant_id": int,
            "connected_at": float,
        },
        pk="sid",
    )
    db["presence"].create_index(["assessment_id", "participant_id"])
    db["instances"].create({"id": str, "started_at": float, "heartbeat_at": float}, pk="id")


@migrations()
def m002_presenter_token(db: Database) -> None:
    # The presenter key is read-only (it shows what the room's projector shows), so it is kept
    # retrievable: a facilitator on another device can open the presenter view. The facilitator
    # and participant tokens stay hashed.
    db["assessments"].add_column("presenter_token", str)


@migrations()
def m003_organizations(db: Database) -> None:
    # An organisation groups assessments over time; its key (like the facilitator token) is kept
    # only as a hash. Sessions point to it by id; ``organization`` keeps the name as shown.
    db["organizations"].create(
        {
            "id": int,
            "name": str,
            "name_key": str,  # casefolded, spaces collapsed: names are unique in this form
            "key_hash": str,
            "created_at": str,
            "review_months": int,
        },
        pk="id",
        not_null={"name", "name_key", "key_hash", "created_at", "review_months"},
        defaults={"review_months": DEFAULT_REVIEW_MONTHS},
    )
    db["organizations"].create_index(["name_key"], unique=True)
    db["assessments"].add_column("organization_id", int)
    db["assessments"].create_index(["organization_id", "created_at"])


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


@migrations()
def m004_round_timer(db: Database) -> None:
    # A countdown belongs to one practice's round ({"practice", "round", "ends_at"}); the bare
    # deadline of m001 (timer_ends_at) could reveal whichever practice came next. That column
    # is no longer read or written; dropping it would rebuild the table.
    db["assessments"].add_column("timer", str)


def _timer_fields(data: dict) -> dict:
    return {"practice_id": data["practice"], "round": data["round"], "ends_at": data["ends_at"]}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A 192-bit random secret, URL-safe (facilitator, presenter and participant tokens)."""
    return secrets.token_urlsafe(24)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class StaleState(Exception):
    """The session changed (another process acted) between reading it and writing a change."""


@dataclass(frozen=True)
class Participant:
    id: int
    assessment_id: int
    name: str | None
    segment: str | None


@dataclass(frozen=True)
class VoteRecord:
    practice_id: str
    round: int
    level: str
    note: str | None


@dataclass(frozen=True)
class Created:
    assessment: Assessment
    facilitator_token: str
    presenter_token: str
    organization_key: str | None = None  # only when this session created its organisation


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
        """"3 participants, 12 votes, 2 rounds and 1 decision"."""
        counts = [(self.participants, "participant"), (self.votes, "vote"), (self.rounds, "round"),
                  (self.decisions, "decision")]
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


PRESENCE_TIMEOUT = 30.0  # seconds without a heartbeat before a process's connections are ignored


class Store:
    """All reads and writes of facts; one instance (and one connection) per process."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        if self.path != ":memory:":
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
            self.db = Database(connection)
            migrations.apply(self.db)
        self._lock = threading.RLock()
        self._cache: dict[str, Assessment] = {}
        self._frameworks: dict[int, Framework] = {}
        self._ids: dict[str, int] = {}
        self._framework_owners: dict[int, str] = {}  # ids are reused after a delete: check the code
        self.instance = secrets.token_hex(8)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    # --- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; the lock keeps greenlets/threads from interleaving."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    # --- sessions -------------------------------------------------------------------------------

    def create_assessment(
        self,
        framework: Framework,
        title: str,
        organization: str | None,
        team: str | None,
        settings: Settings,
        previous_code: str | None = None,
        organization_key: str | None = None,
    ) -> Created:
        """A new session; naming an organisation creates it (returning its key) or needs its key."""
        facilitator_token = new_token()
        presenter_token = new_token()
        created_at = now_iso()
        organization_id = new_organization_key = None
        with self.transaction() as conn:
            if organization is not None:
                organization_id, organization, new_organization_key = self._claim_organization(
                    conn, organization, organization_key, created_at
                )
            for _ in range(20):
                code = new_code()
                if not conn.execute("SELECT 1 FROM assessments WHERE code = ?", [code]).fetchone():
                    break
            else:  # pragma: no cover - 31^6 codes; reached only if the table is nearly full
                raise RuntimeError("could not find a free session code")
            conn.execute(
                """INSERT INTO assessments (code, title, organization, team, framework_id, framework,
                   settings, status, facilitator_token_hash, presenter_token_hash, presenter_token,
                   previous_code, created_at, version, organization_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)""",
                [
                    code,
                    title,
                    organization,
                    team,
                    framework.id,
                    json.dumps(framework_to_dict(framework)),
                    json.dumps(settings.as_dict()),
                    rules.RUNNING,
                    hash_token(facilitator_token),
                    hash_token(presenter_token),
                    presenter_token,
                    previous_code,
                    created_at,
                    organization_id,
                ],
            )
        return Created(self.load(code), facilitator_token, presenter_token, new_organization_key)

    def _claim_organization(
        self, conn: sqlite3.Connection, name: str, key: str | None, created_at: str
    ) -> tuple[int, str, str | None]:
        """(id, name as first registered, new key or None): create the organisation or check its key.

        A key given for an organisation that does not exist yet is ignored: the organisation is
        created with a new key (a browser may remember the key of a database since reset).
        """
        row = conn.execute(
            "SELECT id, name, key_hash FROM organizations WHERE name_key = ?", [orgs.name_key(name)]
        ).fetchone()
        if row is not None:
            organization_id, registered, key_hash = row
            if key is None:
                raise orgs.key_required(registered)
            if not secrets.compare_digest(key_hash, hash_token(key)):
                raise orgs.wrong_key(registered)
            return organization_id, registered, None
        key = new_token()
        cursor = conn.execute(
            "INSERT INTO organizations (name, name_key, key_hash, created_at, review_months) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, orgs.name_key(name), hash_token(key), created_at, DEFAULT_REVIEW_MONTHS],
        )
        return cursor.lastrowid, name, key

    def assessment_id(self, code: str) -> int:
        cached = self._ids.get(code)
        if cached is not None:
            return cached
        row = self._query("SELECT id FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        self._ids[code] = row[0][0]
        return row[0][0]

    def version(self, code: str) -> int:
        row = self._query("SELECT version FROM assessments WHERE id = ?", [self.assessment_id(code)])
        if not row:
            raise NotFound(f"no session with code {code}")
        return row[0][0]

    def load(self, code: str) -> Assessment:
        """The current state of a session; cached until its version changes."""
        with self._lock:
            assessment_id = self.assessment_id(code)
            cursor = self.db.execute("SELECT * FROM assessments WHERE id = ?", [assessment_id])
            row = cursor.fetchone()
            if row is None:
                raise NotFound(f"no session with code {code}")
            record = dict(zip([column[0] for column in cursor.description], row))
            if record["code"] != code:  # deleted (by another process) and its id reused
                self.forget(code)
                raise NotFound(f"no session with code {code}")
            cached = self._cache.get(code)
            if cached is not None and cached.version == record["version"]:
                return cached
            assessment = self._build(record)
            self._cache[code] = assessment
            return assessment

    def _build(self, record: dict) -> Assessment:
        assessment_id = record["id"]
        framework = self._frameworks.get(assessment_id)
        if framework is None or self._framework_owners.get(assessment_id) != record["code"]:
            framework = framework_from_dict(json.loads(record["framework"]), f"session {record['code']}")
            self._frameworks[assessment_id] = framework
            self._framework_owners[assessment_id] = record["code"]
        settings_data = json.loads(record["settings"])
        settings_data["segments"] = tuple(settings_data.get("segments", ()))
        known = Settings.__dataclass_fields__
        settings = Settings(**{k: v for k, v in settings_data.items() if k in known})
        rounds: dict[str, Round] = {}
        for practice_id, number, revealed_at in self.db.execute(
            "SELECT practice_id, number, revealed_at FROM rounds WHERE assessment_id = ? "
            "ORDER BY practice_id, number",
            [assessment_id],
        ):
            rounds[practice_id] = Round(practice_id, number, revealed_at is not None)
        decisions: dict[str, Decision] = {}
        for practice_id, round_number, level, computed, note in self.db.execute(
            "SELECT practice_id, round, level, computed_level, note FROM decisions "
            "WHERE assessment_id = ? ORDER BY practice_id, round",
            [assessment_id],
        ):
            decisions[practice_id] = Decision(practice_id, round_number, level, computed, note)
        return Assessment(
            code=record["code"],
            title=record["title"],
            organization=record["organization"],
            team=record["team"],
            framework=framework,
            settings=settings,
            status=record["status"],
            current_practice=record["current_practice"],
            rounds=rules._frozen(rounds),
            decisions=rules._frozen(decisions),
            notes=record["notes"],
            created_at=record["created_at"],
            closed_at=record["closed_at"],
            version=record["version"],
        )

    def check_token(self, code: str, token: str, role: str) -> None:
        """Raise Forbidden unless ``token`` is the session's facilitator (or presenter) secret."""
        column = {"facilitator": "facilitator_token_hash", "presenter": "presenter_token_hash"}[role]
        row = self._query(f"SELECT {column} FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        expected = row[0][0]
        if not secrets.compare_digest(expected, hash_token(token)):
            raise Forbidden(f"this {role} token does not open session {code}")

    def apply(self, code: str, change: rules.Change) -> Assessment:
        """Persist what a rule changed, bump the version; return the state after it.

        Raises StaleState if the session's version is no longer the one the rule saw.
        """
        assessment_id = self.assessment_id(code)
        stamp = now_iso()
        after = change.assessment
        with self.transaction() as conn:
            (version,) = conn.execute(
                "SELECT version FROM assessments WHERE id = ?", [assessment_id]
            ).fetchone()
            if version != after.version:
                raise StaleState(code)
            for opened in change.opened:
                conn.execute(
                    "INSERT INTO rounds (assessment_id, practice_id, number, opened_at) VALUES (?, ?, ?, ?)",
                    [assessment_id, opened.practice_id, opened.number, stamp],
                )
            for revealed in change.revealed:
                conn.execute(
                    "UPDATE rounds SET revealed_at = ? WHERE assessment_id = ? AND practice_id = ? "
                    "AND number = ?",
                    [stamp, assessment_id, revealed.practice_id, revealed.number],
                )
            if change.decided is not None:
                decision = change.decided
                conn.execute(
                    """INSERT INTO decisions (assessment_id, practice_id, round, level, computed_level,
                       note, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (assessment_id, practice_id, round) DO UPDATE SET
                       level = excluded.level, computed_level = excluded.computed_level,
                       note = excluded.note, decided_at = excluded.decided_at""",
                    [
                        assessment_id,
                        decision.practice_id,
                        decision.round,
                        decision.level,
                        decision.computed_level,
                        decision.note,
                        stamp,
                    ],
                )
            conn.execute(
                """UPDATE assessments SET status = ?, current_practice = ?, closed_at = ?,
                   version = version + 1 WHERE id = ?""",
                [
                    after.status,
                    after.current_practice,
                    stamp if change.closed else after.closed_at,
                    assessment_id,
                ],
            )
        return self.load(code)

    def update_fields(self, code: str, **fields) -> Assessment:
        """Update simple columns of a session (settings, notes, timer, spotlight) and bump its version."""
        allowed = {"settings", "notes", "timer", "spotlight", "title", "organization", "team"}
        assert set(fields) <= allowed, fields
        assessment_id = self.assessment_id(code)
        values = {
            name: json.dumps(value) if name in {"settings", "spotlight", "timer"} and value is not None else value
            for name, value in fields.items()
        }
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE assessments SET {assignments}, version = version + 1 WHERE id = ?",
                [*values.values(), assessment_id],
            )
        return self.load(code)

    def presenter_token(self, code: str) -> str:
        row = self._query("SELECT presenter_token FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        return row[0][0]

    def extras(self, code: str) -> dict:
        """Columns the rules do not need but views do (timer, spotlight, previous session)."""
        row = self._query(
            "SELECT timer, spotlight, previous_code FROM assessments WHERE code = ?", [code]
        )
        if not row:
            raise NotFound(f"no session with code {code}")
        timer, spotlight, previous_code = row[0]
        return {
            "timer": rules.Timer(**_timer_fields(json.loads(timer))) if timer else None,
            "spotlight": json.loads(spotlight) if spotlight else None,
            "previous_code": previous_code,
        }

    # --- participants -----------------------------------------------------------------------------

    def add_participant(self, code: str, name: str | None, segment: str | None) -> tuple[Participant, str]:
        token = new_token()
        assessment_id = self.assessment_id(code)
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO participants (assessment_id, token_hash, name, segment, joined_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [assessment_id, hash_token(token), name, segment, now_iso()],
            )
        return Participant(cursor.lastrowid, assessment_id, name, segment), token

    def find_participant(self, code: str, token: str) -> Participant:
        assessment_id = self.assessment_id(code)
        row = self._query(
            "SELECT id, assessment_id, name, segment FROM participants WHERE token_hash = ?",
            [hash_token(token)],
        )
        if not row or row[0][1] != assessment_id:
            raise Forbidden("this participant token does not belong to this session; join again")
        return Participant(*row[0])

    def update_participant(self, participant: Participant, name: str | None, segment: str | None) -> Participant:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE participants SET name = ?, segment = ? WHERE id = ?",
                [name, segment, participant.id],
            )
        return Participant(participant.id, participant.assessment_id, name, segment)

    def participant_count(self, code: str) -> int:
        return self._query(
            "SELECT count(*) FROM participants WHERE assessment_id = ?", [self.assessment_id(code)]
        )[0][0]

    def roster(self, code: str) -> list[tuple[str | None, bool]]:
        """Every participant's display name (or None) and whether they are connected, by name."""
        rows = self._query(
            """SELECT p.name, EXISTS (
                   SELECT 1 FROM presence JOIN instances ON instances.id = presence.instance
                   WHERE presence.participant_id = p.id AND instances.heartbeat_at > ?)
               FROM participants p WHERE p.assessment_id = ? ORDER BY p.name COLLATE NOCASE, p.id""",
            [time.time() - PRESENCE_TIMEOUT, self.assessment_id(code)],
        )
        return [(name, bool(present)) for name, present in rows]

    # --- votes ------------------------------------------------------------------------------------

    def cast_vote(
        self,
        code: str,
        participant: Participant,
        practice_id: str,
        level: str,
        note: str | None,
        round_number: int | None,
    ) -> Round:
        """Check the vote against the current state and store it, atomically; return its round."""
        with self.transaction() as conn:
            assessment = self.load(code)  # re-reads the version inside the write lock
            target = rules.ensure_can_vote(assessment, practice_id, round_number)
            conn.execute(
                """INSERT INTO votes (assessment_id, practice_id, round, participant_id, level, note, cast_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (assessment_id, practice_id, round, participant_id) DO UPDATE SET
                   level = excluded.level, note = excluded.note, cast_at = excluded.cast_at""",
                [
                    participant.assessment_id,
                    practice_id,
                    target.number,
                    participant.id,
                    level,
                    note,
                    now_iso(),
                ],
            )
        return target

    def votes_of(self, code: str, participant: Participant) -> list[VoteRecord]:
        """A participant's own votes, every round (to restore their phone after a reload)."""
        rows = self._query(
            "SELECT practice_id, round, level, note FROM votes WHERE assessment_id = ? "
            "AND participant_id = ? ORDER BY practice_id, round",
            [self.assessment_id(code), participant.id],
        )
        return [VoteRecord(*row) for row in rows]

    def open_vote_counts(self, code: str) -> dict[str, int]:
        """Votes in the latest round of every practice whose latest round is open."""
        assessment = self.load(code)
        open_rounds = [
            (r.practice_id, r.number) for r in assessment.rounds.values() if not r.revealed
        ]
        if not open_rounds:
            return {}
        # only the open rounds, through the primary key: a tally's cost does not grow with the
        # votes of rounds already revealed
        pairs = ", ".join("(?, ?)" for _ in open_rounds)
        rows = self._query(
            f"SELECT practice_id, count(*) FROM votes WHERE assessment_id = ? "
            f"AND (practice_id, round) IN (VALUES {pairs}) GROUP BY practice_id, round",
            [self.assessment_id(code), *(value for pair in open_rounds for value in pair)],
        )
        counts = dict(rows)
        return {practice_id: counts.get(practice_id, 0) for practice_id, _ in open_rounds}

    def level_counts(self, code: str) -> dict[tuple[str, int, str | None, str], int]:
        """Votes per (practice, round, segment, level): all the analysis needs."""
        rows = self._query(
            """SELECT v.practice_id, v.round, p.segment, v.level, count(*)
               FROM votes v JOIN participants p ON p.id = v.participant_id
               WHERE v.assessment_id = ? GROUP BY v.practice_id, v.round, p.segment, v.level""",
            [self.assessment_id(code)],
        )
        return {(practice, number, segment, level): count for practice, number, segment, level, count in rows}

    def reasons(self, code: str, practice_id: str, round_number: int) -> list[dict]:
        """The notes participants gave on a round, without who gave them (the service orders them)."""
        rows = self._query(
            "SELECT level, note FROM votes WHERE assessment_id = ? AND practice_id = ? AND round = ? "
            "AND note IS NOT NULL AND note != ''",
            [self.assessment_id(code), practice_id, round_number],
        )
        return [{"level": level, "note": note} for level, note in rows]

    # --- presence ---------------------------------------------------------------------------------

    def register_instance(self) -> None:
        stamp = time.time()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                [self.instance, stamp, stamp],
            )
            # forget instances (and their connections) that stopped beating long ago
            stale = stamp - 10 * PRESENCE_TIMEOUT
            conn.execute(
                "DELETE FROM presence WHERE instance IN (SELECT id FROM instances WHERE heartbeat_at < ?)",
                [stale],
            )
            conn.execute("DELETE FROM instances WHERE heartbeat_at < ?", [stale])

    def heartbeat(self) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE instances SET heartbeat_at = ? WHERE id = ?", [time.time(), self.instance]
            )

    def connect(self, sid: str, participant: Participant) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO presence (sid, instance, assessment_id, participant_id, connected_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [sid, self.instance, participant.assessment_id, participant.id, time.time()],
            )

    def disconnect(self, sid: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM presence WHERE sid = ?", [sid])

    def present_count(self, code: str) -> int:
        """Participants with at least one live connection, on any server process."""
        return self._query(
            """SELECT count(DISTINCT presence.participant_id) FROM presence
               JOIN instances ON instances.id = presence.instance
               WHERE presence.assessment_id = ? AND instances.heartbeat_at > ?""",
            [self.assessment_id(code), time.time() - PRESENCE_TIMEOUT],
        )[0][0]

    def present_voters(self, code: str, practice_id: str, round_number: int) -> tuple[int, int]:
        """(participants present, of whom have voted on this round): for the automatic reveal."""
        row = self._query(
            """SELECT count(DISTINCT presence.participant_id),
                      count(DISTINCT votes.participant_id)
               FROM presence JOIN instances ON instances.id = presence.instance
               LEFT JOIN votes ON votes.participant_id = presence.participant_id
                    AND votes.assessment_id = presence.assessment_id
                    AND votes.practice_id = ? AND votes.round = ?
               WHERE presence.assessment_id = ? AND instances.heartbeat_at > ?""",
            [practice_id, round_number, self.assessment_id(code), time.time() - PRESENCE_TIMEOUT],
        )[0]
        return row[0], row[1]

    # --- caches -----------------------------------------------------------------------------------

    def forget(self, code: str) -> None:
        """Drop what this process cached about a session (after it was deleted or restored)."""
        with self._lock:
            assessment_id = self._ids.pop(code, None)
            self._cache.pop(code, None)
            if assessment_id is not None:
                self._frameworks.pop(assessment_id, None)
                self._framework_owners.pop(assessment_id, None)

    # --- organisations ----------------------------------------------------------------------------

    def _organization(self, row) -> Organization:
        return Organization(id=row[0], name=row[1], created_at=row[2], review_months=row[3])

    def find_organization(self, name: str) -> Organization | None:
        """The organisation of that name (any case or spacing), or None."""
        rows = self._query(
            "SELECT id, name, created_at, review_months FROM organizations WHERE name_key = ?",
            [orgs.name_key(name)],
        )
        return self._organization(rows[0]) if rows else None

    def organization(self, name: str) -> Organization:
        found = self.find_organization(name)
        if found is None:
            raise NotFound(f"no organisation named {name}")
        return found

    def organizations(self) -> list[Organization]:
        rows = self._query(
            "SELECT id, name, created_at, review_months FROM organizations ORDER BY name_key"
        )
        return [self._organization(row) for row in rows]

    def check_organization_key(self, name: str, key: str | None) -> Organization:
        """The organisation, if ``key`` opens it; Unauthorized without a key, Forbidden with a wrong one."""
        found = self.organization(name)
        if not key:
            raise orgs.no_key(found.name)
        (key_hash,) = self._query("SELECT key_hash FROM organizations WHERE id = ?", [found.id])[0]
        if not secrets.compare_digest(key_hash, hash_token(key)):
            raise orgs.wrong_key(found.name)
        return found

    def organization_codes(self, organization_id: int) -> list[str]:
        """The codes of an organisation's sessions, oldest first."""
        rows = self._query(
            "SELECT code FROM assessments WHERE organization_id = ? ORDER BY created_at, code",
            [organization_id],
        )
        return [row[0] for row in rows]

    def organization_of(self, code: str) -> Organization | None:
        rows = self._query(
            """SELECT o.id, o.name, o.created_at, o.review_months FROM organizations o
               JOIN assessments a ON a.organization_id = o.id WHERE a.code = ?""",
            [code],
        )
        return self._organization(rows[0]) if rows else None

    def set_review_months(self, organization_id: int, months: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE organizations SET review_months = ? WHERE id = ?",
                [orgs.check_review_months(months), organization_id],
            )

    def issue_organization_key(self, name: str) -> tuple[Organization, str, int]:
        """Create the organisation or give it a new key (the old one stops working).

        For whoever runs the server (the command line): it also attaches the sessions named after
        the organisation that belong to none (created before organisations had keys). Returns the
        organisation, its new key and how many sessions were attached.
        """
        key = new_token()
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, name FROM organizations WHERE name_key = ?", [orgs.name_key(name)]
            ).fetchone()
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO organizations (name, name_key, key_hash, created_at, review_months) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name, orgs.name_key(name), hash_token(key), now_iso(), DEFAULT_REVIEW_MONTHS],
                )
                organization_id = cursor.lastrowid
            else:
                organization_id = row[0]
                conn.execute(
                    "UPDATE organizations SET key_hash = ? WHERE id = ?", [hash_token(key), organization_id]
                )
            unattached = [
                (assessment_id, organization)
                for assessment_id, organization in conn.execute(
                    "SELECT id, organization FROM assessments WHERE organization_id IS NULL "
                    "AND organization IS NOT NULL"
                )
                if orgs.name_key(organization) == orgs.name_key(name)
            ]
            for assessment_id, _ in unattached:
                conn.execute(
                    "UPDATE assessments SET organization_id = ? WHERE id = ?", [organization_id, assessment_id]
                )
        return self.organization(name), key, len(unattached)

    # --- the archive --------------------------------------------------------------------------------

    def sessions(self, status: str | None = None, framework_id: str | None = None) -> list[dict]:
        """Every session (or those with ``status``/``framework_id``), oldest first, with its counts."""
        conditions, params = [], []
        if status is not None:
            conditions.append("a.status = ?")
            params.append(status)
        if framework_id is not None:
            conditions.append("a.framework_id = ?")
            params.append(framework_id)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        with self._lock:
            cursor = self.db.execute(
                f"""SELECT a.code, a.title, a.organization, a.team, a.framework_id, a.status,
                           a.created_at, a.closed_at,
                           (SELECT count(*) FROM participants p WHERE p.assessment_id = a.id) AS participants,
                           (SELECT count(*) FROM votes v WHERE v.assessment_id = a.id) AS votes
                    FROM assessments a {where} ORDER BY a.created_at, a.code""",
                params,
            )
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def all_reasons(self, code: str) -> dict[tuple[str, int], list[tuple[str, str]]]:
        """Every reason given in a session, by (practice, round), without who gave it."""
        rows = self._query(
            "SELECT practice_id, round, level, note FROM votes WHERE assessment_id = ? "
            "AND note IS NOT NULL AND note != '' ORDER BY practice_id, round, level, note",
            [self.assessment_id(code)],
        )
        found: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for practice_id, number, level, note in rows:
            found.setdefault((practice_id, number), []).append((level, note))
        return found

    def delete_assessment(self, code: str, *, dry_run: bool = False) -> Deleted:
        """Remove a session and every fact about it (participants, votes, rounds, decisions,
        presence), for good; with ``dry_run``, only count what would be removed."""
        assessment_id = self.assessment_id(code)
        with self.transaction() as conn:
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
            self.forget(code)
            with self._lock:  # and none in the write-ahead log either (best effort with readers)
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Deleted(code=code, title=title[0], **counts)
