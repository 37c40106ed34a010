"""Benchmarking against the installation's other closed sessions (pure core)."""

import pytest

from tests.sample_session import FRAMEWORKS
from workshop.core.benchmark import BenchmarkPoint, Candidate, benchmark, benchmark_point, peer_sessions, percentile
from workshop.core.placement import PracticeLevel

FRAMEWORK = FRAMEWORKS["forrester-path"]
REPAIR = ("repair-identify", "repair-prioritise", "repair-coordinate", "repair-measure")


def point(stage_index: int, repair_share: float, rated: int = 4) -> BenchmarkPoint:
    shares = {stage.id: 0.0 for stage in FRAMEWORK.stages}
    shares["repair"] = repair_share
    return BenchmarkPoint(stage_index=stage_index, shares=shares, rated=rated)


@pytest.mark.parametrize(
    "value, others, expected",
    [(2, [1, 1, 1, 1], 100), (1, [1, 1, 1, 1], 50), (0, [1, 1, 1, 1], 0), (1, [0, 1, 2, 3], 38), (3, [0, 1, 2, 3], 88)],
)
def test_the_percentile_counts_those_below_and_half_of_the_ties(value, others, expected):
    assert percentile(value, others) == expected


def test_no_benchmark_with_fewer_than_five_other_sessions():
    result = benchmark(FRAMEWORK, point(1, 1.0), [point(0, 0.5)] * 4, "repeatable")
    assert not result.available and result.peers == 4 and result.stage_percentile is None
    assert "at least five other organisations" in result.message and "there are four" in result.message
    assert result.profile == () and result.distribution == ()


def test_peers_without_any_rating_do_not_count():
    peers = [point(0, 0.5)] * 4 + [point(0, 0.0, rated=0)] * 3
    assert not benchmark(FRAMEWORK, point(1, 1.0), peers, "repeatable").available


def test_with_five_peers_the_placement_and_profile_get_percentiles_and_no_names():
    peers = [point(0, 0.25), point(0, 0.5), point(1, 1.0), point(1, 1.0), point(2, 1.0)]
    result = benchmark(FRAMEWORK, point(1, 1.0), peers, "repeatable")
    assert result.available and result.peers == 5
    assert result.stage_index == 1 and result.stage_name == "Repair"
    assert result.stage_percentile == 60  # two below, two level with it (half), one above
    assert dict(result.distribution) == {"Not placed": 2, "Repair": 2, "Elevate": 1, "Optimize": 0, "Differentiate": 0}
    repair = result.profile[0]
    assert repair.share == 1.0 and repair.percentile == 70 and repair.peer_median == 1.0
    assert "60th percentile" in result.message
    data = result.as_dict()
    assert set(data) == {
        "framework",
        "available",
        "peers",
        "minimum",
        "threshold",
        "message",
        "stage_index",
        "stage_name",
        "stage_percentile",
        "distribution",
        "profile",
    }


def test_peers_are_placed_again_at_the_subjects_threshold():
    levels = {pid: PracticeLevel(pid, "ad_hoc") for pid in REPAIR}
    # Forrester's phases: at Ad Hoc every Repair requirement is in place (in Elevate); at Repeatable none is
    assert benchmark_point(FRAMEWORK, levels, "ad_hoc").stage_index == 2
    assert benchmark_point(FRAMEWORK, levels, "repeatable").stage_index == 1
    assert benchmark_point(FRAMEWORK, levels, "repeatable").shares["repair"] == 0.0


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(0, 6), st.integers(0, 6))
def test_percentiles_stay_in_range_and_grow_with_the_value(others, low, high):
    low, high = sorted((low, high))
    assert 0 <= percentile(low, others) <= percentile(high, others) <= 100


def test_each_other_organisation_counts_once_with_its_latest_qualifying_session():
    candidates = [
        Candidate("SUBJEC", 1, 8, "2026-05-01"),  # the subject itself
        Candidate("OWNONE", 1, 8, "2026-04-01"),  # the subject's own organisation
        Candidate("ORPHAN", None, 8, "2026-04-01"),  # no organisation, no key
        Candidate("TINY01", 2, 2, "2026-04-01"),  # two people: not a peer
        Candidate("OLDER2", 3, 5, "2026-01-01"),
        Candidate("NEWER2", 3, 5, "2026-03-01"),  # the organisation's latest one
        Candidate("FOURTH", 4, 3, "2026-02-01"),
    ]
    assert sorted(peer_sessions(candidates, "SUBJEC", 1)) == ["FOURTH", "NEWER2"]


def test_four_throwaway_sessions_of_one_organisation_cannot_reveal_a_fifth_real_one():
    # the probe: one organisation closes four sessions, a real organisation closed one
    candidates = [Candidate(f"FAKE0{n}", 7, 3, f"2026-0{n + 1}-01") for n in range(4)]
    candidates.append(Candidate("REAL01", 8, 12, "2026-03-01"))
    peers = peer_sessions(candidates, "PROBE1", 9)
    assert len(peers) == 2
    result = benchmark(FRAMEWORK, point(0, 0.0), [point(1, 1.0)] * len(peers), "repeatable")
    assert not result.available and result.distribution == ()
