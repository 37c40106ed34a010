"""Progress over repeated assessments: trends, the comparison of two sessions, the next due date.

An organisation repeats its self-assessment (seed 003 suggests every six months). Each session is
reduced to a ``Snapshot``: its placement and each practice's level (consolidated, else computed and
marked provisional) and agreement label. Trends and comparisons only ever put side by side
sessions on the same framework; they are grouped by framework, oldest first.
"""

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from . import scale
from .analysis import POLARISED, SPLIT
from .errors import BadRequest
from .frameworks import PRACTICE
from .organizations import check_review_months
from .results import SessionResults
from .wording import number, plural

STUCK_LEVELS = frozenset({scale.MISSING.value, scale.AD_HOC.value})
# A disagreement, between sessions: the group is split or polarised (a mere lean is not news).
DISAGREEMENT = frozenset({POLARISED, SPLIT})


@dataclass(frozen=True)
class SnapshotPractice:
    id: str
    text: str
    stage_id: str
    level: str | None
    provisional: bool
    label: str | None  # agreement label of the latest revealed round


@dataclass(frozen=True)
class Snapshot:
    """One session as progress sees it."""

    code: str
    title: str
    team: str | None
    status: str
    created_at: str
    framework_id: str
    framework_name: str
    stages: tuple[tuple[str, str], ...]  # (id, name)
    stage_index: int  # 1-based position of the stage reached; 0 when not placed
    threshold: str
    practices: tuple[SnapshotPractice, ...]
    action_plan: tuple[str, ...]  # practice ids of the next stage below the threshold
    participants: int

    @property
    def date(self) -> str:
        return self.created_at[:10]

    @property
    def stage_name(self) -> str | None:
        return self.stages[self.stage_index - 1][1] if self.stage_index else None

    @property
    def rated(self) -> int:
        return sum(1 for practice in self.practices if practice.level is not None)

    def practice(self, practice_id: str) -> SnapshotPractice | None:
        return next((p for p in self.practices if p.id == practice_id), None)

    def brief(self) -> dict:
        """The session as one line of a list: no levels."""
        return {
            "code": self.code,
            "title": self.title,
            "team": self.team,
            "status": self.status,
            "date": self.date,
            "created_at": self.created_at,
            "framework": self.framework_id,
            "framework_name": self.framework_name,
            "stage": self.stages[self.stage_index - 1][0] if self.stage_index else None,
            "stage_name": self.stage_name,
            "stage_index": self.stage_index,
            "threshold": self.threshold,
            "participants": self.participants,
            "rated": self.rated,
            "practices": len(self.practices),
        }


def snapshot(results: SessionResults, participants: int) -> Snapshot:
    """Reduce a session's results to what trends and comparisons need."""
    assessment = results.assessment
    placement = results.placement
    practices = tuple(
        SnapshotPractice(
            id=view.practice.id,
            text=view.practice.text,
            stage_id=view.stage.id,
            level=view.level,
            provisional=view.provisional,
            label=view.result.label if view.result else None,
        )
        for view in results.practices
        if view.kind == PRACTICE  # the stage vote is part of the placement, not a practice's level
    )
    return Snapshot(
        code=assessment.code,
        title=assessment.title,
        team=assessment.team,
        status=assessment.status,
        created_at=assessment.created_at or "",
        framework_id=assessment.framework.id,
        framework_name=assessment.framework.name,
        stages=placement.stages,
        stage_index=placement.stage_index,
        threshold=placement.threshold,
        practices=practices,
        action_plan=tuple(item.practice_id for item in placement.action_plan),
        participants=participants,
    )


# --- trends ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeTrend:
    id: str
    text: str
    stage_id: str
    levels: tuple[str | None, ...]  # one per session, oldest first
    provisional: tuple[bool, ...]

    @property
    def change(self) -> int | None:
        """Levels gained from the first to the last rated session (None if fewer than two)."""
        rated = [scale.rank_of(level) for level in self.levels if level is not None]
        return rated[-1] - rated[0] if len(rated) >= 2 else None

    def as_dict(self) -> dict:
        return {
            "practice": self.id,
            "text": self.text,
            "stage": self.stage_id,
            "levels": list(self.levels),
            "provisional": list(self.provisional),
            "change": self.change,
        }


@dataclass(frozen=True)
class Trend:
    """The sessions of one framework, oldest first, with the placement and levels of each."""

    framework_id: str
    framework_name: str
    stages: tuple[tuple[str, str], ...]
    sessions: tuple[Snapshot, ...]
    practices: tuple[PracticeTrend, ...]

    @property
    def placement(self) -> tuple[int, ...]:
        return tuple(session.stage_index for session in self.sessions)

    def as_dict(self) -> dict:
        return {
            "framework": self.framework_id,
            "framework_name": self.framework_name,
            "stages": [{"id": stage_id, "name": name} for stage_id, name in self.stages],
            "sessions": [session.brief() for session in self.sessions],
            "placement": list(self.placement),
            "practices": [practice.as_dict() for practice in self.practices],
        }


def _chronological(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    return sorted(snapshots, key=lambda item: (item.created_at, item.code))


def trends(snapshots: Iterable[Snapshot]) -> tuple[Trend, ...]:
    """One trend per framework, for the sessions with at least one rated practice.

    The practices are the latest session's (its copy of the framework), in framework order.
    Frameworks are listed by their latest session, most recent first.
    """
    groups: dict[str, list[Snapshot]] = {}
    for item in _chronological(snapshots):
        if item.rated:
            groups.setdefault(item.framework_id, []).append(item)
    result = []
    for framework_id, sessions in groups.items():
        latest = sessions[-1]
        practices = []
        for practice in latest.practices:
            found = [session.practice(practice.id) for session in sessions]
            practices.append(
                PracticeTrend(
                    id=practice.id,
                    text=practice.text,
                    stage_id=practice.stage_id,
                    levels=tuple(item.level if item else None for item in found),
                    provisional=tuple(bool(item and item.provisional) for item in found),
                )
            )
        result.append(Trend(framework_id, latest.framework_name, latest.stages, tuple(sessions), tuple(practices)))
    result.sort(key=lambda trend: (trend.sessions[-1].created_at, trend.framework_id), reverse=True)
    return tuple(result)


# --- comparing two sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeChange:
    id: str
    text: str
    stage_id: str
    before: str | None
    after: str | None
    before_label: str | None
    after_label: str | None
    provisional: bool  # either level is not consolidated

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return scale.rank_of(self.after) - scale.rank_of(self.before)

    def as_dict(self) -> dict:
        return {
            "practice": self.id,
            "text": self.text,
            "stage": self.stage_id,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "before_label": self.before_label,
            "after_label": self.after_label,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class Comparison:
    """What changed from an earlier assessment to a later one of the same framework."""

    earlier: Snapshot
    later: Snapshot
    stage_change: int  # stages gained (negative: lost)
    improved: tuple[PracticeChange, ...]
    regressed: tuple[PracticeChange, ...]
    unchanged: tuple[PracticeChange, ...]
    new_disagreements: tuple[PracticeChange, ...]  # split or polarised now, not before
    still_stuck: tuple[PracticeChange, ...]  # at Missing or Ad Hoc in both
    actions_done: tuple[PracticeChange, ...]  # in the earlier action plan, now at or above its threshold
    actions_open: tuple[PracticeChange, ...]  # in the earlier action plan, still below
    newly_rated: tuple[PracticeChange, ...]
    no_longer_rated: tuple[PracticeChange, ...]
    summary: str

    def as_dict(self) -> dict:
        lists = (
            "improved",
            "regressed",
            "unchanged",
            "new_disagreements",
            "still_stuck",
            "actions_done",
            "actions_open",
            "newly_rated",
            "no_longer_rated",
        )
        return {
            "earlier": self.earlier.brief(),
            "later": self.later.brief(),
            "stage_change": self.stage_change,
            **{name: [item.as_dict() for item in getattr(self, name)] for name in lists},
            "summary": self.summary,
        }


def compare(earlier: Snapshot, later: Snapshot) -> Comparison:
    """Compare two assessments of the same framework, ``earlier`` first (by its date or not).

    Practices are matched by id and listed in the later session's order. An action-plan item is
    done when it was in the earlier session's action plan and the later level is at or above the
    earlier session's threshold (the bar the plan was made against).
    """
    if earlier.framework_id != later.framework_id:
        raise BadRequest(
            f"only assessments of the same framework can be compared: {earlier.code} uses "
            f"{earlier.framework_id}, {later.code} uses {later.framework_id}"
        )
    if earlier.code == later.code:
        raise BadRequest("choose two different assessments to compare")
    changes = []
    for practice in later.practices:
        before = earlier.practice(practice.id)
        changes.append(
            PracticeChange(
                id=practice.id,
                text=practice.text,
                stage_id=practice.stage_id,
                before=before.level if before else None,
                after=practice.level,
                before_label=before.label if before else None,
                after_label=practice.label,
                provisional=practice.provisional or bool(before and before.provisional),
            )
        )
    bar = scale.rank_of(earlier.threshold)
    planned = set(earlier.action_plan)
    improved = tuple(c for c in changes if c.change is not None and c.change > 0)
    regressed = tuple(c for c in changes if c.change is not None and c.change < 0)
    actions_done = tuple(
        c for c in changes if c.id in planned and c.after is not None and scale.rank_of(c.after) >= bar
    )
    comparison = dict(
        earlier=earlier,
        later=later,
        stage_change=later.stage_index - earlier.stage_index,
        improved=improved,
        regressed=regressed,
        unchanged=tuple(c for c in changes if c.change == 0),
        new_disagreements=tuple(
            c for c in changes if c.after_label in DISAGREEMENT and c.before_label not in DISAGREEMENT
        ),
        still_stuck=tuple(c for c in changes if c.before in STUCK_LEVELS and c.after in STUCK_LEVELS),
        actions_done=actions_done,
        actions_open=tuple(c for c in changes if c.id in planned and c not in actions_done),
        newly_rated=tuple(c for c in changes if c.before is None and c.after is not None),
        no_longer_rated=tuple(c for c in changes if c.before is not None and c.after is None),
    )
    return Comparison(**comparison, summary=_summary(comparison, len(planned)))


def _summary(c: Mapping, planned: int) -> str:
    earlier, later = c["earlier"], c["later"]
    before = earlier.stage_name or "not placed"
    after = later.stage_name or "not placed"
    if c["stage_change"] > 0:
        first = f"Moved up from {before} to {after}"
    elif c["stage_change"] < 0:
        first = f"Moved down from {before} to {after}"
    else:
        first = f"Still {'in ' + after if later.stage_index else 'not placed'}"
    parts = [f"{first} between {earlier.date} and {later.date}."]
    counts = []
    if c["improved"]:
        counts.append(f"{plural(len(c['improved']), 'practice')} improved")
    if c["regressed"]:
        counts.append(f"{plural(len(c['regressed']), 'practice')} regressed")
    if counts:
        parts.append(("; ".join(counts) + ".").capitalize())
    if planned:
        done = len(c["actions_done"])
        if planned == 1:
            parts.append(f"The action-plan item is {'done' if done else 'not done yet'}.")
        else:
            parts.append(
                f"{number(done).capitalize()} of the {plural(planned, 'action-plan item')} "
                f"{'is' if done == 1 else 'are'} done."
            )
    if c["still_stuck"]:
        parts.append(f"{plural(len(c['still_stuck']), 'practice').capitalize()} still at Missing or Ad Hoc.")
    return " ".join(parts)


def default_pair(sessions: Sequence[Snapshot]) -> tuple[Snapshot, Snapshot] | None:
    """The two most recent rated sessions of one framework, oldest first; None with fewer than two."""
    rated = [item for item in _chronological(sessions) if item.rated]
    return (rated[-2], rated[-1]) if len(rated) >= 2 else None


# --- the next assessment ---------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """When the next assessment is due: ``interval_months`` after the last one."""

    last: date
    interval_months: int
    due: date
    today: date

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def as_dict(self) -> dict:
        return {
            "last": self.last.isoformat(),
            "interval_months": self.interval_months,
            "due": self.due.isoformat(),
            "days_left": self.days_left,
            "overdue": self.overdue,
        }


def next_due(last_created_at: str | None, interval_months: int, today: date) -> Due | None:
    """The next assessment's due date after the last one (None when there was none)."""
    if not last_created_at:
        return None
    check_review_months(interval_months)
    last = date.fromisoformat(last_created_at[:10])
    return Due(last, interval_months, add_months(last, interval_months), today)
