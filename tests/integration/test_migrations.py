"""A database written by the first version of the schema opens in this one: every later migration
is applied and the sessions it holds read back, whole, through the service; votes still land."""

import json

import pytest
import sqlite_utils

from tests.databases import sqlite_only
from workshop.core import analysis, protocol
from workshop.core.assessment import Settings
from workshop.core.errors import NotOpen
from workshop.core.frameworks import framework_to_dict
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks
from workshop.service import Workshops
from workshop.store import open_store, schema
from workshop.store.database import open_database
from workshop.store.schema import migrations
from workshop.store.tokens import hash_token

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
FRAMEWORK = FRAMEWORKS["forrester-path"]
DISCUSSED, CURRENT = [practice.id for stage in FRAMEWORK.stages for practice in stage.practices][:2]
# the session's own copy of the framework, from before the file's wording changed
OLD_WORDING = "We find the experiences that hurt our customers."
CODE = "K5JNA8"
FACILITATOR_TOKEN = "wvK_FaUXLPoXepT_ZhbHnXlnK53V-1IM"
PRESENTER_TOKEN = "M8Ybt_presenter-key_from-2024xx"
SEGMENTS = ("Leadership", "Frontline")
# name, segment, token
PEOPLE = [
    ("Ann", "Leadership", "ann-token-000000000000000000000000"),
    ("Bo", "Leadership", "bo-token-0000000000000000000000000"),
    (None, "Frontline", "anon-token-00000000000000000000000"),
    ("Dee", "Frontline", "dee-token-00000000000000000000000"),
]
# practice, round, person (index in PEOPLE), level, note
VOTES = [
    (DISCUSSED, 1, 0, "missing", "Never seen it done"),
    (DISCUSSED, 1, 1, "ad_hoc", None),
    (DISCUSSED, 1, 2, "ad_hoc", "only in stores"),
    (DISCUSSED, 1, 3, "unknown", ""),  # the first version stored an empty reason as ''
    (DISCUSSED, 2, 0, "ad_hoc", None),
    (DISCUSSED, 2, 1, "ad_hoc", None),
    (DISCUSSED, 2, 2, "repeatable", "We agreed on a process in March"),
    (DISCUSSED, 2, 3, "ad_hoc", None),
    (CURRENT, 1, 0, "repeatable", "a reason of a round still open"),
    (CURRENT, 1, 1, "systematic", None),
]
# the lower median of round 2 is Ad Hoc; the facilitator recorded Repeatable, with a note
COMPUTED = analysis.analyse([0, 3, 1, 0]).computed_level
OVERRIDE_NOTE = "The process exists; Frontline had not heard of it yet"


def stamp(minute: int) -> str:
    return f"2024-05-02T09:{minute:02d}:00Z"


def insert(conn, table: str, row: dict) -> int | None:
    sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
    if table in {"assessments", "participants"}:
        return conn.insert(sql, list(row.values()))
    conn.execute(sql, list(row.values()))
    return None


def write_first_version(location) -> None:
    """A database at ``m001_initial`` only, holding one session as the first version wrote it."""
    first, second = migrations.names[:2]
    db = open_database(location, stop_before=second)
    assert db.applied_migrations() == [first] == ["m001_initial"]
    assert "presenter_token" not in db.columns("assessments")  # really the first schema

    framework = framework_to_dict(FRAMEWORK)
    (discussed,) = (item for stage in framework["stages"] for item in stage["practices"] if item["id"] == DISCUSSED)
    discussed["text"] = OLD_WORDING
    with db.transaction() as conn:
        assessment_id = insert(
            conn,
            "assessments",
            {
                "code": CODE,
                "title": "Spring check",
                "organization": "Acme",
                "team": "Retail",
                "framework_id": FRAMEWORK.id,
                "framework": json.dumps(framework),
                "settings": json.dumps(Settings(segments=SEGMENTS, min_voters=2).as_dict()),
                "status": "running",
                "current_practice": CURRENT,
                "facilitator_token_hash": hash_token(FACILITATOR_TOKEN),
                "presenter_token_hash": hash_token(PRESENTER_TOKEN),
                "notes": "Leadership arrived late.",
                "timer_ends_at": None,
                "spotlight": None,
                "previous_code": None,
                "created_at": stamp(0),
                "closed_at": None,
                "version": 9,
            },
        )
        people = [
            insert(
                conn,
                "participants",
                {
                    "assessment_id": assessment_id,
                    "token_hash": hash_token(token),
                    "name": name,
                    "segment": segment,
                    "joined_at": stamp(1),
                },
            )
            for name, segment, token in PEOPLE
        ]
        for row in (
            {"assessment_id": assessment_id, "practice_id": DISCUSSED, "number": 1, "opened_at": stamp(2), "revealed_at": stamp(5)},
            {"assessment_id": assessment_id, "practice_id": DISCUSSED, "number": 2, "opened_at": stamp(6), "revealed_at": stamp(9)},
            {"assessment_id": assessment_id, "practice_id": CURRENT, "number": 1, "opened_at": stamp(12), "revealed_at": None},
        ):  # fmt: skip
            insert(conn, "rounds", row)
        for practice_id, number, person, level, note in VOTES:
            insert(
                conn,
                "votes",
                {
                    "assessment_id": assessment_id,
                    "practice_id": practice_id,
                    "round": number,
                    "participant_id": people[person],
                    "level": level,
                    "note": note,
                    "cast_at": stamp(3),
                },
            )
        insert(
            conn,
            "decisions",
            {
                "assessment_id": assessment_id,
                "practice_id": DISCUSSED,
                "round": 2,
                "level": "repeatable",
                "computed_level": COMPUTED,
                "note": OVERRIDE_NOTE,
                "decided_at": stamp(10),
            },
        )
    db.close()


@pytest.fixture
def upgraded(new_database, clock):
    """The first version's database, opened (and so upgraded) by this version."""
    location = new_database("first-version")
    write_first_version(location)
    store = open_store(location, now=clock)
    yield store
    store.close()


@pytest.fixture
def workshops(upgraded):
    return Workshops(upgraded, FRAMEWORKS)


def practice(state: dict, practice_id: str) -> dict:
    return next(item for item in state["practices"] if item["id"] == practice_id)


def counts(**given) -> dict:
    return {"missing": 0, "ad_hoc": 0, "repeatable": 0, "systematic": 0, "unknown": 0, **given}


def test_every_later_migration_is_applied_once_in_order(upgraded, new_database):
    db = upgraded.database
    assert COMPUTED == "ad_hoc"
    assert db.applied_migrations() == migrations.names
    assert {"presenter_token", "organization_id", "timer"} <= set(db.columns("assessments"))
    assert "name_key" in db.columns("organizations")
    open_store(new_database("first-version")).close()  # opening again applies nothing twice
    assert db.applied_migrations() == migrations.names


@sqlite_only
def test_a_database_that_sqlite_utils_migrated_upgrades_and_keeps_its_record(tmp_path):
    """Earlier versions applied the migrations with sqlite-utils' ``Migrations``: its record
    (``_sqlite_migrations``) is the one this version reads and extends."""
    path = tmp_path / "earlier.db"
    earlier = sqlite_utils.Migrations("workshop")
    earlier()(schema.m001_initial)
    earlier.apply(sqlite_utils.Database(path))
    store = open_store(path)
    try:
        assert [applied.name for applied in earlier.applied(store.database.utils)] == migrations.names
    finally:
        store.close()


def test_the_session_reads_back_whole_through_the_service(workshops):
    summary = workshops.reports.summary(CODE)
    assert (summary["title"], summary["organization"], summary["team"]) == ("Spring check", "Acme", "Retail")
    assert (summary["status"], summary["current"], summary["version"]) == ("running", CURRENT, 9)
    assert summary["segments"] == list(SEGMENTS) and summary["settings"]["min_voters"] == 2
    assert summary["notes"] == "Leadership arrived late."
    assert summary["participants"]["joined"] == 4

    discussed = practice(summary, DISCUSSED)
    assert discussed["text"] == OLD_WORDING  # the session's own copy, not today's file
    assert (discussed["status"], discussed["round"]) == ("revealed", 2)
    first, second = discussed["rounds"]
    assert first["result"]["counts"] == counts(missing=1, ad_hoc=2, unknown=1)
    assert second["result"]["counts"] == counts(ad_hoc=3, repeatable=1)
    assert discussed["result"]["round"] == 2 and discussed["shift"]["from_round"] == 1
    assert discussed["decision"] == {
        "round": 2,
        "level": "repeatable",
        "computed_level": "ad_hoc",
        "overridden": True,
        "note": OVERRIDE_NOTE,
    }
    assert (discussed["consolidated_level"], discussed["level"], discussed["provisional"]) == (
        "repeatable",
        "repeatable",
        False,
    )

    current = practice(summary, CURRENT)
    assert current["status"] == "open" and current["result"] is None
    assert current["rounds"] == [{"number": 1, "revealed": False, "votes": 2, "result": None}]


def test_the_reasons_read_back_anonymous_and_only_from_revealed_rounds(workshops):
    report = workshops.reports.report(CODE, generated_at="2025-03-14T16:30:00Z", with_benchmark=False)
    by_id = {item["id"]: item for item in report.to_dict()["practices"]}
    assert by_id[DISCUSSED]["reasons"] == [
        {"round": 1, "level": "missing", "note": "Never seen it done"},
        {"round": 1, "level": "ad_hoc", "note": "only in stores"},
        {"round": 2, "level": "repeatable", "note": "We agreed on a process in March"},
    ]
    assert by_id[CURRENT]["reasons"] == []
    assert report.session.participants == 4


def test_old_tokens_still_work_and_new_votes_land(workshops, clock):
    room = workshops.room
    room.check_facilitator(CODE, FACILITATOR_TOKEN)
    room.check_presenter(CODE, PRESENTER_TOKEN)
    ann = room.join(protocol.parse_join({"code": CODE, "participant_token": PEOPLE[0][2]}))
    assert ann.resumed and (ann.participant.name, ann.participant.segment) == ("Ann", "Leadership")
    assert room.own_votes(CODE, ann.participant)[CURRENT]["level"] == "repeatable"
    newcomer = room.join(protocol.parse_join({"code": CODE, "name": "Eve", "segment": "Frontline"}))
    assert not newcomer.resumed

    clock.advance(60)
    cast = room.vote(CODE, ann.participant, protocol.parse_vote({"practice": CURRENT, "level": "ad_hoc", "round": 1}))
    assert cast.number == 1
    room.vote(CODE, newcomer.participant, protocol.parse_vote({"practice": CURRENT, "level": "systematic"}))
    with pytest.raises(NotOpen):
        room.vote(CODE, newcomer.participant, protocol.parse_vote({"practice": DISCUSSED, "level": "missing"}))
    assert practice(workshops.reports.summary(CODE), CURRENT)["votes"] == 3  # Ann changed hers

    room.reveal(CODE, CURRENT)
    summary = workshops.reports.summary(CODE)
    assert practice(summary, CURRENT)["result"]["counts"] == counts(ad_hoc=1, systematic=2)
    assert summary["version"] == 10 and summary["participants"]["joined"] == 5


def test_a_facilitator_can_open_the_projector_of_a_session_from_before_the_presenter_key(workshops):
    token = workshops.room.presenter_token(CODE)
    assert token is not None
    workshops.room.check_presenter(CODE, token)
