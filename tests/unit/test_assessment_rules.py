"""The session's rules: hidden until reveal, rounds, consolidation, closed is read-only."""

import pytest

from workshop.core import assessment as rules
from workshop.core.assessment import Assessment
from workshop.core.errors import BadRequest, Closed, NotFound, NotOpen, NotRevealed
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORK = load_frameworks([BUILTIN_DIRECTORY])["forrester-path"]
FIRST = FRAMEWORK.practices[0].id
SECOND = FRAMEWORK.practices[1].id


@pytest.fixture
def fresh():
    return Assessment(code="ABCDEF", title="t", organization=None, framework=FRAMEWORK)


def opened(assessment, target=FIRST):
    return rules.open_practice(assessment, target).assessment


def revealed(assessment, target=FIRST):
    return rules.reveal(assessment, target).assessment


def test_every_practice_starts_pending_and_refuses_votes(fresh):
    assert {fresh.practice_status(p.id) for p in FRAMEWORK.practices} == {rules.PENDING}
    with pytest.raises(NotOpen):
        rules.ensure_can_vote(fresh, FIRST)


def test_opening_a_practice_starts_round_one_and_makes_it_current(fresh):
    change = rules.open_practice(fresh, FIRST)
    assert change.opened == (rules.Round(FIRST, 1, False),)
    assert change.assessment.current_practice == FIRST
    assert rules.ensure_can_vote(change.assessment, FIRST).number == 1


def test_opening_all_is_self_paced_and_skips_practices_already_opened(fresh):
    state = revealed(opened(fresh))
    change = rules.open_practice(state, rules.ALL)
    assert len(change.opened) == len(FRAMEWORK.practices) - 1
    assert change.assessment.current_practice is None
    assert change.assessment.practice_status(FIRST) == rules.REVEALED


def test_opening_an_open_or_revealed_practice_only_focuses_it(fresh):
    state = opened(fresh)
    again = rules.open_practice(state, FIRST)
    assert again.opened == () and not again.changed
    state = revealed(state)
    other = opened(state, SECOND)
    back = rules.open_practice(other, FIRST)
    assert back.opened == () and back.current_changed and back.assessment.current_practice == FIRST
    assert back.assessment.practice_status(FIRST) == rules.REVEALED


def test_votes_close_when_the_round_is_revealed(fresh):
    state = revealed(opened(fresh))
    with pytest.raises(NotOpen, match="revealed"):
        rules.ensure_can_vote(state, FIRST)


def test_revealing_is_idempotent_but_needs_an_opened_practice(fresh):
    with pytest.raises(NotOpen):
        rules.reveal(fresh, FIRST)
    state = revealed(opened(fresh))
    assert not rules.reveal(state, FIRST).changed
    assert not rules.reveal(fresh, rules.ALL).changed


def test_a_revote_opens_the_next_round_only_after_a_reveal(fresh):
    state = opened(fresh)
    with pytest.raises(NotRevealed):
        rules.revote(state, FIRST)
    state = revealed(state)
    change = rules.revote(state, FIRST)
    assert change.opened == (rules.Round(FIRST, 2, False),)
    assert rules.ensure_can_vote(change.assessment, FIRST).number == 2
    with pytest.raises(NotOpen, match="round 1"):
        rules.ensure_can_vote(change.assessment, FIRST, round_number=1)


def test_consolidation_needs_a_revealed_round_and_a_level(fresh):
    state = opened(fresh)
    with pytest.raises(NotRevealed):
        rules.consolidate(state, FIRST, "repeatable")
    state = revealed(state)
    with pytest.raises(BadRequest, match="no rated votes"):
        rules.consolidate(state, FIRST, None)
    accepted = rules.consolidate(state, FIRST, "repeatable").assessment
    assert accepted.decision(FIRST).level == "repeatable" and not accepted.decision(FIRST).overridden
    override = rules.consolidate(accepted, FIRST, "repeatable", "ad_hoc", "one region only")
    decision = override.assessment.decision(FIRST)
    assert (decision.level, decision.computed_level, decision.note, decision.overridden) == (
        "ad_hoc",
        "repeatable",
        "one region only",
        True,
    )
    with pytest.raises(BadRequest):
        rules.consolidate(state, FIRST, "repeatable", level="unknown")


def test_an_override_needs_a_note_but_accepting_the_computed_level_does_not(fresh):
    state = revealed(opened(fresh))
    with pytest.raises(BadRequest, match="needs a note"):
        rules.consolidate(state, FIRST, "repeatable", "ad_hoc")
    with pytest.raises(BadRequest, match="needs a note"):
        rules.consolidate(state, FIRST, None, "missing")  # no rated votes: the chosen level is an override
    assert rules.consolidate(state, FIRST, "repeatable", "repeatable").decided[0].note is None
    assert rules.consolidate(state, FIRST, None, "missing", "nobody could judge").decided[0].overridden


def test_a_new_round_makes_an_older_consolidation_stale(fresh):
    state = rules.consolidate(revealed(opened(fresh)), FIRST, "repeatable").assessment
    state = rules.revote(state, FIRST).assessment
    assert state.decision(FIRST) is None
    assert state.decisions[FIRST].round == 1  # kept, but no longer the group's level


def test_close_reveals_open_rounds_and_everything_becomes_read_only(fresh):
    state = opened(fresh, rules.ALL)
    change = rules.close(state)
    closed = change.assessment
    assert change.closed and len(change.revealed) == len(FRAMEWORK.practices)
    assert closed.closed and closed.current_practice is None
    for action in (
        lambda a: rules.open_practice(a, FIRST),
        lambda a: rules.reveal(a, rules.ALL),
        lambda a: rules.revote(a, FIRST),
        lambda a: rules.consolidate(a, FIRST, "missing"),
        rules.close,
        lambda a: rules.ensure_can_vote(a, FIRST),
    ):
        with pytest.raises(Closed):
            action(closed)
    rules.ensure_can_join(closed, resuming=True)
    with pytest.raises(Closed):
        rules.ensure_can_join(closed, resuming=False)


def test_unknown_practices_are_not_found(fresh):
    for action in (rules.open_practice, rules.reveal, rules.revote):
        with pytest.raises(NotFound):
            action(fresh, "nope")
    with pytest.raises(NotFound):
        rules.ensure_can_vote(opened(fresh), "nope")


def test_segments_must_be_the_sessions_own():
    with_segments = Assessment(
        code="ABCDEF",
        title="t",
        organization=None,
        framework=FRAMEWORK,
        settings=rules.Settings(segments=("Leadership", "Frontline")),
    )
    assert rules.ensure_segment(with_segments, "Frontline") == "Frontline"
    assert rules.ensure_segment(with_segments, None) is None
    with pytest.raises(BadRequest, match="Leadership, Frontline"):
        rules.ensure_segment(with_segments, "Board")
