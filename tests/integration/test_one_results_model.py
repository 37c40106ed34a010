"""One results model: a practice and the placement have the same fields with the same values in
the facilitator's live state, the HTTP summary and the JSON export; the projector's state is the
facilitator's without what is the facilitator's alone; a phone's practice is a part of it."""

import copy

import pytest

from tests.summary_helpers import auth
from workshop.core.analysis import PUBLIC_FIGURES

SEGMENTS = ("Leadership", "Frontline")
DISCUSSED = "repair-identify"  # two rounds, segments shown, overridden
ACCEPTED = "repair-prioritise"  # consolidated at the computed level
LEFT_OPEN = "repair-coordinate"  # still open when the session closes: closing reveals it
OVERRIDE_NOTE = "Frontline sees the customers; their view weighs more"
FACILITATOR_ONLY = {"settings", "notes"}  # as docs/protocol.md says
NOT_ON_THE_PROJECTOR = {"alpha", "previous_code", "agreed_to_accept"}  # the room needs none (docs/protocol.md)


@pytest.fixture
def closed_session(new_session, facilitator, join_participant):
    """A finished session with segments, a re-vote, an override and a round closed by closing."""
    session = new_session(title="One model", settings={"segments": list(SEGMENTS)})
    host = facilitator(session)
    phones = [join_participant(session, segment=segment) for segment in SEGMENTS for _ in range(3)]

    def votes(practice, levels, notes=()):
        for phone, level, note in zip(phones, levels, [*notes, *[None] * len(phones)]):
            phone.emit("vote", {"practice": practice, "level": level, **({"note": note} if note else {})})

    host.emit("open", {"practice": DISCUSSED})
    votes(
        DISCUSSED,
        ["systematic", "systematic", "repeatable", "missing", "ad_hoc", "unknown"],
        ["We always do", None, None, "Never"],
    )
    host.emit("reveal", {"practice": DISCUSSED})
    host.emit("revote", {"practice": DISCUSSED})
    votes(
        DISCUSSED,
        ["repeatable", "repeatable", "systematic", "ad_hoc", "ad_hoc", "repeatable"],
        ["A process, mostly followed"],
    )
    host.emit("reveal", {"practice": DISCUSSED})
    host.emit("consolidate", {"practice": DISCUSSED, "level": "ad_hoc", "note": OVERRIDE_NOTE})

    host.emit("open", {"practice": ACCEPTED})
    votes(ACCEPTED, ["repeatable", "repeatable", "systematic", "repeatable", "ad_hoc", "repeatable"])
    host.emit("reveal", {"practice": ACCEPTED})
    host.emit("consolidate", {"practice": ACCEPTED})

    host.emit("open", {"practice": LEFT_OPEN})
    votes(LEFT_OPEN, ["missing", "ad_hoc", "missing"], ["Nobody owns it"])
    host.emit("notes", {"notes": "The board joined after lunch."})
    host.emit("close", {})
    return session, phones


@pytest.fixture
def views(closed_session, client, connect, facilitator, join_participant):
    """The same closed session as every reader gets it."""
    session, phones = closed_session
    headers = auth(session["facilitator_token"])
    summary = client.get(f"/api/sessions/{session['code']}/summary", headers=headers)
    exported = client.get(f"/api/sessions/{session['code']}/export?format=json", headers=headers)
    assert summary.status_code == 200 and exported.status_code == 200
    presenter = connect().emit("watch", {"code": session["code"], "presenter_token": session["presenter_token"]})
    phone = join_participant(session, participant_token=phones[0].token)
    return {
        "facilitator": facilitator(session).host_ack["state"],
        "summary": summary.json,
        "export": exported.json,
        "presenter": presenter["state"],
        "participant": phone.join_ack["state"],
    }


def by_id(practices: list[dict]) -> dict[str, dict]:
    return {practice["id"]: practice for practice in practices}


def test_the_session_shows_everything_the_comparison_is_about(views):
    """Guards the other tests: a comparison of empty fields would prove nothing."""
    live = by_id(views["facilitator"]["practices"])
    discussed = live[DISCUSSED]
    assert views["facilitator"]["status"] == "closed"
    assert discussed["round"] == 2 and discussed["overridden"] and discussed["decision"]["note"] == OVERRIDE_NOTE
    assert discussed["shift"] is not None and discussed["gap"] is not None
    assert [item["segment"] for item in discussed["rounds"][-1]["segments"]] == list(SEGMENTS)
    assert live[ACCEPTED]["consolidated_level"] == live[ACCEPTED]["computed_level"] == "repeatable"
    assert live[LEFT_OPEN]["status"] == "revealed" and live[LEFT_OPEN]["provisional"]
    assert views["facilitator"]["placement"]["profile"]


def test_a_practice_has_the_same_fields_and_values_live_in_the_summary_and_in_the_export(views):
    live = by_id(views["facilitator"]["practices"])
    summary = by_id(views["summary"]["practices"])
    exported = by_id(views["export"]["practices"])
    assert list(live) == list(summary) == list(exported)  # every practice, in framework order
    for practice_id, practice in live.items():
        assert set(summary[practice_id]) - set(practice) == {"text", "stage_name"}
        assert set(exported[practice_id]) - set(practice) == {"text", "stage_name", "reasons"}
        for field, value in practice.items():
            assert summary[practice_id].get(field) == value, f"{practice_id}.{field} differs in the summary"
            assert exported[practice_id].get(field) == value, f"{practice_id}.{field} differs in the export"
        for field in ("text", "stage_name"):
            assert summary[practice_id][field] == exported[practice_id][field]
    assert exported[DISCUSSED]["reasons"] == [
        {"round": 1, "level": "missing", "note": "Never"},
        {"round": 1, "level": "systematic", "note": "We always do"},
        {"round": 2, "level": "repeatable", "note": "A process, mostly followed"},
    ]
    assert exported[LEFT_OPEN]["reasons"] == [{"round": 1, "level": "missing", "note": "Nobody owns it"}]


def test_the_placement_has_the_same_fields_and_values_everywhere(views):
    live = views["facilitator"]["placement"]
    for reader in ("summary", "export", "presenter"):
        placement = views[reader]["placement"]
        assert set(placement) == set(live), reader
        for field, value in live.items():
            assert placement[field] == value, f"placement.{field} differs in the {reader}"


def without_decision_notes(practices: list[dict]) -> list[dict]:
    practices = copy.deepcopy(practices)
    for practice in practices:
        if practice["decision"] is not None:
            del practice["decision"]["note"]
    return practices


def test_the_projector_sees_the_facilitators_practices_without_decision_notes(views):
    facilitator, presenter = views["facilitator"], views["presenter"]
    assert OVERRIDE_NOTE not in str(presenter) and "after lunch" not in str(presenter)
    assert presenter["practices"] == without_decision_notes(facilitator["practices"])
    expected = {key: value for key, value in facilitator.items() if key not in FACILITATOR_ONLY | NOT_ON_THE_PROJECTOR}
    shown = {key: value for key, value in presenter.items() if key not in NOT_ON_THE_PROJECTOR}
    assert shown == {**expected, "role": "presenter", "practices": presenter["practices"]}


def test_the_projector_lacks_only_what_the_protocol_doc_says(views):
    assert set(views["facilitator"]) - set(views["presenter"]) == FACILITATOR_ONLY | NOT_ON_THE_PROJECTOR


def assert_part_of(part: dict, whole: dict, where: str) -> None:
    """Every field of ``part`` is in ``whole`` with the same value (recursing into objects)."""
    for field, value in part.items():
        assert field in whole, f"{where}.{field} is not in the facilitator's practice"
        if isinstance(value, dict) and isinstance(whole[field], dict):
            assert_part_of(value, whole[field], f"{where}.{field}")
        else:
            assert whole[field] == value, f"{where}.{field} differs from the facilitator's"


def test_a_phones_practice_is_a_part_of_the_facilitators_with_the_same_values(views):
    live = by_id(views["facilitator"]["practices"])
    public = by_id(views["participant"]["practices"])
    assert list(public) == list(live)
    for practice_id, practice in public.items():
        assert_part_of(practice, live[practice_id], practice_id)
        assert not {"decision", "rounds", "votes"} & set(practice)  # no statistics, no decision notes
    assert set(public[DISCUSSED]["result"]) == {"round", *PUBLIC_FIGURES}
    assert public[DISCUSSED]["result"]["round"] == 2
