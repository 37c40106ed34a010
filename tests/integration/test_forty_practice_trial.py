"""The README's promise, tried: a 40-practice assessment (a custom framework, as Forrester's own
self-assessment has forty practices and no shipped framework more than thirteen) run as pre-work
plus a one-hour room session. At three or four minutes a practice the room discusses about fifteen
in an hour, so pre-work must leave it no more than that."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.summary_helpers import auth
from workshop import create_app
from workshop.core.invitation import minutes_needed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"
ROOM_MINUTES = 60
MINUTES_PER_DISCUSSION = 4  # the three or four minutes a practice, the slower end


@pytest.fixture
def forty_app(tmp_path, clock):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "forty.db"),
            "BACKGROUND_TICKER": False,
            "PUBLIC_URL": "http://workshop.test",
            "CLOCK": clock,
            "FRAMEWORK_DIRS": [str(FIXTURES)],
        }
    )
    yield app
    app.extensions["workshop.service"].close()


def test_a_forty_practice_assessment_fits_pre_work_and_one_hour_in_the_room(forty_app, clock):
    client = forty_app.test_client()
    socketio = forty_app.extensions["socketio"]

    def connect():
        return socketio.test_client(forty_app, flask_test_client=client)

    def call(socket, event, payload):
        ack = socket.emit(event, payload, callback=True)
        assert ack["ok"], (event, payload, ack)
        return ack

    session = client.post("/api/sessions", json={"framework": "forty-practices", "title": "The long one"}).json
    code = session["code"]
    host = connect()
    practices = [p["id"] for p in call(host, "host", {"code": code, "facilitator_token": session["facilitator_token"]})["state"]["practices"]]  # fmt: skip
    assert len(practices) == 40
    deadline = datetime.fromtimestamp(int(clock() + 3 * 86400), timezone(timedelta(hours=2)))
    call(host, "prework", {"deadline": deadline.isoformat(), "workshop_at": (deadline + timedelta(days=1)).isoformat()})
    invitation = client.get(f"/api/sessions/{code}/invitation", headers=auth(session["facilitator_token"])).json
    assert f"about {minutes_needed(40)} minutes" in invitation["text"] and minutes_needed(40) == 30

    # nine people answer at their desks over three days; every fourth practice divides them
    people = [connect() for _ in range(9)]
    for index, person in enumerate(people):
        call(person, "join", {"code": code})
        for number, practice in enumerate(practices):
            divided = number % 4 == 0
            level = ("missing", "systematic")[index % 2] if divided else ("repeatable", "ad_hoc")[index == 8]
            call(person, "vote", {"practice": practice, "level": level})
        clock.advance(8 * 3600)
    clock.advance(3 * 86400)

    # the room: reveal, accept what the group agrees on, and what is left is the hour's agenda
    call(host, "reveal", {"practice": "*"})
    state = host.get_received()[-1]["args"][0]
    accepted = call(host, "accept_agreed", {"practices": state["agreed_to_accept"]})["accepted"]
    summary = client.get(f"/api/sessions/{code}/summary", headers=auth(session["facilitator_token"])).json
    to_discuss = [p["id"] for p in summary["practices"] if not p["decision"]]
    assert len(accepted) == 30 and len(to_discuss) == 10
    assert summary["queue"][: len(to_discuss)] == [p for p in summary["queue"] if p in to_discuss]
    assert len(to_discuss) * MINUTES_PER_DISCUSSION <= ROOM_MINUTES
    assert (summary["prework"]["started"], summary["prework"]["finished"]) == (9, 9)
