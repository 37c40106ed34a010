"""Who is connected now, on any server process: connections and each process's heartbeat.

Each process records its connections and beats every few seconds; the connections of a process
that stopped beating for ``PRESENCE_TIMEOUT`` are not counted (it crashed or was killed), and are
forgotten once it has been silent ten times as long.
"""

import secrets

from .database import Connection, Database
from .sessions import Participant, Sessions

PRESENCE_TIMEOUT = 30.0  # seconds without a heartbeat before a process's connections are ignored


class Presence:
    def __init__(self, db: Database, sessions: Sessions):
        self.db = db
        self.sessions = sessions
        self.instance = secrets.token_hex(8)

    def register_instance(self) -> None:
        stamp = self.db.now()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                [self.instance, stamp, stamp],
            )
            # forget instances (and their connections) that stopped beating long ago
            stale = stamp - 10 * PRESENCE_TIMEOUT
            conn.execute(
                "DELETE FROM presence WHERE instance IN (SELECT id FROM instances WHERE heartbeat_at < ?)", [stale]
            )
            conn.execute("DELETE FROM instances WHERE heartbeat_at < ?", [stale])

    def heartbeat(self) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE instances SET heartbeat_at = ? WHERE id = ?", [self.db.now(), self.instance])

    def connect(self, sid: str, participant: Participant) -> None:
        with self.db.transaction() as conn:
            self.record(conn, sid, participant)

    def record(self, conn: Connection, sid: str, participant: Participant) -> None:
        """Record connection ``sid`` of ``participant`` inside the caller's transaction (a new
        participant and their connection are one write)."""
        conn.execute(
            "INSERT INTO presence (sid, instance, assessment_id, participant_id, connected_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sid) DO UPDATE SET instance = excluded.instance, "
            "assessment_id = excluded.assessment_id, participant_id = excluded.participant_id, "
            "connected_at = excluded.connected_at",
            [sid, self.instance, participant.assessment_id, participant.id, self.db.now()],
        )

    def disconnect(self, sid: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM presence WHERE sid = ?", [sid])

    def _alive_since(self) -> float:
        return self.db.now() - PRESENCE_TIMEOUT

    def present_count(self, code: str) -> int:
        """Participants with at least one live connection, on any server process."""
        return self.db.scalar(
            """SELECT count(DISTINCT presence.participant_id) FROM presence
               JOIN instances ON instances.id = presence.instance
               WHERE presence.assessment_id = ? AND instances.heartbeat_at > ?""",
            [self.sessions.assessment_id(code), self._alive_since()],
        )

    def present_voters(self, code: str, practice_id: str, round_number: int) -> tuple[int, int]:
        """(participants present, of whom have voted on this round): for the automatic reveal."""
        row = self.db.query(
            """SELECT count(DISTINCT presence.participant_id),
                      count(DISTINCT votes.participant_id)
               FROM presence JOIN instances ON instances.id = presence.instance
               LEFT JOIN votes ON votes.participant_id = presence.participant_id
                    AND votes.assessment_id = presence.assessment_id
                    AND votes.practice_id = ? AND votes.round = ?
               WHERE presence.assessment_id = ? AND instances.heartbeat_at > ?""",
            [practice_id, round_number, self.sessions.assessment_id(code), self._alive_since()],
        )[0]
        return row[0], row[1]

    def roster(self, code: str) -> list[tuple[str | None, bool]]:
        """Every participant's display name (or None) and whether they are connected, by name."""
        rows = self.db.query(
            """SELECT p.name, EXISTS (
                   SELECT 1 FROM presence JOIN instances ON instances.id = presence.instance
                   WHERE presence.participant_id = p.id AND instances.heartbeat_at > ?)
               FROM participants p WHERE p.assessment_id = ? ORDER BY lower(p.name), p.id""",
            [self._alive_since(), self.sessions.assessment_id(code)],
        )
        return [(name, bool(present)) for name, present in rows]
