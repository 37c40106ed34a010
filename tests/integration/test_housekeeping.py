"""Abandoned empty sessions and organisations expire: the server's background housekeeping deletes
a session nobody joined once it is older than ``--expire-empty-after`` days (7 by default), and an
organisation that has no session left and is that old (its name is free again). Time moves with
the test clock; the housekeeping runs from the ticker's heartbeat, at most once an hour."""

import pytest

from tests.summary_helpers import auth
from workshop import create_app

DAY = 86400.0


def gone(client, session) -> bool:
    return client.get(f"/api/sessions/{session['code']}").status_code == 404


def test_a_session_nobody_joined_is_deleted_after_a_week_with_its_organisation(
    client, realtime, clock, new_session, join_participant, facilitator
):
    abandoned = new_session(title="Nobody came", organization="Ghost Ltd")
    facilitator(abandoned).emit("open", {"practice": "repair-identify"})  # opened, but nobody joined
    attended = new_session(title="A real one", organization="Acme")
    join_participant(attended)
    unnamed = new_session(title="No organisation")
    realtime.tick()  # the first housekeeping: nothing is old enough
    assert not gone(client, abandoned) and not gone(client, unnamed)

    clock.advance(6 * DAY)
    recent = new_session(title="Made yesterday", organization="Fresh")
    clock.advance(1 * DAY + 3600)
    realtime.tick()
    assert gone(client, abandoned) and gone(client, unnamed)
    assert not gone(client, attended) and not gone(client, recent)
    # the organisation with no session left is gone too: its name can be claimed again, with a new key
    assert client.get("/api/orgs/Ghost Ltd", headers=auth(abandoned["organization_key"])).status_code == 404
    again = new_session(title="Ghost again", organization="Ghost Ltd")
    assert again["organization_key"] and again["organization_key"] != abandoned["organization_key"]
    assert client.get("/api/orgs/Acme", headers=auth(attended["organization_key"])).status_code == 200
    assert client.get("/api/orgs/Fresh", headers=auth(recent["organization_key"])).status_code == 200


def test_housekeeping_looks_at_most_once_an_hour(service, clock):
    room = service.room
    assert room.housekeeping() is not None  # the first look, at start
    clock.advance(1800)
    assert room.housekeeping() is None
    clock.advance(1801)
    assert room.housekeeping() is not None


@pytest.mark.parametrize("days, kept", [(0, True), (30, True), (1, False)])
def test_expire_empty_after_sets_the_age_and_zero_keeps_them(new_database, clock, days, kept):
    app = create_app(
        {"TESTING": True, "DATABASE": new_database(f"expire-{days}"), "BACKGROUND_TICKER": False,
         "CLOCK": clock, "EXPIRE_EMPTY_AFTER": days}
    )  # fmt: skip
    try:
        client = app.test_client()
        session = client.post("/api/sessions", json={"framework": "three-levels", "title": "Empty"}).json
        realtime = app.extensions["workshop.realtime"]
        realtime.tick()
        clock.advance(10 * DAY)
        realtime.tick()
        assert gone(client, session) is not kept
    finally:
        app.extensions["workshop.service"].close()


def test_the_cli_option_is_checked(cli, tmp_path):
    result = cli("serve", "--async-mode", "threading", "--expire-empty-after", "-1", "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and "expire-empty-after" in result.output
