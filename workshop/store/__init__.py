"""The store: every fact the app keeps, split along its seams, on one of two engines.

``--db`` names the database: a SQLite file (the default, embedded, through sqlite-utils) or a
``postgresql://`` URL (a server several hosts share, through psycopg 3, an optional extra). The
stores below are written once for both; what differs lives in one module per engine.

- ``database``: the interface every store uses (the connection, its transactions, the clock) and
  ``open_database``, which picks the engine; ``sqlite`` and ``postgres``: the two engines (their
  connection, transactions and locking, migrations' DDL, dialect); ``schema``: the migrations, one
  list for both.
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

from .archive import Archive, Deleted, Expired, InvalidBackup, RestoreConflict, Restored
from .database import Clock, Database, DatabaseUnusable, open_database
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


def open_store(location: str | Path, *, now: Clock = time.time) -> Store:
    """Open (and create or upgrade) the database at ``location``: a SQLite file or a
    ``postgresql://`` URL."""
    database = open_database(location, now=now)
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
    "PRESENCE_TIMEOUT", "Archive", "Clock", "Created", "Database", "DatabaseUnusable", "Deleted", "Expired", "Extras", "InvalidBackup",
    "Organizations", "Participant", "Presence", "RestoreConflict", "Restored", "Sessions", "StaleState", "Store",
    "VoteRecord", "open_store",
]  # fmt: skip
