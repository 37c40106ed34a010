"""The session summary: one model, built from the stored facts, rendered in every export format.

``build_report`` takes the derived ``SessionResults`` plus plain facts the results do not hold (the
number of participants, the reasons given, when the report is generated, an optional benchmark)
and returns a frozen ``Report``. The Markdown, CSV, JSON, HTML and PDF renderers (``workshop/export``)
only lay this model out, so the formats never disagree. ``Report.to_dict`` is the JSON document,
versioned by ``SCHEMA_VERSION`` and described by ``docs/summary.schema.json``.

Nothing here names a participant: reasons are kept with their level and round only, sorted by
level and text so not even the order in which people answered survives. Segment figures are the
ones ``results`` chose to show (large enough segments only).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import analysis, scale
from .assessment import Decision
from .benchmark import Benchmark
from .placement import Placement, plural
from .results import PracticeView, SessionResults

SCHEMA_VERSION = 1
DONT_KNOW_WARNING_SHARE = 0.25  # "don't know" share above which a practice gets a data-quality note


def level_label(value: str | None) -> str:
    """The human label of a wire value ("ad_hoc" -> "Ad Hoc"); "not rated" for None."""
    if value is None:
        return "not rated"
    if value == scale.UNKNOWN:
        return scale.UNKNOWN_LABEL
    return scale.level(value).label


def _round4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class PracticeRef:
    """Which practice a list entry is about."""

    id: str
    position: int
    text: str
    stage_id: str
    stage_name: str

    def as_dict(self) -> dict:
        return {
            "practice": self.id,
            "position": self.position,
            "text": self.text,
            "stage": self.stage_id,
        }


@dataclass(frozen=True)
class Reason:
    """A reason a participant gave with a vote, without who gave it."""

    round: int
    level: str
    note: str

    def as_dict(self) -> dict:
        return {"round": self.round, "level": self.level, "note": self.note}


@dataclass(frozen=True)
class RoundRow:
    """One round of one practice; before its reveal only the number of answers."""

    number: int
    revealed: bool
    votes: int
    result: analysis.RoundResult | None
    segments: tuple[tuple[str, analysis.RoundResult], ...]
    hidden_segments: tuple[str, ...]

    def as_dict(self) -> dict:
        data = {"number": self.number, "revealed": self.revealed, "votes": self.votes}
        if self.result is None:
            data["result"] = None
            return data
        data["result"] = result_dict(self.result)
        data["segments"] = [{"segment": name, **result_dict(result)} for name, result in self.segments]
        data["hidden_segments"] = list(self.hidden_segments)
        return data


def result_dict(result: analysis.RoundResult) -> dict:
    """The figures of one round the summary carries, rounded to four decimals."""
    total = result.voters
    return {
        "counts": result.counts_by_level(),
        "voters": result.voters,
        "abstaining": result.abstaining,
        "abstaining_share": _round4(result.abstaining_share),
        "shares": {
            level.value: _round4(count / total) if total else None
            for level, count in zip(scale.LEVELS, result.counts)
        },
        "label": result.label,
        "label_text": analysis.LABEL_TEXT[result.label],
        "consensus": _round4(result.consensus),
        "agreement": _round4(result.agreement),
        "dispersion": _round4(result.dispersion),
        "rwg": _round4(result.rwg),
        "mode_share": _round4(result.mode_share),
        "median_low": result.median_low,
        "median_high": result.median_high,
        "mean": _round4(result.mean),
        "computed_level": result.computed_level,
    }


@dataclass(frozen=True)
class PracticeRow:
    """Everything the summary says about one practice."""

    ref: PracticeRef
    status: str  # pending | open | revealed
    rounds: tuple[RoundRow, ...]
    result: analysis.RoundResult | None  # the latest revealed round
    latest_revealed_round: int | None
    computed_level: str | None
    decision: Decision | None  # the consolidation that applies to the latest round
    reasons: tuple[Reason, ...]
    shift: analysis.Shift | None
    gap: dict | None
    in_action_plan: bool

    @property
    def consolidated_level(self) -> str | None:
        return self.decision.level if self.decision else None

    @property
    def level(self) -> str | None:
        """The level placement used: consolidated, else computed from the votes (provisional)."""
        return self.consolidated_level or self.computed_level

    @property
    def provisional(self) -> bool:
        return self.decision is None and self.computed_level is not None

    @property
    def overridden(self) -> bool:
        return bool(self.decision and self.decision.overridden)

    def as_dict(self) -> dict:
        decision = self.decision
        return {
            **self.ref.as_dict(),
            "stage_name": self.ref.stage_name,
            "status": self.status,
            "rounds": [row.as_dict() for row in self.rounds],
            "latest_revealed_round": self.latest_revealed_round,
            "label": self.result.label if self.result else None,
            "consensus": _round4(self.result.consensus) if self.result else None,
            "voters": self.result.voters if self.result else 0,
            "abstaining": self.result.abstaining if self.result else 0,
            "computed_level": self.computed_level,
            "consolidated_level": self.consolidated_level,
            "level": self.level,
            "provisional": self.provisional,
            "decision": decision.as_dict() if decision else None,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "shift": shift_dict(self.shift) if self.shift else None,
            "gap": gap_dict(self.gap) if self.gap else None,
            "in_action_plan": self.in_action_plan,
        }


def shift_dict(shift: analysis.Shift) -> dict:
    return {
        "from_round": shift.from_round,
        "to_round": shift.to_round,
        "kind": shift.kind,
        "direction": shift.direction,
        "level_change": shift.level_change,
        "consensus_change": _round4(shift.consensus_change),
        "from_label": shift.from_label,
        "to_label": shift.to_label,
        "description": shift.describe(),
    }


def gap_dict(gap: Mapping) -> dict:
    return {
        "gap": _round4(gap["gap"]),
        "highest": gap["highest"],
        "lowest": gap["lowest"],
        "median_gap": gap["median_gap"],
    }


@dataclass(frozen=True)
class SessionInfo:
    """The session as the summary's heading describes it."""

    code: str
    title: str
    organization: str | None
    team: str | None
    framework_id: str
    framework_name: str
    framework_source: str  # "Author, “Title” (published)"
    status: str
    created_at: str | None
    closed_at: str | None
    notes: str | None
    participants: int
    practices: int
    rounds: int  # rounds opened, every practice together
    revotes: int  # rounds beyond the first
    threshold: str
    segments: tuple[str, ...]
    min_segment_size: int

    @property
    def date(self) -> str | None:
        """The session's date (YYYY-MM-DD), from when it was created."""
        return self.created_at[:10] if self.created_at else None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "organization": self.organization,
            "team": self.team,
            "framework": {"id": self.framework_id, "name": self.framework_name, "source": self.framework_source},
            "status": self.status,
            "date": self.date,
            "created_at": self.created_at,
            "closed_at": self.closed_at,
            "notes": self.notes,
            "participants": self.participants,
            "practices": self.practices,
            "rounds": self.rounds,
            "revotes": self.revotes,
            "threshold": self.threshold,
            "segments": list(self.segments),
            "min_segment_size": self.min_segment_size,
        }


@dataclass(frozen=True)
class AgreementEntry:
    """A practice in the "agrees" or "disagrees most" lists."""

    ref: PracticeRef
    label: str
    consensus: float | None
    level: str | None

    def as_dict(self) -> dict:
        return {
            **self.ref.as_dict(),
            "label": self.label,
            "consensus": _round4(self.consensus),
            "level": self.level,
        }


@dataclass(frozen=True)
class AgreementSummary:
    """Where the group agrees and where it disagrees most, and the session's reliability."""

    alpha: float | None
    agreed: tuple[AgreementEntry, ...]  # highest consensus first
    divided: tuple[AgreementEntry, ...]  # most divided first (the discussion queue's order)
    labels: tuple[tuple[str, int], ...]  # practices per label of their latest revealed round

    def as_dict(self) -> dict:
        return {
            "alpha": _round4(self.alpha),
            "agreed": [entry.as_dict() for entry in self.agreed],
            "divided": [entry.as_dict() for entry in self.divided],
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class ShiftEntry:
    ref: PracticeRef
    shift: analysis.Shift

    def as_dict(self) -> dict:
        return {**self.ref.as_dict(), **shift_dict(self.shift)}


@dataclass(frozen=True)
class SegmentGap:
    """The largest difference between the shown segments' views of one practice."""

    ref: PracticeRef
    highest: str
    lowest: str
    gap: float  # in levels, between mean ranks
    median_gap: int | None
    segments: tuple[tuple[str, str | None, float | None, int], ...]  # (name, median_low, mean, voters)

    def as_dict(self) -> dict:
        return {
            **self.ref.as_dict(),
            "highest": self.highest,
            "lowest": self.lowest,
            "gap": _round4(self.gap),
            "median_gap": self.median_gap,
            "segments": [
                {"segment": name, "median_low": median, "mean": _round4(mean), "voters": voters}
                for name, median, mean, voters in self.segments
            ],
        }


@dataclass(frozen=True)
class PracticeVoters:
    ref: PracticeRef
    voters: int
    abstaining: int

    @property
    def abstaining_share(self) -> float | None:
        total = self.voters + self.abstaining
        return self.abstaining / total if total else None

    def as_dict(self) -> dict:
        return {
            **self.ref.as_dict(),
            "voters": self.voters,
            "abstaining": self.abstaining,
            "abstaining_share": _round4(self.abstaining_share),
        }


@dataclass(frozen=True)
class DataQuality:
    """How far the figures can be trusted: who voted, how many didn't know, what is missing."""

    participants: int
    practices: int
    rated: int
    answers: int  # answers in the latest revealed round of every practice
    abstaining: int  # of which "don't know"
    per_practice: tuple[PracticeVoters, ...]
    never_rated: tuple[PracticeRef, ...]
    provisional: tuple[PracticeRef, ...]
    too_few_voters: tuple[PracticeRef, ...]
    many_unknown: tuple[PracticeRef, ...]
    open_rounds: int
    overrides: int
    notes: tuple[str, ...]

    @property
    def abstaining_share(self) -> float | None:
        return self.abstaining / self.answers if self.answers else None

    def as_dict(self) -> dict:
        return {
            "participants": self.participants,
            "practices": self.practices,
            "rated": self.rated,
            "answers": self.answers,
            "abstaining": self.abstaining,
            "abstaining_share": _round4(self.abstaining_share),
            "per_practice": [entry.as_dict() for entry in self.per_practice],
            "never_rated": [ref.as_dict() for ref in self.never_rated],
            "provisional": [ref.as_dict() for ref in self.provisional],
            "too_few_voters": [ref.as_dict() for ref in self.too_few_voters],
            "many_unknown": [ref.as_dict() for ref in self.many_unknown],
            "open_rounds": self.open_rounds,
            "overrides": self.overrides,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Report:
    """The session summary every export format renders."""

    generated_at: str
    session: SessionInfo
    placement: Placement
    stage_index: int  # 1-based position of the stage reached; 0 when not placed
    stages: tuple[tuple[str, str], ...]  # (id, name) in framework order
    practices: tuple[PracticeRow, ...]
    agreement: AgreementSummary
    shifts: tuple[ShiftEntry, ...]
    segment_gaps: tuple[SegmentGap, ...]
    data_quality: DataQuality
    benchmark: Benchmark | None = None

    def practice(self, practice_id: str) -> PracticeRow:
        for row in self.practices:
            if row.ref.id == practice_id:
                return row
        raise KeyError(practice_id)

    def to_dict(self) -> dict:
        """The summary as JSON-able data (docs/summary.schema.json)."""
        placement = self.placement
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "session": self.session.as_dict(),
            "placement": {
                "stage": placement.stage_id,
                "stage_name": placement.stage_name,
                "stage_index": self.stage_index,
                "stages": [{"id": stage_id, "name": name} for stage_id, name in self.stages],
                "next_stage": placement.next_stage_id,
                "next_stage_name": placement.next_stage_name,
                "threshold": placement.threshold,
                "explanation": placement.explanation,
                "key_obstacle": placement.key_obstacle,
                "provisional": placement.provisional,
                "unassessed": placement.unassessed,
                "profile": [
                    {
                        "stage": row.stage_id,
                        "name": row.name,
                        "practices": row.practices,
                        "assessed": row.assessed,
                        "at_or_above": row.at_or_above,
                        "share": _round4(row.share),
                        "mean_level": _round4(row.mean_level),
                        "met": row.met,
                    }
                    for row in placement.profile
                ],
            },
            "action_plan": {
                "stage": placement.next_stage_id,
                "stage_name": placement.next_stage_name,
                "key_obstacle": placement.key_obstacle,
                "items": [
                    {
                        "practice": item.practice_id,
                        "text": item.text,
                        "stage": item.stage_id,
                        "level": item.level,
                        "gap": item.gap,
                        "provisional": item.provisional,
                    }
                    for item in placement.action_plan
                ],
            },
            "practices": [row.as_dict() for row in self.practices],
            "agreement": self.agreement.as_dict(),
            "shifts": [entry.as_dict() for entry in self.shifts],
            "segment_gaps": [entry.as_dict() for entry in self.segment_gaps],
            "data_quality": self.data_quality.as_dict(),
            "benchmark": self.benchmark.as_dict() if self.benchmark else None,
        }


# --- building ----------------------------------------------------------------------------------

ReasonFacts = Mapping[tuple[str, int], Sequence[tuple[str, str]]]  # (practice, round) -> [(level, note)]


def _reason_key(reason: Reason) -> tuple:
    rank = scale.rank_of(reason.level) if reason.level in scale.LEVEL_VALUES else len(scale.LEVELS) + 1
    return reason.round, rank, reason.note.casefold(), reason.note


def _reasons(view: PracticeView, reasons: ReasonFacts) -> tuple[Reason, ...]:
    """Reasons of the revealed rounds only: an open round's reasons are as secret as its votes."""
    found = [
        Reason(round_view.number, level, note)
        for round_view in view.rounds
        if round_view.revealed
        for level, note in reasons.get((view.practice.id, round_view.number), ())
        if note
    ]
    return tuple(sorted(found, key=_reason_key))


def _ref(view: PracticeView) -> PracticeRef:
    return PracticeRef(view.practice.id, view.position, view.practice.text, view.stage.id, view.stage.name)


def _source(results: SessionResults) -> str:
    reference = results.assessment.framework.reference
    return f"{reference.author}, \u201c{reference.title}\u201d ({reference.published})"


def _quality_notes(quality: DataQuality, settings_min_voters: int) -> tuple[str, ...]:
    notes = []
    if quality.rated == 0:
        notes.append("No practice has been rated yet: there is nothing to summarise so far.")
    if quality.never_rated and quality.rated:
        notes.append(
            f"{plural(len(quality.never_rated), 'practice').capitalize()} "
            f"{'was' if len(quality.never_rated) == 1 else 'were'} never rated "
            "and count as not met in the placement."
        )
    if quality.provisional:
        count = len(quality.provisional)
        notes.append(
            f"{plural(count, 'level').capitalize()} {'is' if count == 1 else 'are'} provisional: "
            "computed from the votes, not consolidated by the facilitator."
        )
    if quality.open_rounds:
        notes.append(
            f"{plural(quality.open_rounds, 'round').capitalize()} {'is' if quality.open_rounds == 1 else 'are'} "
            "still open: its votes are not part of this summary."
        )
    if quality.too_few_voters:
        count = len(quality.too_few_voters)
        notes.append(
            f"{plural(count, 'practice').capitalize()} had fewer than {settings_min_voters} people rating "
            f"{'it' if count == 1 else 'them'}: too few to judge agreement."
        )
    if quality.abstaining_share is not None and quality.abstaining:
        notes.append(
            f"{round(quality.abstaining_share * 100)}% of the answers were \u201cdon't know\u201d "
            f"({quality.abstaining} of {quality.answers}); they are not counted as Missing."
        )
    if quality.many_unknown:
        count = len(quality.many_unknown)
        notes.append(
            f"On {plural(count, 'practice')} at least {round(DONT_KNOW_WARNING_SHARE * 100)}% of the answers "
            "were \u201cdon't know\u201d: the group may lack the information to judge."
        )
    if quality.overrides:
        notes.append(
            f"The facilitator recorded a level other than the computed one on "
            f"{plural(quality.overrides, 'practice')}; the notes say why."
        )
    return tuple(notes)


def build_report(
    results: SessionResults,
    *,
    participants: int,
    reasons: ReasonFacts,
    generated_at: str,
    benchmark: Benchmark | None = None,
) -> Report:
    """The session summary, from its derived results and the facts they do not hold."""
    assessment = results.assessment
    settings = assessment.settings
    placement = results.placement
    planned = {item.practice_id for item in placement.action_plan}

    rows = []
    for view in results.practices:
        revealed = view.latest_revealed
        rows.append(
            PracticeRow(
                ref=_ref(view),
                status=view.status,
                rounds=tuple(
                    RoundRow(
                        number=round_view.number,
                        revealed=round_view.revealed,
                        votes=round_view.votes,
                        result=round_view.result,
                        segments=tuple(round_view.segments.items()),
                        hidden_segments=tuple(round_view.hidden_segments),
                    )
                    for round_view in view.rounds
                ),
                result=view.result,
                latest_revealed_round=revealed.number if revealed else None,
                computed_level=view.computed_level,
                decision=view.decision,
                reasons=_reasons(view, reasons),
                shift=view.shift,
                gap=view.gap,
                in_action_plan=view.practice.id in planned,
            )
        )
    by_id = {row.ref.id: row for row in rows}

    revealed_rows = [row for row in rows if row.result is not None]
    agreed = sorted(
        (row for row in revealed_rows if row.result.label == analysis.AGREED),
        key=lambda row: (-(row.result.consensus or 0.0), row.ref.position),
    )
    divided = [by_id[pid] for pid in results.queue if by_id[pid].result.divided]
    label_counts = tuple(
        (label, sum(1 for row in revealed_rows if row.result.label == label)) for label in analysis.LABELS
    )
    agreement = AgreementSummary(
        alpha=results.alpha,
        agreed=tuple(AgreementEntry(r.ref, r.result.label, r.result.consensus, r.level) for r in agreed),
        divided=tuple(AgreementEntry(r.ref, r.result.label, r.result.consensus, r.level) for r in divided),
        labels=label_counts,
    )

    shifts = tuple(ShiftEntry(row.ref, row.shift) for row in rows if row.shift is not None)

    gaps = []
    for row in rows:
        if row.gap is None:
            continue
        revealed_round = next(r for r in reversed(row.rounds) if r.revealed)
        gaps.append(
            SegmentGap(
                ref=row.ref,
                highest=row.gap["highest"],
                lowest=row.gap["lowest"],
                gap=row.gap["gap"],
                median_gap=row.gap["median_gap"],
                segments=tuple(
                    (name, result.median_low, result.mean, result.voters)
                    for name, result in revealed_round.segments
                ),
            )
        )
    gaps.sort(key=lambda entry: (-entry.gap, entry.ref.position))

    per_practice = tuple(
        PracticeVoters(row.ref, row.result.voters if row.result else 0, row.result.abstaining if row.result else 0)
        for row in rows
    )
    quality = DataQuality(
        participants=participants,
        practices=len(rows),
        rated=sum(1 for row in rows if row.computed_level is not None),
        answers=sum(entry.voters + entry.abstaining for entry in per_practice),
        abstaining=sum(entry.abstaining for entry in per_practice),
        per_practice=per_practice,
        never_rated=tuple(row.ref for row in rows if row.level is None),
        provisional=tuple(row.ref for row in rows if row.provisional),
        too_few_voters=tuple(
            row.ref for row in revealed_rows if row.result.voters < settings.min_voters
        ),
        many_unknown=tuple(
            entry.ref
            for entry in per_practice
            if entry.abstaining_share is not None and entry.abstaining_share >= DONT_KNOW_WARNING_SHARE
        ),
        open_rounds=sum(1 for row in rows for r in row.rounds if not r.revealed),
        overrides=sum(1 for row in rows if row.overridden),
        notes=(),
    )
    quality = DataQuality(**{**vars(quality), "notes": _quality_notes(quality, settings.min_voters)})

    reached = [index for index, stage in enumerate(assessment.framework.stages) if stage.id == placement.stage_id]
    session = SessionInfo(
        code=assessment.code,
        title=assessment.title,
        organization=assessment.organization,
        team=assessment.team,
        framework_id=assessment.framework.id,
        framework_name=assessment.framework.name,
        framework_source=_source(results),
        status=assessment.status,
        created_at=assessment.created_at,
        closed_at=assessment.closed_at,
        notes=assessment.notes,
        participants=participants,
        practices=len(rows),
        rounds=sum(len(row.rounds) for row in rows),
        revotes=sum(max(0, len(row.rounds) - 1) for row in rows),
        threshold=settings.placement_threshold,
        segments=tuple(settings.segments),
        min_segment_size=max(3, settings.min_segment_size),
    )
    return Report(
        generated_at=generated_at,
        session=session,
        placement=placement,
        stage_index=reached[0] + 1 if reached else 0,
        stages=tuple((stage.id, stage.name) for stage in assessment.framework.stages),
        practices=tuple(rows),
        agreement=agreement,
        shifts=shifts,
        segment_gaps=tuple(gaps),
        data_quality=quality,
        benchmark=benchmark,
    )
