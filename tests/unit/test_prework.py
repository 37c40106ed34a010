"""Pre-work's rules on plain data, with the test clock: the deadline (parsed, in the future, with an
offset), which votes it takes and when, what the room may do meanwhile, who started and finished,
who took part in which round, what pre-work settled, and accepting the agreed practices together."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workshop.core import assessment as rules
from workshop.core import invitation, prework, protocol
from workshop.core.assessment import Assessment
from workshop.core.errors import BadRequest, Closed, Conflict, NotOpen
from workshop.core.prework import Schedule
from workshop.core.results import build_results
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
FRAMEWORK = FRAMEWORKS["forrester-path"]
PRACTICES = [practice.id for practice in FRAMEWORK.practices]
FIRST, SECOND, THIRD = PRACTICES[:3]
PARIS = timezone(timedelta(hours=1))


def session(**fields) -> Assessment:
    return Assessment(code="ABCDEF", title="Check", organization=None, framework=FRAMEWORK, **fields)


def moment(clock, hours: float, zone=PARIS) -> datetime:
    """``hours`` from the test clock's now, in ``zone``, to the second."""
    return datetime.fromtimestamp(int(clock() + hours * 3600), zone)


def started(clock, hours: float = 48, **schedule) -> Assessment:
    return prework.schedule_prework(session(), Schedule(moment(clock, hours), **schedule), clock()).assessment


# --- the deadline ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-03-14T17:00:00+01:00", datetime(2025, 3, 14, 17, tzinfo=PARIS)),
        ("2025-03-14T16:00:00Z", datetime(2025, 3, 14, 16, tzinfo=UTC)),
        ("2025-03-14T17:00:00.123456-05:30", datetime(2025, 3, 14, 17, tzinfo=timezone(-timedelta(hours=5.5)))),
        (" 2025-03-14 17:00+01:00 ", datetime(2025, 3, 14, 17, tzinfo=PARIS)),
    ],
)
def test_a_deadline_is_iso_8601_with_its_offset(text, expected):
    assert prework.parse_moment(text, "deadline") == expected


@pytest.mark.parametrize(
    "value, says",
    [
        ("2025-03-14T17:00:00", "no offset from UTC"),  # the same text is another moment in each zone
        ("2025-03-14", "no offset from UTC"),
        ("next friday", "is not an ISO 8601 date and time"),
        ("2025-02-30T17:00:00+01:00", "is not an ISO 8601 date and time"),
        (1741968000, "must be a date and time in ISO 8601"),
        ("2025-03-14T17:00:00+01:00" + " " * 30, "at most 40"),
    ],
)
def test_a_deadline_that_is_not_one_moment_is_refused_with_a_reason(value, says):
    with pytest.raises(BadRequest, match=says):
        prework.parse_moment(value, "deadline")


def test_starting_pre_work_opens_every_practice_for_answers_at_ones_own_pace(clock):
    change = prework.schedule_prework(session(), Schedule(moment(clock, 48)), clock())
    after = change.assessment
    assert change.changed and change.prework_changed
    assert sorted(round_.practice_id for round_ in change.opened) == sorted(PRACTICES)
    assert {after.latest_round(p).number for p in PRACTICES} == {rules.PREWORK_ROUND}
    assert after.current_practice is None  # self-paced: nobody is held on one practice
    assert after.prework.deadline == moment(clock, 48).isoformat()
    assert after.prework.deadline.endswith("+01:00")  # kept in the facilitator's zone, for the invitation
    assert after.prework.is_open(clock())
    assert rules.ensure_can_vote(after, FIRST, answer="ad_hoc", now=clock()).number == 1


def test_a_session_paced_on_one_practice_becomes_self_paced(clock):
    paced = rules.open_practice(session(), FIRST).assessment
    change = prework.schedule_prework(paced, Schedule(moment(clock, 2)), clock())
    assert change.current_changed and change.assessment.current_practice is None
    assert len(change.opened) == len(PRACTICES) - 1  # the open practice keeps its round 1


@pytest.mark.parametrize(
    "hours, says",
    [
        (0, "has already passed"),
        (-1, "has already passed"),
        (24 * 367, "more than a year away"),
    ],
)
def test_a_deadline_must_be_in_the_near_future(clock, hours, says):
    with pytest.raises(BadRequest, match=says):
        prework.schedule_prework(session(), Schedule(moment(clock, hours)), clock())


def test_the_workshop_meets_after_the_deadline(clock):
    after = started(clock, 24, workshop_at=moment(clock, 26), workshop_given=True, workshop_minutes=90)
    assert after.prework.workshop_at == moment(clock, 26).isoformat() and after.prework.workshop_minutes == 90
    with pytest.raises(BadRequest, match="is before the deadline"):
        started(clock, 24, workshop_at=moment(clock, 20), workshop_given=True)
    # extending past a workshop already set says so, rather than leaving an impossible schedule
    with pytest.raises(BadRequest, match="is before the deadline"):
        prework.schedule_prework(after, Schedule(moment(clock, 30)), clock())


def test_extending_moves_the_deadline_and_keeps_what_was_set(clock):
    first = started(clock, 24, workshop_at=moment(clock, 72), workshop_given=True)
    change = prework.schedule_prework(first, Schedule(moment(clock, 48)), clock())
    after = change.assessment.prework
    assert after.deadline == moment(clock, 48).isoformat()
    assert (after.started_at, after.workshop_at) == (first.prework.started_at, first.prework.workshop_at)
    assert change.opened == ()  # every practice was open already
    again = prework.schedule_prework(change.assessment, Schedule(moment(clock, 48)), clock())
    assert not again.changed  # the same deadline twice changes nothing
    cleared = prework.schedule_prework(change.assessment, Schedule(moment(clock, 48), None, True), clock())
    assert cleared.assessment.prework.workshop_at is None


def test_the_deadline_closes_pre_work_by_the_servers_clock(clock):
    state = started(clock, 1)
    clock.advance(3599)
    assert rules.ensure_can_vote(state, FIRST, answer="systematic", now=clock()).number == 1
    clock.advance(1)
    with pytest.raises(NotOpen, match="pre-work closed on"):
        rules.ensure_can_vote(state, FIRST, answer="systematic", now=clock())


def test_closing_by_hand_refuses_later_answers_and_says_when(clock):
    state = started(clock, 48)
    clock.advance(600)
    change = prework.schedule_prework(state, Schedule(None), clock())
    closed = change.assessment.prework
    assert change.prework_changed and closed.closed_early
    assert closed.closed_at == datetime.fromtimestamp(int(clock()), PARIS).isoformat()
    with pytest.raises(NotOpen, match="pre-work closed"):
        rules.ensure_can_vote(change.assessment, FIRST, answer="ad_hoc", now=clock())
    assert not prework.schedule_prework(change.assessment, Schedule(None), clock()).changed  # twice: a no-op


def test_pre_work_closed_early_can_be_reopened_until_the_first_reveal(clock):
    closed = prework.schedule_prework(started(clock, 48), Schedule(None), clock()).assessment
    reopened = prework.schedule_prework(closed, Schedule(moment(clock, 72)), clock()).assessment
    assert reopened.prework.is_open(clock()) and reopened.prework.closed_at is None
    revealed = rules.reveal(closed, rules.ALL, now=clock()).assessment
    for schedule in (Schedule(moment(clock, 72)), Schedule(None)):
        with pytest.raises(Conflict, match="revealed"):
            prework.schedule_prework(revealed, schedule, clock())


def test_nothing_to_close_and_a_closed_session_are_refused(clock):
    with pytest.raises(Conflict, match="no pre-work"):
        prework.schedule_prework(session(), Schedule(None), clock())
    with pytest.raises(Closed):
        prework.schedule_prework(rules.close(session()).assessment, Schedule(moment(clock, 2)), clock())


def test_the_room_waits_for_pre_work_to_close(clock):
    state = started(clock, 1)
    with pytest.raises(Conflict, match="pre-work is open until"):
        rules.reveal(state, rules.ALL, now=clock())
    with pytest.raises(Conflict, match="pre-work is open until"):
        rules.reveal(state, FIRST, now=clock())
    with pytest.raises(Conflict, match="pre-work is open until"):
        rules.open_practice(state, FIRST, now=clock())
    assert not rules.open_practice(state, rules.ALL, now=clock()).changed  # self-paced already
    assert rules.close(state).closed  # closing the session is always possible
    clock.advance(3600)
    revealed = rules.reveal(state, rules.ALL, now=clock())
    assert len(revealed.revealed) == len(PRACTICES)


def test_the_rooms_re_vote_is_the_next_round_and_takes_votes_after_the_deadline(clock):
    state = started(clock, 1)
    clock.advance(7200)
    state = rules.reveal(state, FIRST, now=clock()).assessment
    state = rules.revote(state, FIRST).assessment
    assert rules.ensure_can_vote(state, FIRST, answer="repeatable", now=clock()).number == 2
    with pytest.raises(NotOpen, match="pre-work closed"):
        rules.ensure_can_vote(state, SECOND, answer="repeatable", now=clock())  # still pre-work's round


def test_the_deadline_is_recorded_once_when_it_passes(clock):
    state = started(clock, 1)
    assert not prework.close_prework_if_due(state, clock()).changed
    clock.advance(3600)
    change = prework.close_prework_if_due(state, clock())
    assert change.prework_changed and change.assessment.prework.closed_at == state.prework.deadline
    assert not change.assessment.prework.closed_early
    assert not prework.close_prework_if_due(change.assessment, clock()).changed
    assert not prework.close_prework_if_due(session(), clock()).changed  # no pre-work, nothing to record


def test_the_view_says_open_or_closed_and_how_long_is_left(clock):
    state = started(clock, 2)
    open_view = prework.view(state, [], clock())
    assert open_view.status == "open" and open_view.remaining == pytest.approx(7200, abs=1)
    assert open_view.as_dict()["invited"] is None  # the app does not know who was invited
    assert set(open_view.public_dict()) == {"status", "deadline", "closed_at", "remaining", "workshop_at"}
    clock.advance(7200)
    assert prework.view(state, [], clock()).status == "closed"
    assert prework.view(rules.close(state).assessment, [], clock() - 7200).status == "closed"
    assert prework.view(session(), [], clock()) is None


# --- counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, expected",
    [
        ([], (0, 0)),
        ([(1, 1, 13)], (1, 1)),  # every practice answered: finished
        ([(1, 1, 12)], (1, 0)),  # one left: started, not finished
        ([(1, 1, 13), (2, 1, 1), (3, 1, 7)], (3, 1)),
        ([(1, 2, 13)], (0, 0)),  # answers in a room's round are not pre-work
        ([(1, 1, 4), (1, 2, 1), (2, 2, 1)], (1, 0)),
    ],
)
def test_started_and_finished_count_people_by_their_pre_work_answers(answers, expected):
    counted = prework.participation(answers, practices=13)
    assert (counted.started, counted.finished) == expected


@pytest.mark.parametrize(
    "answers, expected",
    [
        # five did pre-work; the room had the same five and four newcomers: the split is shown
        (
            [(p, 1, 13) for p in range(5)] + [(p, 2, 1) for p in range(9)],
            {"prework": 5, "room": 9, "room_also_prework": 5, "room_only": 4},
        ),
        # one newcomer: comparing the rounds would show their vote, so the split is withheld
        (
            [(p, 1, 13) for p in range(5)] + [(p, 2, 1) for p in range(6)],
            {"prework": 5, "room": 6, "room_also_prework": None, "room_only": None},
        ),
        # nobody new: nothing to hide
        (
            [(p, 1, 13) for p in range(5)] + [(p, 2, 1) for p in range(5)],
            {"prework": 5, "room": 5, "room_also_prework": 5, "room_only": 0},
        ),
        ([(p, 1, 13) for p in range(5)], {"prework": 5, "room": 0, "room_also_prework": 0, "room_only": 0}),
    ],
)
def test_who_took_part_in_which_round_is_counted_without_singling_anyone_out(answers, expected):
    found = prework.turnout(answers, minimum=3).as_dict()
    assert {key: found[key] for key in expected} == expected
    assert [row["where"] for row in found["rounds"]] == ["prework"] + ["room"] * (len(found["rounds"]) - 1)


# --- what pre-work settled, and accepting the agreed practices --------------------------------------------

AGREED = {"repeatable": 8, "systematic": 1}
SPLIT = {"missing": 3, "ad_hoc": 3, "repeatable": 3, "systematic": 1}


def counts(practice_id: str, pattern: dict, number: int = 1) -> dict:
    return {(practice_id, number, None, level): count for level, count in pattern.items()}


@pytest.fixture
def revealed_prework(clock):
    """Pre-work over: the first two practices agreed, the third split, every round 1 revealed."""
    state = started(clock, 1)
    clock.advance(3600)
    state = rules.reveal(state, rules.ALL, now=clock()).assessment
    votes = {**counts(FIRST, AGREED), **counts(SECOND, AGREED), **counts(THIRD, SPLIT)}
    return state, votes


def candidates(state, votes) -> dict:
    return {view.practice.id: view.computed_level for view in prework.agreed_to_accept(build_results(state, votes))}


def test_the_agreed_practices_are_proposed_for_acceptance(revealed_prework):
    state, votes = revealed_prework
    assert candidates(state, votes) == {FIRST: "repeatable", SECOND: "repeatable"}


def test_accepting_the_agreed_practices_records_each_as_an_ordinary_consolidation(revealed_prework):
    state, votes = revealed_prework
    change = prework.accept_agreed(state, candidates(state, votes), [FIRST, SECOND])
    assert [decision.practice_id for decision in change.decided] == [FIRST, SECOND]
    for practice_id in (FIRST, SECOND):
        decision = change.assessment.decision(practice_id)
        assert (decision.round, decision.level, decision.computed_level, decision.note) == (
            1,
            "repeatable",
            "repeatable",
            None,
        )
        assert not decision.overridden
    assert candidates(change.assessment, votes) == {}  # recorded: no longer proposed


def test_accepting_what_is_no_longer_on_the_list_changes_nothing(revealed_prework):
    state, votes = revealed_prework
    proposed = candidates(state, votes)
    with pytest.raises(Conflict, match=repr(THIRD)):
        prework.accept_agreed(state, proposed, [FIRST, THIRD])  # split: never on the list
    recorded = rules.consolidate(state, FIRST, "repeatable").assessment
    with pytest.raises(Conflict, match="no longer"):
        prework.accept_agreed(recorded, candidates(recorded, votes), [FIRST, SECOND])
    with pytest.raises(BadRequest):
        prework.accept_agreed(state, proposed, [])


def test_a_re_voted_practice_is_settled_in_the_room_and_an_accepted_one_by_pre_work(revealed_prework, clock):
    state, votes = revealed_prework
    state = prework.accept_agreed(state, candidates(state, votes), [FIRST, SECOND]).assessment
    state = rules.revote(state, THIRD).assessment
    state = rules.reveal(state, THIRD, now=clock()).assessment
    votes = {**votes, **counts(THIRD, AGREED, number=2)}
    state = rules.consolidate(state, THIRD, "repeatable").assessment
    state = rules.consolidate(state, SECOND, "repeatable", "systematic", "the audit showed it").assessment
    found = prework.settled(build_results(state, votes).practices)
    assert [ref.id for ref in found.by_prework] == [FIRST]
    assert [ref.id for ref in found.in_room] == [SECOND, THIRD]  # overridden, re-voted
    assert len(found.open) == len(PRACTICES) - 3


# --- the payloads ----------------------------------------------------------------------------------------


def test_the_prework_payload():
    parsed = protocol.parse_prework({"deadline": "2025-03-14T17:00:00+01:00"})
    assert parsed == Schedule(datetime(2025, 3, 14, 17, tzinfo=PARIS))
    assert protocol.parse_prework({"deadline": None}).deadline is None
    kept = protocol.parse_prework({"deadline": "2025-03-14T17:00:00+01:00"})
    cleared = protocol.parse_prework({"deadline": "2025-03-14T17:00:00+01:00", "workshop_at": None})
    assert (kept.workshop_given, cleared.workshop_given) == (False, True)
    full = protocol.parse_prework(
        {"deadline": "2025-03-14T17:00:00Z", "workshop_at": "2025-03-17T09:00:00Z", "workshop_minutes": 60}
    )
    assert full.workshop_at == datetime(2025, 3, 17, 9, tzinfo=UTC) and full.workshop_minutes == 60


@pytest.mark.parametrize(
    "payload, says",
    [
        ({}, "deadline is required"),
        ({"deadline": "2025-03-14T17:00"}, "no offset"),
        ({"deadline": None, "until": "friday"}, "unknown field 'until'"),
        ({"deadline": None, "workshop_minutes": 5}, "between 15 and 480"),
        ({"deadline": None, "workshop_at": "monday"}, "not an ISO 8601"),
        ([], "must be a JSON object"),
    ],
)
def test_a_bad_prework_payload_is_refused_with_a_reason(payload, says):
    with pytest.raises(BadRequest, match=says):
        protocol.parse_prework(payload)


@pytest.mark.parametrize(
    "payload, says",
    [
        ({}, "practices is required"),
        ({"practices": "repair-identify"}, "must be an array"),
        ({"practices": []}, "between 1 and"),
        ({"practices": ["Repair Identify"]}, r"practices\[0\] must be a practice id"),
    ],
)
def test_a_bad_accept_agreed_payload_is_refused_with_a_reason(payload, says):
    with pytest.raises(BadRequest, match=says):
        protocol.parse_accept_agreed(payload)


# --- the invitation and the calendar file -------------------------------------------------------------


def test_calendar_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "Pré-travail, réunion; « atelier » " * 6
    folded = invitation.fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded)
    assert all(part.startswith(" ") for part in folded[1:])
    assert "".join(part[1:] if index else part for index, part in enumerate(folded)) == line


def test_calendar_text_escapes_what_rfc_5545_reserves():
    assert invitation.escape("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"


def test_the_calendar_file_parses_with_an_independent_reader(clock):
    import icalendar

    state = started(clock, 24, workshop_at=moment(clock, 48), workshop_given=True, workshop_minutes=90)
    text = invitation.calendar(
        code="ABCDEF", title="Q3, Café; «Nord»", prework=state.prework, join_url="http://x.test/join/ABCDEF",
        host="x.test", sequence=7, now=clock(),
    )  # fmt: skip
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Pre-work due: Q3, Café; «Nord»", "Q3, Café; «Nord»"]
    assert {str(event["UID"]) for event in events} == {"prework-deadline-ABCDEF@x.test", "workshop-ABCDEF@x.test"}
    assert events[1]["DTEND"].dt - events[1]["DTSTART"].dt == timedelta(minutes=90)


@pytest.mark.parametrize("practices, minutes", [(1, 5), (13, 10), (40, 30)])
def test_the_invitation_says_roughly_how_long_it_takes(practices, minutes):
    assert invitation.minutes_needed(practices) == minutes
