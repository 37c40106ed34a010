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
from dataclasses import dataclass, replace

from . import analysis, prework, reasons, scale
from .benchmark import Benchmark
from .frameworks import Framework
from .placement import Placement
from .reasons import Reason
from .results import PracticeRef, PracticeView, SessionResults
from .wording import plural

SCHEMA_VERSION = 3
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
    overridden: bool = False  # the level is the facilitator's, not the votes' (the note says why)
    computed_level: str | None = None

    def as_dict(self) -> dict:
        return {
            **self.ref.as_dict(),
            "label": self.label,
            "consensus": _round4(self.consensus),
            "level": self.level,
            "overridden": self.overridden,
            "computed_level": self.computed_level,
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
        return {**self.ref.as_dict(), **self.shift.as_dict()}


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
class PreworkSummary:
    """What pre-work did: who started and finished it, who took part in which round (counts only),
    which practices it settled and which the room did, and the shifts from pre-work to the room."""

    view: prework.PreworkView
    turnout: prework.Turnout
    settled: prework.Settled
    shifts: tuple[ShiftEntry, ...]  # practices re-voted in the room after their pre-work round

    def as_dict(self) -> dict:
        data = self.view.as_dict()
        del data["remaining"]  # a summary is read later: the deadline says when
        return {
            **data,
            "turnout": self.turnout.as_dict(),
            **self.settled.as_dict(),
            "shifts": [entry.as_dict() for entry in self.shifts],
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
    practices: tuple[PracticeView, ...]
    reasons: Mapping[str, tuple[Reason, ...]]  # practice id -> reasons of its revealed rounds, ordered
    agreement: AgreementSummary
    shifts: tuple[ShiftEntry, ...]
    segment_gaps: tuple[SegmentGap, ...]
    data_quality: DataQuality
    benchmark: Benchmark | None = None
    framework: Framework | None = None  # the session's own copy: its notes, cautions, figures
    prework: PreworkSummary | None = None

    def practice(self, practice_id: str) -> PracticeView:
        for view in self.practices:
            if view.practice.id == practice_id:
                return view
        raise KeyError(practice_id)

    def reasons_of(self, view: PracticeView, round_number: int | None = None) -> tuple[Reason, ...]:
        """The reasons of a practice (of one of its rounds), in the order they are shown."""
        found = self.reasons.get(view.practice.id, ())
        return found if round_number is None else tuple(r for r in found if r.round == round_number)

    def to_dict(self) -> dict:
        """The summary as JSON-able data (docs/summary.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "session": self.session.as_dict(),
            "placement": self.placement.as_dict(),
            "practices": [view.as_dict(with_text=True, reasons=self.reasons_of(view)) for view in self.practices],
            "agreement": self.agreement.as_dict(),
            "shifts": [entry.as_dict() for entry in self.shifts],
            "segment_gaps": [entry.as_dict() for entry in self.segment_gaps],
            "data_quality": self.data_quality.as_dict(),
            "benchmark": self.benchmark.as_dict() if self.benchmark else None,
            "prework": self.prework.as_dict() if self.prework else None,
        }


# --- building ----------------------------------------------------------------------------------

ReasonFacts = Mapping[tuple[str, int], Sequence[tuple[str, str]]]  # (practice, round) -> [(level, note)]


def _reasons(results: SessionResults, facts: ReasonFacts) -> dict[str, tuple[Reason, ...]]:
    """Reasons of the revealed rounds only: an open round's reasons are as secret as its votes."""
    found = {}
    for view in results.practices:
        readable = reasons.revealed_rounds(results.assessment, view.practice.id)
        found[view.practice.id] = reasons.ordered(
            (
                Reason(number, level, note)
                for number in readable
                for level, note in facts.get((view.practice.id, number), ())
                if note
            ),
            results.assessment.framework.options(view.practice.id),
        )
    return found


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
    prework_view: prework.PreworkView | None = None,
    answers: prework.Answers = (),
) -> Report:
    """The session summary, from its derived results and the facts they do not hold.

    ``prework_view`` is the session's pre-work (None without it) and ``answers`` each participant's
    number of answers per round, from which who took part in which round is counted.
    """
    assessment = results.assessment
    settings = assessment.settings
    views = results.practices
    by_id = {view.practice.id: view for view in views}

    revealed = [view for view in views if view.result is not None]
    agreed = sorted(
        (view for view in revealed if view.result.label == analysis.AGREED),
        key=lambda view: (-(view.result.consensus or 0.0), view.position),
    )
    divided = [by_id[pid] for pid in results.queue if by_id[pid].result.divided]
    label_counts = tuple(
        (label, sum(1 for view in revealed if view.result.label == label)) for label in analysis.LABELS
    )

    def entry(view: PracticeView) -> AgreementEntry:
        return AgreementEntry(
            view.ref, view.result.label, view.result.consensus, view.level, view.overridden, view.computed_level
        )

    agreement = AgreementSummary(
        alpha=results.alpha,
        agreed=tuple(entry(view) for view in agreed),
        divided=tuple(entry(view) for view in divided),
        labels=label_counts,
    )
    shifts = tuple(ShiftEntry(view.ref, view.shift) for view in views if view.shift is not None)

    gaps = []
    for view in views:
        gap = view.gap
        if gap is None:
            continue
        gaps.append(
            SegmentGap(
                ref=view.ref,
                highest=gap.highest,
                lowest=gap.lowest,
                gap=gap.gap,
                median_gap=gap.median_gap,
                segments=tuple(
                    (name, result.median_low, result.mean, result.voters)
                    for name, result in view.latest_revealed.segments.items()
                ),
            )
        )
    gaps.sort(key=lambda entry: (-entry.gap, entry.ref.position))

    per_practice = tuple(
        PracticeVoters(view.ref, view.result.voters if view.result else 0, view.result.abstaining if view.result else 0)
        for view in views
    )
    quality = DataQuality(
        participants=participants,
        practices=len(views),
        rated=sum(1 for view in views if view.computed_level is not None),
        answers=sum(item.voters + item.abstaining for item in per_practice),
        abstaining=sum(item.abstaining for item in per_practice),
        per_practice=per_practice,
        never_rated=tuple(view.ref for view in views if view.level is None),
        provisional=tuple(view.ref for view in views if view.provisional),
        too_few_voters=tuple(view.ref for view in revealed if view.result.voters < settings.min_voters),
        many_unknown=tuple(
            item.ref
            for item in per_practice
            if item.abstaining_share is not None and item.abstaining_share >= DONT_KNOW_WARNING_SHARE
        ),
        open_rounds=sum(1 for view in views for round_view in view.rounds if not round_view.revealed),
        overrides=sum(1 for view in views if view.overridden),
        notes=(),
    )
    quality = replace(quality, notes=_quality_notes(quality, settings.min_voters))

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
        practices=len(views),
        rounds=sum(len(view.rounds) for view in views),
        revotes=sum(max(0, len(view.rounds) - 1) for view in views),
        threshold=settings.placement_threshold,
        segments=tuple(settings.segments),
        min_segment_size=settings.segment_minimum,
    )
    return Report(
        generated_at=generated_at,
        session=session,
        placement=results.placement,
        practices=views,
        reasons=_reasons(results, reasons),
        agreement=agreement,
        shifts=shifts,
        segment_gaps=tuple(gaps),
        data_quality=quality,
        benchmark=benchmark,
        framework=assessment.framework,
        prework=_prework(results, prework_view, answers, shifts) if prework_view else None,
    )


def _prework(
    results: SessionResults, view: prework.PreworkView, answers: prework.Answers, shifts: Sequence[ShiftEntry]
) -> PreworkSummary:
    return PreworkSummary(
        view=view,
        turnout=prework.turnout(answers, results.assessment.settings.segment_minimum),
        settled=prework.settled(results.practices),
        shifts=tuple(entry for entry in shifts if entry.shift.from_round == prework.PREWORK_ROUND),
    )
