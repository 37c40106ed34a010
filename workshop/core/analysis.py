"""Where the group agrees and disagrees: per practice and round, across rounds, across the session.

Everything is computed from counts (votes per level), never from lists of votes, so the cost does
not grow with the number of participants. The measures are in ``agreement``; this module turns
them into the labels, consolidated levels, shifts and the discussion queue a facilitator uses.
The method, thresholds and sources are documented in docs/agreement.md.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import agreement, scale
from .assessment import Settings

AGREED = "agreed"
LEANING = "leaning"
SPLIT = "split"
POLARISED = "polarised"
TOO_FEW = "too_few"
UNCLEAR = "unclear"

LABELS = (AGREED, LEANING, SPLIT, POLARISED, TOO_FEW, UNCLEAR)
LABEL_TEXT = {
    AGREED: "Agreed",
    LEANING: "Leaning",
    SPLIT: "Split",
    POLARISED: "Polarised",
    TOO_FEW: "Too few votes",
    UNCLEAR: "Unclear",
}
LABEL_MEANING = {
    AGREED: "Most of the group chose the same level and nobody is more than one level from it.",
    LEANING: "Most of the group is on one level or two neighbouring ones, but not enough to call it agreed.",
    SPLIT: "Votes are spread across the scale; there is no shared view yet.",
    POLARISED: "Two camps at levels that are not neighbours: the group sees this very differently.",
    TOO_FEW: "Not enough people rated this practice to say.",
    UNCLEAR: "Many people said they don't know: the group lacks the information to judge.",
}
LABEL_ICONS = {AGREED: "●", LEANING: "◐", SPLIT: "◌", POLARISED: "⇹", TOO_FEW: "…", UNCLEAR: "?"}
# Most divided first: the order of the discussion queue.
DIVIDED_ORDER = (POLARISED, SPLIT, LEANING, UNCLEAR, TOO_FEW, AGREED)
DIVIDED = frozenset({POLARISED, SPLIT, LEANING})

CONVERGED = "converged"
DIVERGED = "diverged"
STILL_DIVIDED = "still_divided"
STILL_AGREED = "still_agreed"


@dataclass(frozen=True)
class RoundResult:
    """The analysis of one round of votes on one practice (or one segment's votes)."""

    counts: tuple[int, ...]  # votes per level, Missing..Systematic
    abstaining: int  # "don't know" votes
    voters: int  # votes at a level (abstentions excluded)
    modes: tuple[str, ...]
    mode_share: float | None
    median_low: str | None
    median_high: str | None
    mean: float | None
    consensus: float | None  # Tastle & Wierman's Cns
    dispersion: float | None  # Leik's D
    agreement: float | None  # van der Eijk's A
    polarisation: float | None
    rwg: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    adjacent_share: float | None
    adjacent_pair: tuple[str, str] | None
    label: str

    @property
    def between_levels(self) -> bool:
        """The group's median falls between two levels (lower and upper medians differ)."""
        return self.median_low is not None and self.median_low != self.median_high

    @property
    def computed_level(self) -> str | None:
        """The proposed consolidated level: the lower median (conservative, always a real level)."""
        return self.median_low

    @property
    def abstaining_share(self) -> float | None:
        """Share of the answers that were "don't know"; None when nobody answered."""
        total = self.voters + self.abstaining
        return self.abstaining / total if total else None

    @property
    def divided(self) -> bool:
        """The group disagrees (polarised, split or leaning), as opposed to agreed or undecidable."""
        return self.label in DIVIDED

    def counts_by_level(self) -> dict[str, int]:
        """Votes per wire value, "don't know" included."""
        result = {level.value: count for level, count in zip(scale.LEVELS, self.counts)}
        result[scale.UNKNOWN] = self.abstaining
        return result

    def as_dict(self) -> dict:
        """Every figure as JSON-able data, rounded to four decimals."""
        return {
            "counts": self.counts_by_level(),
            "voters": self.voters,
            "abstaining": self.abstaining,
            "shares": self.shares(),
            "modes": list(self.modes),
            "mode_share": _round(self.mode_share),
            "median_low": self.median_low,
            "median_high": self.median_high,
            "between_levels": self.between_levels,
            "computed_level": self.computed_level,
            "mean": _round(self.mean),
            "consensus": _round(self.consensus),
            "dispersion": _round(self.dispersion),
            "agreement": _round(self.agreement),
            "polarisation": _round(self.polarisation),
            "rwg": _round(self.rwg),
            "q1": _round(self.q1),
            "q3": _round(self.q3),
            "iqr": _round(self.iqr),
            "adjacent_share": _round(self.adjacent_share),
            "adjacent_pair": list(self.adjacent_pair) if self.adjacent_pair else None,
            "abstaining_share": _round(self.abstaining_share),
            "label": self.label,
            "label_text": LABEL_TEXT[self.label],
            "label_meaning": LABEL_MEANING[self.label],
        }

    def shares(self) -> dict[str, float | None]:
        """Each level's share of the rated votes ("don't know" is not part of them), rounded."""
        total = self.voters
        return {
            level.value: _round(count / total) if total else None
            for level, count in zip(scale.LEVELS, self.counts, strict=True)
        }

    def public_dict(self) -> dict:
        """What every phone sees after a reveal: the distribution and its label, no statistics."""
        full = self.as_dict()
        return {name: full[name] for name in PUBLIC_FIGURES}


# what ``public_dict`` keeps of ``as_dict``: one serialiser, so the names cannot drift
PUBLIC_FIGURES = ("counts", "voters", "abstaining", "shares", "label", "label_text", "label_meaning")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _value(rank: int | None) -> str | None:
    return None if rank is None else scale.level_at(rank).value


def analyse(counts: Iterable[int], abstaining: int = 0, settings: Settings = Settings()) -> RoundResult:
    """Every figure and the label for one round, from the counts at the four levels."""
    counts = tuple(int(count) for count in counts)
    if len(counts) != len(scale.LEVELS):
        raise ValueError(f"expected {len(scale.LEVELS)} counts, got {len(counts)}")
    abstaining = int(abstaining)
    if abstaining < 0:
        raise ValueError(f"abstaining must be non-negative, got {abstaining}")
    voters = sum(counts)
    medians = agreement.medians(counts)
    quartiles = agreement.quartiles(counts)
    pair = agreement.adjacent_pair_share(counts)
    within = agreement.rwg(counts)
    # van der Eijk's A is the costliest measure (layers in exact fractions): compute it once and
    # derive polarisation from it, as agreement.polarisation does.
    eijk = agreement.van_der_eijk_agreement(counts)
    return RoundResult(
        counts=counts,
        abstaining=abstaining,
        voters=voters,
        modes=tuple(_value(rank) for rank in agreement.modes(counts)),
        mode_share=agreement.mode_share(counts),
        median_low=_value(medians[0]) if medians else None,
        median_high=_value(medians[1]) if medians else None,
        mean=agreement.mean_rank(counts),
        consensus=agreement.consensus(counts),
        dispersion=agreement.leik_dispersion(counts),
        agreement=eijk,
        polarisation=None if eijk is None else (1 - eijk) / 2,
        rwg=within,
        q1=quartiles[0] if quartiles else None,
        q3=quartiles[1] if quartiles else None,
        iqr=quartiles[1] - quartiles[0] if quartiles else None,
        adjacent_share=pair[0] if pair else None,
        adjacent_pair=(_value(pair[1][0]), _value(pair[1][1])) if pair else None,
        label=_label(counts, abstaining, settings, within, pair[0] if pair else None),
    )


def is_polarised(counts: tuple[int, ...], peak_share: float) -> bool:
    """Two camps with a valley between them: two levels that are not neighbours each hold at least
    ``peak_share`` of the votes, and some level between them holds at most half as many votes as
    the smaller camp.

    An empty level between the camps (a gap) is the clearest case. A shallow dip is not a valley:
    10, 9, 10, 0 is a spread across three neighbouring levels (split), not two camps. A far
    minority smaller than ``peak_share`` is not a camp: it keeps the group from ``agreed`` (see
    ``_is_agreed``) but is not polarisation.
    """
    total = sum(counts)
    if not total:
        return False
    for low in range(len(counts)):
        for high in range(low + 2, len(counts)):
            smaller = min(counts[low], counts[high])
            if smaller / total >= peak_share and min(counts[low + 1 : high]) * 2 <= smaller:
                return True
    return False


def _is_agreed(counts: tuple[int, ...], share: float, minimum_rwg: float, within: float | None) -> bool:
    total = sum(counts)
    if not total or within is None or within < minimum_rwg:
        return False
    for index, count in enumerate(counts):
        if count / total >= share and all(
            other == 0 for position, other in enumerate(counts) if abs(position - index) > 1
        ):
            return True
    return False


def label(counts: tuple[int, ...], abstaining: int, settings: Settings) -> str:
    """The agreement label; the rules are applied in this order (docs/agreement.md):

    unclear   at least ``unclear_share`` of the answers are "don't know";
    too_few   fewer than ``min_voters`` rated the practice;
    polarised two camps at non-neighbouring levels, each with ``polarised_share`` or more of the
              votes (``is_polarised``);
    agreed    ``agreed_share`` or more on one level (Delphi percent agreement), nobody more than
              one level from it, and r_wg at least ``agreed_rwg`` (``is_agreed``);
    leaning   ``leaning_pair_share`` or more on two neighbouring levels;
    split     anything else.
    """
    counts = tuple(counts)
    pair = agreement.adjacent_pair_share(counts)
    return _label(counts, abstaining, settings, agreement.rwg(counts), pair[0] if pair else None)


def _label(
    counts: tuple[int, ...],
    abstaining: int,
    settings: Settings,
    within: float | None,
    pair_share: float | None,
) -> str:
    """``label`` from the r_wg and adjacent-pair share already computed by ``analyse``."""
    voters = sum(counts)
    answers = voters + abstaining
    if answers and abstaining / answers >= settings.unclear_share:
        return UNCLEAR
    if voters < settings.min_voters:
        return TOO_FEW
    if is_polarised(counts, settings.polarised_share):
        return POLARISED
    if _is_agreed(counts, settings.agreed_share, settings.agreed_rwg, within):
        return AGREED
    if pair_share is not None and pair_share >= settings.leaning_pair_share:
        return LEANING
    return SPLIT


def divided_rank(result: RoundResult) -> tuple[int, float]:
    """Sort key of the discussion queue, most divided first: by label (``DIVIDED_ORDER``), then
    by consensus, lowest first; a stable sort keeps framework order among equals."""
    consensus = result.consensus if result.consensus is not None else 1.0
    return DIVIDED_ORDER.index(result.label), consensus


@dataclass(frozen=True)
class Shift:
    """How a practice's result changed from one round to the next."""

    from_round: int
    to_round: int
    kind: str  # converged | diverged | still_divided | still_agreed
    level_change: int | None  # lower median, in levels (positive = up the scale)
    mean_change: float | None
    consensus_change: float | None
    from_label: str
    to_label: str

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "same" for the lower median; None when a round had no rated votes."""
        if self.level_change is None:
            return None
        return "up" if self.level_change > 0 else "down" if self.level_change < 0 else "same"

    def describe(self) -> str:
        """One sentence a facilitator can read aloud."""
        parts = {
            CONVERGED: "The group converged",
            DIVERGED: "The group no longer agrees",
            STILL_DIVIDED: "Still divided",
            STILL_AGREED: "Still agreed",
        }[self.kind]
        if self.level_change:
            steps = abs(self.level_change)
            parts += f"; moved {self.direction} {steps} level{'s' if steps > 1 else ''}"
        elif self.level_change == 0:
            parts += "; same level"
        if self.consensus_change is not None:
            parts += f" (consensus {self.consensus_change:+.2f})"
        return parts + "."

    def as_dict(self) -> dict:
        """The shift as JSON-able data, with its sentence."""
        return {
            "from_round": self.from_round,
            "to_round": self.to_round,
            "kind": self.kind,
            "direction": self.direction,
            "level_change": self.level_change,
            "mean_change": _round(self.mean_change),
            "consensus_change": _round(self.consensus_change),
            "from_label": self.from_label,
            "to_label": self.to_label,
            "description": self.describe(),
        }


def compare_rounds(previous: RoundResult, current: RoundResult, from_round: int, to_round: int) -> Shift:
    """What changed between two rounds of the same practice."""
    was_agreed = previous.label == AGREED
    now_agreed = current.label == AGREED
    kind = (
        STILL_AGREED
        if was_agreed and now_agreed
        else CONVERGED
        if now_agreed
        else DIVERGED
        if was_agreed
        else STILL_DIVIDED
    )
    level_change = None
    if previous.median_low and current.median_low:
        level_change = scale.rank_of(current.median_low) - scale.rank_of(previous.median_low)
    mean_change = current.mean - previous.mean if current.mean is not None and previous.mean is not None else None
    consensus_change = (
        current.consensus - previous.consensus
        if current.consensus is not None and previous.consensus is not None
        else None
    )
    return Shift(from_round, to_round, kind, level_change, mean_change, consensus_change, previous.label, current.label)


def session_alpha(unit_counts: Iterable[tuple[int, ...]]) -> float | None:
    """Krippendorff's ordinal alpha over participants x practices (units = practices).

    Only the counts per practice are needed: the coincidence matrix sums pairs within each unit.
    Its known limit: when every practice gets the same ratings, expected disagreement vanishes and
    alpha is undefined or near 0 although everyone agrees (docs/agreement.md). It needs at least
    two rated practices: with one, there is no variation between practices to compare against.
    """
    units = [tuple(counts) for counts in unit_counts if sum(counts) >= 2]
    if len(units) < 2:
        return None
    return agreement.krippendorff_alpha(units, metric="ordinal")


@dataclass(frozen=True)
class PerceptionGap:
    """The largest difference between segments' views of one practice."""

    gap: float  # in levels, between the highest and the lowest segment's mean rank
    highest: str
    lowest: str
    median_gap: int | None  # the difference of the two segments' lower medians

    def as_dict(self) -> dict:
        return {"gap": _round(self.gap), "highest": self.highest, "lowest": self.lowest, "median_gap": self.median_gap}


def perception_gap(results: Mapping[str, RoundResult]) -> PerceptionGap | None:
    """The largest difference between segments' mean levels on one practice.

    Pass only the segments that may be shown. None with fewer than two rated segments, or when
    every segment's mean is the same: there is then no gap to point out (and no "higher than").
    """
    means = {name: result.mean for name, result in results.items() if result.mean is not None}
    if len(means) < 2:
        return None
    high = max(means, key=means.get)
    low = min(means, key=means.get)
    if means[high] == means[low]:
        return None
    return PerceptionGap(
        gap=means[high] - means[low],
        highest=high,
        lowest=low,
        median_gap=(
            scale.rank_of(results[high].median_low) - scale.rank_of(results[low].median_low)
            if results[high].median_low and results[low].median_low
            else None
        ),
    )
