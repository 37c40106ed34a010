"""The derived results of a session: hidden rounds, shifts, decisions, queue, placement, segments."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.core import analysis
from workshop.core import assessment as rules
from workshop.core.assessment import Assessment, Settings
from workshop.core.frameworks import framework_from_dict
from workshop.core.results import build_results
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

LEVELS = ("missing", "ad_hoc", "repeatable", "systematic")


def small_framework():
    """Two stages of two practices each."""
    practice = lambda pid: {"id": pid, "text": f"We do {pid}.", "source": f"Source of {pid}."}  # noqa: E731
    return framework_from_dict(
        {
            "id": "small",
            "name": "Small",
            "summary": "A test framework.",
            "reference": {"title": "T", "author": "A", "published": "2024"},
            "stages": [
                {"id": "basics", "name": "Basics", "description": "d", "practices": [practice("p1"), practice("p2")]},
                {
                    "id": "advanced",
                    "name": "Advanced",
                    "description": "d",
                    "practices": [practice("p3"), practice("p4")],
                },
            ],
        }
    )


FRAMEWORK = small_framework()


def counts(practice, round_number, segment=None, **per_level):
    """level_counts entries for one practice, round and segment: counts(..., repeatable=3)."""
    assert set(per_level) <= {*LEVELS, "unknown"}, per_level
    return {(practice, round_number, segment, level): n for level, n in per_level.items() if n}


def merged(*parts):
    result = {}
    for part in parts:
        result.update(part)
    return result


def assessment(settings=Settings()):
    return Assessment(code="ABCDEF", title="t", organization=None, framework=FRAMEWORK, settings=settings)


def opened(state, *practices):
    for practice in practices:
        state = rules.open_practice(state, practice).assessment
    return state


def revealed(state, *practices):
    for practice in practices:
        state = rules.reveal(state, practice).assessment
    return state


def consolidated(state, practice, level=None, note=None, votes=None):
    computed = build_results(state, votes or {}).practice(practice).computed_level
    return rules.consolidate(state, practice, computed, level, note).assessment


# --- hidden until revealed ------------------------------------------------------------------------


def test_a_round_that_is_not_revealed_carries_only_its_number_of_answers():
    votes = counts("p1", 1, systematic=3, unknown=1)
    results = build_results(opened(assessment(), "p1"), votes)
    view = results.practice("p1")
    (round_view,) = view.rounds
    assert (round_view.number, round_view.revealed, round_view.votes) == (1, False, 4)
    assert round_view.result is None and round_view.segments == {} and round_view.hidden_segments == ()
    assert view.result is None and view.computed_level is None and view.shift is None
    assert results.queue == () and results.alpha is None
    assert results.placement.unassessed == 4  # a hidden round is no evidence for the placement


def test_pending_practices_have_no_rounds():
    view = build_results(assessment(), {}).practice("p4")
    assert (view.status, view.rounds, view.latest, view.result) == ("pending", (), None, None)


def test_a_revealed_round_carries_its_analysis():
    votes = counts("p1", 1, ad_hoc=1, repeatable=3, unknown=1)
    view = build_results(revealed(opened(assessment(), "p1"), "p1"), votes).practice("p1")
    result = view.result
    assert (result.counts, result.voters, result.abstaining) == ((0, 1, 3, 0), 4, 1)
    assert result == analysis.analyse((0, 1, 3, 0), 1)
    assert view.computed_level == "repeatable" and view.rounds[0].votes == 5


# --- rounds and shifts ----------------------------------------------------------------------------


def test_a_revote_keeps_the_earlier_round_and_shows_the_shift_once_revealed():
    state = revealed(opened(assessment(), "p1"), "p1")
    votes = merged(counts("p1", 1, ad_hoc=3, repeatable=3), counts("p1", 2, repeatable=5, ad_hoc=1))
    state = rules.revote(state, "p1").assessment
    during = build_results(state, votes).practice("p1")
    assert [(r.number, r.revealed) for r in during.rounds] == [(1, True), (2, False)]
    assert during.rounds[1].result is None
    assert during.latest_revealed.number == 1 and during.result.counts == (0, 3, 3, 0)
    assert during.shift is None and during.status == "open"

    after = build_results(revealed(state, "p1"), votes).practice("p1")
    assert after.result.counts == (0, 1, 5, 0)
    shift = after.shift
    assert (shift.from_round, shift.to_round, shift.kind) == (1, 2, analysis.CONVERGED)
    assert (shift.level_change, shift.direction) == (1, "up")


def test_the_shift_compares_the_last_two_revealed_rounds():
    state = revealed(opened(assessment(), "p1"), "p1")
    for _ in range(2):
        state = revealed(rules.revote(state, "p1").assessment, "p1")
    votes = merged(
        counts("p1", 1, missing=4),
        counts("p1", 2, systematic=4),
        counts("p1", 3, missing=2, systematic=2),
    )
    shift = build_results(state, votes).practice("p1").shift
    assert (shift.from_round, shift.to_round, shift.kind, shift.level_change) == (2, 3, analysis.DIVERGED, -3)


# --- decisions ------------------------------------------------------------------------------------


def test_a_decision_applies_to_its_round_and_becomes_stale_after_a_revote():
    votes = counts("p1", 1, ad_hoc=2, repeatable=2)
    state = revealed(opened(assessment(), "p1"), "p1")
    state = consolidated(state, "p1", "systematic", "the process exists since May", votes)
    view = build_results(state, votes).practice("p1")
    assert view.computed_level == "ad_hoc"  # the lower median of 2,2,3,3
    assert view.consolidated_level == "systematic"
    assert (view.decision.computed_level, view.decision.overridden, view.decision.note) == (
        "ad_hoc",
        True,
        "the process exists since May",
    )

    state = rules.revote(state, "p1").assessment
    votes = merged(votes, counts("p1", 2, repeatable=4))
    stale = build_results(state, votes).practice("p1")
    assert stale.decision is None and stale.consolidated_level is None
    state = revealed(state, "p1")
    assert build_results(state, votes).practice("p1").decision is None
    state = consolidated(state, "p1", votes=votes)
    fresh = build_results(state, votes).practice("p1")
    assert (fresh.decision.round, fresh.consolidated_level) == (2, "repeatable")
    assert not fresh.decision.overridden
    assert build_results(state, votes).consolidated_count == 1


# --- queue, alpha, placement ----------------------------------------------------------------------


def test_the_queue_lists_revealed_practices_most_divided_first():
    state = revealed(opened(assessment(), "p1", "p2", "p3", "p4"), "p1", "p2", "p3")
    votes = merged(
        counts("p1", 1, repeatable=5),
        counts("p2", 1, missing=3, systematic=3),
        counts("p3", 1, ad_hoc=3, repeatable=3),
        counts("p4", 1, missing=4, systematic=4),  # still open: not in the queue
    )
    results = build_results(state, votes)
    assert results.queue == ("p2", "p3", "p1")
    assert results.revealed_count == 3
    assert results.alpha == analysis.session_alpha([(0, 0, 5, 0), (3, 0, 0, 3), (0, 3, 3, 0)])


def test_placement_uses_consolidated_levels_else_the_computed_level_as_provisional():
    state = revealed(opened(assessment(), "p1", "p2", "p3"), "p1", "p2", "p3")
    votes = merged(
        counts("p1", 1, ad_hoc=4),
        counts("p2", 1, repeatable=4),
        counts("p3", 1, unknown=3),  # revealed, but nobody could rate it
    )
    state = consolidated(state, "p1", "repeatable", "seen the runbook", votes)
    placement = build_results(state, votes).placement
    assert placement.stage_id == "basics"  # p1 by the override, p2 by its computed level
    assert placement.provisional == 1
    assert placement.profile[0].provisional == 1
    assert placement.unassessed == 2  # p3 (only "don't know") and p4 (never opened)
    assert [(item.practice_id, item.level) for item in placement.action_plan] == [("p3", None), ("p4", None)]

    unconsolidated = build_results(revealed(opened(assessment(), "p1", "p2"), "p1", "p2"), votes).placement
    assert unconsolidated.stage_id is None and unconsolidated.provisional == 2
    assert [item.practice_id for item in unconsolidated.action_plan] == ["p1"]


def test_the_placement_threshold_comes_from_the_settings():
    state = revealed(opened(assessment(Settings(placement_threshold="ad_hoc")), "p1", "p2"), "p1", "p2")
    votes = merged(counts("p1", 1, ad_hoc=4), counts("p2", 1, ad_hoc=4))
    placement = build_results(state, votes).placement
    assert placement.stage_id == "basics" and placement.threshold == "ad_hoc"


# --- segments -------------------------------------------------------------------------------------

SEGMENTS = ("Leadership", "Frontline", "Support")


def segment_results(segment_counts, settings=None):
    """The shown segments and hidden segments of p1 round 1 for {segment: (levels..., unknown)}."""
    settings = settings or Settings(segments=SEGMENTS)
    votes = {}
    for segment, (missing, ad_hoc, repeatable, systematic, unknown) in segment_counts.items():
        votes.update(
            counts(
                "p1",
                1,
                segment,
                missing=missing,
                ad_hoc=ad_hoc,
                repeatable=repeatable,
                systematic=systematic,
                unknown=unknown,
            )
        )
    state = revealed(opened(assessment(settings), "p1"), "p1")
    round_view = build_results(state, votes).practice("p1").rounds[0]
    return round_view


def test_segments_with_enough_voters_are_analysed_like_the_whole_group():
    view = segment_results({"Leadership": (0, 0, 1, 3, 0), "Frontline": (2, 2, 0, 0, 1)})
    assert set(view.segments) == {"Leadership", "Frontline"}
    assert view.hidden_segments == ("Support",)  # listed although nobody from Support answered
    assert view.segments["Frontline"] == analysis.analyse((2, 2, 0, 0), 1, Settings(segments=SEGMENTS))
    assert view.result.counts == (2, 2, 1, 3) and view.result.abstaining == 1


def test_a_segment_below_the_minimum_is_hidden_and_its_complement_too():
    # Support has two voters; showing Leadership and Frontline would reveal Support's two votes
    # by subtraction from the whole group, so the smaller of them is hidden as well.
    view = segment_results({"Leadership": (0, 0, 1, 4, 0), "Frontline": (2, 2, 0, 0, 0), "Support": (0, 2, 0, 0, 0)})
    assert set(view.segments) == {"Leadership"}
    assert view.hidden_segments == ("Frontline", "Support")


def test_a_large_enough_remainder_needs_no_complementary_suppression():
    view = segment_results(
        {
            "Leadership": (0, 0, 1, 4, 0),
            "Frontline": (2, 2, 0, 0, 0),
            "Support": (0, 2, 0, 0, 0),
            None: (1, 0, 0, 0, 0),
        }
    )
    assert set(view.segments) == {"Leadership", "Frontline"} and view.hidden_segments == ("Support",)


def test_a_unanimous_segment_is_hidden_it_would_tell_each_members_vote():
    # Three Leadership members all on Systematic: whoever knows who they are knows their votes
    # (and which reasons are theirs). Frontline, not unanimous, stays.
    view = segment_results({"Leadership": (0, 0, 0, 3, 0), "Frontline": (1, 2, 1, 0, 0), "Support": (0, 1, 2, 0, 0)})
    assert "Leadership" not in view.segments and "Leadership" in view.hidden_segments
    unanimous_unknown = segment_results(
        {"Leadership": (0, 0, 0, 0, 3), "Frontline": (1, 2, 1, 0, 0), "Support": (2, 1, 0, 0, 0)}
    )
    assert "Leadership" not in unanimous_unknown.segments


def test_a_remainder_that_would_be_unanimous_is_protected_too():
    # Support is too small to show and, with the people without a segment, all three outside the
    # shown segments voted Ad Hoc: the whole group's counts minus the shown segments would tell it.
    view = segment_results(
        {"Leadership": (0, 0, 1, 4, 0), "Frontline": (2, 2, 0, 0, 0), "Support": (0, 2, 0, 0, 0), None: (0, 1, 0, 0, 0)}
    )
    remainder_safe = {"Leadership", "Frontline"} - set(view.segments)
    assert remainder_safe, "a shown set that leaves three identical votes outside it must shrink"


def test_a_single_answer_without_a_segment_is_protected_too():
    # One person without a segment said "don't know": the two segments' counts would give it away.
    view = segment_results({"Leadership": (0, 0, 1, 4, 0), "Frontline": (2, 2, 0, 0, 0), None: (0, 0, 0, 0, 1)})
    assert set(view.segments) == {"Leadership"} and view.hidden_segments == ("Frontline", "Support")


def test_dont_know_answers_do_not_make_a_segment_big_enough():
    view = segment_results({"Leadership": (0, 0, 1, 1, 2), "Frontline": (3, 0, 0, 0, 0), "Support": (0, 3, 0, 0, 0)})
    assert "Leadership" not in view.segments and "Leadership" in view.hidden_segments


def test_the_minimum_segment_size_is_configurable_but_never_below_three():
    sizes = {"Leadership": (0, 0, 2, 2, 0), "Frontline": (2, 2, 0, 0, 0)}
    assert set(segment_results(sizes, Settings(segments=SEGMENTS, min_segment_size=5)).segments) == set()
    small = {"Leadership": (0, 0, 1, 1, 0), "Frontline": (1, 1, 0, 0, 0)}
    assert segment_results(small, Settings(segments=SEGMENTS, min_segment_size=2)).segments == {}


def test_the_perception_gap_uses_only_the_shown_segments():
    votes = merged(
        counts("p1", 1, "Leadership", systematic=2, repeatable=1),
        counts("p1", 1, "Frontline", missing=2, ad_hoc=1),
        counts("p1", 1, "Support", missing=1, systematic=1),
        counts("p1", 1, None, ad_hoc=3),
    )
    state = revealed(opened(assessment(Settings(segments=SEGMENTS)), "p1"), "p1")
    gap = build_results(state, votes).practice("p1").gap
    assert gap.as_dict() == {"gap": 2.3333, "highest": "Leadership", "lowest": "Frontline", "median_gap": 3}


segment_sizes = st.fixed_dictionaries({name: st.tuples(*[st.integers(0, 4)] * 5) for name in (*SEGMENTS, None)})


@given(segment_sizes, st.integers(3, 6))
def test_no_hidden_group_can_be_derived_by_subtraction(sizes, minimum):
    settings = Settings(segments=SEGMENTS, min_segment_size=minimum)
    view = segment_results(sizes, settings)
    for _name, result in view.segments.items():
        assert result.voters >= minimum
        # a unanimous segment would tell each member's vote
        assert max(*result.counts, result.abstaining) < result.voters + result.abstaining
    # What subtraction from the whole group gives: everyone outside the shown segments (when no
    # segment is shown, that is the whole group, whose figures are public anyway).
    outside = [sizes[name] for name in sizes if name not in view.segments]
    voters = sum(sum(counts[:4]) for counts in outside)
    answers = voters + sum(counts[4] for counts in outside)
    assert not view.segments or answers == 0 or voters >= minimum
    remainder = [sum(counts[i] for counts in outside) for i in range(5)]
    assert not view.segments or answers == 0 or max(remainder) < answers
    assert set(view.hidden_segments) == set(SEGMENTS) - set(view.segments)


def test_results_of_an_unknown_practice_raise():
    with pytest.raises(KeyError):
        build_results(assessment(), {}).practice("nope")


def test_open_rounds_get_fresh_vote_counts_without_a_new_analysis():
    from workshop.core.results import with_open_votes

    framework = load_frameworks([BUILTIN_DIRECTORY])["three-levels"]
    first, second = framework.practices[0].id, framework.practices[1].id
    state = Assessment(code="ABCDEF", title="t", organization=None, framework=framework)
    state = rules.reveal(rules.open_practice(state, first).assessment, first).assessment
    state = rules.open_practice(state, second).assessment
    results = build_results(state, {(first, 1, None, "repeatable"): 3, (second, 1, None, "missing"): 1})
    fresh = with_open_votes(results, {second: 7})
    assert fresh.practice(second).latest.votes == 7 and fresh.practice(second).result is None
    assert fresh.practice(first) == results.practice(first)  # revealed rounds are untouched
    assert results.practice(second).latest.votes == 1  # the cached results are not changed
