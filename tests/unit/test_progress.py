"""Progress over repeated assessments: trends, comparisons, the due date (pure core)."""

from datetime import date

import pytest

from tests.sample_session import FRAMEWORKS
from workshop.core import assessment as rules
from workshop.core import progress
from workshop.core.assessment import Assessment, Settings
from workshop.core.errors import BadRequest
from workshop.core.results import build_results

FRAMEWORK = FRAMEWORKS["forrester-path"]


def session(
    code: str, created_at: str, votes: dict[str, list[str]], consolidate=(), framework=FRAMEWORK, threshold="repeatable"
):
    """A session whose practices got ``votes`` ({practice: [level, ...]}), revealed."""
    state = Assessment(
        code=code,
        title=f"Assessment {code}",
        organization="Acme",
        framework=framework,
        settings=Settings(placement_threshold=threshold),
        created_at=created_at,
    )
    counts = {}
    for practice, levels in votes.items():
        state = rules.reveal(rules.open_practice(state, practice).assessment, practice).assessment
        for level in levels:
            key = (practice, 1, None, level)
            counts[key] = counts.get(key, 0) + 1
    for practice in consolidate:
        computed = build_results(state, counts).practice(practice).computed_level
        state = rules.consolidate(state, practice, computed).assessment
    return progress.snapshot(build_results(state, counts), participants=3)


R, AH, M, S = "repeatable", "ad_hoc", "missing", "systematic"
REPAIR = ("repair-identify", "repair-prioritise", "repair-coordinate", "repair-measure")


@pytest.fixture
def three():
    """Three assessments of one organisation (Forrester, phase placement): in Repair, then every Repair
    requirement in place so in Elevate, then in Repair again when coordination slips."""
    first = session(
        "AAAAAA",
        "2024-03-01T09:00:00Z",
        {
            "repair-identify": [R, R, R],
            "repair-prioritise": [AH, AH, AH],
            "repair-coordinate": [M, M, M],
            "repair-measure": [R, R, S],
            "elevate-reward": [AH, AH, M],
        },
        consolidate=REPAIR,
    )
    second = session(
        "BBBBBB",
        "2024-09-01T09:00:00Z",
        {
            "repair-identify": [R, R, R],
            "repair-prioritise": [R, R, R],
            "repair-coordinate": [R, R, S],
            "repair-measure": [R, R, R],
            "elevate-reward": [M, M, M],
            "elevate-measure": [M, M, S],
        },
        consolidate=REPAIR,
    )
    third = session(
        "CCCCCC",
        "2025-03-01T09:00:00Z",
        {
            "repair-identify": [S, S, S],
            "repair-prioritise": [R, R, R],
            "repair-coordinate": [AH, AH, R],
            "repair-measure": [R, R, R],
            "elevate-reward": [AH, AH, AH],
            "elevate-measure": [R, R, R],
            "elevate-share-insights": [R, R, R],
        },
    )
    return first, second, third


def test_a_snapshot_keeps_placement_levels_labels_and_the_action_plan(three):
    first, second, _ = three
    assert first.stage_index == 1 and first.stage_name == "Repair"
    assert second.stage_index == 2 and second.stage_name == "Elevate"
    assert second.practice("repair-coordinate").level == "repeatable"
    assert second.practice("elevate-reward").provisional  # computed, not consolidated
    assert second.practice("elevate-measure").label == "polarised"
    assert set(second.action_plan) == {
        "elevate-share-insights",
        "elevate-measure",
        "elevate-reward",
        "elevate-standardise",
    }
    assert first.rated == 5 and first.date == "2024-03-01"


def test_trends_follow_placement_and_each_practice_oldest_first(three):
    first, second, third = three
    (trend,) = progress.trends([third, first, second])
    assert [item.code for item in trend.sessions] == ["AAAAAA", "BBBBBB", "CCCCCC"]
    assert trend.placement == (1, 2, 1)  # back in Repair when coordination slips
    rows = {row.id: row for row in trend.practices}
    assert rows["repair-coordinate"].levels == ("missing", "repeatable", "ad_hoc")
    assert rows["repair-coordinate"].change == 1
    assert rows["elevate-share-insights"].levels == (None, None, "repeatable")
    assert rows["elevate-share-insights"].change is None
    assert rows["repair-identify"].provisional == (False, False, True)
    assert trend.as_dict()["placement"] == [1, 2, 1]


def test_trends_are_grouped_by_framework_and_skip_sessions_without_ratings(three):
    other = session(
        "DDDDDD", "2025-06-01T09:00:00Z", {"operational-investment": [R, R, R]}, framework=FRAMEWORKS["three-levels"]
    )
    empty = session("EEEEEE", "2025-07-01T09:00:00Z", {})
    trends = progress.trends([*three, other, empty])
    assert [trend.framework_id for trend in trends] == ["three-levels", "forrester-path"]
    assert [len(trend.sessions) for trend in trends] == [1, 3]


def test_comparing_two_assessments_lists_what_moved(three):
    first, second, third = three
    result = progress.compare(first, second)
    assert result.stage_change == 1
    assert {c.id for c in result.improved} == {"repair-prioritise", "repair-coordinate"}
    assert {c.id for c in result.regressed} == {"elevate-reward"}
    assert {c.id for c in result.unchanged} == {"repair-identify", "repair-measure"}
    assert {c.id for c in result.newly_rated} == {"elevate-measure"}
    assert {c.id for c in result.new_disagreements} == {"elevate-measure"}
    assert {c.id for c in result.still_stuck} == {"elevate-reward"}
    # the first session's action plan was Repair's unmet practices: both are now Repeatable
    assert {c.id for c in result.actions_done} == {"repair-prioritise", "repair-coordinate"}
    assert result.actions_open == ()
    assert result.summary.startswith("Moved up from Repair to Elevate between 2024-03-01 and 2024-09-01.")
    assert "Two of the two action-plan items are done." in result.summary

    later = progress.compare(second, third)
    assert later.stage_change == -1 and {c.id for c in later.regressed} == {"repair-coordinate"}
    assert {c.id for c in later.actions_done} == {"elevate-measure", "elevate-share-insights"}
    assert {c.id for c in later.actions_open} == {"elevate-reward", "elevate-standardise"}
    assert later.summary.startswith("Moved down from Elevate to Repair")
    assert set(later.as_dict()) >= {"earlier", "later", "improved", "regressed", "actions_done", "summary"}


def test_only_two_different_assessments_of_one_framework_can_be_compared(three):
    other = session(
        "DDDDDD", "2025-06-01T09:00:00Z", {"operational-investment": [R, R, R]}, framework=FRAMEWORKS["three-levels"]
    )
    with pytest.raises(BadRequest, match="same framework"):
        progress.compare(three[0], other)
    with pytest.raises(BadRequest, match="two different"):
        progress.compare(three[0], three[0])


def test_the_default_comparison_is_the_two_latest_rated_assessments(three):
    assert [s.code for s in progress.default_pair(list(three))] == ["BBBBBB", "CCCCCC"]
    assert progress.default_pair([three[0]]) is None


@pytest.mark.parametrize(
    "start, months, due",
    [
        (date(2025, 3, 14), 6, date(2025, 9, 14)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 1, 31), 12, date(2026, 1, 31)),
    ],
)
def test_months_are_added_on_the_calendar(start, months, due):
    assert progress.add_months(start, months) == due


def test_the_next_assessment_is_due_after_the_interval():
    due = progress.next_due("2025-03-14T09:00:00Z", 6, today=date(2025, 10, 1))
    assert due.due == date(2025, 9, 14) and due.overdue and due.days_left == -17
    soon = progress.next_due("2025-03-14T09:00:00Z", 12, today=date(2025, 10, 1))
    assert not soon.overdue and soon.as_dict()["due"] == "2026-03-14"
    assert progress.next_due(None, 6, today=date(2025, 10, 1)) is None
    with pytest.raises(BadRequest):
        progress.next_due("2025-03-14", 0, today=date(2025, 10, 1))
