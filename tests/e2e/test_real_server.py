"""End to end: the real server (gevent, then eventlet) over real websockets; kill -9 loses nothing."""

import pytest

from ..live import wait_for

pytestmark = pytest.mark.e2e


def run_workshop(server, phones, participants: int = 3):
    """A whole workshop through the documented protocol; returns the final summary."""
    session = server.new_session(organization="E2E Org")
    host = phones(server.url)
    hosted = host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})
    assert hosted["ok"], hosted
    people = []
    for index in range(participants):
        phone = phones(server.url)
        ack = phone.call("join", {"code": session["code"], "name": f"Person {index}"})
        assert ack["ok"], ack
        people.append(phone)

    assert host.call("open", {"practice": "repair-identify"})["ok"]
    wait_for(lambda: all(p.states and p.states[-1]["current"] == "repair-identify" for p in people))
    levels = ["repeatable", "repeatable", "ad_hoc", "systematic", "unknown"]
    for phone, level in zip(people, levels):
        ack = phone.call("vote", {"practice": "repair-identify", "level": level, "note": "a reason"})
        assert ack["ok"] and ack["round"] == 1, ack
    # the facilitator's screen follows the room through coalesced tallies
    wait_for(lambda: host.tallies and host.tallies[-1]["votes"].get("repair-identify") == participants)

    assert host.call("reveal", {"practice": "repair-identify"})["ok"]
    wait_for(
        lambda: all(
            next(p for p in phone.states[-1]["practices"] if p["id"] == "repair-identify")["status"] == "revealed"
            for phone in people
        )
    )
    assert host.call("revote", {"practice": "repair-identify"})["ok"]
    for phone in people:
        assert phone.call("vote", {"practice": "repair-identify", "level": "repeatable"})["round"] == 2
    assert host.call("reveal", {"practice": "*"})["ok"]
    assert host.call("consolidate", {"practice": "repair-identify"})["ok"]
    assert host.call("open", {"practice": "*"})["ok"]
    assert people[0].call("vote", {"practice": "elevate-reward", "level": "missing"})["ok"]
    assert host.call("close", {})["ok"]
    summary = server.summary(session)
    assert summary["status"] == "closed"
    row = next(r for r in summary["practices"] if r["id"] == "repair-identify")
    assert [r["number"] for r in row["rounds"]] == [1, 2]
    assert row["rounds"][1]["result"]["counts"]["repeatable"] == participants
    assert row["consolidated_level"] == "repeatable"
    return summary


def test_a_whole_workshop_on_the_gevent_server(start_server, phones):
    server = start_server("gevent")
    summary = run_workshop(server, phones, participants=4)
    assert summary["participants"]["joined"] == 4


def test_the_same_workshop_on_the_eventlet_server(start_server, phones):
    server = start_server("eventlet")
    run_workshop(server, phones, participants=3)
    # the PDF is rendered in a child process here too, with the room still answering
    from .test_summary_export import download

    session = server.new_session()
    status, headers, pdf = download(
        server, f"/api/sessions/{session['code']}/export?format=pdf", session["facilitator_token"]
    )
    assert status == 200 and pdf.startswith(b"%PDF")


def test_kill_9_after_acknowledged_votes_loses_none_of_them(start_server, phones, new_database):
    database = new_database("durable")
    server = start_server("gevent", database)
    session = server.new_session()
    host = phones(server.url)
    host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})
    assert host.call("open", {"practice": "*"})["ok"]
    host.call("reveal", {"practice": "repair-identify"})  # a decision the restart must keep
    acknowledged = {}
    tokens = []
    practices = ["repair-prioritise", "repair-coordinate", "repair-measure", "elevate-reward"]
    for index in range(6):
        phone = phones(server.url)
        joined = phone.call("join", {"code": session["code"]})
        tokens.append(joined["participant_token"])
        for practice in practices:
            level = ["missing", "ad_hoc", "repeatable", "systematic"][(index + len(practice)) % 4]
            ack = phone.call("vote", {"practice": practice, "level": level})
            assert ack["ok"], ack
            acknowledged[(index, practice)] = level

    server.kill()
    restarted = start_server("gevent", database)
    summary = restarted.summary(session)
    assert summary["participants"]["joined"] == 6
    assert next(r for r in summary["practices"] if r["id"] == "repair-identify")["status"] == "revealed"
    for practice in practices:
        row = next(r for r in summary["practices"] if r["id"] == practice)
        assert row["rounds"][0]["votes"] == 6, practice

    # every participant resumes with their token and finds their votes
    for index, token in enumerate(tokens):
        phone = phones(restarted.url)
        resumed = phone.call("join", {"code": session["code"], "participant_token": token})
        assert resumed["ok"] and resumed["resumed"]
        assert {p: v["level"] for p, v in resumed["votes"].items()} == {
            practice: acknowledged[(index, practice)] for practice in practices
        }
    host = phones(restarted.url)
    assert host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["ok"]
    assert host.call("reveal", {"practice": "*"})["ok"]
    revealed = restarted.summary(session)
    for practice in practices:
        row = next(r for r in revealed["practices"] if r["id"] == practice)
        expected = [acknowledged[(i, practice)] for i in range(6)]
        assert {level: row["result"]["counts"][level] for level in set(expected)} == {
            level: expected.count(level) for level in set(expected)
        }


def test_bad_input_over_a_real_websocket_gets_an_error_ack(start_server, phones):
    server = start_server("gevent")
    phone = phones(server.url)
    assert phone.call("vote", {"practice": "x", "level": "missing"})["error"] == "forbidden"
    assert phone.call("join", {"code": 12})["error"] == "bad_request"
    assert phone.call("no_such_event", {})["error"] == "bad_request"
    status, body = server.request("POST", "/api/sessions", {"framework": "x"})
    assert status == 400 and body["error"] == "bad_request"
    # and the server is still serving
    assert server.request("GET", "/api/frameworks")[0] == 200
