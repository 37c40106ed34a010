"""Bad input gets a clear error and changes nothing; the server never crashes or leaks a traceback."""

import pytest


def assert_error(ack, code):
    assert isinstance(ack, dict), ack
    assert ack["ok"] is False, ack
    assert ack["error"] == code, ack
    assert isinstance(ack["message"], str) and ack["message"]
    assert "Traceback" not in ack["message"]


@pytest.fixture
def room(new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    return session, host, phone


@pytest.mark.parametrize(
    "payload, code",
    [
        (None, "bad_request"),
        ("repair-identify", "bad_request"),
        ([1, 2], "bad_request"),
        ({}, "bad_request"),
        ({"practice": "repair-identify"}, "bad_request"),
        ({"level": "missing"}, "bad_request"),
        ({"practice": "repair-identify", "level": "excellent"}, "bad_request"),
        ({"practice": "repair-identify", "level": 3}, "bad_request"),
        ({"practice": "repair-identify", "level": "missing", "note": "x" * 281}, "bad_request"),
        ({"practice": "repair-identify", "level": "missing", "note": 42}, "bad_request"),
        ({"practice": "repair-identify", "level": "missing", "round": "1"}, "bad_request"),
        ({"practice": "repair-identify", "level": "missing", "round": 2}, "not_open"),
        ({"practice": "repair-identify", "level": "missing", "extra": 1}, "bad_request"),
        ({"practice": "Repair Identify", "level": "missing"}, "bad_request"),
        ({"practice": "no-such-practice", "level": "missing"}, "not_found"),
        ({"practice": "elevate-reward", "level": "missing"}, "not_open"),
        ({"practice": {"$ne": 1}, "level": "missing"}, "bad_request"),
    ],
)
def test_bad_votes_are_refused_and_change_nothing(room, client, payload, code):
    session, host, phone = room
    phone.emit("vote", payload, expect=code)
    summary = client.get(
        f"/api/sessions/{session['code']}/summary",
        headers={"Authorization": f"Bearer {session['facilitator_token']}"},
    ).json
    assert sum(round_["votes"] for row in summary["practices"] for round_ in row["rounds"]) == 0


def test_a_vote_with_two_arguments_is_refused(room):
    session, host, phone = room
    ack = phone.io.emit("vote", {"practice": "repair-identify", "level": "missing"}, "more", callback=True)
    assert_error(ack, "bad_request")


@pytest.mark.parametrize(
    "payload, code",
    [
        ({}, "bad_request"),
        ({"code": 123456}, "bad_request"),
        ({"code": "ABC"}, "bad_request"),
        ({"code": "ZZZZZZ"}, "not_found"),
        ({"code": "VALID!", "name": "x"}, "bad_request"),
        ({"code": "{code}", "name": "n" * 41}, "bad_request"),
        ({"code": "{code}", "name": ["Alice"]}, "bad_request"),
        ({"code": "{code}", "participant_token": "short"}, "bad_request"),
        ({"code": "{code}", "participant_token": "x" * 40}, "forbidden"),
        ({"code": "{code}", "segment": "Leadership"}, "bad_request"),
        ({"code": "{code}", "role": "facilitator"}, "bad_request"),
    ],
)
def test_bad_joins_are_refused(new_session, connect, service, payload, code):
    session = new_session()
    payload = {
        key: (value.format(code=session["code"]) if isinstance(value, str) else value) for key, value in payload.items()
    }
    socket = connect()
    socket.emit("join", payload, expect=code)
    assert service.store.sessions.participant_count(session["code"]) == 0
    # and the refused socket has no identity: it cannot vote
    socket.emit("vote", {"practice": "repair-identify", "level": "missing"}, expect="forbidden")


def test_codes_are_accepted_in_any_case_and_with_separators(new_session, connect):
    session = new_session()
    typed = session["code"].lower()[:3] + "-" + session["code"].lower()[3:]
    ack = connect().emit("join", {"code": typed})
    assert ack["ok"], ack


@pytest.mark.parametrize(
    "event, payload, code",
    [
        ("open", {"practice": "nope"}, "not_found"),
        ("open", {"practice": 7}, "bad_request"),
        ("open", {}, "bad_request"),
        ("open", {"practice": "*", "force": True}, "bad_request"),
        ("reveal", {"practice": "elevate-reward"}, "not_open"),
        ("revote", {"practice": "repair-identify"}, "not_revealed"),
        ("revote", {"practice": "elevate-reward"}, "not_open"),
        ("revote", {"practice": "*"}, "bad_request"),
        ("consolidate", {"practice": "repair-identify"}, "not_revealed"),
        ("consolidate", {"practice": "repair-identify", "level": "great"}, "bad_request"),
        ("consolidate", {"practice": "repair-identify", "level": "unknown"}, "bad_request"),
        ("consolidate", {"practice": "repair-identify", "level": "systematic", "note": ""}, "not_revealed"),
        ("close", {"now": True}, "bad_request"),
        ("close", "yes", "bad_request"),
        ("reasons", {"practice": "repair-identify", "round": 0}, "bad_request"),
        ("timer", {"seconds": 1}, "bad_request"),
        ("timer", {"seconds": "60"}, "bad_request"),
        ("settings", {"agreed_share": 7}, "bad_request"),
        ("settings", {"segments": ["a"]}, "bad_request"),
        ("host", {"code": "{code}"}, "bad_request"),
    ],
)
def test_bad_facilitator_events_are_refused_and_change_nothing(room, event, payload, code):
    session, host, phone = room
    if isinstance(payload, dict):
        payload = {k: (v.format(code=session["code"]) if isinstance(v, str) else v) for k, v in payload.items()}
    before = host.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["state"]
    host.emit(event, payload, expect=code)
    after = host.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["state"]
    assert after == before


def test_an_override_without_a_note_is_refused_and_records_nothing(room, client):
    session, host, phone = room
    phone.emit("vote", {"practice": "repair-identify", "level": "repeatable"})
    host.emit("reveal", {"practice": "repair-identify"})
    host.emit("consolidate", {"practice": "repair-identify", "level": "systematic"}, expect="bad_request")
    summary = client.get(
        f"/api/sessions/{session['code']}/summary", headers={"Authorization": f"Bearer {session['facilitator_token']}"}
    ).json
    assert summary["practices"][0]["consolidated_level"] is None


def test_a_consolidation_with_no_rated_votes_needs_an_explicit_level(room):
    session, host, phone = room
    phone.emit("vote", {"practice": "repair-identify", "level": "unknown"})
    host.emit("reveal", {"practice": "repair-identify"})
    host.emit("consolidate", {"practice": "repair-identify"}, expect="bad_request")
    assert host.emit("consolidate", {"practice": "repair-identify", "level": "missing", "note": "nobody knows"})["ok"]


def test_unknown_events_get_an_error_ack(connect):
    socket = connect()
    socket.emit("delete_everything", {}, expect="bad_request")
    socket.emit("vote", expect="forbidden")


def test_an_oversized_string_is_refused_not_truncated(room):
    session, host, phone = room
    phone.emit("join", {"code": session["code"], "name": "😀" * 41}, expect="bad_request")
    phone.emit("vote", {"practice": "p" * 65, "level": "missing"}, expect="bad_request")


def test_an_unexpected_error_is_logged_and_answered_as_internal(room, service, monkeypatch, caplog):
    session, host, phone = room

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire at /secret/path")

    monkeypatch.setattr(service.store.sessions, "cast_vote", broken)
    ack = phone.emit("vote", {"practice": "repair-identify", "level": "missing"}, expect="internal")
    assert "secret" not in ack["message"] and "fire" not in ack["message"]
    assert "database on fire" in caplog.text
    # the server keeps serving
    monkeypatch.undo()
    assert phone.emit("vote", {"practice": "repair-identify", "level": "missing"})["ok"]


# --- HTTP -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "bad_request"),
        ({"framework": "forrester-path"}, "bad_request"),
        ({"framework": "forrester-path", "title": ""}, "bad_request"),
        ({"framework": "forrester-path", "title": "t" * 121}, "bad_request"),
        ({"framework": "nope", "title": "x"}, "not_found"),
        ({"framework": ["forrester-path"], "title": "x"}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "organization": 5}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "settings": {"placement_threshold": "great"}}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "settings": {"min_segment_size": 2}}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "settings": {"segments": "a,b"}}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "settings": {"segments": ["a", "A"]}}, "bad_request"),
        ({"framework": "forrester-path", "title": "x", "admin": True}, "bad_request"),
    ],
)
def test_bad_session_creation_is_refused(client, service, body, code):
    response = client.post("/api/sessions", json=body)
    assert response.status_code in (400, 404)
    assert response.json["error"] == code and response.json["message"]
    assert service.store.database.count("assessments") == 0


def test_http_errors_are_json(client):
    assert client.post("/api/sessions", data="framework=x").json["error"] == "bad_request"
    response = client.post("/api/sessions", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert client.get("/api/nothing-here").json["error"] == "not_found"
    assert client.delete("/api/frameworks").json["error"] == "method_not_allowed"


def test_the_summary_needs_the_facilitator_token(client, new_session):
    session = new_session()
    url = f"/api/sessions/{session['code']}/summary"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Basic abc"}).status_code == 401
    wrong = client.get(url, headers={"Authorization": f"Bearer {session['presenter_token']}"})
    assert wrong.status_code == 403 and wrong.json["error"] == "forbidden"
    assert (
        client.get("/api/sessions/ZZZZZZ/summary", headers={"Authorization": "Bearer " + "x" * 32}).status_code == 404
    )
    assert client.get("/api/sessions/not-a-code/summary").json["error"] == "bad_request"


def test_one_connection_cannot_mint_participant_after_participant(new_session, join_participant, service):
    session = new_session()
    phone = join_participant(session)
    phone.emit("join", {"code": session["code"]}, expect="forbidden")
    assert service.store.sessions.participant_count(session["code"]) == 1
    again = phone.emit("join", {"code": session["code"], "participant_token": phone.token})
    assert again["ok"] and again["resumed"]


def test_the_spotlight_is_refused_once_the_session_is_closed(room):
    session, host, phone = room
    host.emit("close", {})
    host.emit("spotlight", {"practice": "repair-identify", "show_reasons": True}, expect="closed")


@pytest.mark.parametrize("depth", [100_000])
def test_deeply_nested_json_bodies_are_a_clear_400_not_a_traceback(client, new_session, caplog, depth):
    nested = "[" * depth + "]" * depth
    session = new_session(organization="Deep Org")
    organization_key = session["organization_key"]
    for method, url, headers in (
        ("POST", "/api/sessions", {}),
        ("PATCH", "/api/orgs/Deep%20Org", {"Authorization": f"Bearer {organization_key}"}),
    ):
        response = client.open(url, method=method, data=nested, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 400, (url, response.status_code)
        assert response.json["error"] == "bad_request"
        assert "nested too deeply" in response.json["message"]
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelname == "ERROR"]


def test_page_routes_answer_other_methods_with_the_friendly_page(client, new_session):
    code = new_session()["code"]
    for url in ("/", f"/join/{code}", "/new"):
        response = client.post(url, data={"x": "1"})
        assert response.status_code == 405
        assert "text/html" in response.content_type
        assert "Not allowed" in response.get_data(as_text=True)
    response = client.delete("/api/frameworks")
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"
