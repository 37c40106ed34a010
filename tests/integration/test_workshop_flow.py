"""A whole workshop through the documented Socket.IO and HTTP protocol (socketio.test_client)."""

from workshop.core.scale import LEVEL_VALUES


def summary(client, session):
    response = client.get(
        f"/api/sessions/{session['code']}/summary",
        headers={"Authorization": f"Bearer {session['facilitator_token']}"},
    )
    assert response.status_code == 200, response.json
    return response.json


def holds_counts(value) -> bool:
    """True if any nested object carries a per-level distribution or a result."""
    if isinstance(value, dict):
        if value.get("counts") is not None or value.get("result") is not None:
            return True
        return any(holds_counts(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_counts(item) for item in value)
    return False


def practice_row(summary_body, practice_id):
    return next(row for row in summary_body["practices"] if row["id"] == practice_id)


def test_a_whole_workshop_with_one_facilitator_and_three_participants(
    client, new_session, facilitator, join_participant
):
    session = new_session(organization="Acme")
    host = facilitator(session)
    assert host.host_ack["state"]["status"] == "running"
    assert host.host_ack["links"]["join_url"].endswith(f"/join/{session['code']}")
    alice = join_participant(session, name="Alice")
    bob = join_participant(session)
    carol = join_participant(session, name="Carol")
    assert alice.join_ack["state"]["role"] == "participant"
    assert set(alice.join_ack) == {"ok", "participant_token", "resumed", "participant", "state", "votes"}

    # nothing can be voted before the facilitator opens the practice
    alice.emit("vote", {"practice": "repair-identify", "level": "repeatable"}, expect="not_open")

    assert host.emit("open", {"practice": "repair-identify"})["ok"]
    assert alice.last("state")["current"] == "repair-identify"
    for socket, level in ((alice, "repeatable"), (bob, "repeatable"), (carol, "ad_hoc")):
        ack = socket.emit("vote", {"practice": "repair-identify", "level": level, "note": "because"})
        assert ack == {"ok": True, "practice": "repair-identify", "round": 1, "level": level, "note": "because"}

    # hidden until reveal: the facilitator's summary has only the number of votes
    hidden = practice_row(summary(client, session), "repair-identify")
    assert hidden["rounds"] == [{"number": 1, "revealed": False, "votes": 3, "result": None}]
    assert hidden["result"] is None and hidden["label"] is None and hidden["votes"] == 3

    assert host.emit("reveal", {"practice": "repair-identify"})["ok"]
    revealed = alice.last("state")
    result = next(p for p in revealed["practices"] if p["id"] == "repair-identify")["result"]
    assert result["counts"] == {"missing": 0, "ad_hoc": 1, "repeatable": 2, "systematic": 0, "unknown": 0}
    row = practice_row(summary(client, session), "repair-identify")
    assert row["result"]["counts"]["repeatable"] == 2 and row["result"]["median_low"] == "repeatable"
    assert row["consolidated_level"] is None and row["level"] == "repeatable" and row["provisional"] is True

    # votes after the reveal are refused; a re-vote opens round 2, earlier rounds are kept
    bob.emit("vote", {"practice": "repair-identify", "level": "systematic"}, expect="not_open")
    assert host.emit("revote", {"practice": "repair-identify"})["ok"]
    for socket in (alice, bob, carol):
        ack = socket.emit("vote", {"practice": "repair-identify", "level": "repeatable"})
        assert ack["round"] == 2
    assert host.emit("reveal", {"practice": "repair-identify"})["ok"]
    row = practice_row(summary(client, session), "repair-identify")
    assert [r["number"] for r in row["rounds"]] == [1, 2]
    assert row["rounds"][0]["result"]["counts"]["ad_hoc"] == 1
    assert row["rounds"][1]["result"]["counts"]["repeatable"] == 3

    # consolidate: the computed level, then an override with a note recorded beside it
    assert host.emit("consolidate", {"practice": "repair-identify"})["ok"]
    assert practice_row(summary(client, session), "repair-identify")["consolidated_level"] == "repeatable"
    override = host.emit(
        "consolidate", {"practice": "repair-identify", "level": "ad_hoc", "note": "only in one region"}
    )
    assert override["ok"]
    row = practice_row(summary(client, session), "repair-identify")
    assert row["consolidated_level"] == "ad_hoc"
    assert row["decision"] == {
        "round": 2,
        "level": "ad_hoc",
        "computed_level": "repeatable",
        "overridden": True,
        "note": "only in one region",
    }

    # self-paced: open everything at once
    assert host.emit("open", {"practice": "*"})["ok"]
    assert alice.emit("vote", {"practice": "elevate-reward", "level": "unknown"})["ok"]

    # close: read-only, open rounds revealed
    assert host.emit("close", {})["ok"]
    final = summary(client, session)
    assert final["status"] == "closed"
    assert practice_row(final, "elevate-reward")["rounds"][0]["result"]["counts"]["unknown"] == 1
    for event, payload in (
        ("open", {"practice": "repair-measure"}),
        ("reveal", {"practice": "*"}),
        ("consolidate", {"practice": "repair-identify", "level": "systematic"}),
        ("close", {}),
    ):
        host.emit(event, payload, expect="closed")
    alice.emit("vote", {"practice": "repair-measure", "level": "missing"}, expect="closed")
    assert final["participants"]["joined"] == 3


def test_until_the_reveal_nobody_sees_more_than_the_number_of_votes(
    new_session, facilitator, join_participant, realtime
):
    session = new_session()
    host = facilitator(session)
    alice = join_participant(session, name="Alice")
    bob = join_participant(session, name="Bob")
    host.emit("open", {"practice": "repair-identify"})
    alice.emit("vote", {"practice": "repair-identify", "level": "systematic", "note": "secret reason"})
    host.clear()
    bob.clear()
    realtime.tick()
    assert host.last("tally")["votes"] == {"repair-identify": 1}
    for socket in (host, bob):
        for message in socket.events("state") + socket.events("tally"):
            assert "secret reason" not in str(message)
            assert not holds_counts(message)
    state = host.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["state"]
    practice = next(p for p in state["practices"] if p["id"] == "repair-identify")
    assert practice["votes"] == 1
    assert practice["rounds"] == [{"number": 1, "revealed": False, "votes": 1, "result": None}]
    assert practice["result"] is None
    host.emit("reasons", {"practice": "repair-identify"}, expect="not_revealed")


def test_a_participant_snapshot_never_holds_anyone_elses_identity_or_vote(new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    alice = join_participant(session, name="Alice Unique")
    bob = join_participant(session, name="Bob Unique")
    host.emit("open", {"practice": "repair-identify"})
    alice.emit("vote", {"practice": "repair-identify", "level": "systematic", "note": "alice's note"})
    bob.emit("vote", {"practice": "repair-identify", "level": "missing"})
    host.emit("reveal", {"practice": "repair-identify"})
    seen = str(bob.events("state")) + str(bob.join_ack["state"])
    assert "Alice Unique" not in seen and "alice's note" not in seen
    assert alice.join_ack["participant_token"] not in seen
    # positive control: Alice's vote and note were really recorded, and Bob does see the result
    result = next(p for p in bob.last("state")["practices"] if p["id"] == "repair-identify")["result"]
    assert result["counts"]["systematic"] == 1 and result["counts"]["missing"] == 1
    assert host.emit("reasons", {"practice": "repair-identify"})["reasons"] == [
        {"level": "systematic", "note": "alice's note"}
    ]


def test_one_vote_per_participant_per_round_and_it_can_be_changed(client, new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    alice = join_participant(session)
    host.emit("open", {"practice": "repair-identify"})
    for level in LEVEL_VALUES:
        assert alice.emit("vote", {"practice": "repair-identify", "level": level})["ok"]
    host.emit("reveal", {"practice": "repair-identify"})
    row = practice_row(summary(client, session), "repair-identify")
    assert row["rounds"][0]["votes"] == 1
    assert row["result"]["counts"] == {"missing": 0, "ad_hoc": 0, "repeatable": 0, "systematic": 1, "unknown": 0}


def test_a_participant_resumes_with_their_token_and_votes_intact(new_session, facilitator, join_participant, connect):
    session = new_session()
    host = facilitator(session)
    alice = join_participant(session, name="Alice")
    host.emit("open", {"practice": "repair-identify"})
    alice.emit("vote", {"practice": "repair-identify", "level": "ad_hoc", "note": "sometimes"})
    alice.disconnect()

    again = connect()
    ack = again.emit("join", {"code": session["code"], "participant_token": alice.token})
    assert ack["ok"] and ack["resumed"] is True
    assert ack["participant_token"] == alice.token
    assert ack["participant"]["name"] == "Alice"
    assert ack["votes"] == {"repair-identify": {"round": 1, "level": "ad_hoc", "note": "sometimes"}}
    assert again.emit("vote", {"practice": "repair-identify", "level": "repeatable"})["ok"]
    host.emit("reveal", {"practice": "repair-identify"})
    state = host.emit("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["state"]
    assert state["participants"]["joined"] == 1


def test_late_joiners_are_welcome_but_a_closed_session_only_resumes(
    new_session, facilitator, join_participant, connect
):
    session = new_session()
    host = facilitator(session)
    early = join_participant(session)
    host.emit("open", {"practice": "*"})
    late = join_participant(session, name="Late")
    assert late.emit("vote", {"practice": "elevate-reward", "level": "missing"})["ok"]
    host.emit("close", {})
    connect().emit("join", {"code": session["code"]}, expect="closed")
    resumed = connect().emit("join", {"code": session["code"], "participant_token": early.token})
    assert resumed["ok"] and resumed["state"]["status"] == "closed"


def test_the_join_code_alone_never_grants_facilitator_rights(new_session, join_participant, connect):
    session = new_session()
    participant = join_participant(session)
    for event, payload in (
        ("open", {"practice": "*"}),
        ("reveal", {"practice": "*"}),
        ("revote", {"practice": "repair-identify"}),
        ("consolidate", {"practice": "repair-identify"}),
        ("close", {}),
        ("reasons", {"practice": "repair-identify"}),
    ):
        participant.emit(event, payload, expect="forbidden")
    stranger = connect()
    stranger.emit("open", {"practice": "*"}, expect="forbidden")
    stranger.emit(
        "host", {"code": session["code"], "facilitator_token": session["presenter_token"]}, expect="forbidden"
    )
    stranger.emit("host", {"code": session["code"], "facilitator_token": session["code"] * 3}, expect="forbidden")


def test_tallies_are_coalesced_for_the_facilitator_not_sent_per_vote(
    new_session, facilitator, join_participant, realtime
):
    session = new_session()
    host = facilitator(session)
    phones = [join_participant(session) for _ in range(5)]
    host.emit("open", {"practice": "repair-identify"})
    host.clear()
    for phone in phones:
        phone.clear()
        phone.emit("vote", {"practice": "repair-identify", "level": "repeatable"})
    assert host.events("tally") == []  # nothing per vote
    realtime.tick()
    tallies = host.events("tally")
    assert len(tallies) == 1
    assert tallies[0]["votes"] == {"repair-identify": 5}
    assert tallies[0]["participants"] == {"joined": 5, "present": 5}
    for phone in phones:
        assert phone.events("tally") == [] and phone.events("state") == []


def test_the_presenter_watches_with_its_own_key_and_sees_no_decision_notes(
    new_session, facilitator, join_participant, connect
):
    session = new_session()
    host = facilitator(session)
    phone = join_participant(session)
    presenter = connect()
    ack = presenter.emit("watch", {"code": session["code"], "presenter_token": session["presenter_token"]})
    assert ack["ok"] and ack["state"]["role"] == "presenter"
    host.emit("open", {"practice": "repair-identify"})
    phone.emit("vote", {"practice": "repair-identify", "level": "missing"})
    host.emit("reveal", {"practice": "repair-identify"})
    host.emit("consolidate", {"practice": "repair-identify", "level": "ad_hoc", "note": "private reasoning"})
    state = presenter.last("state")
    assert state["role"] == "presenter" and "private reasoning" not in str(state)
    presenter.emit("open", {"practice": "*"}, expect="forbidden")
    connect().emit(
        "watch", {"code": session["code"], "presenter_token": session["facilitator_token"]}, expect="forbidden"
    )


def test_reasons_are_shown_anonymously_after_the_reveal(new_session, facilitator, join_participant):
    session = new_session()
    host = facilitator(session)
    alice = join_participant(session, name="Alice")
    bob = join_participant(session, name="Bob")
    host.emit("open", {"practice": "repair-identify"})
    alice.emit("vote", {"practice": "repair-identify", "level": "missing", "note": "never seen it"})
    bob.emit("vote", {"practice": "repair-identify", "level": "systematic"})
    host.emit("reveal", {"practice": "repair-identify"})
    ack = host.emit("reasons", {"practice": "repair-identify"})
    assert ack == {
        "ok": True,
        "practice": "repair-identify",
        "round": 1,
        "reasons": [{"level": "missing", "note": "never seen it"}],
    }
