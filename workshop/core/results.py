"""The derived results of a whole session, from its state and its vote counts.

One function, ``build_results``, turns facts into everything the views, the API and the exports
show: per practice and round the analysis (only for revealed rounds), the shift between rounds, the
consolidated level, the discussion queue, Krippendorff's alpha, the per-segment figures and the
placement. Before a reveal only the number of votes exists here, so nothing can leak.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from . import analysis, scale
from .assessment import OPEN, PENDING, REVEALED, Assessment, Decision
from .frameworks import PRACTICE, STAGE_VOTE, Practice, Stage
from .placement import Placement, PracticeLevel, StageVote, place
from .reasons import Reason

LevelCounts = Mapping[tuple[str, int, str | None, str], int]  # (practice, round, segment, level) -> n
NO_SEGMENT = None


@dataclass(frozen=True)
class RoundView:
    """One round of one practice: before its reveal only the number of answers."""

    number: int
    revealed: bool
    votes: int  # everyone who answered, "don't know" included
    result: analysis.RoundResult | None  # None until revealed
    segments: Mapping[str, analysis.RoundResult]  # only segments large enough to show
    hidden_segments: tuple[str, ...]  # the session's other segments (too small, or suppressed)

    def as_dict(self) -> dict:
        """The round as JSON-able data; before its reveal only the number of answers."""
        data = {"number": self.number, "revealed": self.revealed, "votes": self.votes, "result": None}
        if self.result is not None:
            data["result"] = self.result.as_dict()
            data["segments"] = [{"segment": name, **result.as_dict()} for name, result in self.segments.items()]
            data["hidden_segments"] = list(self.hidden_segments)
        return data


@dataclass(frozen=True)
class PracticeRef:
    """Which practice a list entry is about."""

    id: str
    position: int
    text: str
    stage_id: str
    stage_name: str

    def as_dict(self) -> dict:
        return {"practice": self.id, "position": self.position, "text": self.text, "stage": self.stage_id}


@dataclass(frozen=True)
class PracticeView:
    """Everything derived about one practice: its rounds, shift, decision and level."""

    practice: Practice
    stage: Stage | None  # None for the stage vote, which belongs to no stage
    position: int
    status: str  # pending | open | revealed
    rounds: tuple[RoundView, ...]
    shift: analysis.Shift | None  # between the last two revealed rounds
    decision: Decision | None  # the consolidation of the latest round, if any
    in_action_plan: bool = False

    @property
    def ref(self) -> PracticeRef:
        stage_id, stage_name = (self.stage.id, self.stage.name) if self.stage else (None, "Stage vote")
        return PracticeRef(self.practice.id, self.position, self.practice.text, stage_id, stage_name)

    @property
    def kind(self) -> str:
        """``practice`` (rated on the adoption scale) or ``stage_vote`` (answered with a stage)."""
        return self.practice.kind

    @property
    def latest(self) -> RoundView | None:
        """The latest round, revealed or not."""
        return self.rounds[-1] if self.rounds else None

    @property
    def latest_revealed(self) -> RoundView | None:
        """The latest round whose votes may be shown (an open re-vote keeps the previous one)."""
        for view in reversed(self.rounds):
            if view.revealed:
                return view
        return None

    @property
    def result(self) -> analysis.RoundResult | None:
        """The analysis of the latest revealed round."""
        revealed = self.latest_revealed
        return revealed.result if revealed else None

    @property
    def computed_level(self) -> str | None:
        """The proposed level: the lower median of the latest revealed round."""
        return self.result.computed_level if self.result else None

    @property
    def consolidated_level(self) -> str | None:
        """The facilitator's level for the latest round; None until consolidated or after a re-vote."""
        return self.decision.level if self.decision else None

    @property
    def level(self) -> str | None:
        """The practice's level wherever one is shown: consolidated, else computed from the votes."""
        return self.consolidated_level or self.computed_level

    @property
    def provisional(self) -> bool:
        """The level is computed from the votes and not yet consolidated by the facilitator."""
        return self.decision is None and self.computed_level is not None

    @property
    def overridden(self) -> bool:
        """The facilitator recorded another level than the votes' (with a note saying why)."""
        return bool(self.decision and self.decision.overridden)

    @property
    def gap(self) -> analysis.PerceptionGap | None:
        """The perception gap between the shown segments in the latest revealed round."""
        revealed = self.latest_revealed
        return analysis.perception_gap(revealed.segments) if revealed else None

    def as_dict(
        self, *, with_text: bool = False, with_notes: bool = True, reasons: Sequence[Reason] | None = None
    ) -> dict:
        """The practice as JSON-able data: the one shape of the live state, the summary and the export.

        ``with_text`` adds the practice's and stage's texts (live states leave them out: the pages
        have the framework already); ``with_notes`` the facilitator's note on the decision;
        ``reasons`` the reasons given in its revealed rounds.
        """
        latest = self.latest
        revealed = self.latest_revealed
        data = {"id": self.practice.id, "kind": self.kind, "position": self.position, "stage": self.ref.stage_id}
        if with_text:
            data.update(text=self.practice.text, stage_name=self.ref.stage_name)
        data.update(
            status=self.status,
            round=latest.number if latest else 0,
            votes=latest.votes if latest else 0,
            rounds=[view.as_dict() for view in self.rounds],
            result={"round": revealed.number, **revealed.result.as_dict()} if revealed else None,
            label=self.result.label if self.result else None,
            computed_level=self.computed_level,
            consolidated_level=self.consolidated_level,
            level=self.level,
            provisional=self.provisional,
            overridden=self.overridden,
            decision=self.decision.as_dict(with_note=with_notes) if self.decision else None,
            shift=self.shift.as_dict() if self.shift else None,
            gap=self.gap.as_dict() if self.gap else None,
            in_action_plan=self.in_action_plan,
        )
        if reasons is not None:
            data["reasons"] = [reason.as_dict() for reason in reasons]
        return data

    def public_dict(self) -> dict:
        """What every phone sees of the practice: its status and, after a reveal, the distribution."""
        latest = self.latest
        revealed = self.latest_revealed
        return {
            "id": self.practice.id,
            "kind": self.kind,
            "status": self.status,
            "round": latest.number if latest else 0,
            "result": {"round": revealed.number, **revealed.result.public_dict()} if revealed else None,
            "consolidated_level": self.consolidated_level,
            "computed_level": self.computed_level,
            "level": self.level,
            "provisional": self.provisional,
            "overridden": self.overridden,
        }


@dataclass(frozen=True)
class SessionResults:
    """Everything derived about a session, as the views, the API and the exports show it."""

    assessment: Assessment
    practices: tuple[PracticeView, ...]
    queue: tuple[str, ...]  # revealed practices, most divided first
    alpha: float | None
    placement: Placement

    def practice(self, practice_id: str) -> PracticeView:
        """The view of one practice; KeyError if the framework has no such practice."""
        for view in self.practices:
            if view.practice.id == practice_id:
                return view
        raise KeyError(practice_id)

    def levels(self) -> dict[str, PracticeLevel]:
        """Each practice's level as the placement sees it (consolidated, else provisional)."""
        return practice_levels(self.practices)

    def stage_vote(self) -> StageVote | None:
        """The room's stage vote as the placement sees it (stage-vote frameworks only)."""
        return stage_vote_of(self.practices)

    @property
    def revealed_count(self) -> int:
        """Practices with at least one revealed round."""
        return sum(1 for view in self.practices if view.result is not None)

    @property
    def consolidated_count(self) -> int:
        """Practices whose latest round is consolidated."""
        return sum(1 for view in self.practices if view.decision is not None)


def _segment_results(
    by_segment: Mapping[str | None, tuple[list[int], int]], assessment: Assessment, scale_of: dict
) -> tuple[dict[str, analysis.RoundResult], tuple[str, ...]]:
    """Per-segment analysis, suppressing every breakdown that would tell someone's vote.

    A segment is shown when at least ``min_segment_size`` (never below 3) of its members rated the
    practice and its answers are not all the same: a unanimous segment tells each member's vote to
    whoever knows who is in it (and then which reasons, grouped by level, are theirs). The whole
    group's counts are shown too, so the counts of everyone outside the shown segments (small
    segments, people without a segment) can be derived by subtraction; that remainder must itself
    be showable by the same rule: nobody, or enough rated votes that are not all the same.
    Otherwise the smallest shown segment is hidden too (complementary suppression), until it is.
    """
    settings = assessment.settings
    minimum = settings.segment_minimum
    # (rated votes, every answer) per named segment; "don't know" answers are shown in a
    # segment's counts too, so they count when checking what subtraction would reveal.
    sizes = {
        name: (sum(counts), sum(counts) + abstaining)
        for name, (counts, abstaining) in by_segment.items()
        if name is not None and name in settings.segments
    }

    def unanimous(counts, abstaining) -> bool:
        answers = sum(counts) + abstaining
        return answers > 0 and max(*counts, abstaining) == answers

    shown = {name for name, (voters, _) in sizes.items() if voters >= minimum and not unanimous(*by_segment[name])}
    width = len(next(iter(by_segment.values()))[0]) if by_segment else 0
    total_counts = [sum(counts[i] for counts, _ in by_segment.values()) for i in range(width)]
    total_abstaining = sum(abstaining for _, abstaining in by_segment.values())

    def remainder_unsafe() -> bool:
        counts = [total_counts[i] - sum(by_segment[name][0][i] for name in shown) for i in range(width)]
        abstaining = total_abstaining - sum(by_segment[name][1] for name in shown)
        if sum(counts) + abstaining == 0:
            return False
        return sum(counts) < minimum or unanimous(counts, abstaining)

    while shown and remainder_unsafe():
        shown.remove(min(shown, key=lambda name: (sizes[name], name)))
    results = {
        name: analysis.analyse(by_segment[name][0], by_segment[name][1], settings, **scale_of)
        for name in settings.segments
        if name in shown
    }
    # Every segment not shown is listed, whether or not it answered: naming only the segments
    # that answered would tell who is behind a small whole-group count.
    hidden = tuple(name for name in settings.segments if name not in shown)
    return results, hidden


def with_open_votes(results: SessionResults, votes: Mapping[str, int]) -> SessionResults:
    """The same results with fresh vote counts for the rounds still open.

    Votes only ever land in open rounds, so everything analysed (revealed rounds) stays valid for
    a session's version; only these counts move, and laying them over is cheap.
    """
    views = []
    for view in results.practices:
        latest = view.latest
        if latest is not None and not latest.revealed and view.practice.id in votes:
            latest = replace(latest, votes=votes[view.practice.id])
            view = replace(view, rounds=view.rounds[:-1] + (latest,))
        views.append(view)
    return replace(results, practices=tuple(views))


def build_results(assessment: Assessment, level_counts: LevelCounts) -> SessionResults:
    """Derive everything shown about a session from its state and vote counts."""
    settings = assessment.settings
    grouped: dict[tuple[str, int], dict[str | None, tuple[list[int], int]]] = defaultdict(dict)
    framework = assessment.framework
    for (practice_id, number, segment, level), count in level_counts.items():
        if not framework.has_practice(practice_id):
            continue  # a stray row (a practice no longer in the session's framework) counts nowhere
        options = framework.options(practice_id)
        if level != scale.UNKNOWN and level not in options:
            continue
        segments = grouped[(practice_id, number)]
        counts, abstaining = segments.get(segment, ([0] * len(options), 0))
        if level == scale.UNKNOWN:
            abstaining += count
        else:
            counts = list(counts)
            counts[options.index(level)] += count
        segments[segment] = (counts, abstaining)

    views = []
    for position, practice in enumerate(framework.practices, start=1):
        latest = assessment.latest_round(practice.id)
        options = framework.options(practice.id)
        scale_of = {"categories": options, "names": framework.option_names(practice.id)}
        rounds = []
        if latest is not None:
            for number in range(1, latest.number + 1):
                by_segment = grouped.get((practice.id, number), {})
                total_counts = [0] * len(options)
                total_abstaining = 0
                for counts, abstaining in by_segment.values():
                    total_counts = [a + b for a, b in zip(total_counts, counts)]
                    total_abstaining += abstaining
                revealed = number < latest.number or latest.revealed
                segment_results, hidden = (
                    _segment_results(by_segment, assessment, scale_of) if revealed and settings.segments else ({}, ())
                )
                rounds.append(
                    RoundView(
                        number=number,
                        revealed=revealed,
                        votes=sum(total_counts) + total_abstaining,
                        result=analysis.analyse(total_counts, total_abstaining, settings, **scale_of)
                        if revealed
                        else None,
                        segments=segment_results,
                        hidden_segments=hidden,
                    )
                )
        revealed_rounds = [view for view in rounds if view.revealed]
        shift = None
        if len(revealed_rounds) >= 2:
            before, after = revealed_rounds[-2], revealed_rounds[-1]
            shift = analysis.compare_rounds(before.result, after.result, before.number, after.number)
        views.append(
            PracticeView(
                practice=practice,
                stage=framework.stage_of(practice.id),
                position=position,
                status=assessment.practice_status(practice.id),
                rounds=tuple(rounds),
                shift=shift,
                decision=assessment.decision(practice.id),
            )
        )

    revealed_views = [view for view in views if view.result is not None]
    queue = tuple(
        view.practice.id for view in sorted(revealed_views, key=lambda view: analysis.divided_rank(view.result))
    )
    alpha = analysis.session_alpha(view.result.counts for view in revealed_views if view.kind == PRACTICE)
    placement = place(framework, practice_levels(views), settings.placement_threshold, stage_vote=stage_vote_of(views))
    planned = {item.practice_id for item in placement.action_plan}
    views = [replace(view, in_action_plan=True) if view.practice.id in planned else view for view in views]
    return SessionResults(assessment, tuple(views), queue, alpha, placement)


def practice_levels(views: Sequence[PracticeView]) -> dict[str, PracticeLevel]:
    """The level of every rated practice that has one, as the placement reads it."""
    return {
        view.practice.id: PracticeLevel(view.practice.id, view.level, provisional=view.provisional)
        for view in views
        if view.level is not None and view.kind == PRACTICE
    }


def stage_vote_of(views: Sequence[PracticeView]) -> StageVote | None:
    """The room's stage vote as the placement reads it, if the framework has one."""
    for view in views:
        if view.kind == STAGE_VOTE:
            result = view.result
            return StageVote(
                stage_id=view.level,
                provisional=view.provisional,
                label=result.label if result else None,
                voters=result.voters if result else 0,
                voted_stage_id=view.computed_level if view.overridden else None,
            )
    return None


__all__ = [
    "OPEN", "PENDING", "REVEALED", "PracticeRef", "PracticeView", "RoundView", "SessionResults", "build_results",
]  # fmt: skip
