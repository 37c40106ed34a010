"""What one device, or a flood of them, can make the server carry: bounded state, capped rooms,
rate limits a real room never meets (issue: no single device can take the room down)."""

import json

import pytest

from workshop.core import protocol

LONG = "x" * protocol.MAX_NOTE


def crowd(service, code, practice, count, note=LONG, level="missing"):
    """``count`` participants who each vote ``level`` with a long reason, through the service."""
    for _ in range(count):
        joined = service.room.join(protocol.Join(code, None, None, None))
        service.room.vote(code, joined.participant, protocol.Vote(practice, level, note, None))


def spotlit(new_session, facilitator, service, people):
    """A session whose first practice was answered by ``people`` with long reasons, revealed and
    its reasons spotlighted; returns its code."""
    session = new_session()
    host = facilitator(session)
    host.emit("open", {"practice": "repair-identify"})
    crowd(service, session["code"], "repair-identify", people)
    host.emit("reveal", {"practice": "repair-identify"})
    host.emit("spotlight", {"practice": "repair-identify", "show_reasons": True})
    return session["code"]


def test_a_thousand_long_reasons_keep_the_spotlight_state_small(new_session, facilitator, service):
    code = spotlit(new_session, facilitator, service, 1000)
    states = service.room.states(code)
    for role, state in states.items():
        size = len(json.dumps(state))
        assert size < 32 * 1024, f"the {role}'s state is {size} bytes with 1,000 reasons spotlighted"
    spotlight = states["presenter"]["spotlight"]
    assert spotlight["reasons_total"] == 1000
    assert 0 < len(spotlight["reasons"]) <= 30


def test_the_spotlighted_reasons_are_read_once_not_on_every_tally(new_session, facilitator, service, monkeypatch):
    code = spotlit(new_session, facilitator, service, 20)
    reads = []
    original = service.store.sessions.reasons
    monkeypatch.setattr(service.store.sessions, "reasons", lambda *args: reads.append(args) or original(*args))
    for _ in range(20):
        service.room.tally(code)
        service.room.states(code)
    assert len(reads) <= 1, f"the reasons of a revealed round were read {len(reads)} times"


def test_a_pdf_rendered_in_a_child_process_is_the_same_document(client, new_session, service):
    from tests.summary_helpers import export as download
    from workshop import export

    session = new_session(organization="Acme")
    report = service.reports.report(session["code"])
    made_here = export.export(report, "pdf")
    made_there = export.export(report, "pdf", in_child=True)
    assert made_there.content.startswith(b"%PDF") and made_there.filename == made_here.filename
    assert download(client, session, "pdf").status_code == 200


def test_pdfs_beyond_the_queue_are_told_to_retry_and_the_rest_still_download(client, new_session, service):
    import threading

    from tests.summary_helpers import export as download

    session = new_session(organization="Acme")
    queue = service.reports.renders
    release = threading.Event()
    holders = []
    # fill the turnstile: one PDF rendering and four waiting (the defaults)
    for _ in range(queue.limits.at_once + queue.limits.waiting):
        entered = threading.Event()

        def hold(entered=entered):
            with queue.turn():
                entered.set()
                release.wait(10)

        thread = threading.Thread(target=hold)
        thread.start()
        holders.append(thread)
        entered.wait(0.2)  # the first enters; the others queue behind it
    try:
        response = download(client, session, "pdf")
        assert response.status_code == 503
        assert response.json["error"] == "busy" and "try again" in response.json["message"]
        assert download(client, session, "md").status_code == 200  # light formats never queue
    finally:
        release.set()
        for thread in holders:
            thread.join(10)
    assert download(client, session, "pdf").status_code == 200


def test_the_background_tick_looks_only_at_sessions_where_something_happens(
    new_session, facilitator, join_participant, realtime, service, clock, monkeypatch
):
    from workshop.web.realtime import SWEEP_INTERVAL

    idle = [new_session() for _ in range(30)]
    for session in idle:
        facilitator(session)  # a facilitator's page left open: the session is watched
    busy = new_session()
    host = facilitator(busy)
    phone = join_participant(busy)
    host.emit("open", {"practice": "repair-identify"})
    looked_at = []
    original = service.room.reveal_if_due
    monkeypatch.setattr(service.room, "reveal_if_due", lambda code: looked_at.append(code) or original(code))
    realtime.tick()  # the first tick sweeps every watched session once
    looked_at.clear()
    for _ in range(50):  # five seconds of ticks with nothing happening
        realtime.tick()
    assert looked_at == []
    phone.emit("vote", {"practice": "repair-identify", "level": "missing"})
    realtime.tick()
    assert looked_at == [busy["code"]], "a vote makes its session due, and only it"
    looked_at.clear()
    clock.advance(SWEEP_INTERVAL)
    realtime.tick()
    assert len(looked_at) == len(idle) + 1, "the slow sweep still passes by every watched session"


def test_a_countdown_reveals_on_time_without_a_sweep(
    new_session, facilitator, join_participant, realtime, clock, monkeypatch
):
    monkeypatch.setattr("workshop.web.realtime.SWEEP_INTERVAL", 3600.0)
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    realtime.tick()  # the sweep happens now; the next one is an hour away
    host.emit("open", {"practice": "repair-identify"})
    phone.emit("vote", {"practice": "repair-identify", "level": "missing"})
    host.emit("timer", {"seconds": 5})
    realtime.tick()
    clock.advance(5)
    host.clear()
    realtime.tick()
    state = host.last("state")
    assert state is not None
    practice = next(row for row in state["practices"] if row["id"] == "repair-identify")
    assert practice["status"] == "revealed"


@pytest.fixture
def limited_app(tmp_path, clock):
    """An app with small limits, so a test can reach them with a few requests."""
    from workshop import create_app

    def make(**limits):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE": str(tmp_path / f"limited-{len(made)}.db"),
                "BACKGROUND_TICKER": False,
                "PUBLIC_URL": "http://workshop.test",
                "CLOCK": clock,
                **limits,
            }
        )
        made.append(app)
        return app

    made = []
    yield make
    for app in made:
        app.extensions["workshop.service"].close()


def socket(app):
    from tests.conftest import SocketClient

    return SocketClient(app, app.test_client())


def create(app, **extra):
    response = app.test_client().post("/api/sessions", json={"framework": "forrester-path", "title": "t", **extra})
    return response


def test_a_full_session_refuses_newcomers_and_keeps_its_people(new_session, facilitator, join_participant, connect):
    session = new_session(settings={"max_participants": 3})
    host = facilitator(session)
    people = [join_participant(session) for _ in range(3)]
    newcomer = connect()
    ack = newcomer.emit("join", {"code": session["code"]}, expect="full")
    assert "3 people" in ack["message"] and "facilitator" in ack["message"]
    assert host.emit("roster", {})["joined"] == 3
    # someone already in comes back (a reload, a new connection) and is let in
    connect().emit("join", {"code": session["code"], "participant_token": people[0].token})
    # the facilitator makes room, and the newcomer gets in
    host.emit("settings", {"max_participants": 4})
    newcomer.emit("join", {"code": session["code"]})
    assert host.emit("roster", {})["joined"] == 4


def test_a_join_flood_from_one_network_is_stopped_but_people_already_in_resume(limited_app):
    app = limited_app(JOINS_PER_ADDRESS="5/minute")
    code = create(app).json["code"]
    joined = [socket(app).emit("join", {"code": code}) for _ in range(5)]
    ack = socket(app).emit("join", {"code": code}, expect="rate_limited")
    assert "this network" in ack["message"] and "try again" in ack["message"]
    # resuming is not a new participant: a phone that reloads always gets back in
    socket(app).emit("join", {"code": code, "participant_token": joined[0]["participant_token"]})


def test_guessing_codes_is_slowed_to_a_crawl_and_a_real_code_then_waits_too(limited_app):
    app = limited_app(FAILED_JOINS_PER_CONNECTION="3/minute")
    code = create(app).json["code"]
    guesser = socket(app)
    wrong = "2" * 6 if code != "2" * 6 else "3" * 6
    for _ in range(3):
        guesser.emit("join", {"code": wrong}, expect="not_found")
    ack = guesser.emit("join", {"code": code}, expect="rate_limited")
    assert "wrong code" in ack["message"]
    socket(app).emit("join", {"code": code})  # another phone is not held back


def test_failed_joins_are_counted_per_network(limited_app):
    app = limited_app(FAILED_JOINS_PER_ADDRESS="4/minute")
    code = create(app).json["code"]
    for _ in range(4):
        socket(app).emit("join", {"code": "2" * 6 if code != "2" * 6 else "3" * 6}, expect="not_found")
    socket(app).emit("join", {"code": code}, expect="rate_limited")


def test_a_session_creation_flood_gets_a_json_429_with_retry_after(limited_app):
    app = limited_app()  # the default: 30 a minute from one address
    statuses = [create(app).status_code for _ in range(31)]
    assert statuses[:30] == [201] * 30
    response = create(app)
    assert response.status_code == 429
    assert response.json["error"] == "rate_limited" and "sessions" in response.json["message"]
    assert int(response.headers["Retry-After"]) > 0
    # the rest of the API still answers this address
    assert app.test_client().get("/api/frameworks").status_code == 200


def test_behind_a_trusted_proxy_each_client_address_counts_separately(limited_app):
    app = limited_app(SESSIONS_PER_ADDRESS="2/minute", TRUSTED_PROXIES=1)
    client = app.test_client()

    def from_address(address):
        return client.post(
            "/api/sessions",
            json={"framework": "forrester-path", "title": "t"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [from_address("203.0.113.5") for _ in range(3)] == [201, 201, 429]
    assert from_address("198.51.100.7") == 201


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(limited_app):
    app = limited_app(SESSIONS_PER_ADDRESS="2/minute")
    client = app.test_client()
    statuses = [
        client.post(
            "/api/sessions",
            json={"framework": "forrester-path", "title": "t"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
