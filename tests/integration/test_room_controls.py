"""The facilitator's room controls: automatic reveal, the countdown, the projector's spotlight,
settings; and frameworks loaded from the facilitator's own directory."""

import pytest

from workshop import create_app


def state_of(socket):
    return socket.events("state")[-1]


def practice(state, practice_id):
    return next(item for item in state["practices"] if item["id"] == practice_id)


def test_automatic_reveal_when_everyone_present_has_voted(new_session, facilitator, join_participant, realtime):
    session = new_session(settings={"auto_reveal": True})
    host = facilitator(session)
    phones = [join_participant(session) for _ in range(3)]
    host.emit("open", {"practice": "repair-identify"})
    for phone in phones[:2]:
        phone.emit("vote", {"practice": "repair-identify", "level": "repeatable"})
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "open"  # one still to vote
    phones[2].emit("vote", {"practice": "repair-identify", "level": "ad_hoc"})
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "revealed"
    assert practice(state_of(phones[0]), "repair-identify")["result"]["voters"] == 3


def test_people_who_left_do_not_hold_back_the_automatic_reveal(new_session, facilitator, join_participant, realtime):
    session = new_session(settings={"auto_reveal": True})
    host = facilitator(session)
    stays, leaves = join_participant(session), join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    leaves.disconnect()
    stays.emit("vote", {"practice": "repair-identify", "level": "systematic"})
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "revealed"


def test_without_automatic_reveal_the_round_stays_open(new_session, facilitator, join_participant, realtime):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    phone.emit("vote", {"practice": "repair-identify", "level": "systematic"})
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "open"
    assert host.emit("settings", {"auto_reveal": True})["ok"]
    assert state_of(host)["settings"]["auto_reveal"] is True
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "revealed"


def test_the_countdown_reveals_the_current_practice_when_it_ends(
    new_session, facilitator, join_participant, realtime, clock
):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    assert host.emit("open", {"practice": "repair-identify"})["ok"]
    assert host.emit("timer", {"seconds": 30})["ok"]
    timer = state_of(phone)["timer"]
    assert timer["remaining"] == 30 and timer["ends_at"] == clock() + 30
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "open"
    clock.advance(29)
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "open"  # one second to go
    clock.advance(1)
    realtime.tick()
    assert practice(state_of(host), "repair-identify")["status"] == "revealed"
    assert state_of(host)["timer"] is None


def test_the_countdown_can_be_stopped(new_session, facilitator):
    session = new_session()
    host = facilitator(session)
    host.emit("open", {"practice": "repair-identify"})
    host.emit("timer", {"seconds": 60})
    assert state_of(host)["timer"] is not None
    assert host.emit("timer", {})["ok"]
    assert state_of(host)["timer"] is None


def test_the_spotlight_shows_reasons_on_the_projector_without_names(
    new_session, facilitator, join_participant, connect
):
    session = new_session()
    host = facilitator(session)
    projector = connect()
    projector.emit("watch", {"code": session["code"], "presenter_token": session["presenter_token"]})
    alice = join_participant(session, name="Alice Secret")
    host.emit("open", {"practice": "repair-identify"})
    alice.emit("vote", {"practice": "repair-identify", "level": "ad_hoc", "note": "only in stores"})
    host.emit("spotlight", {"practice": "repair-identify", "show_reasons": True}, expect="not_revealed")
    host.emit("reveal", {"practice": "repair-identify"})
    assert host.emit("spotlight", {"practice": "repair-identify", "show_reasons": True})["ok"]
    spotlight = state_of(projector)["spotlight"]
    assert spotlight["practice"] == "repair-identify"
    assert spotlight["reasons"] == [{"round": 1, "level": "ad_hoc", "note": "only in stores"}]
    assert "Alice Secret" not in str(state_of(projector))
    assert "only in stores" not in str(state_of(alice))  # phones never get reasons
    assert host.emit("spotlight", {})["ok"]
    assert state_of(projector)["spotlight"] is None


def test_session_notes_are_for_the_facilitator_only(new_session, facilitator, join_participant, connect):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    projector = connect()
    projector.emit("watch", {"code": session["code"], "presenter_token": session["presenter_token"]})
    assert host.emit("notes", {"notes": "Leadership arrived late.\nRevisit Elevate."})["ok"]
    assert state_of(host)["notes"] == "Leadership arrived late.\nRevisit Elevate."
    assert "arrived late" not in str(state_of(phone)) + str(state_of(projector))
    host.emit("notes", {"notes": 5}, expect="bad_request")
    host.emit("notes", {"notes": "x" * 4001}, expect="bad_request")
    phone.emit("notes", {"notes": "hi"}, expect="forbidden")


CUSTOM = """
format = 1
id = "our-own"
name = "Our own model"
summary = "A model of our own."
[reference]
title = "Internal"
author = "Us"
published = "2026"
[[stages]]
id = "start"
name = "Start"
description = "Where we start."
  [[stages.practices]]
  id = "we-listen"
  text = "We listen to customers."
  source = "our workshop notes"
"""


def test_a_facilitator_can_load_their_own_framework_directory(tmp_path, new_database):
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "ours.toml").write_text(CUSTOM, encoding="utf-8")
    app = create_app(
        {"DATABASE": new_database("workshop"), "FRAMEWORK_DIRS": [str(folder)], "BACKGROUND_TICKER": False}
    )
    try:
        client = app.test_client()
        ids = [framework["id"] for framework in client.get("/api/frameworks").json["frameworks"]]
        assert "our-own" in ids and "forrester-path" in ids
        created = client.post("/api/sessions", json={"framework": "our-own", "title": "Ours"})
        assert created.status_code == 201
    finally:
        app.extensions["workshop.realtime"].stop()
        app.extensions["workshop.service"].store.close()


@pytest.mark.parametrize(
    "content, problem",
    [("id = [", "is not valid TOML"), (CUSTOM.replace('id = "we-listen"', 'id = "start"'), "already used")],
)
def test_the_server_refuses_to_start_with_a_broken_framework_file(tmp_path, cli, content, problem):
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "broken.toml").write_text(content, encoding="utf-8")
    result = cli(
        "serve", "--async-mode", "threading", "--frameworks", folder, "--db", tmp_path / "db.sqlite", "--port", "0"
    )
    assert result.exit_code == 2
    assert "broken.toml" in result.stderr and problem in result.stderr


def test_the_roster_lists_names_given_and_who_is_here_but_no_votes(new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    zoe = join_participant(session, name="Zoë")
    join_participant(session, name="adam")
    join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    zoe.emit("vote", {"practice": "repair-identify", "level": "missing"})
    zoe.disconnect()
    roster = host.emit("roster", {})
    assert roster == {
        "ok": True,
        "joined": 3,
        "present": 2,
        "anonymous": 1,
        "named": [{"name": "adam", "present": True}, {"name": "Zoë", "present": False}],
    }
    assert "missing" not in str(roster)
    join_participant(session).emit("roster", {}, expect="forbidden")


def test_reasons_are_ordered_by_level_and_text_not_by_who_answered_first(new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    host.emit("open", {"practice": "repair-identify"})
    for level, note in (
        ("systematic", "zebra"),
        ("unknown", "no idea"),
        ("missing", "never"),
        ("missing", "Almost never"),
    ):
        join_participant(session).emit("vote", {"practice": "repair-identify", "level": level, "note": note})
    host.emit("reveal", {"practice": "repair-identify"})
    reasons = host.emit("reasons", {"practice": "repair-identify"})["reasons"]
    assert [(r["level"], r["note"]) for r in reasons] == [
        ("missing", "Almost never"),
        ("missing", "never"),
        ("systematic", "zebra"),
        ("unknown", "no idea"),
    ]


def test_a_countdown_belongs_to_its_round_and_never_reveals_the_next_practice(
    new_session, facilitator, join_participant, realtime, service, clock
):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    assert host.emit("timer", {"seconds": 30})["ok"]
    timer = service.room.timer(session["code"])
    assert (timer.practice_id, timer.round) == ("repair-identify", 1)
    host.emit("reveal", {"practice": "repair-identify"})  # revealed by hand before the end
    assert state_of(host)["timer"] is None
    host.emit("open", {"practice": "repair-prioritise"})
    # the old deadline passes while the room votes on the next practice: nothing happens to it
    clock.advance(31)
    realtime.tick()
    assert practice(state_of(host), "repair-prioritise")["status"] == "open"
    assert phone.emit("vote", {"practice": "repair-prioritise", "level": "ad_hoc"})["ok"]
    assert state_of(phone)["timer"] is None


def test_moving_to_another_practice_or_a_revote_ends_the_countdown(new_session, facilitator, service):
    session = new_session()
    host = facilitator(session)
    host.emit("open", {"practice": "repair-identify"})
    host.emit("timer", {"seconds": 30})
    host.emit("open", {"practice": "repair-prioritise"})
    assert service.room.timer(session["code"]) is None and state_of(host)["timer"] is None
    host.emit("reveal", {"practice": "*"})
    host.emit("revote", {"practice": "repair-identify"})
    assert host.emit("timer", {"seconds": 30})["ok"]
    assert service.room.timer(session["code"]).round == 2
    host.emit("close", {})
    assert service.room.timer(session["code"]) is None


def test_a_countdown_needs_a_practice_the_room_is_voting_on(new_session, facilitator):
    session = new_session()
    host = facilitator(session)
    host.emit("timer", {"seconds": 30}, expect="not_open")
    host.emit("open", {"practice": "*"})  # self-paced: no current practice
    host.emit("timer", {"seconds": 30}, expect="not_open")
    host.emit("open", {"practice": "repair-identify"})
    host.emit("reveal", {"practice": "repair-identify"})
    host.emit("timer", {"seconds": 30}, expect="not_open")


def test_the_server_refuses_to_start_when_its_message_queue_does_not_answer(tmp_path, cli):
    from tests.live import free_port

    result = cli(
        "serve",
        "--async-mode",
        "threading",
        "--db",
        tmp_path / "db.sqlite",
        "--message-queue",
        f"redis://127.0.0.1:{free_port()}/0",
    )
    assert result.exit_code == 1 and "does not answer" in result.stderr


def test_check_frameworks_reports_every_broken_file(tmp_path, cli):
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "a-good.toml").write_text(CUSTOM, encoding="utf-8")
    (folder / "b-broken.toml").write_text("id = [", encoding="utf-8")
    (folder / "c-clash.toml").write_text(CUSTOM, encoding="utf-8")
    (folder / "d-empty.toml").write_text(
        CUSTOM.replace('text = "We listen to customers."', 'text = ""'), encoding="utf-8"
    )
    output = cli("check-frameworks", folder)
    assert output.exit_code == 1 and "ok  our-own" in output.stdout
    for name in ("b-broken.toml", "c-clash.toml", "d-empty.toml"):
        assert name in output.stderr
    assert cli("check-frameworks").exit_code == 0  # the shipped ones
