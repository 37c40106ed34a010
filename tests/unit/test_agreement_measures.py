"""Agreement measures on vote counts: published values, hand-checked cases and properties."""

import math
import statistics
from collections import Counter
from itertools import chain

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.core.agreement import (
    METRICS,
    adjacent_pair_share,
    consensus,
    interquartile_range,
    krippendorff_alpha,
    leik_dispersion,
    mean_rank,
    medians,
    mode_share,
    modes,
    polarisation,
    quartiles,
    rwg,
    van_der_eijk_agreement,
)

COUNT_MEASURES = [
    consensus,
    leik_dispersion,
    van_der_eijk_agreement,
    polarisation,
    rwg,
    medians,
    modes,
    quartiles,
    interquartile_range,
    adjacent_pair_share,
    mode_share,
    mean_rank,
]


# helpers -----------------------------------------------------------------------------------------


def counts_of(votes, levels):
    """Counts per rank 1..levels from a list of votes (ranks), in any order."""
    tally = Counter(votes)
    return tuple(tally[rank] for rank in range(1, levels + 1))


def expand(counts):
    """The vote list (ranks, ascending) behind a count vector."""
    return list(chain.from_iterable([rank] * count for rank, count in enumerate(counts, start=1)))


def shown(text):
    """``pytest.approx`` to the precision the published figure is printed with."""
    decimals = len(text.partition(".")[2])
    return pytest.approx(float(text), abs=0.5 * 10**-decimals)


def units_from_coders(coders, levels):
    """Per-unit value counts from a coders-by-units table, None for a missing value."""
    return [counts_of([value for value in column if value is not None], levels) for column in zip(*coders, strict=True)]


def brute_force_agreement(counts):
    """agrmt's agreement() as written in R: layers, with the O(K^3) triplet loop per layer."""
    size = len(counts)
    total = sum(counts)
    remainder = list(counts)
    result = 0.0
    while any(remainder):
        pattern = [1 if count else 0 for count in remainder]
        unimodal = bimodal = 0
        for i in range(size - 2):
            for j in range(i + 1, size - 1):
                for m in range(j + 1, size):
                    triplet = (pattern[i], pattern[j], pattern[m])
                    if triplet == (1, 0, 1):
                        bimodal += 1
                    elif triplet in ((1, 1, 0), (0, 1, 1)):
                        unimodal += 1
        occupied = sum(pattern)
        if occupied == 1:
            layer = 1.0
        elif unimodal + bimodal == 0:
            layer = 0.0
        else:
            unimodality = ((size - 2) * unimodal - (size - 1) * bimodal) / ((size - 2) * (unimodal + bimodal))
            layer = unimodality * (1 - (occupied - 1) / (size - 1))
        depth = min(count for count in remainder if count)
        result += depth * occupied / total * layer
        remainder = [count - depth if count else 0 for count in remainder]
    return result


def brute_force_alpha(units, metric):
    """Krippendorff's alpha from every ordered pair of values, without a coincidence matrix."""
    values_per_unit = [expand(unit) for unit in units if sum(unit) >= 2]
    pooled = list(chain.from_iterable(values_per_unit))
    marginal = Counter(pooled)

    def delta(c, k):
        if metric == "nominal":
            return 0.0 if c == k else 1.0
        if metric == "interval":
            return float((c - k) ** 2)
        low, high = min(c, k), max(c, k)
        between = sum(marginal[g] for g in range(low, high + 1))
        return (between - (marginal[c] + marginal[k]) / 2) ** 2

    n = len(pooled)
    observed = (
        sum(
            sum(delta(a, b) for i, a in enumerate(values) for j, b in enumerate(values) if i != j) / (len(values) - 1)
            for values in values_per_unit
        )
        / n
    )
    expected = sum(delta(a, b) for i, a in enumerate(pooled) for j, b in enumerate(pooled) if i != j) / (n * (n - 1))
    return 1 - observed / expected


# strategies --------------------------------------------------------------------------------------


@st.composite
def count_vectors(draw, min_levels=2, max_levels=7, min_votes=1, max_count=25):
    levels = draw(st.integers(min_levels, max_levels))
    counts = draw(st.lists(st.integers(0, max_count), min_size=levels, max_size=levels))
    if sum(counts) < min_votes:
        counts[draw(st.integers(0, levels - 1))] += min_votes
    return tuple(counts)


@st.composite
def vote_lists(draw, min_votes=1):
    levels = draw(st.integers(2, 7))
    votes = draw(st.lists(st.integers(1, levels), min_size=min_votes, max_size=40))
    return levels, votes


# published values --------------------------------------------------------------------------------

SEVEN_POINT = (30, 40, 210, 130, 530, 50, 10)  # agrmt's documentation example, n = 1000

PUBLISHED = [
    # agrmt (Ruedin): man/consensus.Rd, man/Leik.Rd, man/agreement.Rd, man/polarization.Rd
    pytest.param(consensus, SEVEN_POINT, "0.7256876", id="agrmt-consensus"),
    pytest.param(leik_dispersion, SEVEN_POINT, "0.2866667", id="agrmt-Leik"),
    pytest.param(van_der_eijk_agreement, SEVEN_POINT, "0.6113333", id="agrmt-agreement"),
    pytest.param(polarisation, SEVEN_POINT, "0.1943333", id="agrmt-polarization"),
    # stan-dev/posterior tests/testthat/test-discrete-summaries.R: dissent = 1 - Cns, on a..d
    pytest.param(consensus, counts_of([1, 1, 2, 3], 4), "0.566697", id="posterior-1123"),
    pytest.param(consensus, counts_of([1, 1, 4, 4], 4), "0", id="posterior-1144"),
    pytest.param(consensus, counts_of([4, 4, 4, 4], 4), "1", id="posterior-4444"),
    # agrmt: ratings 1, 1, 3, 4 on 1..4; layers (1,0,1,1) weight 3/4 with A = -2/9, then
    # (1,0,0,0) weight 1/4 with A = 1: 1/12
    pytest.param(van_der_eijk_agreement, counts_of([1, 1, 3, 4], 4), "0.0833", id="agrmt-1134"),
]


@pytest.mark.parametrize(("measure", "counts", "expected"), PUBLISHED)
def test_published_values(measure, counts, expected):
    assert measure(counts) == shown(expected)


def test_dissent_of_posterior_example_is_one_minus_consensus():
    # posterior divides by 3 (the whole a..d scale), not by the observed range 2.
    shares = {1: 0.5, 2: 0.25, 3: 0.25}
    dissent = -sum(p * math.log2(1 - abs(rank - 1.75) / 3) for rank, p in shares.items())
    assert dissent == shown("0.433303")
    assert consensus((2, 1, 1, 0)) == pytest.approx(1 - dissent)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers by
# 12 units, values 1..5, missing data. The same table is fast-krippendorff's tests/doctests.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Wikipedia's "Krippendorff's alpha" computational example: 3 coders by 15 units, values 1..4.
WIKIPEDIA_EXAMPLE = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


@pytest.mark.parametrize(
    ("coders", "levels", "metric", "expected"),
    [
        pytest.param(KRIPPENDORFF_2011, 5, "ordinal", "0.815", id="2011-ordinal"),
        pytest.param(KRIPPENDORFF_2011, 5, "nominal", "0.743", id="2011-nominal"),
        pytest.param(KRIPPENDORFF_2011, 5, "interval", "0.849", id="2011-interval"),
        pytest.param(WIKIPEDIA_EXAMPLE, 4, "nominal", "0.691358", id="wikipedia-nominal"),
        pytest.param(WIKIPEDIA_EXAMPLE, 4, "interval", "0.810845", id="wikipedia-interval"),
    ],
)
def test_krippendorff_alpha_published_values(coders, levels, metric, expected):
    assert krippendorff_alpha(units_from_coders(coders, levels), metric) == shown(expected)


def test_krippendorff_example_counts_per_unit():
    # The conversion the published test relies on, spelled out for units 1, 6 and 12.
    units = units_from_coders(KRIPPENDORFF_2011, 5)
    assert units[0] == (3, 0, 0, 0, 0)
    assert units[5] == (1, 1, 1, 1, 0)
    assert units[11] == (0, 0, 1, 0, 0)  # a single value: not pairable


def test_krippendorff_alpha_defaults_to_ordinal():
    units = units_from_coders(KRIPPENDORFF_2011, 5)
    assert krippendorff_alpha(units) == krippendorff_alpha(units, "ordinal")


# hand-checked cases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "null_variance", "expected"),
    [
        pytest.param([3, 3, 3, 4], None, 0.8, id="s2=0.25-over-1.25"),
        pytest.param([2, 3], None, 0.6, id="s2=0.5-over-1.25"),
        pytest.param([2, 2, 2, 2], None, 1.0, id="unanimous"),
        pytest.param([1, 1, 4, 4], None, 0.0, id="s2=3-capped"),
        pytest.param([1, 2, 3, 4], None, 0.0, id="s2=1.667-capped"),
        pytest.param([1, 2, 2, 3], None, 1 - (2 / 3) / 1.25, id="s2=0.667"),
        pytest.param([1, 2, 3, 2], 2.0, 1 - (2 / 3) / 2, id="multilevel-default-ranvar"),
    ],
)
def test_rwg_hand_computed(ratings, null_variance, expected):
    assert rwg(counts_of(ratings, 4), null_variance) == pytest.approx(expected)


def test_rwg_null_variance_defaults_to_discrete_uniform():
    # (K^2 - 1) / 12 for K = 5 is 2, the default ranvar of multilevel::rwg.
    counts = counts_of([1, 2, 3, 3, 5], 5)
    assert rwg(counts) == pytest.approx(rwg(counts, null_variance=2.0))


def test_rwg_needs_two_votes():
    assert rwg((0, 1, 0, 0)) is None
    assert rwg((0, 0, 0, 0)) is None


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        pytest.param([2, 2, 3, 3], (2.0, 3.0), id="2233-iqr-1"),
        pytest.param([1, 2, 3, 4], (1.75, 3.25), id="R-quantile-1234"),
        pytest.param([1, 1, 1, 4, 4], (1.0, 4.0), id="on-order-statistics"),
        pytest.param([1, 2, 2, 2, 3, 4], (2.0, 2.75), id="interpolated-q3"),
        pytest.param([3], (3.0, 3.0), id="one-vote"),
        pytest.param([4, 4, 4, 4], (4.0, 4.0), id="unanimous"),
    ],
)
def test_quartiles_type_7(ratings, expected):
    counts = counts_of(ratings, 4)
    assert quartiles(counts) == expected
    assert interquartile_range(counts) == expected[1] - expected[0]


def test_iqr_of_2233_is_one():
    # Other quartile methods give 0.5 or 2 here; type 7 (spreadsheet QUARTILE.INC) gives 1.
    assert interquartile_range(counts_of([2, 2, 3, 3], 4)) == 1.0


@pytest.mark.parametrize(
    ("ratings", "expected_medians", "expected_modes"),
    [
        pytest.param([1, 2, 3, 4], (2, 3), (1, 2, 3, 4), id="even-uniform"),
        pytest.param([1, 1, 2, 4, 4], (2, 2), (1, 4), id="odd-bimodal"),
        pytest.param([3, 3, 3, 4], (3, 3), (3,), id="even-same-middle"),
        pytest.param([2], (2, 2), (2,), id="one-vote"),
    ],
)
def test_medians_and_modes(ratings, expected_medians, expected_modes):
    counts = counts_of(ratings, 4)
    assert medians(counts) == expected_medians
    assert modes(counts) == expected_modes


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param((1, 0, 2, 2), (0.8, (3, 4)), id="top-pair"),
        pytest.param((1, 1, 1, 1), (0.5, (1, 2)), id="tie-goes-to-lower-pair"),
        pytest.param((0, 3, 0, 3), (0.5, (1, 2)), id="tie-across-gap"),
        pytest.param((4, 1), (1.0, (1, 2)), id="two-levels"),
    ],
)
def test_adjacent_pair_share(counts, expected):
    share, pair = adjacent_pair_share(counts)
    assert (share, pair) == (pytest.approx(expected[0]), expected[1])


@pytest.mark.parametrize(
    ("counts", "expected_mode_share", "expected_mean"),
    [
        pytest.param((1, 0, 2, 2), 0.4, 3.0, id="two-modes"),
        pytest.param((0, 0, 3, 1), 0.75, 3.25, id="repeatable-mostly"),
        pytest.param(SEVEN_POINT, 0.53, 4.28, id="seven-point"),
    ],
)
def test_mode_share_and_mean_rank(counts, expected_mode_share, expected_mean):
    assert mode_share(counts) == pytest.approx(expected_mode_share)
    assert mean_rank(counts) == pytest.approx(expected_mean)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param((2, 0, 0, 2), 1.0, id="split-ends"),
        pytest.param((1, 1, 1, 1), 2 * (0.25 + 0.5 + 0.25) / 3, id="uniform-two-thirds"),
        pytest.param((0, 2, 2, 0), 2 * (0 + 0.5 + 0) / 3, id="middle-split"),
    ],
)
def test_leik_dispersion_hand_computed(counts, expected):
    assert leik_dispersion(counts) == pytest.approx(expected)


# agrmt's vignette (vignettes/agrmt.Rnw): the layer table of the seven-point example, each
# layer's pattern with its agreement, and van der Eijk's (2001) PvdA and D66 examples
# (percentages times 10, which leaves A unchanged).
@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param((1, 1, 1, 1, 1, 1, 1), "0", id="layer-1111111"),
        pytest.param((1, 1, 1, 1, 1, 1, 0), "0.167", id="layer-1111110"),
        pytest.param((0, 1, 1, 1, 1, 1, 0), "0.333", id="layer-0111110"),
        pytest.param((0, 0, 1, 1, 1, 1, 0), "0.5", id="layer-0011110"),
        pytest.param((0, 0, 1, 1, 1, 0, 0), "0.667", id="layer-0011100"),
        pytest.param((0, 0, 1, 0, 1, 0, 0), "0.467", id="layer-0010100"),
        pytest.param((0, 0, 0, 0, 1, 0, 0), "1", id="layer-0000100"),
        pytest.param((24, 28, 32, 62, 135, 304, 416), "0.61", id="vdEijk-PvdA"),
        pytest.param((16, 26, 82, 210, 293, 270, 103), "0.48", id="vdEijk-D66"),
        pytest.param(counts_of([1, 1, 1, 1], 4), "1", id="figure-agreement"),
        pytest.param(counts_of([1, 2, 3, 4], 4), "0", id="figure-no-agreement"),
        pytest.param(counts_of([1, 1, 4, 4], 4), "-1", id="figure-polarization"),
        pytest.param(counts_of([1, 1, 3, 4], 4), "0.08", id="figure-1134"),
    ],
)
def test_van_der_eijk_agrmt_vignette(counts, expected):
    assert van_der_eijk_agreement(counts) == shown(expected)


def test_van_der_eijk_two_layers_by_hand():
    # (1,1,1,0) weight 3/4 (TU = 3, TDU = 0, U = 1, A = 1 * (1 - 2/3) = 1/3), then (0,1,0,0)
    # weight 1/4 with A = 1: 3/4 * 1/3 + 1/4 = 1/2; polarisation (1 - 1/2) / 2 = 1/4.
    assert van_der_eijk_agreement((1, 2, 1, 0)) == pytest.approx(0.5)
    assert polarisation((1, 2, 1, 0)) == pytest.approx(0.25)


def test_consensus_uses_the_whole_scale_width():
    # Two adjacent levels half and half: with d = K - 1 = 3 this is fairly high consensus;
    # dividing by the observed range (1) would wrongly report no consensus at all.
    counts = (0, 2, 2, 0)
    assert consensus(counts) == pytest.approx(1 + math.log2(1 - 0.5 / 3))
    assert consensus(counts) > 0.7


# undefined and invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize("measure", [m for m in COUNT_MEASURES if m is not modes])
def test_no_votes_gives_none(measure):
    assert measure((0, 0, 0, 0)) is None


def test_no_votes_gives_no_modes():
    assert modes((0, 0, 0, 0)) == ()


@pytest.mark.parametrize("measure", COUNT_MEASURES)
@pytest.mark.parametrize(
    "counts",
    [
        pytest.param((), id="empty"),
        pytest.param((3,), id="one-level"),
        pytest.param((1, -1, 2, 0), id="negative"),
        pytest.param((1, 2.0, 3, 0), id="float"),
        pytest.param((1, "2", 3, 0), id="string-count"),
        pytest.param((1, True, 3, 0), id="bool"),
        pytest.param((1, None, 3, 0), id="none"),
        pytest.param("1234", id="string"),
        pytest.param(4, id="not-a-sequence"),
        pytest.param({1: 2, 3: 4}, id="mapping"),
    ],
)
def test_invalid_counts_raise(measure, counts):
    with pytest.raises(ValueError):
        measure(counts)


@pytest.mark.parametrize("measure", [van_der_eijk_agreement, polarisation])
def test_agreement_a_needs_three_levels(measure):
    # Agreement A is built on triplets of levels; agrmt returns NA below K = 3.
    with pytest.raises(ValueError, match="3 categories"):
        measure((2, 2))


@pytest.mark.parametrize("null_variance", [0, -1.25, math.nan, math.inf, "1.25", True])
def test_rwg_rejects_invalid_null_variance(null_variance):
    with pytest.raises(ValueError):
        rwg((1, 2, 3, 4), null_variance)


def test_krippendorff_alpha_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        krippendorff_alpha([(2, 0), (0, 2)], "ratio")


@pytest.mark.parametrize(
    "units",
    [
        pytest.param([(2, 0, 0), (0, 2)], id="mixed-lengths"),
        pytest.param([(2, -1, 0)], id="negative"),
        pytest.param([(2,)], id="one-level"),
        pytest.param([(2.0, 1)], id="float"),
        pytest.param("22", id="string"),
        pytest.param(None, id="none"),
    ],
)
def test_krippendorff_alpha_rejects_invalid_units(units):
    with pytest.raises(ValueError):
        krippendorff_alpha(units)


@pytest.mark.parametrize(
    "units",
    [
        pytest.param([], id="no-units"),
        pytest.param([(1, 0, 0), (0, 1, 0), (0, 0, 0)], id="no-unit-with-two-values"),
        pytest.param([(3, 0, 0), (2, 0, 0), (0, 1, 0)], id="pairable-values-all-alike"),
    ],
)
@pytest.mark.parametrize("metric", METRICS)
def test_krippendorff_alpha_undefined(units, metric):
    assert krippendorff_alpha(units, metric) is None


# properties --------------------------------------------------------------------------------------


@given(count_vectors())
def test_every_measure_stays_in_its_range(counts):
    levels = len(counts)
    assert 0.0 <= consensus(counts) <= 1.0
    assert 0.0 <= leik_dispersion(counts) <= 1.0
    if levels >= 3:
        assert -1.0 <= van_der_eijk_agreement(counts) <= 1.0
        assert 0.0 <= polarisation(counts) <= 1.0
    if sum(counts) >= 2:
        assert 0.0 <= rwg(counts) <= 1.0
    lower, upper = medians(counts)
    assert 1 <= lower <= upper <= levels
    first, third = quartiles(counts)
    assert 1.0 <= first <= third <= levels
    assert 0.0 <= interquartile_range(counts) <= levels - 1
    assert modes(counts) and all(1 <= rank <= levels for rank in modes(counts))
    assert 1 / levels <= mode_share(counts) <= 1.0
    pair_share, (low, high) = adjacent_pair_share(counts)
    assert mode_share(counts) <= pair_share <= 1.0 and high == low + 1
    assert 1.0 <= mean_rank(counts) <= levels


scale_and_rank = st.integers(2, 7).flatmap(lambda k: st.tuples(st.just(k), st.integers(1, k)))


@given(scale_and_rank, st.integers(1, 50))
def test_unanimity_is_perfect_agreement(scale, votes):
    levels, rank = scale
    counts = tuple(votes if position == rank else 0 for position in range(1, levels + 1))
    assert consensus(counts) == 1.0
    assert leik_dispersion(counts) == 0.0
    if levels >= 3:
        assert van_der_eijk_agreement(counts) == 1.0
        assert polarisation(counts) == 0.0
    if votes >= 2:
        assert rwg(counts) == 1.0
    assert interquartile_range(counts) == 0.0
    assert medians(counts) == (rank, rank)
    assert modes(counts) == (rank,)
    assert mode_share(counts) == 1.0


@given(st.integers(2, 7), st.integers(1, 50))
def test_half_and_half_at_the_ends_is_the_worst(levels, half):
    counts = (half,) + (0,) * (levels - 2) + (half,)
    assert consensus(counts) == 0.0
    assert leik_dispersion(counts) == 1.0
    assert rwg(counts) == 0.0
    if levels >= 3:
        assert van_der_eijk_agreement(counts) == -1.0
        assert polarisation(counts) == 1.0


@given(vote_lists(min_votes=2), st.data())
def test_measures_ignore_the_order_of_votes(scale_and_votes, data):
    levels, votes = scale_and_votes
    shuffled = data.draw(st.permutations(votes))
    counts = counts_of(shuffled, levels)
    assert counts == counts_of(votes, levels)
    # Cross-check the count-based figures against the standard library on the raw vote list.
    assert mean_rank(counts) == pytest.approx(statistics.mean(shuffled))
    assert medians(counts) == (statistics.median_low(shuffled), statistics.median_high(shuffled))
    assert modes(counts) == tuple(sorted(statistics.multimode(shuffled)))
    first, _, third = statistics.quantiles(shuffled, n=4, method="inclusive")
    assert quartiles(counts) == (pytest.approx(first), pytest.approx(third))
    sigma_eu = (levels * levels - 1) / 12
    expected_rwg = max(0.0, 1 - statistics.variance(shuffled) / sigma_eu)
    assert rwg(counts) == pytest.approx(expected_rwg)
    mean = statistics.mean(shuffled)
    expected_cns = 1 + sum(math.log2(1 - abs(vote - mean) / (levels - 1)) for vote in shuffled) / len(shuffled)
    assert consensus(counts) == pytest.approx(expected_cns, abs=1e-12)


@given(count_vectors())
def test_mirroring_the_scale(counts):
    levels = len(counts)
    mirrored = counts[::-1]
    assert consensus(mirrored) == pytest.approx(consensus(counts), abs=1e-12)
    assert leik_dispersion(mirrored) == pytest.approx(leik_dispersion(counts))
    if levels >= 3:
        assert van_der_eijk_agreement(mirrored) == van_der_eijk_agreement(counts)
    if sum(counts) >= 2:
        assert rwg(mirrored) == pytest.approx(rwg(counts))
    assert interquartile_range(mirrored) == interquartile_range(counts)
    lower, upper = medians(counts)
    assert medians(mirrored) == (levels + 1 - upper, levels + 1 - lower)
    first, third = quartiles(counts)
    assert quartiles(mirrored) == (levels + 1 - third, levels + 1 - first)
    assert modes(mirrored) == tuple(sorted(levels + 1 - rank for rank in modes(counts)))
    assert mean_rank(mirrored) == pytest.approx(levels + 1 - mean_rank(counts))


@given(count_vectors(min_levels=3, max_levels=9))
def test_van_der_eijk_matches_agrmt_triplet_loop(counts):
    assert van_der_eijk_agreement(counts) == pytest.approx(brute_force_agreement(counts))


units_strategy = st.integers(2, 5).flatmap(
    lambda levels: st.lists(
        st.lists(st.integers(0, 4), min_size=levels, max_size=levels).map(tuple),
        min_size=1,
        max_size=6,
    )
)


@given(units_strategy, st.sampled_from(METRICS))
def test_krippendorff_alpha_matches_pairwise_definition(units, metric):
    pooled = Counter()
    for unit in units:
        if sum(unit) >= 2:
            pooled.update({rank: count for rank, count in enumerate(unit) if count})
    alpha = krippendorff_alpha(units, metric)
    if len(pooled) < 2:
        assert alpha is None
    else:
        assert alpha == pytest.approx(brute_force_alpha(units, metric))
        assert alpha <= 1.0


@given(units_strategy, st.sampled_from(METRICS))
def test_krippendorff_alpha_ignores_mirroring_and_unit_order(units, metric):
    alpha = krippendorff_alpha(units, metric)
    mirrored = krippendorff_alpha([unit[::-1] for unit in units], metric)
    reordered = krippendorff_alpha(units[::-1], metric)
    if alpha is None:
        assert mirrored is None and reordered is None
    else:
        assert mirrored == pytest.approx(alpha)
        assert reordered == pytest.approx(alpha)


@st.composite
def unanimous_units(draw, distinct):
    levels = draw(st.integers(2, 6))
    size = draw(st.integers(2, 8))
    if distinct:
        chosen = draw(st.lists(st.integers(0, levels - 1), min_size=size, max_size=size))
        if len(set(chosen)) < 2:
            chosen[0] = (chosen[1] + 1) % levels
    else:
        chosen = [draw(st.integers(0, levels - 1))] * size
    raters = draw(st.lists(st.integers(2, 12), min_size=size, max_size=size))
    return [
        tuple(votes if index == level else 0 for index in range(levels))
        for level, votes in zip(chosen, raters, strict=True)
    ]


@given(unanimous_units(distinct=True), st.sampled_from(METRICS))
def test_krippendorff_alpha_is_one_when_units_are_unanimous_and_differ(units, metric):
    assert krippendorff_alpha(units, metric) == 1.0


@given(unanimous_units(distinct=False), st.sampled_from(METRICS))
@settings(max_examples=30)
def test_krippendorff_alpha_is_undefined_when_everyone_rates_everything_alike(units, metric):
    # Known limit: no variation between units means no expected disagreement (D_e = 0).
    assert krippendorff_alpha(units, metric) is None
