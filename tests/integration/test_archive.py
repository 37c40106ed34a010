"""Keeping and removing data: delete over HTTP and the command line, backup and restore, the
archive listing, and exports from the command line (``workshop.cli.main``)."""

import json

import pytest

from workshop.cli import main
from workshop.store import Store

from tests.summary_helpers import GENERATED_AT, auth, play

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
        table: service.store.db.execute(f"SELECT count(*) FROM {table} WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
        for table in TABLES
    }


def summary_json(service, code: str) -> dict:
    return json.loads(service.export(code, "json", generated_at=GENERATED_AT).content)


def two_sessions(new_session, facilitator, join_participant):
    kept = new_session(title="Kept", organization="Acme")
    play(kept, facilitator, join_participant, VOTES, consolidate=["repair-identify"],
         notes={"repair-identify": ["kept reason", None, None]})
    doomed = new_session(title="Doomed", organization="Globex", settings={"segments": ["A", "B"]})
    play(doomed, facilitator, join_participant, VOTES, segments=["A", "B"], consolidate=["repair-identify"],
         notes={"repair-identify": ["doomed reason", None, None]})
    return kept, doomed


def test_deleting_a_session_says_what_it_removes_and_removes_only_that(client, service, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    doomed_id = service.store.assessment_id(doomed["code"])
    kept_id = service.store.assessment_id(kept["code"])
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
    assert body["message"] == "Session %s was deleted for good with 3 participants, 6 votes, 2 rounds and 1 decision." % doomed["code"]

    assert rows_of(service, doomed_id) == dict.fromkeys(TABLES, 0)
    assert service.store.db.execute("SELECT count(*) FROM assessments WHERE id = ?", [doomed_id]).fetchone()[0] == 0
    assert client.get(url).status_code == 404
    assert client.get(url + "/summary", headers=auth(doomed["facilitator_token"])).status_code == 404
    # nothing else changed: the other session's facts and summary are as they were
    assert rows_of(service, kept_id) == kept_rows
    assert summary_json(service, kept["code"]) == kept_summary
    # the organisation stays (its key still opens it), with no session left
    assert service.store.organization("Globex") is not None


def test_a_deleted_sessions_phones_are_told_and_refused(client, service, new_session, facilitator, join_participant):
    session = new_session()
    host, phones = play(session, facilitator, join_participant, {"repair-identify": ["ad_hoc"] * 3})
    assert client.delete(f"/api/sessions/{session['code']}", headers=auth(session["facilitator_token"])).status_code == 200
    assert not phones[0].io.is_connected() and not host.io.is_connected()
    realtime = client.application.extensions["workshop.realtime"]
    assert all(identity.code != session["code"] for identity in realtime.connections.values())
    realtime.tick()  # the tally loop does not trip over the deleted session


def test_a_new_session_can_reuse_a_deleted_sessions_row_id(client, service, new_session):
    first = new_session(framework="forrester-path")
    first_id = service.store.assessment_id(first["code"])
    client.delete(f"/api/sessions/{first['code']}", headers=auth(first["facilitator_token"]))
    second = new_session(framework="three-levels")
    assert service.store.assessment_id(second["code"]) == first_id  # SQLite reused the id
    assert service.load(second["code"]).framework.id == "three-levels"  # not the cached framework of the first


def test_the_cli_asks_before_deleting(monkeypatch, capsys, service, database, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["delete", doomed["code"], "--db", database]) == 1
    out, err = capsys.readouterr()
    assert "will be deleted for good with 3 participants, 6 votes, 2 rounds and 1 decision." in out
    assert "nothing deleted" in err
    assert service.store.sessions() and len(service.store.sessions()) == 2
    monkeypatch.setattr("builtins.input", lambda prompt: doomed["code"].lower())
    assert main(["delete", doomed["code"], "--db", database]) == 0
    assert [row["code"] for row in service.store.sessions()] == [kept["code"]]
    assert main(["delete", kept["code"], "--yes", "--db", database]) == 0
    assert service.store.sessions() == []
    assert main(["delete", kept["code"], "--yes", "--db", database]) == 1
    assert "no session with code" in capsys.readouterr().err


def test_backup_then_restore_gives_identical_summaries(tmp_path, capsys, service, database, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    play(new_session(title="Closed one", organization="Acme", organization_key=kept["organization_key"]),
         facilitator, join_participant, VOTES, close=True)
    codes = [row["code"] for row in service.store.sessions()]
    before = {code: summary_json(service, code) for code in codes}
    backup = tmp_path / "backup.json"
    assert main(["backup", str(backup), "--db", database]) == 0
    document = json.loads(backup.read_text())
    assert document["format"] == "cx-workshop-backup" and document["version"] == 1
    assert document["counts"]["assessments"] == 3 and "m003_organizations" in document["migrations"]
    assert "presence" not in document["tables"]

    # into an empty database
    fresh = tmp_path / "fresh.db"
    assert main(["restore", str(backup), "--db", str(fresh)]) == 0
    restored = Store(fresh)
    try:
        from workshop.service import Workshops

        other = Workshops(restored, {})
        assert {code: json.loads(other.export(code, "json", generated_at=GENERATED_AT).content) for code in codes} == before
        restored.check_token(kept["code"], kept["facilitator_token"], "facilitator")  # tokens still open it
        restored.check_organization_key("Acme", kept["organization_key"])
    finally:
        restored.close()

    # the CLI export of a restored session is the same file as the original's
    for db, name in ((database, "a.md"), (str(fresh), "b.md")):
        assert main(["export", kept["code"], "--format", "md", "-o", str(tmp_path / name), "--db", db,
                     "--generated-at", GENERATED_AT]) == 0
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()

    # restoring again conflicts, and writes nothing
    capsys.readouterr()
    assert main(["restore", str(backup), "--db", str(fresh)]) == 1
    assert "nothing was restored" in capsys.readouterr().err
    check = Store(fresh)
    assert check.db["assessments"].count == 3 and check.db["votes"].count == document["counts"]["votes"]
    check.close()


def test_restore_adds_to_an_existing_database_and_refuses_a_clashing_organisation(tmp_path, capsys, database, new_session, facilitator, join_participant):
    kept, _ = two_sessions(new_session, facilitator, join_participant)
    backup = tmp_path / "backup.json"
    assert main(["backup", str(backup), "--db", database]) == 0

    existing = tmp_path / "existing.db"
    store = Store(existing)
    from workshop.core.assessment import Settings
    from workshop.core.frameworks import BUILTIN_DIRECTORY, load_frameworks

    frameworks = load_frameworks([BUILTIN_DIRECTORY])
    store.create_assessment(frameworks["three-levels"], "Already here", "Initech", None, Settings())
    store.close()
    assert main(["restore", str(backup), "--db", str(existing)]) == 0
    store = Store(existing)
    assert sorted(row["title"] for row in store.sessions()) == ["Already here", "Doomed", "Kept"]
    store.close()

    clash = tmp_path / "clash.db"
    store = Store(clash)
    store.create_assessment(frameworks["three-levels"], "Someone else's", "Acme", None, Settings())
    store.close()
    capsys.readouterr()
    assert main(["restore", str(backup), "--db", str(clash)]) == 1
    assert "organisation Acme already exists here with another key" in capsys.readouterr().err


def test_restore_refuses_what_is_not_a_backup(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    for content, message in (
        ("{not json", "is not JSON"),
        (json.dumps({"format": "other"}), "not a workshop backup"),
        (json.dumps({"format": "cx-workshop-backup", "version": 99}), "version 99"),
        (json.dumps({"format": "cx-workshop-backup", "version": 1, "migrations": ["m999_future"], "tables": {}}), "newer version"),
        (json.dumps({"format": "cx-workshop-backup", "version": 1, "tables": {"assessments": [{"evil; DROP": 1}]}}), "unknown column"),
    ):
        bad.write_text(content)
        assert main(["restore", str(bad), "--db", str(tmp_path / "target.db")]) == 1
        assert message in capsys.readouterr().err


def test_the_archive_lists_sessions(capsys, database, new_session, facilitator, join_participant):
    kept, doomed = two_sessions(new_session, facilitator, join_participant)
    play(new_session(title="Finished"), facilitator, join_participant, VOTES, close=True)
    assert main(["sessions", "--db", database]) == 0
    out = capsys.readouterr().out
    assert kept["code"] in out and doomed["code"] in out and "Acme: Kept" in out
    assert main(["sessions", "--status", "closed", "--db", database]) == 0
    out = capsys.readouterr().out
    assert "Finished" in out and "Kept" not in out


def test_cli_export_writes_every_format_and_matches_the_api(tmp_path, capsys, client, service, database, new_session, facilitator, join_participant):
    kept, _ = two_sessions(new_session, facilitator, join_participant)
    for fmt in ("md", "csv", "json", "html", "pdf"):
        target = tmp_path / f"summary.{fmt}"
        assert main(["export", kept["code"].lower(), "--format", fmt, "-o", str(target), "--db", database,
                     "--generated-at", GENERATED_AT]) == 0
        assert target.stat().st_size > 0
        if fmt != "pdf":
            assert target.read_bytes() == service.export(kept["code"], fmt, generated_at=GENERATED_AT).content
    assert main(["export", kept["code"], "--format", "md", "-o", "-", "--db", database]) == 0
    assert capsys.readouterr().out.startswith("# Kept: CX maturity summary\n")
    assert main(["export", "ZZZZZZ", "--format", "md", "--db", database]) == 1
    assert main(["export", kept["code"], "--format", "md", "--db", str(tmp_path / "missing.db")]) == 1
    assert "no database at" in capsys.readouterr().err


def test_cli_gives_an_organisation_a_key_and_attaches_earlier_sessions(client, capsys, service, database):
    # a session from before organisations had keys: a name, no organisation row
    response = client.post("/api/sessions", json={"framework": "three-levels", "title": "Old one"})
    code = response.json["code"]
    service.store.db.execute("UPDATE assessments SET organization = 'Initech' WHERE code = ?", [code])
    assert main(["org", "Initech", "--new-key", "--review-months", "3", "--db", database]) == 0
    out = capsys.readouterr().out
    key = out.split("keep it safe): ")[1].split()[0]
    assert "attached 1 earlier session named Initech" in out and "review every 3 months" in out
    body = client.get("/api/orgs/Initech", headers=auth(key)).json
    assert [session["code"] for session in body["sessions"]] == [code]
    assert main(["org", "--db", database]) == 0
    assert "Initech: 1 session, review every 3 months" in capsys.readouterr().out


def test_a_deleted_session_leaves_no_trace_in_the_database_file(client, new_session, facilitator, join_participant, service):
    session = new_session(title="Secret project Hummingbird")
    host = facilitator(session)
    phone = join_participant(session, name="Ada Lovelace")
    host.emit("open", {"practice": "repair-identify"})
    phone.emit("vote", {"practice": "repair-identify", "level": "missing", "note": "a very telling reason"})
    response = client.delete(f"/api/sessions/{session['code']}",
                             headers={"Authorization": f"Bearer {session['facilitator_token']}"})
    assert response.status_code == 200
    path = service.store.path
    raw = b"".join(open(name, "rb").read() for name in (path, path + "-wal") if __import__("os").path.exists(name))
    for secret in (b"Hummingbird", b"Ada Lovelace", b"a very telling reason"):
        assert secret not in raw
