"""Sessions, their participants and votes: the facts a workshop produces.

Only facts are persisted; tallies, agreement and placement are derived by the pure core from the
counts this module returns. A session's state is cached per process and re-read when its version
changes, so an action taken on another process is seen at the next read.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ..core import assessment as rules
from ..core.assessment import Assessment, Decision, Prework, Round, Settings
from ..core.errors import Forbidden, Full, NotFound
from ..core.frameworks import Framework, framework_from_dict, framework_to_dict
from ..core.snapshots import Spotlight
from .database import Connection, Database, column_names
from .organizations import Organizations
from .tokens import hash_token, new_code, new_token, same_hash


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
class Extras:
    """What a session holds beside its rules' state: the countdown, the spotlight, its predecessor."""

    timer: rules.Timer | None
    spotlight: Spotlight | None
    previous_code: str | None


def _timer(raw: str | None) -> rules.Timer | None:
    if not raw:
        return None
    data = json.loads(raw)
    return rules.Timer(practice_id=data["practice"], round=data["round"], ends_at=data["ends_at"])


def _prework(raw: str | None) -> Prework | None:
    if not raw:
        return None
    data = json.loads(raw)
    return Prework(**{name: data[name] for name in Prework.__dataclass_fields__ if name in data})


def _spotlight(raw: str | None) -> Spotlight | None:
    if not raw:
        return None
    data = json.loads(raw)
    return Spotlight(
        practice=data["practice"],
        show_reasons=bool(data.get("show_reasons")),
        show_segments=bool(data.get("show_segments")),
    )


NEAR_THE_CAP = 50  # places left below which joining a session takes its row lock


class Sessions:
    """Reads and writes of sessions, participants and votes."""

    def __init__(self, db: Database, organizations: Organizations):
        self.db = db
        self.organizations = organizations
        self._cache: dict[str, Assessment] = {}
        self._frameworks: dict[int, Framework] = {}
        self._ids: dict[str, int] = {}
        self._framework_owners: dict[int, str] = {}  # ids are reused after a delete: check the code

    # --- sessions ---------------------------------------------------------------------------------

    def create(
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
        created_at = self.db.now_iso()
        organization_id = new_organization_key = None
        with self.db.transaction() as conn:
            if organization is not None:
                organization_id, organization, new_organization_key = self.organizations.claim(
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

    def assessment_id(self, code: str) -> int:
        cached = self._ids.get(code)
        if cached is not None:
            return cached
        row = self.db.query("SELECT id FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        self._ids[code] = row[0][0]
        return row[0][0]

    def load(self, code: str) -> Assessment:
        """The current state of a session; cached until its version changes."""
        return self.load_with_extras(code)[0]

    def load_with_extras(self, code: str) -> tuple[Assessment, Extras]:
        """The session and its extras (timer, spotlight, previous session) from one read of its row."""
        with self.db.reading() as conn:
            assessment_id = self.assessment_id(code)
            cursor = conn.execute("SELECT * FROM assessments WHERE id = ?", [assessment_id])
            row = cursor.fetchone()
            if row is None:
                raise NotFound(f"no session with code {code}")
            record = dict(zip(column_names(cursor), row, strict=True))
            if record["code"] != code:  # deleted (by another process) and its id reused
                self.forget(code)
                raise NotFound(f"no session with code {code}")
            extras = Extras(_timer(record["timer"]), _spotlight(record["spotlight"]), record["previous_code"])
            cached = self._cache.get(code)
            if cached is not None and cached.version == record["version"]:
                return cached, extras
            assessment = self._build(conn, record)
            self._cache[code] = assessment
            return assessment, extras

    def _build(self, conn: Connection, record: dict) -> Assessment:
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
        for practice_id, number, revealed_at in conn.execute(
            "SELECT practice_id, number, revealed_at FROM rounds WHERE assessment_id = ? ORDER BY practice_id, number",
            [assessment_id],
        ):
            rounds[practice_id] = Round(practice_id, number, revealed_at is not None)
        decisions: dict[str, Decision] = {}
        for practice_id, round_number, level, computed, note in conn.execute(
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
            prework=_prework(record.get("prework")),
        )

    def check_token(self, code: str, token: str, role: str) -> None:
        """Raise Forbidden unless ``token`` is the session's facilitator (or presenter) secret."""
        column = {"facilitator": "facilitator_token_hash", "presenter": "presenter_token_hash"}[role]
        row = self.db.query(f"SELECT {column}, presenter_token FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        expected_hash, presenter_token = row[0]
        # the read-only presenter key is kept in clear as well (m002, m005): either form opens it
        clear = role == "presenter" and presenter_token is not None and secrets.compare_digest(presenter_token, token)
        if not (same_hash(expected_hash, token) or clear):
            raise Forbidden(f"this {role} token does not open session {code}")

    def apply(self, code: str, change: rules.Change) -> Assessment:
        """Persist what a rule changed, bump the version; return the state after it.

        Raises StaleState if the session's version is no longer the one the rule saw.
        """
        assessment_id = self.assessment_id(code)
        stamp = self.db.now_iso()
        after = change.assessment
        with self.db.transaction() as conn:
            if self._lock(conn, assessment_id, self.db.lock_session) != after.version:
                raise StaleState(code)
            for opened in change.opened:
                conn.execute(
                    "INSERT INTO rounds (assessment_id, practice_id, number, opened_at) VALUES (?, ?, ?, ?)",
                    [assessment_id, opened.practice_id, opened.number, stamp],
                )
            for revealed in change.revealed:
                conn.execute(
                    "UPDATE rounds SET revealed_at = ? WHERE assessment_id = ? AND practice_id = ? AND number = ?",
                    [stamp, assessment_id, revealed.practice_id, revealed.number],
                )
            for decision in change.decided:
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
            if change.prework_changed:
                conn.execute(
                    "UPDATE assessments SET prework = ? WHERE id = ?",
                    [json.dumps(after.prework.as_dict()) if after.prework else None, assessment_id],
                )
            conn.execute(
                """UPDATE assessments SET status = ?, current_practice = ?, closed_at = ?,
                   version = version + 1 WHERE id = ?""",
                [after.status, after.current_practice, stamp if change.closed else after.closed_at, assessment_id],
            )
        return self.load(code)

    def _lock(self, conn: Connection, assessment_id: int, lock: str) -> int:
        """Lock the session's row for the rest of the transaction (``Database.share_session`` or
        ``lock_session``; SQLite's ``BEGIN IMMEDIATE`` already holds the whole file) and return its
        version."""
        row = conn.execute(f"SELECT version FROM assessments WHERE id = ?{lock}", [assessment_id]).fetchone()
        if row is None:
            raise NotFound("this session was deleted")
        return row[0]

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
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE assessments SET {assignments}, version = version + 1 WHERE id = ?",
                [*values.values(), assessment_id],
            )
        return self.load(code)

    def presenter_token(self, code: str) -> str:
        row = self.db.query("SELECT presenter_token FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        return row[0][0]

    def extras(self, code: str) -> Extras:
        """Columns the rules do not need but views do (timer, spotlight, previous session)."""
        row = self.db.query("SELECT timer, spotlight, previous_code FROM assessments WHERE code = ?", [code])
        if not row:
            raise NotFound(f"no session with code {code}")
        timer, spotlight, previous_code = row[0]
        return Extras(_timer(timer), _spotlight(spotlight), previous_code)

    def forget(self, code: str) -> None:
        """Drop what this process cached about a session (after it was deleted or restored)."""
        with self.db.reading():
            assessment_id = self._ids.pop(code, None)
            self._cache.pop(code, None)
            if assessment_id is not None:
                self._frameworks.pop(assessment_id, None)
                self._framework_owners.pop(assessment_id, None)

    # --- participants -----------------------------------------------------------------------------

    def add_participant(
        self,
        code: str,
        name: str | None,
        segment: str | None,
        limit: int | None = None,
        then: Callable[[Connection, Participant], None] | None = None,
    ) -> tuple[Participant, str]:
        """A new participant, with their token; ``Full`` if the session already has ``limit``.
        ``then`` writes more in the same transaction (the participant's connection)."""
        token = new_token()
        assessment_id = self.assessment_id(code)
        with self.db.transaction() as conn:
            if limit is not None:
                # near the cap, joins queue on the session's row so that two at once cannot both
                # take the last place (on PostgreSQL; SQLite's write lock already serialises them)
                count_sql = "SELECT count(*) FROM participants WHERE assessment_id = ?"
                (count,) = conn.execute(count_sql, [assessment_id]).fetchone()
                if count >= limit - NEAR_THE_CAP:
                    self._lock(conn, assessment_id, self.db.lock_session)
                    (count,) = conn.execute(count_sql, [assessment_id]).fetchone()  # after the lock
                if count >= limit:
                    raise Full(
                        f"this session is full ({count} people have joined); the facilitator can make room for more"
                    )
            participant_id = conn.insert(
                "INSERT INTO participants (assessment_id, token_hash, name, segment, joined_at) VALUES (?, ?, ?, ?, ?)",
                [assessment_id, hash_token(token), name, segment, self.db.now_iso()],
            )
            participant = Participant(participant_id, assessment_id, name, segment)
            if then is not None:
                then(conn, participant)
        return participant, token

    def find_participant(self, code: str, token: str) -> Participant:
        assessment_id = self.assessment_id(code)
        row = self.db.query(
            "SELECT id, assessment_id, name, segment FROM participants WHERE token_hash = ?", [hash_token(token)]
        )
        if not row or row[0][1] != assessment_id:
            raise Forbidden("this participant token does not belong to this session; join again")
        return Participant(*row[0])

    def update_participant(self, participant: Participant, name: str | None, segment: str | None) -> Participant:
        with self.db.transaction() as conn:
            conn.execute("UPDATE participants SET name = ?, segment = ? WHERE id = ?", [name, segment, participant.id])
        return Participant(participant.id, participant.assessment_id, name, segment)

    def participant_count(self, code: str) -> int:
        return self.db.scalar("SELECT count(*) FROM participants WHERE assessment_id = ?", [self.assessment_id(code)])

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
        with self.db.transaction() as conn:
            self._lock(conn, participant.assessment_id, self.db.share_session)
            assessment = self.load(code)  # re-reads the version inside the write lock
            target = rules.ensure_can_vote(assessment, practice_id, round_number, answer=level, now=self.db.now())
            conn.execute(
                """INSERT INTO votes (assessment_id, practice_id, round, participant_id, level, note, cast_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (assessment_id, practice_id, round, participant_id) DO UPDATE SET
                   level = excluded.level, note = excluded.note, cast_at = excluded.cast_at""",
                [participant.assessment_id, practice_id, target.number, participant.id, level, note, self.db.now_iso()],
            )
        return target

    def votes_of(self, code: str, participant: Participant) -> list[VoteRecord]:
        """A participant's own votes, every round (to restore their phone after a reload)."""
        rows = self.db.query(
            "SELECT practice_id, round, level, note FROM votes WHERE assessment_id = ? "
            "AND participant_id = ? ORDER BY practice_id, round",
            [self.assessment_id(code), participant.id],
        )
        return [VoteRecord(*row) for row in rows]

    def open_vote_counts(self, code: str) -> dict[str, int]:
        """Votes in the latest round of every practice whose latest round is open."""
        assessment = self.load(code)
        open_rounds = [(r.practice_id, r.number) for r in assessment.rounds.values() if not r.revealed]
        if not open_rounds:
            return {}
        # only the open rounds, through the primary key: a tally's cost does not grow with the
        # votes of rounds already revealed
        pairs = ", ".join("(?, ?)" for _ in open_rounds)
        rows = self.db.query(
            f"SELECT practice_id, count(*) FROM votes WHERE assessment_id = ? "
            f"AND (practice_id, round) IN (VALUES {pairs}) GROUP BY practice_id, round",
            [self.assessment_id(code), *(value for pair in open_rounds for value in pair)],
        )
        counts = dict(rows)
        return {practice_id: counts.get(practice_id, 0) for practice_id, _ in open_rounds}

    def answers_by_person(self, code: str) -> list[tuple[int, int, int]]:
        """(participant id, round, answers) for every participant and round they answered in: what
        pre-work's started/finished counts and the rounds' turnout are derived from."""
        return self.db.query(
            "SELECT participant_id, round, count(*) FROM votes WHERE assessment_id = ? GROUP BY participant_id, round",
            [self.assessment_id(code)],
        )

    def level_counts(self, code: str) -> dict[tuple[str, int, str | None, str], int]:
        """Votes per (practice, round, segment, level): all the analysis needs."""
        rows = self.db.query(
            """SELECT v.practice_id, v.round, p.segment, v.level, count(*)
               FROM votes v JOIN participants p ON p.id = v.participant_id
               WHERE v.assessment_id = ? GROUP BY v.practice_id, v.round, p.segment, v.level""",
            [self.assessment_id(code)],
        )
        return {(practice, number, segment, level): count for practice, number, segment, level, count in rows}

    def reasons(self, code: str, practice_id: str, round_number: int) -> list[tuple[str, str]]:
        """The (level, note) of every reason given on a round, without who gave it, unordered."""
        return self.db.query(
            "SELECT level, note FROM votes WHERE assessment_id = ? AND practice_id = ? AND round = ? "
            "AND note IS NOT NULL AND note != ''",
            [self.assessment_id(code), practice_id, round_number],
        )

    def all_reasons(self, code: str) -> dict[tuple[str, int], list[tuple[str, str]]]:
        """Every reason given in a session, by (practice, round), without who gave it."""
        rows = self.db.query(
            "SELECT practice_id, round, level, note FROM votes WHERE assessment_id = ? "
            "AND note IS NOT NULL AND note != '' ORDER BY practice_id, round, level, note",
            [self.assessment_id(code)],
        )
        found: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for practice_id, number, level, note in rows:
            found.setdefault((practice_id, number), []).append((level, note))
        return found
