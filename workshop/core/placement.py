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

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number(count: int) -> str:
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else str(count)


def plural(count: int, word: str) -> str:
    return f"{number(count)} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class PracticeLevel:
    """A practice's level as placement sees it."""

    practice_id: str
    level: str | None
    provisional: bool = False  # computed from the votes, not yet consolidated by the facilitator


@dataclass(frozen=True)
class StageProfile:
    stage_id: str
    name: str
    practices: int
    assessed: int
    at_or_above: int
    share: float | None  # share of the stage's practices at or above the threshold
    mean_level: float | None  # mean rank (1..4) of the assessed practices
    met: bool

    def as_dict(self) -> dict:
        return {
            "stage": self.stage_id,
            "name": self.name,
            "practices": self.practices,
            "assessed": self.assessed,
            "at_or_above": self.at_or_above,
            "share": None if self.share is None else round(self.share, 4),
            "mean_level": None if self.mean_level is None else round(self.mean_level, 4),
            "met": self.met,
        }


@dataclass(frozen=True)
class ActionItem:
    practice_id: str
    text: str
    stage_id: str
    level: str | None
    gap: int  # levels to climb to reach the threshold (a practice not assessed counts from zero)
    provisional: bool

    def as_dict(self) -> dict:
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
    stage_id: str | None
    stage_name: str | None
    next_stage_id: str | None
    next_stage_name: str | None
    threshold: str
    profile: tuple[StageProfile, ...]
    action_plan: tuple[ActionItem, ...]
    key_obstacle: str | None
    explanation: str
    provisional: int  # practices whose level is computed, not yet consolidated
    unassessed: int

    def as_dict(self) -> dict:
        return {
            "stage": self.stage_id,
            "stage_name": self.stage_name,
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


def _profile(stage: Stage, levels: Mapping[str, PracticeLevel], threshold_rank: int) -> StageProfile:
    ranks = [
        scale.rank_of(levels[p.id].level)
        for p in stage.practices
        if p.id in levels and levels[p.id].level is not None
    ]
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
        met=at_or_above == total,
    )


def _unmet(stage: Stage, levels: Mapping[str, PracticeLevel], threshold_rank: int) -> list[ActionItem]:
    items = []
    for practice in stage.practices:
        known = levels.get(practice.id)
        level = known.level if known else None
        rank = scale.rank_of(level) if level else 0
        if rank < threshold_rank:
            items.append(
                ActionItem(
                    practice_id=practice.id,
                    text=practice.text,
                    stage_id=stage.id,
                    level=level,
                    gap=threshold_rank - rank,
                    provisional=bool(known and known.provisional),
                )
            )
    # the action plan: largest gap first, then framework order (stable sort)
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
    following = (
        framework.stages[reached_index + 1] if reached_index + 1 < len(framework.stages) else None
    )
    action_plan = tuple(_unmet(following, levels, threshold_level.rank)) if following else ()
    provisional = sum(1 for item in levels.values() if item.level and item.provisional)
    unassessed = sum(
        1 for p in framework.practices if p.id not in levels or levels[p.id].level is None
    )
    return Placement(
        stage_id=reached.id if reached else None,
        stage_name=reached.name if reached else None,
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


def _level_name(level: str | None) -> str:
    return scale.level(level).label if level else "not rated"


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
    if reached_index >= 0:
        reached = framework.stages[reached_index]
        final = reached_index == len(framework.stages) - 1
        met = [p for p in profile[: reached_index + 1] if p.practices]
        if not met:
            reasons = f"{reached.name} is the starting stage and has no practices to rate"
        else:
            described = [
                f"{_all(p.practices)} {p.name} practice{'s' if p.practices > 1 else ''}"
                for p in met
            ]
            verb = "is" if len(met) == 1 and met[0].practices == 1 else "are"
            reasons = f"{_join(described)} {verb} {bar}"
        sentences.append(
            f"Placed in {reached.name}{', the final stage' if final else ''}: {reasons}."
        )
    else:
        sentences.append(f"Not yet placed in {framework.stages[0].name}, the first stage.")
    if action_plan:
        stage = framework.stages[reached_index + 1]
        stage_profile = profile[reached_index + 1]
        unmet = len(action_plan)
        listed = "; ".join(
            f"\u201c{item.text.rstrip('.')}\u201d ({_level_name(item.level)})" for item in action_plan
        )
        if stage_profile.practices == 1:
            sentences.append(f"The {stage.name} practice is not yet {bar}: {listed}.")
        else:
            sentences.append(
                f"Of the {number(stage_profile.practices)} {stage.name} practices, "
                f"{number(unmet)} {'is' if unmet == 1 else 'are'} not yet {bar}: {listed}."
            )
    if reached_index >= 0 and framework.stages[reached_index].key_obstacle and action_plan:
        sentences.append(
            f"The key obstacle to advancing from {framework.stages[reached_index].name}: "
            f"{framework.stages[reached_index].key_obstacle.rstrip('.')}."
        )
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


def _all(count: int) -> str:
    return "the" if count == 1 else "both" if count == 2 else f"all {number(count)}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
