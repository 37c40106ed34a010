"""Wording and number formats shared by the renderers, so every format says the same thing."""

from datetime import datetime

from ..core import analysis, scale
from ..core.frameworks import BEST_FIT, PHASE, PROFILE, STAGE_VOTE, STAGE_VOTE_ID
from ..core.report import Report, level_label
from ..core.results import PracticeRef, PracticeView
from ..core.wording import capitalised, join_words, moment, number, plural

LEVEL_ORDER = (*scale.LEVEL_VALUES, scale.UNKNOWN)
SHORT = {"missing": "M", "ad_hoc": "AH", "repeatable": "R", "systematic": "S", "unknown": "?"}
STAGE_VOTE_TITLE = "Stage vote: which description fits best"
STATUS_TEXT = {"pending": "not opened", "open": "open for votes", "revealed": "revealed"}
# what a stage profile row's ``met`` means in each placement mode
MET_WORD = {PHASE: "in place", BEST_FIT: "reached", PROFILE: "all at the bar"}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def decimal(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def label_text(label: str | None) -> str:
    return "–" if label is None else analysis.LABEL_TEXT[label]


def level_text(value: str | None, provisional: bool = False) -> str:
    """ "Repeatable", "Ad Hoc (provisional)", "not rated"."""
    text = level_label(value)
    return f"{text} (provisional)" if provisional and value is not None else text


# --- answers: adoption levels, or stages for the stage vote ------------------------------------


def is_stage_vote(ref: PracticeRef) -> bool:
    """The item is the room's stage vote (answered with a stage), not a practice."""
    return ref.id == STAGE_VOTE_ID


def stage_name(report: Report, stage_id: str | None) -> str:
    return dict(report.placement.stages).get(stage_id, stage_id or "no stage")


def answers(report: Report, ref: PracticeRef) -> tuple[tuple[str, str], ...]:
    """(value, name) of every answer an item can get, lowest first, "don't know" last."""
    if is_stage_vote(ref):
        return (*report.placement.stages, (scale.UNKNOWN, scale.UNKNOWN_LABEL))
    return tuple((value, level_label(value)) for value in LEVEL_ORDER)


def answer_label(report: Report, ref: PracticeRef, value: str | None) -> str:
    """The name of an answer: a level ("Ad Hoc"), or a stage ("Invested") for the stage vote."""
    if value is None:
        return "no stage yet" if is_stage_vote(ref) else "not rated"
    if value == scale.UNKNOWN:
        return scale.UNKNOWN_LABEL
    return stage_name(report, value) if is_stage_vote(ref) else level_label(value)


def counts_text(result: analysis.RoundResult, names: tuple[tuple[str, str], ...] | None = None) -> str:
    """ "Missing 1 · Ad Hoc 3 · Repeatable 6 · Systematic 1 · Don't know 1"."""
    counts = result.counts_by_level()
    names = names or tuple((value, level_label(value)) for value in LEVEL_ORDER)
    return " · ".join(f"{name} {counts.get(value, 0)}" for value, name in names)


def stage_votes_text(report: Report, result: analysis.RoundResult) -> str:
    """The stage vote's counts per stage: "Interested 1 · Invested 4 · Committed 2 · ..."."""
    counts = result.counts_by_level()
    return " · ".join(f"{name} {counts.get(stage_id, 0)}" for stage_id, name in report.placement.stages)


def override_text(report: Report, ref: PracticeRef, computed_level: str | None) -> str:
    """ "overridden: the votes said Ad Hoc" (the stage vote: "the vote said Invested")."""
    votes = "the vote" if is_stage_vote(ref) else "the votes"
    if computed_level is None:
        return f"overridden: {votes} gave no {'stage' if is_stage_vote(ref) else 'level'}"
    return f"overridden: {votes} said {answer_label(report, ref, computed_level)}"


def shown_level(
    report: Report,
    ref: PracticeRef,
    level: str | None,
    *,
    provisional: bool = False,
    overridden: bool = False,
    computed_level: str | None = None,
) -> str:
    """A level wherever one is shown: "Repeatable", "Ad Hoc (provisional)",
    "Repeatable (overridden: the votes said Ad Hoc)", "not rated"."""
    name = answer_label(report, ref, level)
    if level is None:
        return name
    if overridden:
        return f"{name} ({override_text(report, ref, computed_level)})"
    return f"{name} (provisional)" if provisional else name


def view_level(report: Report, view: PracticeView) -> str:
    return shown_level(
        report,
        view.ref,
        view.level,
        provisional=view.provisional,
        overridden=view.overridden,
        computed_level=view.computed_level,
    )


def entry_level(report: Report, entry) -> str:
    """The level of an "agrees" or "disagrees" entry, its override marked."""
    return shown_level(
        report,
        entry.ref,
        entry.level,
        provisional=report.practice(entry.ref.id).provisional,
        overridden=entry.overridden,
        computed_level=entry.computed_level,
    )


def decision_text(report: Report, view: PracticeView) -> str | None:
    """The recorded level in words: "Ad Hoc, overridden: the votes said Missing (round 1)"."""
    decision = view.decision
    if decision is None:
        if view.computed_level is None:
            return None
        return f"{answer_label(report, view.ref, view.computed_level)}, provisional (computed, not consolidated)"
    text = answer_label(report, view.ref, decision.level)
    if decision.overridden:
        text += f", {override_text(report, view.ref, decision.computed_level)}"
    return f"{text} (round {decision.round})"


# --- the placement ------------------------------------------------------------------------------


def placement_heading(report: Report) -> str:
    """The verdict in a few words, as each placement mode states it."""
    placement = report.placement
    total = len(placement.stages)
    position = f"{placement.stage_index} of {total}"
    if placement.mode == PROFILE:
        return "No stage verdict (profile only)"
    if placement.mode == STAGE_VOTE:
        if placement.stage_id is None:
            return "No stage chosen yet"
        vote = next((view for view in report.practices if view.kind == STAGE_VOTE), None)
        if vote is not None and vote.overridden:
            return f"{placement.stage_name}, recorded by the facilitator (stage {position})"
        return f"{placement.stage_name}, by the room's vote (stage {position})"
    if placement.mode == PHASE:
        if placement.stage_id is None:
            return "Not assessed yet"
        if placement.complete:
            return f"Path completed (phase {position})"
        return f"In {placement.stage_name} (phase {position})"
    if placement.mode == BEST_FIT:
        if placement.stage_id is None:
            rated = sum(row.practices for row in placement.profile)
            return "Not assessed yet" if placement.unassessed == rated else f"Not yet at {placement.stages[0][1]}"
        return f"Best fit: {placement.stage_name} (stage {position})"
    if placement.stage_id is None:
        return f"Not yet placed (first stage: {placement.stages[0][1]})"
    return f"{placement.stage_name} (stage {position})"


def threshold_text(report: Report) -> str:
    return f"{level_label(report.placement.threshold)} or better"


def own_bars(report: Report) -> bool:
    """The stages have bars of their own (best fit), not one threshold."""
    return len({row.bar for row in report.placement.profile if row.practices}) > 1


def profile_heading(report: Report) -> str:
    """What the stage profile counts: "practices Repeatable or better", or each stage at its bar."""
    if own_bars(report):
        return "practices at or above their stage's bar"
    return f"practices {threshold_text(report)}"


def bar_text(level: str) -> str:
    return f"{level_label(level)} or better"


def met_word(report: Report) -> str:
    return MET_WORD.get(report.placement.mode, "met")


def stage_share_text(row) -> str:
    if not row.practices:
        return "no practices to rate"
    return f"{row.at_or_above} of {row.practices}"


def gap_text(item) -> str:
    return f"{item.gap} level{'s' if item.gap != 1 else ''} to go"


def vote_gap_text(report: Report) -> str | None:
    """Stage vote: how the practice ratings' suggestion compares with the room's stage."""
    placement = report.placement
    if placement.stage_id is None or placement.suggested_stage_id is None:
        return None
    order = [stage_id for stage_id, _ in placement.stages]
    gap = order.index(placement.suggested_stage_id) - order.index(placement.stage_id)
    if gap == 0:
        return "No gap: the practice ratings suggest the same stage as the room's vote."
    direction = "higher" if gap > 0 else "lower"
    return (
        f"Gap: the practice ratings suggest {plural(abs(gap), 'stage')} {direction} than the room's vote "
        f"({placement.suggested_stage_name} against {placement.stage_name}): worth talking through."
    )


def caveats(report: Report) -> str | None:
    """How firm the figures are, in a few words ("three levels provisional · one override"); the
    data quality notes say it in full."""
    quality = report.data_quality
    found = []
    if report.session.status != "closed":
        found.append(f"session still {report.session.status}")
    if quality.provisional:
        count = len(quality.provisional)
        found.append(f"{plural(count, 'level')} provisional")
    if quality.never_rated and quality.rated:
        found.append(f"{plural(len(quality.never_rated), 'practice')} not rated")
    if quality.abstaining_share:
        found.append(f"{percent(quality.abstaining_share)} of the answers \u201cdon't know\u201d")
    if quality.overrides:
        found.append(f"{plural(quality.overrides, 'override')}")
    return capitalised(" · ".join(found)) + "." if found else None


def action_plan_heading(report: Report) -> str:
    placement = report.placement
    if placement.mode == PROFILE:
        return f"What to work on: practices not yet {threshold_text(report)}"
    if placement.mode == PHASE and placement.stage_id is not None and not placement.complete:
        # a phase names the work being done in it: the plan is the current phase's requirements
        onward = f", to advance to {placement.next_stage_name}" if placement.next_stage_id else ""
        return f"Action plan: the work of {placement.stage_name}{onward}"
    if placement.next_stage_id is None:
        return "Action plan"
    return f"Action plan for {placement.next_stage_name}"


def action_plan_empty(report: Report) -> str:
    """What the action plan says when it lists nothing."""
    placement = report.placement
    if placement.mode == PROFILE:
        return f"Every rated practice is {threshold_text(report)}."
    if placement.stage_id is not None and placement.next_stage_id is None:
        return "The final stage is reached: keep every practice where it is."
    if placement.stage_id is None and placement.next_stage_id is None:
        return "No action plan yet: there is no stage to plan from."
    return f"Every {placement.next_stage_name} practice already meets its bar."


def reasons_of(report: Report, view: PracticeView, round_number: int | None = None):
    """The reasons of an item in the order they are shown: the report's (round, level, text); for
    the stage vote, stage by stage in the framework's order, "don't know" last."""
    given = report.reasons_of(view, round_number)
    if not is_stage_vote(view.ref):
        return given
    order = {value: index for index, (value, _) in enumerate(answers(report, view.ref))}
    return tuple(sorted(given, key=lambda r: (r.round, order.get(r.level, len(order)), r.note.casefold(), r.note)))


def item_level(report: Report, item) -> str:
    """The level of an action plan (or foundations) line, its override marked like everywhere else."""
    view = report.practice(item.practice_id)
    return shown_level(
        report,
        view.ref,
        item.level,
        provisional=item.provisional,
        overridden=view.overridden,
        computed_level=view.computed_level,
    )


# --- pre-work --------------------------------------------------------------------------------------

SHIFT_WORDS = {
    analysis.CONVERGED: "converged",
    analysis.DIVERGED: "no longer agreed",
    analysis.STILL_DIVIDED: "stayed divided",
    analysis.STILL_AGREED: "stayed agreed",
}


def prework_when(report: Report) -> str:
    """When pre-work ran: "Pre-work closed on Friday 14 March 2025 at 17:00 (UTC+01:00)"."""
    schedule = report.prework.view.prework
    deadline = moment(schedule.deadline_moment)
    if report.prework.view.status == "open":
        return f"Pre-work is open until {deadline}."
    if schedule.closed_early:
        closed = moment(datetime.fromisoformat(schedule.closed_at))
        return f"Pre-work was closed early, on {closed} (its deadline was {deadline})."
    return f"Pre-work closed on {deadline}."


def prework_participation(report: Report) -> str:
    """ "Invited: not known to the app. Nine people started pre-work; seven finished it (every practice answered)."."""
    counted = report.prework.view.participation
    started = capitalised(plural(counted.started, "person", "people"))
    return (
        f"Invited: not known to the app. {started} started pre-work; {number(counted.finished)} finished it "
        f"(answered all {counted.practices} practices)."
    )


def prework_turnout(report: Report) -> str:
    """Who took part in which round, by count only; the split of the room's voters is withheld
    when one of its parts is too small to stay anonymous."""
    turnout = report.prework.turnout
    if not turnout.room:
        return f"{capitalised(plural(turnout.prework, 'person', 'people'))} answered in pre-work; nobody voted again in the room."
    text = (
        f"{capitalised(plural(turnout.prework, 'person', 'people'))} answered in pre-work; "
        f"{plural(turnout.room, 'person', 'people')} voted in the room's re-votes"
    )
    if turnout.also_prework is None:
        return (
            text + f" (how many of them did pre-work is not shown: one of the two groups has fewer than "
            f"{turnout.minimum} people, and comparing the rounds could tell their answers)."
        )
    return text + f" ({number(turnout.also_prework)} of them had done pre-work, {number(turnout.room_only)} had not)."


def prework_settled(report: Report) -> str:
    settled = report.prework.settled
    return (
        f"Settled by pre-work: {plural(len(settled.by_prework), 'practice')}; in the room: "
        f"{plural(len(settled.in_room), 'practice')}; not settled yet: {plural(len(settled.open), 'practice')}."
    )


def prework_shifts(report: Report) -> str:
    """ "Re-voted in the room: three practices (two converged, one stayed divided)."."""
    shifts = report.prework.shifts
    if not shifts:
        return "No practice was re-voted in the room."
    kinds = {}
    for entry in shifts:
        kinds[entry.shift.kind] = kinds.get(entry.shift.kind, 0) + 1
    parts = [f"{number(count)} {SHIFT_WORDS[kind]}" for kind, count in kinds.items()]
    return f"Re-voted in the room after pre-work: {plural(len(shifts), 'practice')} ({join_words(parts)})."


def prework_facts(report: Report) -> tuple[str, ...]:
    """Pre-work in sentences, the same in every format."""
    return (
        prework_when(report),
        prework_participation(report),
        prework_turnout(report),
        prework_settled(report),
        prework_shifts(report),
    )
