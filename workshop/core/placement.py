"""Placement of the organisation in the framework's stages, with the verdict, reasons and next steps.

Each framework says how its article places an organisation (``Framework.placement.mode``; the
modes and the sentence of each article that supports its mode are in docs/frameworks.md):

- ``phase``: the phases name the work being done in them. The organisation is *in* the first
  phase whose requirements are not all in place; with everything in place it says so. Never "not
  placed" once anything is rated (Forrester).
- ``best_fit``: stages describe a state. Each stage has its own bar (Temkin's Explore is started by
  "an ad-hoc group", so its practices count at Ad Hoc); a stage is reached when most of its practices
  meet its bar, and the best fit is the highest stage reached. Shortfalls in earlier stages are
  foundations to check, not blockers.
- ``stage_vote``: the room votes, blind, on which stage description fits best, like a practice
  (reveal, label, re-vote, consolidation); the placement is that vote, shown beside what the
  practice ratings suggest, and a gap between the two is pointed out (Temkin's five levels).
- ``profile``: the source gives no progression rule; no stage verdict, only the profile.
- ``staged``: CMMI's staged rule, the highest stage whose practices and all earlier ones are at or
  above the threshold (the default for a custom file that names no mode).

A practice without a level (never rated, or nobody rated it) does not meet any bar: a placement is
never granted on missing evidence.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from . import scale
from .frameworks import BEST_FIT, PHASE, PROFILE, STAGE_VOTE, Framework, Stage
from .wording import all_of, capitalised, is_are, join_words, number, plural, sentence_case


@dataclass(frozen=True)
class PracticeLevel:
    """A practice's level as placement sees it (for the stage vote, a stage id)."""

    practice_id: str
    level: str | None
    provisional: bool = False  # computed from the votes, not yet consolidated by the facilitator


@dataclass(frozen=True)
class StageProfile:
    """How far one stage's practices are: the stage's row of the maturity profile."""

    stage_id: str
    name: str
    practices: int
    assessed: int
    at_or_above: int  # practices at or above this stage's bar
    share: float | None  # share of the stage's practices at or above its bar
    mean_level: float | None  # mean rank (1..4) of the assessed practices
    met: bool  # in place (phase), reached (best fit), or met (staged, profile)
    provisional: int = 0  # assessed practices whose level is not yet consolidated
    bar: str = scale.REPEATABLE.value  # the level a practice of this stage needs

    def as_dict(self) -> dict:
        """The profile row as JSON-able data."""
        return {
            "stage": self.stage_id,
            "name": self.name,
            "practices": self.practices,
            "assessed": self.assessed,
            "at_or_above": self.at_or_above,
            "share": None if self.share is None else round(self.share, 4),
            "mean_level": None if self.mean_level is None else round(self.mean_level, 4),
            "met": self.met,
            "provisional": self.provisional,
            "bar": self.bar,
        }


@dataclass(frozen=True)
class ActionItem:
    """A practice below its stage's bar: one line of the action plan (or of the foundations)."""

    practice_id: str
    text: str
    stage_id: str
    level: str | None
    gap: int  # levels to climb to reach the bar (a practice not assessed counts from zero)
    provisional: bool

    def as_dict(self) -> dict:
        """The action as JSON-able data."""
        return {
            "practice": self.practice_id,
            "text": self.text,
            "stage": self.stage_id,
            "level": self.level,
            "gap": self.gap,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class StageVote:
    """The room's vote on its stage (stage-vote frameworks): the stage chosen and how firmly."""

    stage_id: str | None  # consolidated, else the computed (lower median) stage; None before a reveal
    provisional: bool
    label: str | None  # the agreement label of the latest revealed round
    voters: int
    voted_stage_id: str | None = None  # what the votes gave (the lower median), when the facilitator overrode it

    @property
    def overridden(self) -> bool:
        return self.voted_stage_id is not None and self.voted_stage_id != self.stage_id

    def as_dict(self) -> dict:
        return {
            "stage": self.stage_id,
            "provisional": self.provisional,
            "label": self.label,
            "voters": self.voters,
            "voted_stage": self.voted_stage_id,
            "overridden": self.overridden,
        }


@dataclass(frozen=True)
class Placement:
    """The verdict, the profile, the next stage's action plan and the explanation."""

    mode: str
    stage_id: str | None  # None: no verdict (not assessed yet, no stage vote yet, profile mode, not placed)
    stage_name: str | None
    stage_index: int  # 1-based position of the stage; 0 when there is none
    stages: tuple[tuple[str, str], ...]  # (id, name) of every stage, in order
    next_stage_id: str | None  # None at the last stage, or without a verdict
    next_stage_name: str | None
    threshold: str
    profile: tuple[StageProfile, ...]
    action_plan: tuple[ActionItem, ...]
    key_obstacle: str | None
    headline: str  # the verdict in one sentence, as the room reads it
    explanation: str  # the headline and the reasons, for the facilitator to read aloud
    provisional: int  # practices whose level is computed, not yet consolidated
    unassessed: int
    foundations: tuple[ActionItem, ...] = ()  # best fit: earlier stages' practices below their bar
    suggested_stage_id: str | None = None  # stage vote: what the practice ratings suggest
    suggested_stage_name: str | None = None
    vote: StageVote | None = None
    complete: bool = False  # phase: every requirement of every phase is in place

    def as_dict(self) -> dict:
        """The placement as JSON-able data."""
        return {
            "mode": self.mode,
            "stage": self.stage_id,
            "stage_name": self.stage_name,
            "stage_index": self.stage_index,
            "stages": [{"id": stage_id, "name": name} for stage_id, name in self.stages],
            "next_stage": self.next_stage_id,
            "next_stage_name": self.next_stage_name,
            "threshold": self.threshold,
            "headline": self.headline,
            "profile": [stage.as_dict() for stage in self.profile],
            "action_plan": [item.as_dict() for item in self.action_plan],
            "foundations": [item.as_dict() for item in self.foundations],
            "key_obstacle": self.key_obstacle,
            "explanation": self.explanation,
            "provisional": self.provisional,
            "unassessed": self.unassessed,
            "suggested_stage": self.suggested_stage_id,
            "suggested_stage_name": self.suggested_stage_name,
            "vote": self.vote.as_dict() if self.vote else None,
            "complete": self.complete,
        }


# --- the profile -------------------------------------------------------------------------------------


def _known(levels: Mapping[str, PracticeLevel], practice_id: str) -> PracticeLevel | None:
    """The practice's level, or None when it has none (never rated, or only "don't know")."""
    known = levels.get(practice_id)
    return known if known is not None and known.level is not None else None


def _rank(known: PracticeLevel | None) -> int:
    return scale.rank_of(known.level) if known else 0


def _row(stage: Stage, levels: Mapping[str, PracticeLevel], bar: str, met) -> StageProfile:
    known = [item for item in (_known(levels, p.id) for p in stage.practices) if item is not None]
    ranks = [scale.rank_of(item.level) for item in known]
    at_or_above = sum(1 for rank in ranks if rank >= scale.rank_of(bar))
    total = len(stage.practices)
    return StageProfile(
        stage_id=stage.id,
        name=stage.name,
        practices=total,
        assessed=len(ranks),
        at_or_above=at_or_above,
        share=at_or_above / total if total else None,
        mean_level=sum(ranks) / len(ranks) if ranks else None,
        met=met(at_or_above, total),
        provisional=sum(1 for item in known if item.provisional),
        bar=bar,
    )


def _below(stage: Stage, levels: Mapping[str, PracticeLevel], bar: str) -> list[ActionItem]:
    """The stage's practices below ``bar``, largest gap first (the stable sort keeps file order)."""
    items = []
    for practice in stage.practices:
        known = _known(levels, practice.id)
        rank = _rank(known)
        if rank < scale.rank_of(bar):
            items.append(
                ActionItem(
                    practice_id=practice.id,
                    text=practice.text,
                    stage_id=stage.id,
                    level=known.level if known else None,
                    gap=scale.rank_of(bar) - rank,
                    provisional=bool(known and known.provisional),
                )
            )
    return sorted(items, key=lambda item: -item.gap)


def _bar_text(level: str) -> str:
    return f"{scale.level(level).label} or better"


def _level_name(item: ActionItem) -> str:
    if item.level is None:
        return "not rated"
    name = scale.level(item.level).label
    return f"{name}, provisional" if item.provisional else name


def _listed(items) -> str:
    return "; ".join(f"\u201c{item.text.rstrip('.')}\u201d ({_level_name(item)})" for item in items)


# --- placing ---------------------------------------------------------------------------------------


def place(
    framework: Framework,
    levels: Mapping[str, PracticeLevel],
    threshold: str = scale.REPEATABLE.value,
    stage_vote: StageVote | None = None,
    mode: str | None = None,
) -> Placement:
    """Place the organisation in ``framework`` from its practices' levels (and the room's stage vote)."""
    threshold = scale.level(threshold).value
    mode = mode or framework.placement.mode
    rated = framework.rated_practices
    provisional = sum(1 for p in rated if (known := _known(levels, p.id)) and known.provisional)
    unassessed = sum(1 for p in rated if _known(levels, p.id) is None)
    base = dict(
        mode=mode,
        stages=tuple((stage.id, stage.name) for stage in framework.stages),
        threshold=threshold,
        provisional=provisional,
        unassessed=unassessed,
    )
    nothing_rated = unassessed == len(rated)
    if mode == PHASE:
        placement = _phase(framework, levels, threshold, nothing_rated, base)
    elif mode == BEST_FIT:
        placement = _best_fit(framework, levels, threshold, nothing_rated, base)
    elif mode == STAGE_VOTE:
        placement = _stage_vote(framework, levels, threshold, stage_vote, base)
    elif mode == PROFILE:
        placement = _profile_only(framework, levels, threshold, base)
    else:
        placement = _staged(framework, levels, threshold, base)
    notes = _notes(provisional, unassessed, said_unrated=nothing_rated and mode in (PHASE, BEST_FIT))
    return replace(placement, explanation=" ".join(part for part in (placement.explanation, notes) if part))


def _at(framework: Framework, index: int | None, *, then: int | None = None, **fields) -> dict:
    """The stage fields of a verdict at ``index`` (0-based; None for no stage); the next stage is the
    one after it, or ``then`` when there is no stage (the first stage to reach, say)."""
    stage = framework.stages[index] if index is not None else None
    after = index + 1 if index is not None else then
    following = framework.stages[after] if after is not None and after < len(framework.stages) else None
    return dict(
        stage_id=stage.id if stage else None,
        stage_name=stage.name if stage else None,
        stage_index=index + 1 if index is not None else 0,
        next_stage_id=following.id if following else None,
        next_stage_name=following.name if following else None,
        **fields,
    )


def _notes(provisional: int, unassessed: int, *, said_unrated: bool) -> str:
    sentences = []
    if provisional:
        sentences.append(
            f"{capitalised(plural(provisional, 'level'))} {is_are(provisional)} provisional: computed from the votes, "
            "not yet consolidated."
        )
    if unassessed and not said_unrated:
        sentences.append(
            f"{capitalised(plural(unassessed, 'practice'))} {'has' if unassessed == 1 else 'have'} not been rated yet "
            "and count as not met."
        )
    return " ".join(sentences)


def _of(count: int, total: int, what: str) -> str:
    """ "all four Repair requirements", "one of four", "none of the three"."""
    if count == total:
        return f"{all_of(total)} {what}{'s' if total != 1 else ''}"
    if count == 0:
        return f"none of the {number(total)} {what}s" if total > 1 else f"not the {what}"
    return f"{number(count)} of {number(total)} {what}s"


def _phase(framework, levels, threshold, nothing_rated, base) -> Placement:
    """In the first phase whose requirements are not all in place."""
    in_place = lambda met, total: met == total  # noqa: E731 - the rule, named where it is used
    profile = tuple(_row(stage, levels, threshold, in_place) for stage in framework.stages)
    bar = _bar_text(threshold)
    if nothing_rated:
        first = framework.stages[0]
        headline = f"Not assessed yet: rate the {first.name} requirements to see which phase the organisation is in."
        return Placement(**base, **_at(framework, None), profile=profile, action_plan=(), key_obstacle=None,
                         headline=headline, explanation=headline)  # fmt: skip
    current = next((index for index, row in enumerate(profile) if not row.met), None)
    if current is None:
        last = len(framework.stages) - 1
        names = join_words([stage.name for stage in framework.stages])
        headline = f"Every requirement is in place ({bar}): {names}. The organisation has completed the path."
        return Placement(**base, **_at(framework, last), profile=profile, action_plan=(),
                         key_obstacle=framework.stages[last].key_obstacle, headline=headline,
                         explanation=headline, complete=True)  # fmt: skip
    stage = framework.stages[current]
    row = profile[current]
    done = [p for p in profile[:current] if p.practices]
    here = _of(row.at_or_above, row.practices, f"{stage.name} requirement")
    if done:
        earlier = join_words([_of(p.practices, p.practices, f"{p.name} requirement") for p in done])
        verb = "is" if len(done) == 1 and done[0].practices == 1 else "are"
        headline = f"In {stage.name}: {earlier} {verb} in place, {here}."
    elif row.practices == 1:
        headline = f"In {stage.name}: the {stage.name} requirement is not in place yet."
    else:
        verb = "is" if row.at_or_above <= 1 else "are"
        headline = f"In {stage.name}: {here} {verb} in place{' yet' if row.at_or_above == 0 else ''}."
    plan = tuple(_below(stage, levels, threshold))
    sentences = [headline]
    if plan:
        sentences.append(f"The work of this phase, until each is {bar}: {_listed(plan)}.")
    if stage.key_obstacle:
        sentences.append(f"The key obstacle in {stage.name}: {sentence_case(stage.key_obstacle)}.")
    return Placement(**base, **_at(framework, current), profile=profile, action_plan=plan,
                     key_obstacle=stage.key_obstacle, headline=headline, explanation=" ".join(sentences))  # fmt: skip


def _best_fit(framework, levels, threshold, nothing_rated, base) -> Placement:
    """The highest stage most of whose practices meet that stage's own bar."""
    share = framework.placement.reach_share

    def reached(met: int, total: int) -> bool:
        return total > 0 and met > share * total

    profile = tuple(_row(stage, levels, stage.bar or threshold, reached) for stage in framework.stages)
    best = max((index for index, row in enumerate(profile) if row.met), default=None)
    if best is None and not framework.stages[0].practices:
        best = 0  # the starting state (Temkin's Ignore): every organisation is at least here
    if nothing_rated:
        headline = "Not assessed yet: rate the practices to see which stage fits the organisation best."
        return Placement(**base, **_at(framework, None), profile=profile, action_plan=(), key_obstacle=None,
                         headline=headline, explanation=headline)  # fmt: skip
    following = best + 1 if best is not None else 0
    plan = ()
    if following < len(framework.stages):
        stage = framework.stages[following]
        plan = tuple(_below(stage, levels, stage.bar or threshold))
    foundations = tuple(
        item
        for index in range(best or 0)
        for item in _below(framework.stages[index], levels, framework.stages[index].bar or threshold)
    )
    sentences = []
    if best is None:
        first = framework.stages[0]
        row = profile[0]
        headline = (
            f"Not yet at {first.name}: {_of(row.at_or_above, row.practices, f'{first.name} practice')} "
            f"{'meets' if row.at_or_above == 1 else 'meet'} its bar ({_bar_text(first.bar or threshold)}), and no later "
            "stage has most of its practices at its bar."
        )
        key_obstacle = None
    else:
        stage = framework.stages[best]
        row = profile[best]
        key_obstacle = stage.key_obstacle
        if row.practices:
            headline = (
                f"Best fit: {stage.name}. {capitalised(_of(row.at_or_above, row.practices, f'{stage.name} practice'))} "
                f"{'meets' if row.at_or_above == 1 else 'meet'} its bar ({_bar_text(stage.bar or threshold)})."
            )
        else:
            headline = f"Best fit: {stage.name}. No later stage has most of its practices at its bar yet."
    sentences.append(headline)
    if foundations:
        sentences.append(
            f"Foundations to check in earlier stages (below their bar, not blockers): {_listed(foundations)}."
        )
    if plan:
        stage = framework.stages[following]
        sentences.append(f"Toward {stage.name} ({_bar_text(stage.bar or threshold)}), still below: {_listed(plan)}.")
    if key_obstacle:
        sentences.append(
            f"The key obstacle to advancing from {framework.stages[best].name}: {sentence_case(key_obstacle)}."
        )
    return Placement(**base, **_at(framework, best, then=0), profile=profile, action_plan=plan, foundations=foundations,
                     key_obstacle=key_obstacle, headline=headline, explanation=" ".join(sentences))  # fmt: skip


def _stage_vote(framework, levels, threshold, vote, base) -> Placement:
    """The room's consolidated stage vote, beside what the practice ratings suggest."""
    suggestion = place(framework, levels, threshold, mode=framework.placement.suggest)
    profile = suggestion.profile
    suggested = suggestion.stage_id
    voted = vote.stage_id if vote else None
    sentences = []
    if voted is None:
        headline = "The room has not chosen its stage yet: open the stage vote when the practices are discussed."
        sentences.append(headline)
        if suggested:
            sentences.append(f"The practice ratings suggest {suggestion.stage_name}.")
        return Placement(**base, **_at(framework, None), profile=profile, action_plan=(), key_obstacle=None,
                         headline=headline, explanation=" ".join(sentences), suggested_stage_id=suggested,
                         suggested_stage_name=suggestion.stage_name, vote=vote)  # fmt: skip
    index = framework.stage_index(voted) - 1
    stage = framework.stages[index]
    if vote.overridden:
        voted = framework.stages[framework.stage_index(vote.voted_stage_id) - 1].name
        headline = f"In {stage.name}, as the facilitator recorded it (the room's vote pointed to {voted})."
    else:
        firmness = " (provisional: the facilitator has not recorded it yet)" if vote.provisional else ""
        headline = f"In {stage.name}, by the room's own vote{firmness}."
    sentences.append(headline)
    if suggested is None:
        sentences.append("The practice ratings do not suggest a stage yet.")
    elif suggested == voted:
        sentences.append(f"The practice ratings suggest the same stage, {stage.name}.")
    else:
        gap = framework.stage_index(suggested) - (index + 1)
        direction = "higher" if gap > 0 else "lower"
        sentences.append(
            f"The practice ratings suggest {suggestion.stage_name}, {plural(abs(gap), 'stage')} {direction}: "
            "talk about the gap before recording the stage."
        )
    plan = ()
    if index + 1 < len(framework.stages):
        following = framework.stages[index + 1]
        plan = tuple(_below(following, levels, following.bar or threshold))
        if plan:
            sentences.append(
                f"Toward {following.name}, the practices below {_bar_text(following.bar or threshold)}: {_listed(plan)}."
            )
    return Placement(**base, **_at(framework, index), profile=profile, action_plan=plan, key_obstacle=stage.key_obstacle,
                     headline=headline, explanation=" ".join(sentences), suggested_stage_id=suggested,
                     suggested_stage_name=suggestion.stage_name, vote=vote)  # fmt: skip


def _profile_only(framework, levels, threshold, base) -> Placement:
    """No stage verdict: the profile, and the practices furthest below the threshold."""
    profile = tuple(_row(stage, levels, threshold, lambda met, total: met == total) for stage in framework.stages)
    plan = tuple(
        sorted((item for stage in framework.stages for item in _below(stage, levels, threshold)), key=lambda i: -i.gap)
    )
    names = join_words([stage.name for stage in framework.stages])
    headline = (
        f"No stage verdict: the source gives no rule for moving between {names}; the profile shows how far each "
        "one's practices are."
    )
    sentences = [headline]
    if plan:
        sentences.append(f"Below {_bar_text(threshold)}: {_listed(plan)}.")
    return Placement(**base, **_at(framework, None), profile=profile, action_plan=plan, key_obstacle=None,
                     headline=headline, explanation=" ".join(sentences))  # fmt: skip


def _staged(framework, levels, threshold, base) -> Placement:
    """CMMI's staged rule: the highest stage whose practices and all earlier ones meet the threshold."""
    profile = tuple(_row(stage, levels, threshold, lambda met, total: met == total) for stage in framework.stages)
    reached_index = -1
    for index, row in enumerate(profile):
        if not row.met:
            break
        reached_index = index
    reached = reached_index if reached_index >= 0 else None
    following = reached_index + 1
    plan = tuple(_below(framework.stages[following], levels, threshold)) if following < len(framework.stages) else ()
    headline, explanation = _staged_explanation(framework, profile, reached_index, plan, threshold)
    obstacle = framework.stages[reached].key_obstacle if reached is not None else None
    return Placement(**base, **_at(framework, reached, then=0), profile=profile, action_plan=plan, key_obstacle=obstacle,
                     headline=headline, explanation=explanation)  # fmt: skip


def _staged_explanation(framework, profile, reached_index, action_plan, threshold) -> tuple[str, str]:
    bar = _bar_text(threshold)
    sentences = []
    final = reached_index == len(framework.stages) - 1
    if reached_index >= 0:
        reached = framework.stages[reached_index]
        met = [p for p in profile[: reached_index + 1] if p.practices]
        if not met:
            reasons = (
                f"{reached.name} is the starting stage and has no practices to rate"
                if reached_index == 0
                else f"no stage up to {reached.name} has practices to rate"
            )
        else:
            described = [f"{all_of(p.practices)} {p.name} practice{'s' if p.practices > 1 else ''}" for p in met]
            verb = "is" if len(met) == 1 and met[0].practices == 1 else "are"
            reasons = f"{join_words(described)} {verb} {bar}"
            if not profile[reached_index].practices:
                reasons += f", and {reached.name} has no practices of its own to rate"
        sentences.append(f"Placed in {reached.name}{', the final stage' if final else ''}: {reasons}.")
    else:
        sentences.append(f"Not yet placed in {framework.stages[0].name}, the first stage.")
    if action_plan:
        stage = framework.stages[reached_index + 1]
        total = profile[reached_index + 1].practices
        unmet = len(action_plan)
        listed = _listed(action_plan)
        if total == 1:
            sentences.append(f"The {stage.name} practice is not yet {bar}: {listed}.")
        elif unmet == total == 2:
            sentences.append(f"Neither {stage.name} practice is {bar} yet: {listed}.")
        elif unmet == total:
            sentences.append(f"None of the {number(total)} {stage.name} practices is {bar} yet: {listed}.")
        else:
            sentences.append(
                f"Of the {number(total)} {stage.name} practices, {number(unmet)} {is_are(unmet)} not yet {bar}: {listed}."
            )
    if reached_index >= 0 and framework.stages[reached_index].key_obstacle:
        reached = framework.stages[reached_index]
        # Each stage's obstacle is what stands between it and the next stage; the final stage's is
        # what it takes to stay there.
        where = f"in {reached.name}" if final else f"to advancing from {reached.name}"
        sentences.append(f"The key obstacle {where}: {sentence_case(reached.key_obstacle)}.")
    return sentences[0], " ".join(sentences)
