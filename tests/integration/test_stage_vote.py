"""The stage vote (Temkin's five levels, the three levels): the room answers with a stage, blind, with
the same reveal, label, re-vote and consolidation as a practice; the placement follows the vote."""

STAGE_VOTE = "stage-vote"


def test_the_room_votes_on_its_stage_and_the_placement_follows(client, new_session, facilitator, join_participant):
    session = new_session(framework="temkin-five-levels")
    host = facilitator(session)
    phones = [join_participant(session) for _ in range(5)]
    framework = client.get(f"/api/sessions/{session['code']}/framework").json
    assert framework["stage_vote"]["id"] == STAGE_VOTE and framework["placement"]["mode"] == "stage_vote"

    host.emit("open", {"practice": STAGE_VOTE})
    # an adoption level is not an answer to the stage vote, and a stage is not an answer to a practice
    phones[0].emit("vote", {"practice": STAGE_VOTE, "level": "repeatable"}, expect="bad_request")
    for phone, stage in zip(phones, ("committed", "committed", "committed", "engaged", "invested"), strict=True):
        phone.emit("vote", {"practice": STAGE_VOTE, "level": stage})
    hidden = host.last("state")
    assert hidden["placement"]["stage"] is None and "has not chosen" in hidden["placement"]["headline"]

    host.emit("reveal", {"practice": STAGE_VOTE})
    state = phones[0].last("state")
    vote = next(p for p in state["practices"] if p["id"] == STAGE_VOTE)
    assert vote["kind"] == "stage_vote" and vote["result"]["counts"]["committed"] == 3
    assert vote["result"]["label"] == "leaning" and "Committed" in vote["result"]["label_reason"]
    placement = host.last("state")["placement"]
    assert placement["stage"] == "committed" and placement["vote"]["provisional"] is True

    host.emit("consolidate", {"practice": STAGE_VOTE, "level": "repeatable"}, expect="bad_request")
    host.emit("consolidate", {"practice": STAGE_VOTE, "level": "engaged", "note": "Strategy has CX objectives now"})
    host.emit("close", {})
    summary = client.get(
        f"/api/sessions/{session['code']}/summary", headers={"Authorization": f"Bearer {session['facilitator_token']}"}
    ).json
    assert summary["placement"]["stage"] == "engaged" and summary["placement"]["mode"] == "stage_vote"
    # the facilitator recorded another stage than the votes gave: the verdict says so
    assert summary["placement"]["headline"] == (
        "In Engaged, as the facilitator recorded it (the room's vote pointed to Committed)."
    )
    assert summary["placement"]["vote"]["overridden"] is True
    closed = phones[1].last("state")
    assert closed["outcome"]["stage"] == "engaged" and closed["outcome"]["headline"].startswith("In Engaged")
    exported = client.get(
        f"/api/sessions/{session['code']}/export?format=json",
        headers={"Authorization": f"Bearer {session['facilitator_token']}"},
    ).json
    item = next(p for p in exported["practices"] if p["id"] == STAGE_VOTE)
    assert item["consolidated_level"] == "engaged" and item["overridden"] is True
