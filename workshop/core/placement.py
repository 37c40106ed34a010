"""Placement of the organisation in the framework's stages, with reasons and next steps.

The staged rule of process-maturity appraisals such as CMMI's: the stage reached is the highest
stage whose practices, and all earlier stages' practices, are consolidated at or above a threshold
level (default Repeatable). A stage with no practices is met trivially. A practice without a level
(never rated, or nobody rated it) is not met: a placement is never granted on missing evidence.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from . import scale
from .frameworks import Framework, Stage
from .wording import all_of, join_words, number, plural, sentence_case


@dataclass(frozen=True)
class PracticeLevel:
    """A practice's level as placement sees it."""

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
    at_or_above: int
    share: float | None  # share of the stage's practices at or above the threshold
    mean_level: float | None  # mean rank (1..4) of the assessed practices
    met: bool
    provisional: int = 0  # assessed practices whose level is not yet consolidated

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
        }


@dataclass(frozen=True)
class ActionItem:
    """A practice of the next stage that is below the threshold: one line of the action plan."""

    practice_id: str
    text: str
    stage_id: str
    level: str | None
    gap: int  # levels to climb to reach the threshold (a practice not assessed counts from zero)
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
class Placement:
    """The stage reached, the profile, the next stage's action plan and the explanation."""

    stage_id: str | None  # None: not even the first stage is reached
    stage_name: str | None
    stage_index: int  # 1-based position of the stage reached; 0 when not placed
    stages: tuple[tuple[str, str], ...]  # (id, name) of every stage, in order
    next_stage_id: str | None  # None: the final stage is reached
    next_stage_name: str | None
    threshold: str
    profile: tuple[StageProfile, ...]
    action_plan: tuple[ActionItem, ...]
    key_obstacle: str | None  # the reached stage's obstacle to advancing beyond it
    explanation: str
    provisional: int  # practices whose level is computed, not yet consolidated
    unassessed: int

    def as_dict(self) -> dict:
        """The placement as JSON-able data."""
        return {
            "stage": self.stage_id,
            "stage_name": self.stage_name,
            "stage_index": self.stage_index,
            "stages": [{"id": stage_id, "name": name} for stage_id, name in self.stages],
            "next_stage": self.next_stage_id,
            "next_stage_name": self.next_stage_name,
            "threshold": self.threshold,
            "profile": [stage.as_dict() for stage in self.profile],
            "action_plan": [item.as_dict() for item in self.action_plan],
            "key_obstacle": self.key_obstacle,
            "explanation": self.explanation,
            "provisional": self.provisional,
            "unassessed": self.unassessed,
        }


def _known(levels: Mapping[str, PracticeLevel], practice_id: str) -> PracticeLevel | None:
    """The practice's level, or None when it has none (never rated, or only "don't know")."""
    known = levels.get(practice_id)
    return known if known is not None and known.level is not None else None


def _profile(stage: Stage, levels: Mapping[str, PracticeLevel], threshold_rank: int) -> StageProfile:
    known = [item for item in (_known(levels, p.id) for p in stage.practices) if item is not None]
    ranks = [scale.rank_of(item.level) for item in known]
    at_or_above = sum(1 for rank in ranks if rank >= threshold_rank)
    total = len(stage.practices)
    return StageProfile(
        stage_id=stage.id,
        name=stage.name,
        practices=total,
        assessed=len(ranks),
        at_or_above=at_or_above,
        share=at_or_above / total if total else None,
        mean_level=sum(ranks) / len(ranks) if ranks else None,
        met=at_or_above == total,  # an empty stage is met trivially
        provisional=sum(1 for item in known if item.provisional),
    )


def _unmet(stage: Stage, levels: Mapping[str, PracticeLevel], threshold_rank: int) -> list[ActionItem]:
    items = []
    for practice in stage.practices:
        known = _known(levels, practice.id)
        rank = scale.rank_of(known.level) if known else 0
        if rank < threshold_rank:
            items.append(
                ActionItem(
                    practice_id=practice.id,
                    text=practice.text,
                    stage_id=stage.id,
                    level=known.level if known else None,
                    gap=threshold_rank - rank,
                    provisional=bool(known and known.provisional),
                )
            )
    # The action plan: largest gap first; the sort is stable, so framework order breaks ties.
    return sorted(items, key=lambda item: -item.gap)


def place(
    framework: Framework,
    levels: Mapping[str, PracticeLevel],
    threshold: str = scale.REPEATABLE.value,
) -> Placement:
    """Place the organisation in ``framework`` from its practices' levels."""
    threshold_level = scale.level(threshold)
    profile = tuple(_profile(stage, levels, threshold_level.rank) for stage in framework.stages)
    reached_index = -1
    for index, stage_profile in enumerate(profile):
        if not stage_profile.met:
            break
        reached_index = index
    reached = framework.stages[reached_index] if reached_index >= 0 else None
    following = framework.stages[reached_index + 1] if reached_index + 1 < len(framework.stages) else None
    action_plan = tuple(_unmet(following, levels, threshold_level.rank)) if following else ()
    # Only the framework's practices count: a stray id in ``levels`` must not change the figures.
    provisional = sum(1 for p in framework.practices if (known := _known(levels, p.id)) and known.provisional)
    unassessed = sum(1 for p in framework.practices if _known(levels, p.id) is None)
    return Placement(
        stage_id=reached.id if reached else None,
        stage_name=reached.name if reached else None,
        stage_index=reached_index + 1,
        stages=tuple((stage.id, stage.name) for stage in framework.stages),
        next_stage_id=following.id if following else None,
        next_stage_name=following.name if following else None,
        threshold=threshold_level.value,
        profile=profile,
        action_plan=action_plan,
        key_obstacle=reached.key_obstacle if reached else None,
        explanation=explain(framework, profile, reached_index, action_plan, threshold_level, provisional, unassessed),
        provisional=provisional,
        unassessed=unassessed,
    )


def _level_name(item: ActionItem) -> str:
    if item.level is None:
        return "not rated"
    name = scale.level(item.level).label
    return f"{name}, provisional" if item.provisional else name


def explain(
    framework: Framework,
    profile: tuple[StageProfile, ...],
    reached_index: int,
    action_plan: tuple[ActionItem, ...],
    threshold: scale.AdoptionLevel,
    provisional: int,
    unassessed: int,
) -> str:
    """A plain-language explanation a facilitator can read aloud."""
    bar = f"{threshold.label} or better"
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
        listed = "; ".join(f"\u201c{item.text.rstrip('.')}\u201d ({_level_name(item)})" for item in action_plan)
        if total == 1:
            sentences.append(f"The {stage.name} practice is not yet {bar}: {listed}.")
        elif unmet == total == 2:
            sentences.append(f"Neither {stage.name} practice is {bar} yet: {listed}.")
        elif unmet == total:
            sentences.append(f"None of the {number(total)} {stage.name} practices is {bar} yet: {listed}.")
        else:
            sentences.append(
                f"Of the {number(total)} {stage.name} practices, "
                f"{number(unmet)} {'is' if unmet == 1 else 'are'} not yet {bar}: {listed}."
            )
    if reached_index >= 0 and framework.stages[reached_index].key_obstacle:
        reached = framework.stages[reached_index]
        # Each stage's obstacle is what stands between it and the next stage; the final stage's
        # (Temkin's Embed: keeping the brand identity alive) is what it takes to stay there.
        where = f"in {reached.name}" if final else f"to advancing from {reached.name}"
        sentences.append(f"The key obstacle {where}: {sentence_case(reached.key_obstacle)}.")
    if provisional:
        sentences.append(
            f"{plural(provisional, 'level').capitalize()} {'is' if provisional == 1 else 'are'} "
            "provisional: computed from the votes, not yet consolidated."
        )
    if unassessed:
        sentences.append(
            f"{plural(unassessed, 'practice').capitalize()} {'has' if unassessed == 1 else 'have'} "
            "not been rated yet and count as not met."
        )
    return " ".join(sentences)
