"""What the summary's first page says to someone who was not in the room, and its "About this
framework" section: picked from the ``Report`` once, so the Markdown and the HTML/PDF agree.

The executive readout is the verdict (stated as the framework's placement mode states it), the
stage profile, where the group agrees and disagrees most (a few of each), the action plan and every
override with its note. It only selects and words what the report holds; nothing is recomputed.
"""

from dataclasses import dataclass

from ..core.frameworks import BEST_FIT, STAGE_VOTE, Figure, Framework
from ..core.placement import ActionItem
from ..core.report import AgreementEntry, Report
from ..core.results import PracticeRef, PracticeView
from . import text

TOP = 3  # entries of "agrees" and "disagrees most" on the first page


@dataclass(frozen=True)
class Verdict:
    heading: str  # "Best fit: Explore (stage 2 of 6)"
    headline: str  # the placement's sentence
    mode: str
    facts: tuple[tuple[str, str], ...]  # what the mode adds: the vote beside the ratings' suggestion
    foundations: tuple[ActionItem, ...]  # best fit: earlier stages' practices below their bar
    checks_foundations: bool  # best fit with a stage: the foundations line is shown, even when empty


@dataclass(frozen=True)
class Readout:
    framework_name: str
    framework_source: str
    verdict: Verdict
    agreed: tuple[AgreementEntry, ...]
    more_agreed: int
    divided: tuple[AgreementEntry, ...]
    more_divided: int
    action_plan: tuple[ActionItem, ...]
    overrides: tuple[PracticeView, ...]  # every practice (and the stage vote) whose level was overridden
    caveats: str | None  # how firm the figures are, in a few words


def stage_vote_view(report: Report) -> PracticeView | None:
    """The room's stage vote, in a stage-vote framework."""
    return next((view for view in report.practices if view.kind == STAGE_VOTE), None)


def _vote_facts(report: Report) -> tuple[tuple[str, str], ...]:
    placement = report.placement
    view = stage_vote_view(report)
    facts = []
    if view is not None and view.result is not None:
        if view.overridden or view.provisional:
            facts.append(("The room's stage", text.view_level(report, view)))
        facts.append(("How the room voted", f"{text.label_text(view.result.label)}: {view.result.label_reason}"))
    elif view is not None:
        facts.append(("The room's stage", "not voted yet"))
    facts.append(("What the practice ratings suggest", placement.suggested_stage_name or "no stage yet"))
    gap = text.vote_gap_text(report)
    if gap:
        facts.append(("Vote and ratings", gap))
    return tuple(facts)


def verdict(report: Report) -> Verdict:
    placement = report.placement
    facts = _vote_facts(report) if placement.mode == STAGE_VOTE else ()
    return Verdict(
        heading=text.placement_heading(report),
        headline=placement.headline,
        mode=placement.mode,
        facts=facts,
        foundations=placement.foundations,
        checks_foundations=placement.mode == BEST_FIT and placement.stage_id is not None,
    )


def readout(report: Report) -> Readout:
    """The executive summary of ``report``."""

    def practices_only(entries):
        return tuple(entry for entry in entries if not text.is_stage_vote(entry.ref))

    agreed = practices_only(report.agreement.agreed)
    divided = practices_only(report.agreement.divided)
    return Readout(
        framework_name=report.session.framework_name,
        framework_source=report.session.framework_source,
        verdict=verdict(report),
        agreed=agreed[:TOP],
        more_agreed=max(0, len(agreed) - TOP),
        divided=divided[:TOP],
        more_divided=max(0, len(divided) - TOP),
        action_plan=report.placement.action_plan,
        overrides=tuple(view for view in report.practices if view.overridden),
        caveats=text.caveats(report),
    )


# --- about this framework ----------------------------------------------------------------------


@dataclass(frozen=True)
class About:
    """The framework as the summary explains it: where it comes from, the judgements made reading
    its article, what is read into it rather than stated, and what the article warns about."""

    name: str
    source: str
    summary: str | None
    notes: str | None
    cautions: tuple[Figure, ...]
    inferred_stages: tuple[tuple[str, str], ...]  # (stage name, why it is read into the article)
    inferred_practices: tuple[tuple[PracticeRef, str], ...]
    figures: tuple[tuple[str, Figure], ...]  # (stage name, a figure the article gives)

    @property
    def empty(self) -> bool:
        return not (self.summary or self.notes or self.cautions or self.inferred_stages or self.inferred_practices)


def about(report: Report, framework: Framework | None = None) -> About:
    """The "About this framework" section; its notes and cautions need the session's framework."""
    if framework is not None:
        stages = framework.stages
    else:  # only the stages that have practices are known from the report
        stages = tuple({view.stage.id: view.stage for view in report.practices if view.stage}.values())
    return About(
        name=report.session.framework_name,
        source=report.session.framework_source,
        summary=framework.summary if framework else None,
        notes=framework.notes if framework else None,
        cautions=framework.cautions if framework else (),
        inferred_stages=tuple((stage.name, stage.inferred) for stage in stages if stage.inferred),
        inferred_practices=tuple(
            (view.ref, view.practice.inferred) for view in report.practices if view.practice.inferred
        ),
        figures=tuple((stage.name, figure) for stage in stages for figure in stage.figures),
    )
