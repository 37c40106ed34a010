"""Pre-work over the real handlers (Flask-SocketIO's and Flask's test clients, the test clock): the
facilitator turns it on, people answer at their own pace and on a second device, the server's clock
closes it, the room reveals, accepts the agreed practices, re-votes a divided one, and the summary
says who took part where, by count only. It survives a restart."""

from datetime import datetime, timedelta, timezone

import icalendar
import pytest

from tests.summary_helpers import auth
from workshop import create_app
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

PRACTICES = tuple(practice.id for practice in load_frameworks([BUILTIN_DIRECTORY])["forrester-path"].practices)


PARIS = timezone(timedelta(hours=1))


def iso(clock, hours: float) -> str:
    """``hours`` from the test clock's now, as the facilitator's page sends it (with its offset)."""
    return datetime.fromtimestamp(int(clock() + hours * 3600), PARIS).isoformat()


def state_of(socket):
    return socket.events("state")[-1]


def practice(state, practice_id):
    return next(item for item in state["practices"] if item["id"] == practice_id)


def summary(client, session):
    response = client.get(f"/api/sessions/{session['code']}/summary", headers=auth(session["facilitator_token"]))
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def prework_session(new_session, facilitator, clock):
    """A Forrester session whose pre-work closes in two days, the workshop the Monday after."""
    session = new_session(title="Pre-work, then the room", organization="Acme")
    host = facilitator(session)
    ack = host.emit("prework", {"deadline": iso(clock, 48), "workshop_at": iso(clock, 72), "workshop_minutes": 60})
    assert ack["changed"] is True
    return session, host


def test_pre_work_opens_every_practice_and_phones_see_the_deadline_without_counts(
    prework_session, join_participant, clock
):
    session, host = prework_session
    phone = join_participant(session)
    state = phone.join_ack["state"]
    assert state["current"] is None and {item["status"] for item in state["practices"]} == {"open"}
    assert state["prework"] == {
        "status": "open",
        "deadline": iso(clock, 48),
        "closed_at": None,
        "remaining": pytest.approx(48 * 3600, abs=1),
        "workshop_at": iso(clock, 72),
    }
    hosted = state_of(host)["prework"]
    assert hosted["status"] == "open" and hosted["invited"] is None
    assert (hosted["started"], hosted["finished"], hosted["practices"]) == (0, 0, 13)


def test_the_facilitator_sees_who_started_and_finished_never_the_answers(
    prework_session, join_participant, client, realtime
):
    session, host = prework_session
    finisher, starter, idle = (join_participant(session) for _ in range(3))
    for practice_id in PRACTICES:
        finisher.emit("vote", {"practice": practice_id, "level": "repeatable", "note": "at our own pace"})
    starter.emit("vote", {"practice": PRACTICES[0], "level": "unknown"})  # "don't know" is an answer
    body = summary(client, session)
    assert {key: body["prework"][key] for key in ("started", "finished")} == {"started": 2, "finished": 1}
    assert body["prework"]["deadline"] == state_of(host)["prework"]["deadline"]
    assert practice(body, PRACTICES[0])["votes"] == 2 and practice(body, PRACTICES[1])["votes"] == 1
    assert all(item["result"] is None for item in body["practices"])  # counts only
    assert "repeatable" not in str(body["practices"]) and "own pace" not in str(body)
    host.clear()
    realtime.tick()
    assert host.last("tally")["prework"] == {"started": 2, "finished": 1}
    idle.disconnect()


def test_the_room_waits_for_pre_work_to_close(prework_session):
    session, host = prework_session
    host.emit("reveal", {"practice": "*"}, expect="conflict")
    host.emit("reveal", {"practice": PRACTICES[0]}, expect="conflict")
    host.emit("open", {"practice": PRACTICES[0]}, expect="conflict")
    assert all(item["result"] is None for item in state_of(host)["practices"])


def test_the_deadline_is_kept_by_the_servers_clock_and_every_phone_is_told(
    prework_session, join_participant, realtime, clock
):
    session, host = prework_session
    phone = join_participant(session)
    phone.emit("vote", {"practice": PRACTICES[0], "level": "ad_hoc"})
    clock.advance(48 * 3600 - 1)
    phone.emit("vote", {"practice": PRACTICES[1], "level": "ad_hoc"})
    clock.advance(1)
    late = phone.emit("vote", {"practice": PRACTICES[2], "level": "ad_hoc"}, expect="not_open")
    assert "pre-work closed on" in late["message"] and "not recorded" in late["message"]
    phone.emit("vote", {"practice": PRACTICES[0], "level": "systematic"}, expect="not_open")  # no change either
    realtime.tick()  # the background loop records the closing once and tells everyone
    assert state_of(phone)["prework"]["status"] == "closed"
    assert state_of(host)["prework"]["closed_at"] == state_of(host)["prework"]["deadline"]
    assert phone.join_ack["votes"] == {}  # nothing was answered before joining
    again = join_participant(session, participant_token=phone.token)
    assert again.join_ack["votes"][PRACTICES[0]]["level"] == "ad_hoc"
    assert PRACTICES[2] not in again.join_ack["votes"]


def test_closing_early_and_extending(prework_session, join_participant, clock):
    session, host = prework_session
    phone = join_participant(session)
    host.emit("prework", {"deadline": iso(clock, 60)})  # extended: a later deadline
    assert state_of(phone)["prework"]["deadline"] == iso(clock, 60)
    host.emit("prework", {"deadline": iso(clock, 96)}, expect="bad_request")  # after the workshop
    host.emit("prework", {"deadline": iso(clock, -1)}, expect="bad_request")
    host.emit("prework", {"deadline": "2025-03-14T17:00"}, expect="bad_request")
    host.emit("prework", {"deadline": None})
    assert state_of(phone)["prework"]["status"] == "closed"
    phone.emit("vote", {"practice": PRACTICES[0], "level": "ad_hoc"}, expect="not_open")
    host.emit("prework", {"deadline": iso(clock, 70)})  # reopened: nothing has been revealed yet
    phone.emit("vote", {"practice": PRACTICES[0], "level": "ad_hoc"})
    phone.emit("prework", {"deadline": None}, expect="forbidden")  # a participant cannot


def test_a_second_device_with_the_resume_token_is_the_same_participant(prework_session, join_participant, client):
    session, host = prework_session
    phone = join_participant(session, name="Alice")
    for practice_id in PRACTICES[:5]:
        phone.emit("vote", {"practice": practice_id, "level": "ad_hoc"})
    phone.disconnect()
    laptop = join_participant(session, participant_token=phone.token)
    assert laptop.join_ack["resumed"] is True and laptop.join_ack["participant"]["name"] == "Alice"
    assert set(laptop.join_ack["votes"]) == set(PRACTICES[:5])
    laptop.emit("vote", {"practice": PRACTICES[0], "level": "systematic"})  # changed on the laptop
    for practice_id in PRACTICES[5:]:
        laptop.emit("vote", {"practice": practice_id, "level": "repeatable"})
    body = summary(client, session)
    assert (body["participants"]["joined"], body["prework"]["started"], body["prework"]["finished"]) == (1, 1, 1)
    assert practice(body, PRACTICES[0])["votes"] == 1  # changed, not counted twice


def test_in_the_room_agreed_practices_are_accepted_together_and_a_divided_one_re_voted(
    prework_session, join_participant, client, realtime, clock
):
    session, host = prework_session
    phones = [join_participant(session) for _ in range(6)]
    split = ["missing", "missing", "systematic", "systematic", "ad_hoc", "repeatable"]
    for index, phone in enumerate(phones):
        for practice_id in PRACTICES:
            level = split[index] if practice_id == PRACTICES[2] else "repeatable"
            phone.emit("vote", {"practice": practice_id, "level": level})
    clock.advance(48 * 3600)
    realtime.tick()
    host.emit("reveal", {"practice": "*"})
    state = state_of(host)
    assert state["queue"][0] == PRACTICES[2]  # the divided practice leads the discussion queue
    agreed = [item["id"] for item in state["practices"] if item["label"] == "agreed"]
    assert len(agreed) == 12 and PRACTICES[2] not in agreed
    host.emit("accept_agreed", {"practices": [PRACTICES[2]]}, expect="conflict")
    ack = host.emit("accept_agreed", {"practices": agreed})
    assert ack["accepted"] == agreed and ack["changed"] is True
    state = state_of(host)
    for practice_id in agreed:
        decision = practice(state, practice_id)["decision"]
        assert decision == {"round": 1, "level": "repeatable", "computed_level": "repeatable", "overridden": False,
                            "note": None}  # fmt: skip
    host.emit("accept_agreed", {"practices": agreed[:1]}, expect="conflict")  # recorded already

    # the divided practice is discussed and re-voted live; a newcomer who did no pre-work votes too
    host.emit("revote", {"practice": PRACTICES[2]})
    newcomers = [join_participant(session) for _ in range(3)]
    for phone in phones + newcomers:
        phone.emit("vote", {"practice": PRACTICES[2], "level": "ad_hoc" if phone in phones[:5] else "repeatable"})
    host.emit("reveal", {"practice": PRACTICES[2]})
    host.emit("consolidate", {"practice": PRACTICES[2]})
    body = summary(client, session)
    shift = practice(body, PRACTICES[2])["shift"]
    assert (shift["from_round"], shift["to_round"]) == (1, 2)
    assert body["prework"]["started"] == 6 and body["prework"]["finished"] == 6


def test_the_summary_of_a_session_without_pre_work_says_null(new_session, client, facilitator):
    session = new_session()
    facilitator(session)
    assert summary(client, session)["prework"] is None


def test_a_session_in_pre_work_survives_a_restart(tmp_path, clock, connect):
    config = {
        "TESTING": True,
        "DATABASE": str(tmp_path / "restart.db"),
        "BACKGROUND_TICKER": False,
        "PUBLIC_URL": "http://workshop.test",
        "CLOCK": clock,
    }
    first = create_app(config)
    client = first.test_client()
    session = client.post("/api/sessions", json={"framework": "forrester-path", "title": "Days of waiting"}).json
    io = first.extensions["socketio"].test_client(first, flask_test_client=client)
    assert io.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]}, callback=True)[
        "ok"
    ]
    assert io.emit("prework", {"deadline": iso(clock, 24 * 5)}, callback=True)["ok"]
    phone = first.extensions["socketio"].test_client(first, flask_test_client=client)
    joined = phone.emit("join", {"code": session["code"]}, callback=True)
    assert phone.emit("vote", {"practice": PRACTICES[0], "level": "ad_hoc"}, callback=True)["ok"]
    first.extensions["workshop.service"].close()

    clock.advance(3 * 86400)  # three days later, on a restarted server
    second = create_app(config)
    again = second.extensions["socketio"].test_client(second, flask_test_client=second.test_client())
    resumed = again.emit(
        "join", {"code": session["code"], "participant_token": joined["participant_token"]}, callback=True
    )
    assert resumed["ok"] and resumed["state"]["prework"]["status"] == "open"
    assert resumed["votes"][PRACTICES[0]]["level"] == "ad_hoc"
    assert again.emit("vote", {"practice": PRACTICES[1], "level": "repeatable"}, callback=True)["ok"]
    second.extensions["workshop.service"].close()


# --- the invitation and the calendar file -------------------------------------------------------------


def test_the_invitation_says_what_it_is_with_the_link_code_deadline_and_anonymity(prework_session, client):
    session, _ = prework_session
    response = client.get(f"/api/sessions/{session['code']}/invitation", headers=auth(session["facilitator_token"]))
    assert response.status_code == 200
    body = response.json
    text = body["text"]
    assert body["join_url"] == f"http://workshop.test/join/{session['code']}"
    assert body["join_url"] in text and f"enter the code {session['code']}" in text
    assert "(UTC+01:00)" in text and "in your own time zone" in text
    assert "anonymous" in text and "sees any answer before the workshop" in text
    assert "13 practices" in text or "thirteen practices" in text
    assert "Pre-work for \u201cPre-work, then the room\u201d: please answer by" in body["subject"]
    assert client.get(f"/api/sessions/{session['code']}/invitation").status_code == 401


def test_the_invitation_needs_pre_work(new_session, client):
    session = new_session()
    response = client.get(f"/api/sessions/{session['code']}/invitation", headers=auth(session["facilitator_token"]))
    assert response.status_code == 409 and response.json["error"] == "conflict"


def test_the_calendar_file_is_valid_icalendar_with_the_deadline_and_the_workshop(prework_session, client, clock):
    session, host = prework_session
    response = client.get(f"/api/sessions/{session['code']}/prework.ics", headers=auth(session["facilitator_token"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(event["UID"]).split("-")[0]: event for event in calendar.walk("VEVENT")}
    assert set(events) == {"prework", "workshop"}
    deadline, workshop = events["prework"], events["workshop"]
    assert deadline["DTEND"].dt == datetime.fromisoformat(iso(clock, 48))
    assert workshop["DTSTART"].dt == datetime.fromisoformat(iso(clock, 72))
    assert workshop["DTEND"].dt - workshop["DTSTART"].dt == timedelta(minutes=60)
    assert str(workshop["SUMMARY"]) == "Pre-work, then the room"  # the comma came back unescaped
    assert f"http://workshop.test/join/{session['code']}" in str(deadline["DESCRIPTION"])
    assert all("DTSTAMP" in event for event in events.values())
    assert deadline.walk("VALARM")
    first_sequence = int(deadline["SEQUENCE"])
    host.emit("prework", {"deadline": iso(clock, 50)})
    later = client.get(f"/api/sessions/{session['code']}/prework.ics", headers=auth(session["facilitator_token"]))
    moved = next(iter(icalendar.Calendar.from_ical(later.data).walk("VEVENT")))
    assert moved["UID"] == deadline["UID"] and int(moved["SEQUENCE"]) > first_sequence
