"""Rules that moved from the adapters into the core, called directly on plain data: when a round
reveals itself, who may join or resume and as whom, which framework a new session uses, the
settings and their payloads, which reasons may be read and which the projector shows, and the
bounds of an organisation's review interval."""

from dataclasses import replace
from datetime import date

import pytest

from workshop.core import assessment as rules
from workshop.core import organizations, progress, protocol, reasons
from workshop.core.assessment import Assessment, ParticipantInfo, Settings, Timer
from workshop.core.errors import BadRequest, Closed, NotFound, NotOpen, NotRevealed
from workshop.core.frameworks import get_framework
from workshop.core.reasons import Reason
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
FRAMEWORK = FRAMEWORKS["forrester-path"]
FIRST = FRAMEWORK.practices[0].id
SECOND = FRAMEWORK.practices[1].id
NOW = 1_700_000_000.0
SEGMENTS = ("Leadership", "Frontline")


def session(**fields) -> Assessment:
    return Assessment(code="ABCDEF", title="Check", organization=None, framework=FRAMEWORK, **fields)


def voting_on_first(settings: Settings = Settings()) -> Assessment:
    """A session whose room votes on round 1 of the first practice."""
    return rules.open_practice(session(settings=settings), FIRST).assessment


def revealed(assessment: Assessment, practice_id: str = FIRST) -> Assessment:
    return rules.reveal(assessment, practice_id).assessment


def revoted(assessment: Assessment, practice_id: str = FIRST) -> Assessment:
    return rules.revote(assessment, practice_id).assessment


def closed(assessment: Assessment) -> Assessment:
    return rules.close(assessment).assessment


# --- reveal_due --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timer, due",
    [
        (Timer(FIRST, 1, NOW), True),  # ends this very second
        (Timer(FIRST, 1, NOW - 1), True),
        (Timer(FIRST, 1, NOW + 1), False),  # still running
        (Timer(FIRST, 2, NOW - 1), False),  # a countdown on a round that is not the open one
        (Timer(SECOND, 1, NOW - 1), False),  # a countdown on another practice
        (None, False),
    ],
)
def test_a_countdown_reveals_the_round_it_runs_on_once_it_has_ended(timer, due):
    assert rules.reveal_due(voting_on_first(), timer, NOW, present=3, voted=0) is due


def test_the_countdown_of_an_earlier_round_does_not_reveal_a_revote():
    earlier = Timer(FIRST, 1, NOW - 1)
    second_round = revoted(revealed(voting_on_first()))
    assert rules.reveal_due(second_round, earlier, NOW, present=3, voted=0) is False
    assert rules.reveal_due(second_round, replace(earlier, round=2), NOW, present=3, voted=0) is True


@pytest.mark.parametrize(
    "auto_reveal, present, voted, due",
    [
        (True, 3, 3, True),  # everyone present voted
        (True, 1, 1, True),
        (True, 3, 2, False),  # one still to vote
        (True, 0, 0, False),  # nobody present: an empty room is never revealed
        (False, 3, 3, False),  # automatic reveal off: the facilitator decides
    ],
)
def test_automatic_reveal_waits_for_everyone_present(auto_reveal, present, voted, due):
    assessment = voting_on_first(Settings(auto_reveal=auto_reveal))
    assert rules.reveal_due(assessment, None, NOW, present=present, voted=voted) is due


ENDED = Timer(FIRST, 1, NOW - 1)
AUTO = Settings(auto_reveal=True)


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(lambda: closed(voting_on_first(AUTO)), id="closed"),
        # the closed check alone: a closed state that still names a current open round
        pytest.param(lambda: replace(voting_on_first(AUTO), status=rules.CLOSED), id="closed-with-open-round"),
        pytest.param(lambda: rules.open_practice(session(settings=AUTO), rules.ALL).assessment, id="self-paced"),
        pytest.param(lambda: revealed(voting_on_first(AUTO)), id="current-already-revealed"),
        pytest.param(lambda: session(settings=AUTO), id="nothing-opened"),
    ],
)
def test_nothing_is_revealed_without_an_open_current_round_in_a_running_session(state):
    assert rules.reveal_due(state(), ENDED, NOW, present=3, voted=3) is False


# --- joining and resuming -------------------------------------------------------------------------


@pytest.fixture
def with_segments():
    return session(settings=Settings(segments=SEGMENTS))


ANN = ParticipantInfo("Ann", "Leadership")


@pytest.mark.parametrize(
    "current, requested, expected",
    [
        (ANN, ParticipantInfo("Anna", None), ParticipantInfo("Anna", "Leadership")),  # rename
        (ANN, ParticipantInfo(None, "Frontline"), ParticipantInfo("Ann", "Frontline")),  # another segment
        (ANN, ParticipantInfo("Anna", "Frontline"), ParticipantInfo("Anna", "Frontline")),
        (ParticipantInfo(None, None), ParticipantInfo("Bo", None), ParticipantInfo("Bo", None)),  # a name added later
        (ANN, ParticipantInfo(None, None), None),  # nothing sent: nothing changes
        (ANN, ParticipantInfo("Ann", "Leadership"), None),  # the same again: nothing to write
    ],
)
def test_a_resuming_participant_keeps_what_they_do_not_send(with_segments, current, requested, expected):
    assert rules.resumed_participant(with_segments, current, requested) == expected


def test_a_resuming_participant_cannot_pick_a_segment_the_session_does_not_have(with_segments):
    with pytest.raises(BadRequest, match="Leadership, Frontline"):
        rules.resumed_participant(with_segments, ANN, ParticipantInfo(None, "Board"))
    with pytest.raises(BadRequest, match="no segments"):
        rules.resumed_participant(session(), ParticipantInfo("Ann", None), ParticipantInfo(None, "Board"))


def test_a_closed_session_lets_people_resume_but_changes_nothing_about_them(with_segments):
    ended = closed(with_segments)
    assert rules.resumed_participant(ended, ANN, ParticipantInfo("Anna", "Frontline")) is None
    with pytest.raises(Closed):
        rules.new_participant(ended, ParticipantInfo("Newcomer", None))


@pytest.mark.parametrize(
    "requested",
    [ParticipantInfo("Ann", "Leadership"), ParticipantInfo(None, None), ParticipantInfo("Bo", None)],
)
def test_a_new_participant_joins_a_running_session_as_they_asked(with_segments, requested):
    assert rules.new_participant(with_segments, requested) == requested


def test_a_new_participant_needs_one_of_the_sessions_segments(with_segments):
    with pytest.raises(BadRequest, match="Leadership, Frontline"):
        rules.new_participant(with_segments, ParticipantInfo("Ann", "Board"))


# --- the framework of a new session ---------------------------------------------------------------


def lookup(framework_id):
    return get_framework(FRAMEWORKS, framework_id)


@pytest.fixture
def previous():
    """An earlier session on its own copy of the framework (edited since in the file)."""
    own_copy = replace(FRAMEWORK, name="Forrester, as it was worded last spring")
    return replace(session(), framework=own_copy)


def test_a_new_session_uses_the_framework_it_names():
    assert rules.framework_for_new_session("three-levels", None, None, None, lookup) is FRAMEWORKS["three-levels"]
    assert rules.framework_for_new_session("three-levels", "Acme", "k" * 32, None, lookup).id == "three-levels"


def test_an_organisation_key_needs_an_organisation():
    with pytest.raises(BadRequest, match="without an organization"):
        rules.framework_for_new_session("forrester-path", None, "k" * 32, None, lookup)


def test_a_follow_up_keeps_the_previous_sessions_own_copy_of_the_framework(previous):
    framework = rules.framework_for_new_session("forrester-path", "Acme", None, previous, lookup)
    assert framework is previous.framework
    assert framework != FRAMEWORKS["forrester-path"]


def test_a_follow_up_must_use_the_previous_sessions_framework(previous):
    with pytest.raises(BadRequest, match="same framework"):
        rules.framework_for_new_session("three-levels", "Acme", None, previous, lookup)


def test_an_unknown_framework_is_not_found_through_the_lookup():
    with pytest.raises(NotFound, match="no-such-model"):
        rules.framework_for_new_session("no-such-model", None, None, None, lookup)


# --- settings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size, minimum", [(0, 3), (1, 3), (2, 3), (3, 3), (4, 4), (12, 12)])
def test_a_segment_is_never_shown_with_fewer_than_three_votes(size, minimum):
    assert Settings(min_segment_size=size).segment_minimum == minimum


def test_updated_settings_change_only_the_fields_given():
    before = Settings(segments=SEGMENTS, min_voters=5)
    after = before.updated({"auto_reveal": True, "agreed_share": 0.8})
    assert after == replace(before, auto_reveal=True, agreed_share=0.8)
    assert before.auto_reveal is False and before.agreed_share == 0.75  # frozen: the old value is untouched


@pytest.mark.parametrize("payload", [None, {}])
def test_a_new_session_without_settings_gets_the_documented_defaults(payload):
    assert protocol.parse_settings(payload) == Settings()


def test_new_session_settings_keep_the_defaults_they_do_not_give():
    settings = protocol.parse_settings(
        {"segments": [" Leadership ", "Frontline", ""], "auto_reveal": True, "min_voters": 4, "agreed_share": 1}
    )
    assert settings == replace(Settings(), segments=SEGMENTS, auto_reveal=True, min_voters=4, agreed_share=1.0)
    assert isinstance(settings.agreed_share, float)


BAD_SETTINGS = [
    ({"auto_reveal": "yes"}, "auto_reveal"),
    ({"auto_reveal": 1}, "auto_reveal"),
    ({"min_voters": 2.5}, "min_voters"),
    ({"min_voters": True}, "min_voters"),
    ({"min_voters": 1}, "min_voters"),
    ({"min_segment_size": 2}, "min_segment_size"),  # the floor of three is a rule, not a choice
    ({"agreed_share": "0.7"}, "agreed_share"),
    ({"polarised_share": 0}, "polarised_share"),
    ({"unclear_share": 1.5}, "unclear_share"),
    ({"placement_threshold": "expert"}, "placement_threshold"),
    ({"placement_threshold": 3}, "placement_threshold"),
    ({"colour": "blue"}, "colour"),
    ([], "settings"),
]


@pytest.mark.parametrize("payload, field", BAD_SETTINGS)
def test_bad_settings_are_refused_naming_the_field(payload, field):
    with pytest.raises(BadRequest, match=field):
        protocol.parse_settings(payload)
    with pytest.raises(BadRequest, match=field):
        protocol.parse_settings_update(payload)


@pytest.mark.parametrize(
    "segments", [["Leadership", "leadership"], "Leadership", [3], ["x" * 41], [f"s{n}" for n in range(9)]]
)
def test_bad_segments_are_refused(segments):
    with pytest.raises(BadRequest, match="segment"):
        protocol.parse_settings({"segments": segments})


def test_segments_cannot_change_during_a_session():
    with pytest.raises(BadRequest, match="segments"):
        protocol.parse_settings_update({"segments": ["Leadership"]})


def test_a_settings_update_touches_only_the_fields_it_gives():
    update = protocol.parse_settings_update({"auto_reveal": True, "min_voters": 4})
    assert dict(update.changes) == {"auto_reveal": True, "min_voters": 4}
    before = Settings(segments=SEGMENTS, agreed_share=0.9, placement_threshold="systematic")
    after = before.updated(update.changes)
    assert after == replace(before, auto_reveal=True, min_voters=4)
    assert dict(protocol.parse_settings_update({}).changes) == {}


# --- reasons --------------------------------------------------------------------------------------------


ROUNDS = {
    "never opened": lambda: session(),
    "round 1 open": voting_on_first,
    "round 1 revealed": lambda: revealed(voting_on_first()),
    "round 2 open": lambda: revoted(revealed(voting_on_first())),
    "round 2 revealed": lambda: revealed(revoted(revealed(voting_on_first()))),
}


@pytest.mark.parametrize(
    "state, requested, expected",
    [
        ("never opened", None, NotOpen),
        ("round 1 open", None, NotRevealed),
        ("round 1 open", 1, NotRevealed),
        ("round 1 revealed", None, 1),
        ("round 1 revealed", 2, NotFound),
        ("round 2 open", None, 1),  # during a re-vote, the round before it
        ("round 2 open", 1, 1),
        ("round 2 open", 2, NotRevealed),
        ("round 2 open", 3, NotFound),
        ("round 2 revealed", None, 2),
        ("round 2 revealed", 1, 1),
    ],
)
def test_reasons_can_be_read_only_for_a_revealed_round(state, requested, expected):
    assessment = ROUNDS[state]()
    if isinstance(expected, int):
        assert reasons.readable_round(assessment, FIRST, requested) == expected
    else:
        with pytest.raises(expected):
            reasons.readable_round(assessment, FIRST, requested)


def test_reasons_of_an_unknown_practice_are_not_found():
    with pytest.raises(NotFound):
        reasons.readable_round(ROUNDS["round 1 revealed"](), "no-such-practice")


@pytest.mark.parametrize(
    "state, expected",
    [
        ("never opened", ()),
        ("round 1 open", ()),
        ("round 1 revealed", (1,)),
        ("round 2 open", (1,)),
        ("round 2 revealed", (1, 2)),
    ],
)
def test_only_revealed_rounds_have_readable_reasons(state, expected):
    assert reasons.revealed_rounds(ROUNDS[state](), FIRST) == expected


def test_reasons_are_ordered_by_round_level_and_text_never_as_they_came():
    given = [
        Reason(2, "missing", "b"),
        Reason(1, "unknown", "no idea"),
        Reason(1, "systematic", "always"),
        Reason(1, "missing", "never"),
        Reason(1, "missing", "Almost never"),
        Reason(1, "ad_hoc", "sometimes"),
    ]
    assert reasons.ordered(given) == (
        Reason(1, "missing", "Almost never"),
        Reason(1, "missing", "never"),
        Reason(1, "ad_hoc", "sometimes"),
        Reason(1, "systematic", "always"),
        Reason(1, "unknown", "no idea"),  # "don't know" last
        Reason(2, "missing", "b"),
    )
    assert reasons.ordered(reversed(given)) == reasons.ordered(given)


def many(level: str, count: int) -> list[Reason]:
    return [Reason(1, level, f"{level} reason {index:03d}") for index in range(count)]


def test_the_selection_hears_every_level_even_when_one_has_hundreds():
    given = many("ad_hoc", 300) + many("missing", 1) + many("systematic", 2) + many("unknown", 1)
    chosen = reasons.selection(given, 4)
    assert [reason.level for reason in chosen] == ["missing", "ad_hoc", "systematic", "unknown"]
    assert chosen[1].note == "ad_hoc reason 000"  # the first of each level in the usual order


def test_the_selection_takes_from_each_level_in_turn_up_to_the_limit():
    given = many("repeatable", 10) + many("missing", 10) + many("ad_hoc", 1)
    chosen = reasons.selection(given, 7)
    assert len(chosen) == 7
    levels = [reason.level for reason in chosen]
    assert levels.count("ad_hoc") == 1 and levels.count("missing") == 3 and levels.count("repeatable") == 3
    assert chosen == reasons.ordered(chosen)  # shown in the usual order, not the order taken
    assert set(chosen) <= set(given)


@pytest.mark.parametrize("limit", [0, 1, 5, 30])
def test_the_selection_never_exceeds_its_limit_nor_invents_reasons(limit):
    given = many("ad_hoc", 3) + many("systematic", 2)
    chosen = reasons.selection(given, limit)
    assert len(chosen) == min(limit, len(given))
    assert len(set(chosen)) == len(chosen) and set(chosen) <= set(given)
    if limit >= len(given):
        assert chosen == reasons.ordered(given)


# --- an organisation's review interval --------------------------------------------------------------


VALID_MONTHS = [1, 6, 60]
INVALID_MONTHS = [0, -6, 61, 6.0, "6", True, None]


@pytest.mark.parametrize("months", VALID_MONTHS)
def test_a_review_interval_within_bounds_is_accepted(months):
    assert organizations.check_review_months(months) == months


@pytest.mark.parametrize("months", INVALID_MONTHS)
def test_a_review_interval_out_of_bounds_or_not_whole_is_refused(months):
    with pytest.raises(BadRequest, match="review_months"):
        organizations.check_review_months(months)


TODAY = date(2025, 4, 1)


@pytest.mark.parametrize(
    "months, due",
    [(1, date(2025, 4, 1)), (6, date(2025, 9, 1)), (60, date(2030, 3, 1))],
)
def test_the_next_assessment_is_due_the_interval_after_the_last(months, due):
    assert progress.next_due("2025-03-01T09:00:00Z", months, TODAY).due == due


@pytest.mark.parametrize("months", INVALID_MONTHS)
def test_the_due_date_refuses_the_intervals_the_organisation_refuses(months):
    with pytest.raises(BadRequest, match="review_months"):
        progress.next_due("2025-03-01T09:00:00Z", months, TODAY)


def test_the_due_date_reads_the_bounds_from_the_one_place_that_checks_them(monkeypatch):
    monkeypatch.setattr(organizations, "MAX_REVIEW_MONTHS", 12)
    with pytest.raises(BadRequest, match="between 1 and 12"):
        progress.next_due("2025-03-01T09:00:00Z", 13, TODAY)
    assert progress.next_due("2025-03-01T09:00:00Z", 12, TODAY).due == date(2026, 3, 1)


def test_without_an_earlier_assessment_nothing_is_due():
    assert progress.next_due(None, 6, TODAY) is None
