"""Session summary downloads over HTTP: every format for an empty, an unfinished and a closed
session, who may download, what never appears, and the benchmark endpoint."""

import csv
import io
import json
import sys

import pytest

from tests.summary_helpers import auth, export, play, schema_errors

FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
VOTES = {
    "repair-identify": ["repeatable", "repeatable", "ad_hoc", "unknown"],
    "repair-prioritise": ["missing", "systematic", "missing", "systematic"],
}


def closed_session(new_session, facilitator, join_participant, **extra):
    session = new_session(organization="Acme", settings={"segments": ["Leadership", "Frontline"]}, **extra)
    play(
        session,
        facilitator,
        join_participant,
        VOTES,
        names=["Alice Secret", "Bob Hidden"],
        segments=["Leadership", "Frontline"],
        consolidate=["repair-identify"],
        close=True,
        notes={"repair-identify": ["we do it", None, "only sometimes", "no idea"]},
    )
    return session


@pytest.mark.parametrize("state", ["empty", "unfinished", "closed"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_downloads_for_every_kind_of_session(
    client, new_session, facilitator, join_participant, state, fmt
):
    if state == "closed":
        session = closed_session(new_session, facilitator, join_participant)
    else:
        session = new_session(organization="Acme")
        if state == "unfinished":
            host, phones = play(
                session, facilitator, join_participant, {"repair-identify": ["ad_hoc", "ad_hoc", "repeatable"]}
            )
            assert host.emit("open", {"practice": "repair-measure"})["ok"]
            assert phones[0].emit(
                "vote", {"practice": "repair-measure", "level": "systematic", "note": "secret until revealed"}
            )["ok"]
    response = export(client, session, fmt)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == FORMATS[fmt]
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="cx-summary-acme-') and f'{session["code"]}.{fmt}"' in disposition
    )
    assert response.headers["Cache-Control"] == "no-store"
    body = response.data
    if fmt == "pdf":
        assert body.startswith(b"%PDF")
        return
    text = body.decode("utf-8-sig")
    assert "Quarterly CX check" in text
    assert "secret until revealed" not in text  # an open round's reasons stay hidden
    if fmt == "json":
        document = json.loads(text)
        assert schema_errors(document) == []
        assert document["session"]["status"] == ("closed" if state == "closed" else "running")
        if state == "unfinished":
            measure = next(p for p in document["practices"] if p["id"] == "repair-measure")
            assert measure["rounds"] == [{"number": 1, "revealed": False, "votes": 1, "result": None}]


def test_names_of_participants_never_appear_in_any_export(client, new_session, facilitator, join_participant):
    session = closed_session(new_session, facilitator, join_participant)
    for fmt in ("md", "csv", "json", "html"):
        text = export(client, session, fmt).data.decode("utf-8-sig")
        assert "Alice Secret" not in text and "Bob Hidden" not in text, fmt
        assert "only sometimes" in text, fmt  # reasons are there, anonymously


def test_the_export_needs_the_facilitator_token_or_the_organisation_key(client, new_session):
    session = new_session(organization="Acme")
    url = f"/api/sessions/{session['code']}/export?format=md"
    assert client.get(url).status_code == 401
    assert client.get(url).json["error"] == "unauthorized"
    refused = client.get(url, headers=auth(session["presenter_token"]))
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    assert client.get(url, headers=auth(session["organization_key"])).status_code == 200
    other = new_session(organization="Other org")
    assert client.get(url, headers=auth(other["organization_key"])).status_code == 403
    assert client.get(url.replace(session["code"], "ZZZZZZ"), headers=auth("x" * 32)).status_code == 404


def test_an_unknown_format_is_refused_with_the_list(client, new_session):
    session = new_session()
    for query in ("?format=docx", ""):
        response = client.get(
            f"/api/sessions/{session['code']}/export{query}", headers=auth(session["facilitator_token"])
        )
        assert response.status_code == 400 and response.json["error"] == "bad_request"
        assert "md, csv, json, html, pdf" in response.json["message"]


def test_a_formula_typed_by_a_participant_is_neutralised_in_the_csv(client, new_session, facilitator, join_participant):
    session = new_session(title="=cmd|' /C calc'!A0", team="@team")
    play(
        session,
        facilitator,
        join_participant,
        {"repair-identify": ["ad_hoc", "ad_hoc", "ad_hoc"]},
        notes={"repair-identify": ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2"]},
    )
    host = facilitator(session)
    assert host.emit("consolidate", {"practice": "repair-identify", "level": "repeatable", "note": "=1+2"})["ok"]
    text = export(client, session, "csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    header = rows[0]
    row = dict(zip(header, rows[1]))
    assert row["session_title"] == "'=cmd|' /C calc'!A0" and row["team"] == "'@team"
    assert row["decision_note"] == "'=1+2"
    assert '=HYPERLINK("http://evil.example","x")' in row["reasons"]


def test_pdf_export_answers_503_when_weasyprint_cannot_load(client, new_session, monkeypatch):
    session = new_session()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" now raises ImportError
    response = export(client, session, "pdf")
    assert response.status_code == 503
    assert response.json["error"] == "unavailable" and "HTML" in response.json["message"]


def test_the_benchmark_needs_five_other_organisations_and_names_none(
    client, new_session, facilitator, join_participant
):
    subject = closed_session(new_session, facilitator, join_participant)
    url = f"/api/sessions/{subject['code']}/benchmark"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(subject["presenter_token"])).status_code == 403
    first = client.get(url, headers=auth(subject["facilitator_token"])).json
    assert first["available"] is False and first["peers"] == 0
    new_session(organization="Running Org")  # running sessions are not peers
    for _ in range(4):  # one organisation's throwaway sessions count once
        throwaway = new_session()
        play(throwaway, facilitator, join_participant, {"repair-identify": ["missing"] * 3}, close=True)
    assert client.get(url, headers=auth(subject["facilitator_token"])).json["peers"] == 0
    for index in range(5):
        peer = new_session(organization=f"Peer Company {index}")
        play(peer, facilitator, join_participant, {"repair-identify": ["repeatable"] * 3}, close=True)
    other_framework = new_session(framework="three-levels", organization="Elsewhere")
    play(other_framework, facilitator, join_participant, {"operational-investment": ["repeatable"] * 3}, close=True)
    response = client.get(url, headers=auth(subject["facilitator_token"]))
    body = response.json
    assert body["available"] is True and body["peers"] == 5 and 0 <= body["stage_percentile"] <= 100
    assert "Peer Company" not in response.get_data(as_text=True)
    # the benchmark is part of the exports too
    document = export(client, subject, "json").json
    assert document["benchmark"]["peers"] == 5 and "Peer Company" not in json.dumps(document)


def test_a_stage_vote_downloads_as_an_item_of_its_own(client, new_session, facilitator, join_participant):
    session = new_session(organization="Acme", framework="temkin-five-levels")
    framework = client.get(f"/api/sessions/{session['code']}/framework").json
    if framework["placement"]["mode"] != "stage_vote":  # pragma: no cover - the file chose another mode
        pytest.skip("temkin-five-levels is no longer placed by a stage vote")
    play(
        session,
        facilitator,
        join_participant,
        {
            "interested-important": ["repeatable", "repeatable", "ad_hoc"],
            "stage-vote": ["committed", "committed", "invested"],
        },
        notes={"stage-vote": [None, None, "We run programmes, nobody links them to profit"]},
        consolidate=["stage-vote"],
        close=True,
    )
    text = export(client, session, "md").data.decode()
    assert "## Stage vote: which description fits best" in text and "- Recorded stage: **Committed" in text
    assert "*Invested* (round 1): We run programmes" in text
    rows = list(csv.DictReader(io.StringIO(export(client, session, "csv").data.decode("utf-8-sig"))))
    vote = next(row for row in rows if row["kind"] == "stage_vote")
    assert vote["stage"] == "Committed" and vote["stage_votes"].startswith("Interested 0 · Invested 1 · Committed 2")
    assert vote["level"] == "" and vote["label_reason"]
    page = export(client, session, "html").data.decode()
    assert 'data-kind="stage_vote"' in page and "Stage vote: which description fits best" in page
    assert export(client, session, "pdf").data.startswith(b"%PDF")
