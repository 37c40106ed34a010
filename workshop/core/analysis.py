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
from .wording import join_words

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
    LEANING: "Most of the group is on one level or two neighbouring ones; not everyone is yet.",
    SPLIT: "Votes are spread across the scale; there is no shared view yet.",
    POLARISED: "Two camps at levels that are not neighbours, few in between: the group sees this very differently.",
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
    label_reason: str = ""  # why this label applies to these votes, in one sentence
    categories: tuple[str, ...] = scale.LEVEL_VALUES  # the answers counted, lowest first

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
        result = dict(zip(self.categories, self.counts, strict=True))
        result[scale.UNKNOWN] = self.abstaining
        return result

    def rank(self, value: str) -> int:
        """1-based position of an answer on this round's scale."""
        return self.categories.index(value) + 1

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
            "label_reason": self.label_reason,
        }

    def shares(self) -> dict[str, float | None]:
        """Each level's share of the rated votes ("don't know" is not part of them), rounded."""
        total = self.voters
        return {
            value: _round(count / total) if total else None
            for value, count in zip(self.categories, self.counts, strict=True)
        }

    def public_dict(self) -> dict:
        """What every phone sees after a reveal: the distribution and its label, no statistics."""
        full = self.as_dict()
        return {name: full[name] for name in PUBLIC_FIGURES}


# what ``public_dict`` keeps of ``as_dict``: one serialiser, so the names cannot drift
PUBLIC_FIGURES = ("counts", "voters", "abstaining", "shares", "label", "label_text", "label_meaning", "label_reason")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def analyse(
    counts: Iterable[int],
    abstaining: int = 0,
    settings: Settings = Settings(),
    categories: tuple[str, ...] = scale.LEVEL_VALUES,
    names: Mapping[str, str] | None = None,
) -> RoundResult:
    """Every figure and the label for one round, from the counts at each answer of an ordered scale.

    ``categories`` are the answers' wire values, lowest first (the adoption levels by default; the
    stages of a framework for a stage vote); ``names`` their display names, for the label's reason.
    """
    counts = tuple(int(count) for count in counts)
    if len(counts) != len(categories):
        raise ValueError(f"expected {len(categories)} counts, got {len(counts)}")
    abstaining = int(abstaining)
    if abstaining < 0:
        raise ValueError(f"abstaining must be non-negative, got {abstaining}")

    def value(rank: int | None) -> str | None:
        return None if rank is None else categories[rank - 1]

    voters = sum(counts)
    medians = agreement.medians(counts)
    quartiles = agreement.quartiles(counts)
    pair = agreement.adjacent_pair_share(counts)
    within = agreement.rwg(counts)
    # van der Eijk's A is the costliest measure (layers in exact fractions): compute it once and
    # derive polarisation from it, as agreement.polarisation does.
    eijk = agreement.van_der_eijk_agreement(counts) if len(counts) >= 3 else None
    unit = "level" if tuple(categories) == scale.LEVEL_VALUES else "stage"
    verdict = _verdict(counts, abstaining, settings, within, _names(categories, names), unit)
    return RoundResult(
        counts=counts,
        abstaining=abstaining,
        voters=voters,
        modes=tuple(value(rank) for rank in agreement.modes(counts)),
        mode_share=agreement.mode_share(counts),
        median_low=value(medians[0]) if medians else None,
        median_high=value(medians[1]) if medians else None,
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
        adjacent_pair=(value(pair[1][0]), value(pair[1][1])) if pair else None,
        label=verdict[0],
        label_reason=verdict[1],
        categories=tuple(categories),
    )


def _names(categories: tuple[str, ...], names: Mapping[str, str] | None) -> tuple[str, ...]:
    if names is not None:
        return tuple(names.get(value, value) for value in categories)
    if tuple(categories) == scale.LEVEL_VALUES:
        return tuple(level.label for level in scale.LEVELS)
    return tuple(categories)


# A level between two camps is a valley when it holds at most this share of the smaller camp's
# peak: one person standing between two camps of two is a dip, not a valley (docs/agreement.md).
VALLEY_RATIO = 0.4


@dataclass(frozen=True)
class Camps:
    """Two camps of voters with a valley between them (``polarised_camps``)."""

    low: tuple[int, ...]  # indices of the low camp's levels
    high: tuple[int, ...]
    low_votes: int
    high_votes: int
    between: int  # votes at the valley level


def polarised_camps(counts: tuple[int, ...], camp_share: float) -> Camps | None:
    """Two camps separated by a valley, or None.

    Some level between the lowest and highest holds at most ``VALLEY_RATIO`` of the smaller of the
    two peaks on either side of it (an empty level is the clearest case), and the votes on each
    side of that level are each at least ``camp_share`` of the rated votes. The camps are then at
    least two levels apart. Each side counts as one camp whatever the levels it spreads over, so
    one vote moving within a camp never changes the verdict.
    """
    total = sum(counts)
    if not total:
        return None
    best = None
    for valley in range(1, len(counts) - 1):
        low, high = counts[:valley], counts[valley + 1 :]
        smaller_camp = min(sum(low), sum(high))
        if smaller_camp < camp_share * total - 1e-9:
            continue
        if counts[valley] > VALLEY_RATIO * min(max(low), max(high)) + 1e-9:
            continue
        candidate = (smaller_camp, -counts[valley], valley)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return None
    valley = best[2]
    return Camps(
        low=tuple(i for i in range(valley) if counts[i]),
        high=tuple(i for i in range(valley + 1, len(counts)) if counts[i]),
        low_votes=sum(counts[:valley]),
        high_votes=sum(counts[valley + 1 :]),
        between=counts[valley],
    )


def is_polarised(counts: tuple[int, ...], camp_share: float) -> bool:
    return polarised_camps(tuple(counts), camp_share) is not None


def _is_agreed(counts: tuple[int, ...], share: float, minimum_rwg: float, within: float | None) -> bool:
    """One level holds at least ``share`` of the votes, nobody voted more than one level away
    from it, and r_wg is at least ``minimum_rwg``.

    The middle condition is what makes two camps with an empty level between them (however
    small the second camp) never agreed: somebody then sees the practice two or more levels
    differently, and that view should be heard before the group's level is recorded.
    """
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
    polarised two camps with a valley between them, each side ``polarised_share`` or more of the
              votes (``polarised_camps``);
    agreed    ``agreed_share`` or more on one level (Delphi percent agreement), nobody more than
              one level from it, and r_wg at least ``agreed_rwg``;
    leaning   more than ``majority_share`` on one level, or ``leaning_pair_share`` or more on two
              neighbouring levels;
    split     anything else.
    """
    counts = tuple(counts)
    names = tuple(f"level {rank}" for rank in range(1, len(counts) + 1))
    return _verdict(counts, abstaining, settings, agreement.rwg(counts), names)[0]


def _votes(count: int) -> str:
    return f"{count} {'vote' if count == 1 else 'votes'}"


def _say(count: int, where: str) -> str:
    return f"{count} {'says' if count == 1 else 'say'} {where}"


def _verdict(
    counts: tuple[int, ...],
    abstaining: int,
    settings: Settings,
    within: float | None,
    names: tuple[str, ...],
    unit: str = "level",
) -> tuple[str, str]:
    """The label and the sentence that says why it applies to these votes."""
    voters = sum(counts)
    answers = voters + abstaining
    if answers and abstaining / answers >= settings.unclear_share:
        return UNCLEAR, (
            f"{abstaining} of {answers} answers were \u201cdon't know\u201d: the group lacks the information to judge."
        )
    if voters < settings.min_voters:
        who = "Nobody" if voters == 0 else f"Only {voters}"
        return TOO_FEW, f"{who} rated this; it takes {settings.min_voters} or more to say whether the group agrees."
    camps = polarised_camps(counts, settings.polarised_share)
    if camps is not None:

        def side(indices):
            return join_words([names[i] for i in indices], "or")

        between = "nobody in between" if not camps.between else f"{camps.between} in between"
        return POLARISED, (
            f"Two camps: {_say(camps.low_votes, side(camps.low))}, {_say(camps.high_votes, side(camps.high))}, "
            f"{between}."
        )
    top = max(counts)
    mode = counts.index(top)
    far = sum(count for index, count in enumerate(counts) if abs(index - mode) > 1)
    share = top / voters
    if _is_agreed(counts, settings.agreed_share, settings.agreed_rwg, within):
        if top == voters:
            return AGREED, f"All {voters} chose {names[mode]}."
        return AGREED, f"{top} of {voters} chose {names[mode]} and everyone else is one {unit} away."
    if share > settings.majority_share:
        if far:
            return LEANING, (
                f"{top} of {voters} chose {names[mode]}, but {far} {'sees' if far == 1 else 'see'} it two or more "
                f"{unit}s away: hear them before recording the {unit}."
            )
        if share < settings.agreed_share:
            return LEANING, (
                f"{top} of {voters} chose {names[mode]} and the others are one {unit} away: close, but short of "
                f"the {round(settings.agreed_share * 100)}% that counts as agreed."
            )
        return LEANING, (
            f"{top} of {voters} chose {names[mode]}, but the answers are still spread (r_wg "
            f"{0 if within is None else within:.2f}, below {settings.agreed_rwg:.2f})."
        )
    pairs = [(counts[i] + counts[i + 1], i) for i in range(len(counts) - 1)]
    pair_votes, pair_at = max(pairs, key=lambda item: (item[0], -item[1]))
    if pair_votes / voters >= settings.leaning_pair_share:
        both = f"{pair_votes} of {voters} chose {names[pair_at]} or {names[pair_at + 1]}"
        outside = (
            voters - pair_votes - sum(counts[index] for index in (pair_at - 1, pair_at + 2) if 0 <= index < len(counts))
        )
        if outside:
            return LEANING, (
                f"{both}, but {outside} {'sees' if outside == 1 else 'see'} it two or more {unit}s away: hear them "
                f"before recording the {unit}."
            )
        return LEANING, f"{both}: the group is between two neighbouring {unit}s."
    tied = [names[index] for index, count in enumerate(counts) if count == top]
    if len(tied) > 1:
        return SPLIT, f"No shared view yet: {join_words(tied)} have {_votes(top)} each, of {voters}."
    return SPLIT, f"No shared view yet: the most chosen level, {tied[0]}, has {top} of {voters}."


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
        level_change = current.rank(current.median_low) - previous.rank(previous.median_low)
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
            results[high].rank(results[high].median_low) - results[low].rank(results[low].median_low)
            if results[high].median_low and results[low].median_low
            else None
        ),
    )
