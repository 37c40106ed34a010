"""The store: every fact the app keeps, in SQLite via sqlite-utils, split along its seams.

- ``database``: the connection, its transactions and the clock; ``schema``: the migrations.
- ``sessions``: sessions, participants and votes (and the per-process cache of a session's state).
- ``presence``: who is connected now, and each server process's heartbeat.
- ``organizations``: organisations and their keys.
- ``archive``: the list of sessions, deleting one, backup and restore.

``Store`` bundles them for one database; ``open_store`` opens one. Nothing here knows about Flask
or Socket.IO; the service (``workshop.service``) puts the store and the core together.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive, Deleted, InvalidBackup, RestoreConflict, Restored
from .database import Clock, Database
from .organizations import Organizations
from .presence import PRESENCE_TIMEOUT, Presence
from .sessions import Created, Extras, Participant, Sessions, StaleState, VoteRecord


@dataclass(frozen=True)
class Store:
    """The stores of one database, sharing its connection."""

    database: Database
    sessions: Sessions
    presence: Presence
    organizations: Organizations
    archive: Archive

    @property
    def path(self) -> str:
        return self.database.path

    def close(self) -> None:
        self.database.close()


def open_store(path: str | Path, *, now: Clock = time.time) -> Store:
    """Open (and create or upgrade) the database at ``path``."""
    database = Database(path, now=now)
    organizations = Organizations(database)
    sessions = Sessions(database, organizations)
    return Store(
        database=database,
        sessions=sessions,
        presence=Presence(database, sessions),
        organizations=organizations,
        archive=Archive(database, sessions),
    )


__all__ = [
    "PRESENCE_TIMEOUT", "Archive", "Clock", "Created", "Database", "Deleted", "Extras", "InvalidBackup",
    "Organizations", "Participant", "Presence", "RestoreConflict", "Restored", "Sessions", "StaleState", "Store",
    "VoteRecord", "open_store",
]  # fmt: skip
