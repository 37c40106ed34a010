"""The database schema: one list of migrations, applied in order, each once, on open, on both engines.

Each migration is written once, in sqlite-utils' table API (``db["t"].create(...)``,
``.create_index``, ``.add_column``, ``db.execute``). On SQLite it receives a sqlite-utils
``Database`` and runs through sqlite-utils' own ``Migrations``, which records it in
``_sqlite_migrations`` as it always has, so databases made by earlier versions upgrade in place. On
PostgreSQL it receives ``postgres.Schema``, which speaks the same few calls in PostgreSQL's DDL.

A migration only ever adds: a new table, column or index. Columns no longer used stay (dropping
one rebuilds the table); the code stops reading them and says so here.
"""

from collections.abc import Callable
from typing import Any

import sqlite_utils

from ..core import assessment as rules
from ..core.organizations import DEFAULT_REVIEW_MONTHS
from .tokens import new_token

Database = Any  # a sqlite_utils.Database, or postgres.Schema: the calls below work on both


class Migrations:
    """The schema's migrations, in order: registered with ``@migrations()``, named after their function."""

    def __init__(self, name: str):
        self.name = name
        self.steps: list[Callable[[Database], None]] = []

    def __call__(self) -> Callable:
        def register(step: Callable[[Database], None]) -> Callable[[Database], None]:
            self.steps.append(step)
            return step

        return register

    @property
    def names(self) -> list[str]:
        return [step.__name__ for step in self.steps]

    def for_sqlite_utils(self) -> sqlite_utils.Migrations:
        """The same list as sqlite-utils ``Migrations`` (which SQLite databases have always used)."""
        converted = sqlite_utils.Migrations(self.name)
        for step in self.steps:
            converted()(step)
        return converted


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


@migrations()
def m004_round_timer(db: Database) -> None:
    # A countdown belongs to one practice's round ({"practice", "round", "ends_at"}); the bare
    # deadline of m001 (timer_ends_at) could reveal whichever practice came next. That column
    # is no longer read or written; dropping it would rebuild the table.
    db["assessments"].add_column("timer", str)


@migrations()
def m005_presenter_token_for_older_sessions(db: Database) -> None:
    # Sessions created before m002 have no retrievable presenter key: give each one, so their
    # facilitator can open the projector (its link would otherwise end in "#key=None"). The key
    # given at creation keeps working too: its hash stays (Sessions.check_token accepts either).
    for (assessment_id,) in db.execute("SELECT id FROM assessments WHERE presenter_token IS NULL").fetchall():
        db.execute("UPDATE assessments SET presenter_token = ? WHERE id = ?", [new_token(), assessment_id])


@migrations()
def m006_prework(db: Database) -> None:
    # Pre-work's schedule (core.assessment.Prework as JSON: deadline, started_at, closed_at,
    # workshop_at, workshop_minutes), null for a session without pre-work. Its votes are ordinary
    # votes in round 1 of each practice; nothing else is stored for it.
    db["assessments"].add_column("prework", str)
