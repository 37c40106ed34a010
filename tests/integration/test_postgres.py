"""What only PostgreSQL has to get right: row locks that keep a vote's check and insert atomic
across hosts, waits that let other greenlets run under gevent, and sessions that move between
SQLite and PostgreSQL through a backup. These run in the PostgreSQL pass of the suite
(``WORKSHOP_TEST_DATABASE``, see tests/databases.py)."""

import json
import multiprocessing
import subprocess
import sys
import threading

import pytest

from tests.databases import ON_POSTGRES
from tests.summary_helpers import GENERATED_AT, play
from workshop.core import protocol
from workshop.core.assessment import Settings
from workshop.core.errors import NotOpen
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks
from workshop.service import Workshops
from workshop.store import open_store
from workshop.store.schema import migrations

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (WORKSHOP_TEST_DATABASE)")

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
PRACTICE = "repair-identify"


def two_hosts(location):
    """Two stores on one database, each with its connection: as two hosts have."""
    first, second = open_store(location), open_store(location)
    return Workshops(first, FRAMEWORKS), Workshops(second, FRAMEWORKS)


def test_a_vote_waits_for_a_facilitators_action_on_another_host_and_a_join_does_not(new_database):
    here, there = two_hosts(new_database("hosts"))
    try:
        session = here.room.create(protocol.parse_new_session({"framework": "forrester-path", "title": "Locks"}))
        code = session.assessment.code
        here.room.open(code, PRACTICE)
        ann = there.room.join(protocol.parse_join({"code": code})).participant
        there.store.database.execute("SET lock_timeout = '200ms'")  # fail fast instead of waiting
        vote = protocol.parse_vote({"practice": PRACTICE, "level": "ad_hoc"})
        assessment_id = here.store.sessions.assessment_id(code)

        with here.store.database.transaction() as conn:  # a facilitator's action, in progress here
            here.store.sessions._lock(conn, assessment_id, here.store.database.lock_session)
            with pytest.raises(Exception, match="lock timeout"):
                there.room.vote(code, ann, vote)  # waits for the action: it cannot slip in between
            there.room.join(protocol.parse_join({"code": code}))  # joining references the row, not blocked
        assert there.room.vote(code, ann, vote).number == 1  # once the action committed, it goes in
    finally:
        here.close()
        there.close()


def test_votes_on_two_hosts_and_a_reveal_never_interleave(new_database):
    """Phones vote on two hosts while the facilitator reveals: every vote that was accepted is in
    the revealed round's counts, and none was accepted after the reveal."""
    here, there = two_hosts(new_database("race"))
    try:
        code = here.room.create(
            protocol.parse_new_session({"framework": "forrester-path", "title": "Race"})
        ).assessment.code
        here.room.open(code, PRACTICE)
        people = [
            (host, host.room.join(protocol.parse_join({"code": code})).participant) for host in (here, there) * 20
        ]
        accepted = []

        def vote(host, person):
            try:
                host.room.vote(code, person, protocol.parse_vote({"practice": PRACTICE, "level": "repeatable"}))
                accepted.append(person.id)
            except NotOpen:  # refused: the round was revealed first
                pass

        threads = [threading.Thread(target=vote, args=pair) for pair in people]
        for thread in threads[:20]:
            thread.start()
        here.room.reveal(code, PRACTICE)
        for thread in threads[20:]:
            thread.start()
        for thread in threads:
            thread.join()
        revealed = here.reports.summary(code)
        (practice,) = (item for item in revealed["practices"] if item["id"] == PRACTICE)
        assert practice["result"]["counts"]["repeatable"] == len(accepted)
    finally:
        here.close()
        there.close()


PROBE = """
{patch}
import sys

from workshop.store import open_store

store = open_store(sys.argv[1])
events = []


def slow_query():
    store.database.query("SELECT pg_sleep(0.5)")
    events.append("query done")


def other_work():
    for _ in range(5):
        {sleep}(0.01)
        events.append("tick")


{run_both}
print(",".join(events))
"""
ASYNC_SERVERS = {
    "gevent": {
        "patch": "from gevent import monkey\nmonkey.patch_all()\nimport gevent",
        "sleep": "gevent.sleep",
        "run_both": "gevent.joinall([gevent.spawn(slow_query), gevent.spawn(other_work)])",
    },
    "eventlet": {
        "patch": "import warnings\nwarnings.simplefilter('ignore')\nimport eventlet\neventlet.monkey_patch()",
        "sleep": "eventlet.sleep",
        "run_both": "for green in [eventlet.spawn(slow_query), eventlet.spawn(other_work)]:\n    green.wait()",
    },
}


@pytest.mark.parametrize("server", sorted(ASYNC_SERVERS))
def test_a_slow_query_lets_the_other_green_threads_run(new_database, server):
    """psycopg waits through the patched select (gevent's, or eventlet's, see store/postgres.py):
    while one greenlet waits for the database, the others go on."""
    location = new_database("green")
    open_store(location).close()  # the schema first, outside the probe
    probe = PROBE.format(**ASYNC_SERVERS[server])
    done = subprocess.run([sys.executable, "-c", probe, location], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "tick,tick,tick,tick,tick,query done"


def summaries(service) -> dict:
    return {
        row["code"]: json.loads(service.reports.export(row["code"], "json", generated_at=GENERATED_AT).content)
        for row in service.store.archive.list()
    }


def test_a_backup_moves_sessions_from_postgresql_to_sqlite_and_back(
    tmp_path, cli, service, new_session, facilitator, join_participant, new_database
):
    kept = new_session(title="Moving house", organization="Acme", settings={"segments": ["A", "B"]})
    play(
        kept,
        facilitator,
        join_participant,
        {PRACTICE: ["repeatable", "ad_hoc", "unknown"], "repair-measure": ["missing", "missing", "ad_hoc"]},
        segments=["A", "B", "A"],
        consolidate=[PRACTICE],
        notes={PRACTICE: ["a reason", None, "another"]},
    )
    play(new_session(title="Closed"), facilitator, join_participant, {PRACTICE: ["systematic"] * 3}, close=True)
    before = summaries(service)
    postgres = service.store.path

    from_postgres, sqlite_file = tmp_path / "from-postgres.json", tmp_path / "moved.db"
    assert cli("backup", from_postgres, "--db", new_database("workshop")).exit_code == 0
    assert cli("restore", from_postgres, "--db", sqlite_file).exit_code == 0
    on_sqlite = open_store(sqlite_file)
    try:
        assert on_sqlite.database.engine == "sqlite"
        assert summaries(Workshops(on_sqlite, {})) == before
        on_sqlite.sessions.check_token(kept["code"], kept["facilitator_token"], "facilitator")
    finally:
        on_sqlite.close()

    from_sqlite, back = tmp_path / "from-sqlite.json", new_database("back")
    assert cli("backup", from_sqlite, "--db", sqlite_file).exit_code == 0
    assert cli("restore", from_sqlite, "--db", back).exit_code == 0
    on_postgres = open_store(back)
    try:
        assert on_postgres.database.engine == "postgresql" and on_postgres.path != postgres
        assert summaries(Workshops(on_postgres, {})) == before
        on_postgres.organizations.check_key("Acme", kept["organization_key"])
        # and the session goes on there: a phone resumes and the facilitator's token still opens it
        workshops = Workshops(on_postgres, FRAMEWORKS)
        workshops.room.check_facilitator(kept["code"], kept["facilitator_token"])
        workshops.room.create(
            protocol.parse_new_session({"framework": "three-levels", "title": "Next", "settings": Settings().as_dict()})
        )
    finally:
        on_postgres.close()


def open_when_all_are_ready(location: str, ready) -> list[str]:
    ready.wait()
    store = open_store(location)
    try:
        return store.database.applied_migrations()
    finally:
        store.close()


def test_processes_opening_an_empty_database_at_the_same_moment_create_its_schema_once(new_database):
    """Hosts started together each find the schema missing; the advisory lock makes all but the
    first wait for it (without it, one fails: the table "already exists")."""
    location = new_database("empty")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(4)
        with context.Pool(4) as pool:
            applied = pool.starmap(open_when_all_are_ready, [(location, ready)] * 4)
    assert applied == [migrations.names] * 4
    store = open_store(location)
    try:
        assert store.database.scalar("SELECT count(*) FROM workshop_migrations") == len(migrations.names)
    finally:
        store.close()
