"""Keeping and removing data: delete over HTTP and the command line, backup and restore, the
archive listing, and exports from the command line (``workshop.cli``, run with Click's CliRunner)."""

import json

import pytest

from tests.databases import sqlite_only
from tests.summary_helpers import GENERATED_AT, auth, play
from workshop.store import open_store

TABLES = ("participants", "votes", "rounds", "decisions", "presence")
VOTES = {
    "repair-identify": ["repeatable", "ad_hoc", "repeatable"],
    "repair-measure": ["missing", "unknown", "missing"],
}


@pytest.fixture
def database(app):
    return app.config["DATABASE"]


def rows_of(service, assessment_id: int) -> dict:
    return {
        table: service.store.database.scalar(f"SELECT count(*) FROM {table} WHERE assessment_id = ?", [assessment_id])
        for table in TABLES
    }


def summary_json(service, code: str) -> dict:
    return json.loads(service.reports.export(code, "json", generated_at=GENERATED_AT).content)


def two_sessions(new_session, facilitator, join_participant):
    kept = new_session(title="Kept", organization="Acme")
    play(
        kept,
        facilitator,
        join_participant,
        VOTES,
        consolidate=["repair-identify"],
        notes={"repair-identify": ["kept reason", None, None]},
    )
    doomed = new_session(title="Doomed", organization="Globex", settings={"segments": ["A", "B"]})
    play(
        doomed,
        facilitator,
        join_participant,
        VOTES,
        segments=["A", "B"],
        consolidate=["repair-identify"],
        notes={"repair-identify": ["doomed reason", None, None]},
    )
    return kept, doomed


def test_deleting_a_session_says_what_it_removes_and_removes_only_that(
    client, service, new_session, facilitator, join_participant
):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    doomed_id = service.store.sessions.assessment_id(doomed["code"])
    kept_id = service.store.sessions.assessment_id(kept["code"])
    before = rows_of(service, doomed_id)
    assert before["participants"] == 3 and before["votes"] == 6 and before["presence"] == 3
    kept_rows = rows_of(service, kept_id)
    kept_summary = summary_json(service, kept["code"])
    url = f"/api/sessions/{doomed['code']}"

    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=auth(doomed["presenter_token"])).status_code == 403
    assert client.delete(url, headers=auth(kept["facilitator_token"])).status_code == 403
    preview = client.delete(url + "?dry_run=true", headers=auth(doomed["facilitator_token"])).json
    assert preview["deleted"] is False and preview["would_remove"]["votes"] == 6
    assert "cannot be undone" in preview["message"]
    assert rows_of(service, doomed_id) == before  # a dry run removes nothing

    response = client.delete(url, headers=auth(doomed["facilitator_token"]))
    assert response.status_code == 200
    body = response.json
    assert body["deleted"] is True and body["title"] == "Doomed"
    assert body["removed"] == {"sessions": 1, "participants": 3, "votes": 6, "rounds": 2, "decisions": 1, "presence": 3}
    assert body[
        "message"
    ] == "Session {} was deleted for good with 3 participants, 6 votes, 2 rounds and 1 decision.".format(doomed["code"])

    assert rows_of(service, doomed_id) == dict.fromkeys(TABLES, 0)
    assert service.store.database.scalar("SELECT count(*) FROM assessments WHERE id = ?", [doomed_id]) == 0
    assert client.get(url).status_code == 404
    assert client.get(url + "/summary", headers=auth(doomed["facilitator_token"])).status_code == 404
    # nothing else changed: the other session's facts and summary are as they were
    assert rows_of(service, kept_id) == kept_rows
    assert summary_json(service, kept["code"]) == kept_summary
    # the organisation stays (its key still opens it), with no session left
    assert service.store.organizations.get("Globex") is not None


def test_a_deleted_sessions_phones_are_told_and_refused(client, service, new_session, facilitator, join_participant):
    session = new_session()
    host, phones = play(session, facilitator, join_participant, {"repair-identify": ["ad_hoc"] * 3})
    assert (
        client.delete(f"/api/sessions/{session['code']}", headers=auth(session["facilitator_token"])).status_code == 200
    )
    assert not phones[0].io.is_connected() and not host.io.is_connected()
    realtime = client.application.extensions["workshop.realtime"]
    assert all(identity.code != session["code"] for identity in realtime.connections.values())
    realtime.tick()  # the tally loop does not trip over the deleted session


def test_a_new_session_can_reuse_a_deleted_sessions_row_id(client, service, new_session):
    first = new_session(framework="forrester-path")
    first_id = service.store.sessions.assessment_id(first["code"])
    client.delete(f"/api/sessions/{first['code']}", headers=auth(first["facilitator_token"]))
    second = new_session(framework="three-levels")
    if service.store.database.engine == "sqlite":  # PostgreSQL never gives an id twice
        assert service.store.sessions.assessment_id(second["code"]) == first_id  # SQLite reused the id
    assert service.room.load(second["code"]).framework.id == "three-levels"  # not the cached framework of the first


def test_the_cli_asks_before_deleting(cli, service, database, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    refused = cli("delete", doomed["code"], "--db", database, input="no\n")
    assert refused.exit_code == 1
    assert "will be deleted for good with 3 participants, 6 votes, 2 rounds and 1 decision." in refused.stdout
    assert "workshop: nothing deleted" in refused.stderr
    assert len(service.store.archive.list()) == 2
    assert cli("delete", doomed["code"], "--db", database, input=doomed["code"].lower() + "\n").exit_code == 0
    assert [row["code"] for row in service.store.archive.list()] == [kept["code"]]
    assert cli("delete", kept["code"], "--yes", "--db", database).exit_code == 0
    assert service.store.archive.list() == []
    again = cli("delete", kept["code"], "--yes", "--db", database)
    assert again.exit_code == 1 and "no session with code" in again.stderr


def test_backup_then_restore_gives_identical_summaries(
    tmp_path, cli, service, database, new_session, facilitator, join_participant, new_database
):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    play(
        new_session(title="Closed one", organization="Acme", organization_key=kept["organization_key"]),
        facilitator,
        join_participant,
        VOTES,
        close=True,
    )
    codes = [row["code"] for row in service.store.archive.list()]
    before = {code: summary_json(service, code) for code in codes}
    backup = tmp_path / "backup.json"
    assert cli("backup", backup, "--db", database).exit_code == 0
    document = json.loads(backup.read_text())
    assert document["format"] == "cx-workshop-backup" and document["version"] == 1
    assert document["counts"]["assessments"] == 3 and "m003_organizations" in document["migrations"]
    assert "presence" not in document["tables"]

    # into an empty database
    fresh = new_database("fresh")
    assert cli("restore", backup, "--db", fresh).exit_code == 0
    restored = open_store(fresh)
    try:
        from workshop.service import Workshops

        other = Workshops(restored, {})
        exported = {
            code: json.loads(other.reports.export(code, "json", generated_at=GENERATED_AT).content) for code in codes
        }
        assert exported == before
        restored.sessions.check_token(kept["code"], kept["facilitator_token"], "facilitator")  # tokens still open it
        restored.organizations.check_key("Acme", kept["organization_key"])
    finally:
        restored.close()

    # the CLI export of a restored session is the same file as the original's
    for db, name in ((database, "a.md"), (str(fresh), "b.md")):
        assert (
            cli(
                "export",
                kept["code"],
                "--format",
                "md",
                "-o",
                tmp_path / name,
                "--db",
                db,
                "--generated-at",
                GENERATED_AT,
            ).exit_code
            == 0
        )
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()

    # restoring again conflicts, and writes nothing
    again = cli("restore", backup, "--db", fresh)
    assert again.exit_code == 1 and "nothing was restored" in again.stderr
    check = open_store(fresh)
    assert check.database.count("assessments") == 3
    assert check.database.count("votes") == document["counts"]["votes"]
    check.close()


def test_restore_adds_to_an_existing_database_and_refuses_a_clashing_organisation(
    tmp_path, cli, database, new_session, facilitator, join_participant, new_database
):
    kept, _ = two_sessions(new_session, facilitator, join_participant)
    backup = tmp_path / "backup.json"
    assert cli("backup", backup, "--db", database).exit_code == 0

    existing = new_database("existing")
    store = open_store(existing)
    from workshop.core.assessment import Settings
    from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

    frameworks = load_frameworks([BUILTIN_DIRECTORY])
    store.sessions.create(frameworks["three-levels"], "Already here", "Initech", None, Settings())
    store.close()
    assert cli("restore", backup, "--db", existing).exit_code == 0
    store = open_store(existing)
    assert sorted(row["title"] for row in store.archive.list()) == ["Already here", "Doomed", "Kept"]
    store.close()

    clash = new_database("clash")
    store = open_store(clash)
    store.sessions.create(frameworks["three-levels"], "Someone else's", "Acme", None, Settings())
    store.close()
    refused = cli("restore", backup, "--db", clash)
    assert refused.exit_code == 1 and "organisation Acme already exists here with another key" in refused.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path, cli, new_database):
    bad = tmp_path / "bad.json"
    for content, message in (
        ("{not json", "is not JSON"),
        (json.dumps({"format": "other"}), "not a workshop backup"),
        (json.dumps({"format": "cx-workshop-backup", "version": 99}), "version 99"),
        (
            json.dumps({"format": "cx-workshop-backup", "version": 1, "migrations": ["m999_future"], "tables": {}}),
            "newer version",
        ),
        (
            json.dumps({"format": "cx-workshop-backup", "version": 1, "tables": {"assessments": [{"evil; DROP": 1}]}}),
            "unknown column",
        ),
    ):
        bad.write_text(content)
        result = cli("restore", bad, "--db", new_database("target"))
        assert result.exit_code == 1 and message in result.stderr


def test_the_archive_lists_sessions(cli, database, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    play(new_session(title="Finished"), facilitator, join_participant, VOTES, close=True)
    listed = cli("sessions", "--db", database)
    assert listed.exit_code == 0
    assert kept["code"] in listed.stdout and doomed["code"] in listed.stdout and "Acme: Kept" in listed.stdout
    closed = cli("sessions", "--status", "closed", "--db", database)
    assert closed.exit_code == 0 and "Finished" in closed.stdout and "Kept" not in closed.stdout


def test_cli_export_writes_every_format_and_matches_the_api(
    tmp_path, cli, client, service, database, new_session, facilitator, join_participant
):
    kept, _ = two_sessions(new_session, facilitator, join_participant)
    for fmt in ("md", "csv", "json", "html", "pdf"):
        target = tmp_path / f"summary.{fmt}"
        assert (
            cli(
                "export",
                kept["code"].lower(),
                "--format",
                fmt,
                "-o",
                target,
                "--db",
                database,
                "--generated-at",
                GENERATED_AT,
            ).exit_code
            == 0
        )
        assert target.stat().st_size > 0
        if fmt != "pdf":
            assert target.read_bytes() == service.reports.export(kept["code"], fmt, generated_at=GENERATED_AT).content
    to_stdout = cli("export", kept["code"], "--format", "md", "-o", "-", "--db", database)
    assert to_stdout.exit_code == 0 and to_stdout.stdout.startswith("# Kept: CX maturity summary\n")
    assert cli("export", "ZZZZZZ", "--format", "md", "--db", database).exit_code == 1
    missing = cli("export", kept["code"], "--format", "md", "--db", tmp_path / "missing.db")
    assert missing.exit_code == 1 and "no database at" in missing.stderr


def test_cli_gives_an_organisation_a_key_and_attaches_earlier_sessions(client, cli, service, database):
    # a session from before organisations had keys: a name, no organisation row
    response = client.post("/api/sessions", json={"framework": "three-levels", "title": "Old one"})
    code = response.json["code"]
    service.store.database.execute("UPDATE assessments SET organization = 'Initech' WHERE code = ?", [code])
    issued = cli("org", "Initech", "--new-key", "--review-months", "3", "--db", database)
    assert issued.exit_code == 0
    out = issued.stdout
    key = out.split("keep it safe): ")[1].split()[0]
    assert "attached 1 earlier session named Initech" in out and "review every 3 months" in out
    body = client.get("/api/orgs/Initech", headers=auth(key)).json
    assert [session["code"] for session in body["sessions"]] == [code]
    listed = cli("org", "--db", database)
    assert listed.exit_code == 0 and "Initech: 1 session, review every 3 months" in listed.stdout


@sqlite_only
def test_a_deleted_session_leaves_no_trace_in_the_database_file(
    client, new_session, facilitator, join_participant, service
):
    session = new_session(title="Secret project Hummingbird")
    host = facilitator(session)
    phone = join_participant(session, name="Ada Lovelace")
    host.emit("open", {"practice": "repair-identify"})
    phone.emit("vote", {"practice": "repair-identify", "level": "missing", "note": "a very telling reason"})
    response = client.delete(
        f"/api/sessions/{session['code']}", headers={"Authorization": f"Bearer {session['facilitator_token']}"}
    )
    assert response.status_code == 200
    path = service.store.path
    raw = b"".join(open(name, "rb").read() for name in (path, path + "-wal") if __import__("os").path.exists(name))
    for secret in (b"Hummingbird", b"Ada Lovelace", b"a very telling reason"):
        assert secret not in raw


@pytest.mark.parametrize("spelling", ["on", "y", "True!", "2", "", "dryrun"])
def test_a_dry_run_flag_with_an_unknown_value_is_a_400_and_deletes_nothing(client, service, new_session, spelling):
    session = new_session()
    url = f"/api/sessions/{session['code']}?dry_run={spelling}"
    response = client.delete(url, headers=auth(session["facilitator_token"]))
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert "dry_run" in response.json["message"]
    assert client.get(f"/api/sessions/{session['code']}").status_code == 200


@pytest.mark.parametrize("spelling", ["1", "true", "yes", "TRUE", " True "])
def test_the_documented_spellings_of_dry_run_only_preview(client, new_session, spelling):
    session = new_session()
    response = client.delete(
        f"/api/sessions/{session['code']}",
        query_string={"dry_run": spelling},
        headers=auth(session["facilitator_token"]),
    )
    assert response.status_code == 200 and response.json["deleted"] is False
    assert client.get(f"/api/sessions/{session['code']}").status_code == 200
