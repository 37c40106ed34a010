"""The reasons participants give with their votes: which round's may be read, and in what order.

A reason is as secret as the vote it came with until that round is revealed. Once shown, reasons
carry no name, and they are sorted by level and text, never in the order people answered, which
someone watching the room could match to who was typing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import scale
from .assessment import Assessment
from .errors import NotFound, NotOpen, NotRevealed


@dataclass(frozen=True)
class Reason:
    """A reason a participant gave with a vote, without who gave it."""

    round: int
    level: str
    note: str

    def as_dict(self) -> dict:
        return {"round": self.round, "level": self.level, "note": self.note}


def ordered(reasons: Iterable[Reason], options: Sequence[str] = scale.LEVEL_VALUES) -> tuple[Reason, ...]:
    """Round by round; by answer in the scale's order (Missing first, or the first stage for the stage
    vote), "don't know" last; then by text."""

    def key(reason: Reason) -> tuple:
        rank = options.index(reason.level) if reason.level in options else len(options)
        return reason.round, rank, reason.note.casefold(), reason.note

    return tuple(sorted(reasons, key=key))


def readable_round(assessment: Assessment, practice_id: str, requested: int | None = None) -> int:
    """The round whose reasons may be read: ``requested``, or by default the latest revealed one
    (during a re-vote, the round before it). Raises if that round is not revealed."""
    assessment.framework.practice(practice_id)  # raises NotFound
    latest = assessment.latest_round(practice_id)
    if latest is None:
        raise NotOpen(f"{practice_id!r} has not been opened yet")
    number = requested or (latest.number if latest.revealed else latest.number - 1)
    if number > latest.number:
        raise NotFound(f"{practice_id!r} has no round {number}")
    if number < 1 or (number == latest.number and not latest.revealed):
        raise NotRevealed("reasons are shown only after the round is revealed")
    return number


def revealed_rounds(assessment: Assessment, practice_id: str) -> tuple[int, ...]:
    """The rounds of a practice whose reasons may be read (every revealed one)."""
    latest = assessment.latest_round(practice_id)
    if latest is None:
        return ()
    last = latest.number if latest.revealed else latest.number - 1
    return tuple(range(1, last + 1))


def selection(reasons: Iterable[Reason], limit: int, options: Sequence[str] = scale.LEVEL_VALUES) -> tuple[Reason, ...]:
    """At most ``limit`` reasons to show the room, taken in turn from each level so that every
    view is heard even when one level has hundreds; shown in the usual order."""
    by_level: dict[str, list[Reason]] = {}
    for reason in ordered(reasons, options):
        by_level.setdefault(reason.level, []).append(reason)
    chosen: list[Reason] = []
    queues = list(by_level.values())
    while queues and len(chosen) < limit:
        for queue in list(queues):
            if len(chosen) == limit:
                break
            chosen.append(queue.pop(0))
            if not queue:
                queues.remove(queue)
    return ordered(chosen, options)
