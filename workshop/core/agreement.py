"""How much a group agrees on one practice, from its vote counts per adoption level.

Every function takes ``counts``: how many participants chose each level, ordered from the lowest
level to the highest (``(missing, ad_hoc, repeatable, systematic)`` on the adoption scale). "Don't
know" is an abstention and is never part of the counts. Ranks are 1-based positions on the scale.
Working on counts keeps every measure O(K) or O(K^2) whatever the size of the room.

A measure that is undefined for the votes given (no votes, one vote for rwg, nothing pairable for
Krippendorff's alpha) returns None; malformed counts raise ValueError. See
``docs/agreement.md`` for what each figure tells a facilitator and where it comes from.
"""

import math
from collections.abc import Sequence
from fractions import Fraction

METRICS = ("nominal", "ordinal", "interval")


def _validated(counts) -> tuple[int, ...]:
    """Return ``counts`` as a tuple after checking it is K >= 2 non-negative ints."""
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence):
        raise ValueError(f"counts must be a sequence of ints, not {type(counts).__name__}")
    counts = tuple(counts)
    if len(counts) < 2:
        raise ValueError(f"counts needs at least 2 categories, got {len(counts)}")
    for count in counts:
        # bool is an int subclass, but True as a count is a bug upstream, not a vote.
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError(f"counts must be ints, got {count!r}")
        if count < 0:
            raise ValueError(f"counts must be non-negative, got {count}")
    return counts


def _order_statistic(counts: tuple[int, ...], position: int) -> int:
    """Rank of the ``position``-th smallest vote (1-based), read off cumulative counts."""
    cumulative = 0
    for rank, count in enumerate(counts, start=1):
        cumulative += count
        if cumulative >= position:
            return rank
    raise ValueError(f"position {position} is beyond the {cumulative} votes")


def _type7_quantile(counts: tuple[int, ...], total: int, probability: float) -> float:
    """Hyndman & Fan (1996) type 7 quantile: interpolate between order statistics at (n-1)p+1."""
    position = (total - 1) * probability + 1
    below = math.floor(position)
    fraction = position - below
    low = _order_statistic(counts, below)
    if fraction == 0:
        return float(low)
    high = _order_statistic(counts, below + 1)
    return low + fraction * (high - low)


def consensus(counts) -> float | None:
    """Tastle & Wierman's consensus Cns: 1 when everyone agrees, 0 for a split between the ends.

    Cns = 1 + sum_i p_i * log2(1 - |X_i - mu| / d) with d = K - 1, the width of the whole scale
    (not the observed range, so two adjacent levels are not treated as opposite ends).
    Source: Tastle & Wierman (2007), Int. J. Approximate Reasoning 45(3):531-545; checked against
    agrmt::consensus (Ruedin) and posterior::dissent (stan-dev), where dissent = 1 - Cns.
    """
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    width = len(counts) - 1
    mean = sum(rank * count for rank, count in enumerate(counts, start=1)) / total
    dissent = 0.0
    for rank, count in enumerate(counts, start=1):
        if count:  # an empty level contributes nothing; skipping it also avoids log2(0)
            dissent -= count / total * math.log2(1 - abs(rank - mean) / width)
    # Cns is in [0, 1] by construction; clamp away floating-point residue such as -1e-17.
    return min(1.0, max(0.0, 1 - dissent))


def leik_dispersion(counts) -> float | None:
    """Leik's ordinal dispersion D: 0 when everyone agrees, 1 for a half/half split of the ends.

    D = 2 / (K - 1) * sum_{i=1..K-1} min(F_i, 1 - F_i), F_i the cumulative share up to level i.
    Source: Leik (1966), Pacific Sociological Review 9(2):85-90; checked against agrmt::Leik.
    """
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    cumulative = 0
    folded = 0  # sum of min(C_i, n - C_i) in votes, kept integral so the extremes are exact
    for count in counts[:-1]:
        cumulative += count
        folded += min(cumulative, total - cumulative)
    return 2 * folded / ((len(counts) - 1) * total)


def _layer_agreement(pattern: list[bool]) -> Fraction:
    """van der Eijk's agreement A of one layer (a 0/1 pattern of occupied levels).

    Counts triplets i < j < m as agrmt's pattern.agreement() does, but in O(K): for each middle
    position j, the ones and zeros on either side give the 1-0-1 (bimodal, TDU) and 1-1-0 / 0-1-1
    (unimodal, TU) triplets it is the middle of.
    """
    size = len(pattern)
    occupied = sum(pattern)
    if occupied == 1:
        return Fraction(1)
    ones_left = zeros_left = 0
    ones_right = occupied
    zeros_right = size - occupied
    unimodal = bimodal = 0
    for is_occupied in pattern:
        if is_occupied:
            ones_right -= 1
            unimodal += ones_left * zeros_right + zeros_left * ones_right
            ones_left += 1
        else:
            zeros_right -= 1
            bimodal += ones_left * ones_right
            zeros_left += 1
    if unimodal + bimodal == 0:
        # Only when every level is occupied: A = U * 0, which agrmt defines as 0.
        return Fraction(0)
    unimodality = Fraction((size - 2) * unimodal - (size - 1) * bimodal, (size - 2) * (unimodal + bimodal))
    return unimodality * Fraction(size - occupied, size - 1)


def van_der_eijk_agreement(counts) -> float | None:
    """van der Eijk's agreement A: 1 unanimous, 0 uniform, -1 split between the two ends.

    The distribution is peeled into layers of equal counts over the occupied levels; each layer
    gets A = U * (1 - (S - 1) / (K - 1)) from its triplet pattern, weighted by its share of votes.
    Needs K >= 3 (triplets); raises ValueError for K = 2, where agrmt returns NA.
    Source: van der Eijk (2001), Quality & Quantity 35(3):325-341; a port of the layer algorithm of
    agrmt::agreement() and pattern.agreement() (Ruedin), default (non-"old") unimodality U.
    """
    counts = _validated(counts)
    if len(counts) < 3:
        raise ValueError("van der Eijk's agreement A needs at least 3 categories")
    total = sum(counts)
    if total == 0:
        return None
    remainder = list(counts)
    agreement = Fraction(0)
    # Each layer empties at least one level, so there are at most K layers: O(K^2) overall.
    while any(remainder):
        pattern = [count > 0 for count in remainder]
        depth = min(count for count in remainder if count > 0)
        layer_votes = depth * sum(pattern)
        agreement += Fraction(layer_votes, total) * _layer_agreement(pattern)
        remainder = [count - depth if count > 0 else 0 for count in remainder]
    return float(agreement)


def polarisation(counts) -> float | None:
    """Polarisation (1 - A) / 2 from van der Eijk's A: 0 unanimous, 0.5 uniform, 1 split ends.

    Source: agrmt::polarization (Ruedin), a rescaling of van der Eijk (2001).
    """
    agreement = van_der_eijk_agreement(counts)
    if agreement is None:
        return None
    return (1 - agreement) / 2


def rwg(counts, null_variance: float | None = None) -> float | None:
    """James, Demaree & Wolf's r_wg: 1 - s^2 / sigma_EU^2, set to 0 when negative.

    s^2 is the sample variance (n - 1 divisor) of the ranks; sigma_EU^2 = (K^2 - 1) / 12 is the
    variance of a uniform "random answer" null (1.25 for K = 4) unless ``null_variance`` is given.
    None for fewer than two votes, where s^2 is undefined.
    Source: James, Demaree & Wolf (1984), J. Applied Psychology 69(1):85-98; matches
    multilevel::rwg (Bliese), which also caps s^2 at the null variance.
    """
    counts = _validated(counts)
    if null_variance is None:
        size = len(counts)
        null = Fraction(size * size - 1, 12)
    else:
        if isinstance(null_variance, bool) or not isinstance(null_variance, (int, float)):
            raise ValueError(f"null_variance must be a number, got {null_variance!r}")
        if not math.isfinite(null_variance) or null_variance <= 0:
            raise ValueError(f"null_variance must be positive and finite, got {null_variance}")
        null = null_variance
    total = sum(counts)
    if total < 2:
        return None
    rank_sum = sum(rank * count for rank, count in enumerate(counts, start=1))
    square_sum = sum(rank * rank * count for rank, count in enumerate(counts, start=1))
    variance = Fraction(total * square_sum - rank_sum * rank_sum, total * (total - 1))
    return float(max(0, 1 - variance / null))


def medians(counts) -> tuple[int, int] | None:
    """(lower median, upper median) as ranks; the two are equal when the number of votes is odd."""
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    return (
        _order_statistic(counts, (total + 1) // 2),
        _order_statistic(counts, total // 2 + 1),
    )


def modes(counts) -> tuple[int, ...]:
    """Ranks chosen most often, ascending; () when nobody voted."""
    counts = _validated(counts)
    highest = max(counts)
    if highest == 0:
        return ()
    return tuple(rank for rank, count in enumerate(counts, start=1) if count == highest)


def quartiles(counts) -> tuple[float, float] | None:
    """(Q1, Q3) of the ranks by Hyndman & Fan (1996) type 7 (linear interpolation).

    Type 7 is the default of R's quantile(), numpy.percentile and Excel's QUARTILE.INC, so a
    reader can check the figures in a spreadsheet. Source: Hyndman & Fan (1996), The American
    Statistician 50(4):361-365; same as Python's statistics.quantiles(method="inclusive").
    """
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    return (_type7_quantile(counts, total, 0.25), _type7_quantile(counts, total, 0.75))


def interquartile_range(counts) -> float | None:
    """Q3 - Q1 of the ranks, type 7 quartiles (see ``quartiles``)."""
    bounds = quartiles(counts)
    if bounds is None:
        return None
    first, third = bounds
    return third - first


def adjacent_pair_share(counts) -> tuple[float, tuple[int, int]] | None:
    """Share of votes on the most-chosen pair of adjacent levels, and that pair's ranks.

    Ties go to the lower pair. Two neighbouring levels often hold a "near consensus" that the
    mode alone hides (for example 45% Ad Hoc and 45% Repeatable).
    """
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    best_votes, best_rank = -1, 1
    for rank in range(1, len(counts)):
        votes = counts[rank - 1] + counts[rank]
        if votes > best_votes:  # strict, so the lower pair wins a tie
            best_votes, best_rank = votes, rank
    return best_votes / total, (best_rank, best_rank + 1)


def mode_share(counts) -> float | None:
    """Share of votes at the most-chosen level (the Delphi "percent agreement")."""
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    return max(counts) / total


def mean_rank(counts) -> float | None:
    """Mean of the ranks."""
    counts = _validated(counts)
    total = sum(counts)
    if total == 0:
        return None
    return sum(rank * count for rank, count in enumerate(counts, start=1)) / total


def _squared_differences(metric: str, marginals: list[int]) -> list[list[float]]:
    """Krippendorff's delta^2_ck for every pair of values (ranks), from the pairable marginals."""
    size = len(marginals)
    differences = [[0.0] * size for _ in range(size)]
    for low in range(size):
        between = marginals[low]  # running sum of n_g for g = low..high
        for high in range(low + 1, size):
            between += marginals[high]
            if metric == "nominal":
                difference = 1.0
            elif metric == "ordinal":
                difference = (between - (marginals[low] + marginals[high]) / 2) ** 2
            else:  # interval, on the ranks
                difference = float((high - low) ** 2)
            differences[low][high] = differences[high][low] = difference
    return differences


def krippendorff_alpha(units, metric: str = "ordinal") -> float | None:
    """Krippendorff's alpha across practices: agreement beyond what chance would give.

    ``units`` holds one count vector per unit (practice), all of the same length K. Only units
    with at least two values are pairable. From the coincidence matrix
    o_ck = sum_u n_uc * (n_uk - [c == k]) / (m_u - 1), alpha = 1 - D_o / D_e
    = 1 - (n - 1) * sum o_ck delta^2_ck / sum n_c n_k delta^2_ck, with the ordinal
    delta^2_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 over the pairable marginals.
    None when no unit is pairable or every pairable value is the same (D_e = 0): alpha measures
    agreement relative to the variation between units, so it has nothing to compare against.
    Source: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School
    for Communication Departmental Papers 43; checked against fast-krippendorff (pln-fing-udelar).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if isinstance(units, (str, bytes)) or not isinstance(units, Sequence):
        raise ValueError(f"units must be a sequence of count vectors, not {type(units).__name__}")
    size = None
    marginals: list[int] = []
    coincidences: list[list[float]] = []
    for unit in units:
        counts = _validated(unit)
        if size is None:
            size = len(counts)
            marginals = [0] * size
            coincidences = [[0.0] * size for _ in range(size)]
        elif len(counts) != size:
            raise ValueError(f"every unit needs {size} counts, got {len(counts)}")
        values = sum(counts)
        if values < 2:
            continue
        present = [(index, count) for index, count in enumerate(counts) if count]
        for index, count in present:
            marginals[index] += count
        # Only off-diagonal coincidences matter: delta^2_cc is 0 for every metric.
        for index, count in present:
            for other, other_count in present:
                if other != index:
                    coincidences[index][other] += count * other_count / (values - 1)
    pairable = sum(marginals)
    if pairable == 0:
        return None
    differences = _squared_differences(metric, marginals)
    observed = 0.0
    expected = 0.0
    for index in range(len(marginals)):
        for other in range(len(marginals)):
            observed += coincidences[index][other] * differences[index][other]
            expected += marginals[index] * marginals[other] * differences[index][other]
    if expected == 0:
        return None
    return 1 - (pairable - 1) * observed / expected
