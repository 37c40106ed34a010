"""Pre-work: the first round answered at the desk, before the room meets, so the live hour goes to
what divides the group (the Delphi method's first round: anonymous, asynchronous, then feedback).

The facilitator turns it on with a deadline: every practice's first round opens for answers at the
participants' own pace, on any device. The server's clock closes it at the deadline (or the
facilitator closes it early, or sets another deadline); nothing is revealed before the facilitator
reveals in the room. There, the practices the group already agrees on can be accepted together,
and the divided ones are discussed and re-voted: the room's round is the practice's next round, so
the shift from pre-work to the room is measured as any re-vote's.

Everything here is pure: the deadline's parsing and checks, the rules that start, extend and close
pre-work, who started and finished (counts only), who took part in which round, which practices
pre-work settled, and the bulk acceptance of the agreed ones.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from . import analysis, wording
from .assessment import (
    DEFAULT_WORKSHOP_MINUTES,
    PREWORK_ROUND,
    Assessment,
    Change,
    Decision,
    Prework,
    Round,
    _frozen,
    ensure_running,
)
from .errors import BadRequest, Conflict
from .results import PracticeRef, PracticeView, SessionResults

OPEN = "open"
CLOSED = "closed"
MAX_DAYS_AHEAD = 366  # a deadline further away is a typo (2205 for 2025), not a plan
MAX_MOMENT_TEXT = 40
MIN_WORKSHOP_MINUTES = 15
MAX_WORKSHOP_MINUTES = 8 * 60
EXAMPLE = "2025-03-14T17:00:00+01:00"


# --- times ----------------------------------------------------------------------------------------


def parse_moment(value, name: str) -> datetime:
    """An ISO 8601 date and time with its offset from UTC, to the second; BadRequest otherwise.

    The offset is required: "17:00" alone means another moment in every time zone, and a deadline
    must be the same moment for everyone (each phone then shows it in its own zone).
    """
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a date and time in ISO 8601 with its offset, like {EXAMPLE}")
    if len(value) > MAX_MOMENT_TEXT:
        raise BadRequest(f"{name} is {len(value)} characters long; an ISO 8601 date and time has at most 40")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(f"{name} {value[:40]!r} is not an ISO 8601 date and time, like {EXAMPLE}") from None
    if moment.tzinfo is None:
        raise BadRequest(
            f"{name} {value[:40]!r} has no offset from UTC: add it (+01:00, -05:00 or Z), "
            "so that it is the same moment for everyone"
        )
    return moment.replace(microsecond=0)


def moment_text(moment: datetime) -> str:
    """The stored form of a moment: ISO 8601 to the second, with its offset."""
    return moment.isoformat(timespec="seconds")


def at(now: float, like: datetime | None = None) -> str:
    """``now`` (epoch seconds) as stored text, in the offset of ``like`` (UTC without one)."""
    zone = like.tzinfo if like is not None else UTC
    return moment_text(datetime.fromtimestamp(int(now), zone))


# --- the rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """What the facilitator sends with ``prework``: a deadline (None closes pre-work now) and,
    optionally, when the room meets. ``workshop_given`` tells a workshop time left out (kept as it
    was) from one cleared with null."""

    deadline: datetime | None
    workshop_at: datetime | None = None
    workshop_given: bool = False
    workshop_minutes: int | None = None


def _ensure_changeable(assessment: Assessment) -> None:
    ensure_running(assessment)
    if any(round_.revealed for round_ in assessment.rounds.values()):
        raise Conflict(
            "results have been revealed in the room, so pre-work is over: it cannot be started, "
            "extended or reopened any more"
        )


def schedule_prework(assessment: Assessment, schedule: Schedule, now: float) -> Change:
    """Start pre-work until a deadline, move its deadline (later to extend it), or close it now.

    Starting opens the first round of every practice not yet opened, for the room to answer at its
    own pace (the session becomes self-paced). Pre-work can change until the first reveal; a
    deadline must be in the future, and the workshop (if given) at or after it.
    """
    _ensure_changeable(assessment)
    current = assessment.prework
    if schedule.deadline is None:
        return _close(assessment, now)
    deadline = schedule.deadline
    if deadline.timestamp() <= now:
        raise BadRequest(f"the deadline {wording.moment(deadline)} has already passed: choose a moment in the future")
    if deadline.timestamp() > now + MAX_DAYS_AHEAD * 86400:
        raise BadRequest(f"the deadline {wording.moment(deadline)} is more than a year away: check the year")
    workshop_at = current.workshop_at if current else None
    if schedule.workshop_given:
        workshop_at = moment_text(schedule.workshop_at) if schedule.workshop_at else None
    if workshop_at is not None and datetime.fromisoformat(workshop_at) < deadline:
        raise BadRequest(
            f"the workshop ({wording.moment(datetime.fromisoformat(workshop_at))}) is before the deadline "
            f"({wording.moment(deadline)}): pre-work closes before the room meets, so move one of them"
        )
    minutes = schedule.workshop_minutes or (current.workshop_minutes if current else DEFAULT_WORKSHOP_MINUTES)
    prework = Prework(
        deadline=moment_text(deadline),
        started_at=current.started_at if current else at(now),
        closed_at=None,
        workshop_at=workshop_at,
        workshop_minutes=minutes,
    )
    rounds = dict(assessment.rounds)
    opened = []
    for practice in assessment.framework.practices:
        if practice.id not in rounds:
            rounds[practice.id] = Round(practice.id, PREWORK_ROUND, revealed=False)
            opened.append(rounds[practice.id])
    after = replace(assessment, prework=prework, rounds=_frozen(rounds), current_practice=None)
    return Change(
        after,
        opened=tuple(opened),
        current_changed=assessment.current_practice is not None,
        prework_changed=prework != current,
    )


def _close(assessment: Assessment, now: float) -> Change:
    current = assessment.prework
    if current is None:
        raise Conflict("this session has no pre-work to close")
    if current.closed_at is not None:
        return Change(assessment)  # closed already: closing again changes nothing
    deadline = current.deadline_moment
    closed_at = current.deadline if now >= deadline.timestamp() else at(now, deadline)
    return Change(replace(assessment, prework=replace(current, closed_at=closed_at)), prework_changed=True)


def close_prework_if_due(assessment: Assessment, now: float) -> Change:
    """Record that the deadline passed (once), so every client is told pre-work is closed.

    The deadline holds without it: a vote is checked against the clock (``ensure_can_vote``).
    """
    current = assessment.prework
    if assessment.closed or current is None or current.closed_at is not None or current.is_open(now):
        return Change(assessment)
    return Change(replace(assessment, prework=replace(current, closed_at=current.deadline)), prework_changed=True)


# --- counts ---------------------------------------------------------------------------------------

Answers = Iterable[tuple[int, int, int]]  # (participant id, round number, answers in that round)


@dataclass(frozen=True)
class Participation:
    """How many people started and finished pre-work: counts only, never who."""

    practices: int  # practices pre-work asks about (every practice, the stage vote included)
    started: int  # answered at least one of them
    finished: int  # answered every one


def participation(answers: Answers, practices: int) -> Participation:
    """Started and finished, from each participant's number of pre-work answers ("don't know" counts:
    it is an answer)."""
    per_person = [count for _, number, count in answers if number == PREWORK_ROUND and count > 0]
    return Participation(
        practices=practices,
        started=len(per_person),
        finished=sum(1 for count in per_person if count >= practices),
    )


@dataclass(frozen=True)
class Turnout:
    """Who took part in which round, by count only.

    ``also_prework`` and ``room_only`` split the room's voters into those who did pre-work and
    those who did not; the split is withheld (None) when either part has fewer than ``minimum``
    people: a reader who knows who came late could otherwise compare the rounds and read the
    late-comers' answers off the difference.
    """

    prework: int  # people who answered in pre-work
    room: int  # people who answered in a round of the room (a re-vote)
    also_prework: int | None
    room_only: int | None
    rounds: tuple[tuple[int, int], ...]  # (round number, people who answered in it, any practice)
    minimum: int

    def as_dict(self) -> dict:
        return {
            "prework": self.prework,
            "room": self.room,
            "room_also_prework": self.also_prework,
            "room_only": self.room_only,
            "minimum": self.minimum,
            "rounds": [
                {"round": number, "where": "prework" if number == PREWORK_ROUND else "room", "people": people}
                for number, people in self.rounds
            ],
        }


def turnout(answers: Answers, minimum: int) -> Turnout:
    """Who answered in pre-work, who in the room, and (when large enough) how the two overlap."""
    by_round: dict[int, set[int]] = {}
    for person, number, count in answers:
        if count > 0:
            by_round.setdefault(number, set()).add(person)
    prework = by_round.get(PREWORK_ROUND, set())
    room = set().union(*(people for number, people in by_round.items() if number != PREWORK_ROUND))
    both, only = len(room & prework), len(room - prework)
    shown = all(part == 0 or part >= minimum for part in (both, only))
    return Turnout(
        prework=len(prework),
        room=len(room),
        also_prework=both if shown else None,
        room_only=only if shown else None,
        rounds=tuple((number, len(people)) for number, people in sorted(by_round.items())),
        minimum=minimum,
    )


# --- the view -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreworkView:
    """Pre-work as the screens and the summary show it, at one moment."""

    prework: Prework
    status: str  # open | closed
    remaining: float | None  # seconds to the deadline when the view was built (no clock skew)
    participation: Participation

    def public_dict(self) -> dict:
        """What every phone sees: when it closes, and whether it has. No counts."""
        return {
            "status": self.status,
            "deadline": self.prework.deadline,
            "closed_at": self.prework.closed_at,
            "remaining": self.remaining,
            "workshop_at": self.prework.workshop_at,
        }

    def as_dict(self) -> dict:
        """The facilitator's view (also ``prework`` in ``GET .../summary``): counts, never answers.

        ``invited`` is null: the app does not know how many people the invitation reached.
        """
        return {
            **self.public_dict(),
            "started_at": self.prework.started_at,
            "closed_early": self.prework.closed_early,
            "workshop_minutes": self.prework.workshop_minutes,
            "invited": None,
            "practices": self.participation.practices,
            "started": self.participation.started,
            "finished": self.participation.finished,
        }


def view(assessment: Assessment, answers: Answers, now: float) -> PreworkView | None:
    """The session's pre-work at ``now``, or None for a session without pre-work."""
    prework = assessment.prework
    if prework is None:
        return None
    is_open = prework.is_open(now) and not assessment.closed
    return PreworkView(
        prework=prework,
        status=OPEN if is_open else CLOSED,
        remaining=round(prework.deadline_moment.timestamp() - now, 1) if is_open else None,
        participation=participation(answers, len(assessment.framework.practices)),
    )


# --- what pre-work settled --------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """Where each practice's level was decided.

    Settled by pre-work: the level recorded is the one the pre-work answers gave (its round, not
    overridden), whether accepted with the other agreed practices or after a discussion. Settled in
    the room: recorded after a live re-vote, or overridden by the facilitator. Open: not recorded.
    """

    by_prework: tuple[PracticeRef, ...]
    in_room: tuple[PracticeRef, ...]
    open: tuple[PracticeRef, ...]

    def as_dict(self) -> dict:
        return {
            "settled_by_prework": [ref.as_dict() for ref in self.by_prework],
            "settled_in_room": [ref.as_dict() for ref in self.in_room],
            "not_settled": [ref.as_dict() for ref in self.open],
        }


def settled_where(view: PracticeView) -> str | None:
    """``"prework"``, ``"room"``, or None while the practice's level is not recorded."""
    decision = view.decision
    if decision is None:
        return None
    return "prework" if decision.round == PREWORK_ROUND and not decision.overridden else "room"


def settled(views: Sequence[PracticeView]) -> Settled:
    found: dict[str | None, list[PracticeRef]] = {"prework": [], "room": [], None: []}
    for practice in views:
        found[settled_where(practice)].append(practice.ref)
    return Settled(tuple(found["prework"]), tuple(found["room"]), tuple(found[None]))


# --- accepting the agreed practices together -------------------------------------------------------


def agreed_to_accept(results: SessionResults) -> tuple[PracticeView, ...]:
    """Practices whose latest round is revealed and agreed and whose level is not recorded yet, in
    framework order: what "accept the agreed practices" proposes."""
    return tuple(
        practice
        for practice in results.practices
        if practice.result is not None
        and practice.latest is practice.latest_revealed  # no re-vote open on it
        and practice.result.label == analysis.AGREED
        and practice.decision is None
        and practice.computed_level is not None
    )


def accept_agreed(assessment: Assessment, candidates: Mapping[str, str], practice_ids: Sequence[str]) -> Change:
    """Record each listed practice at its computed level, as any consolidation is recorded.

    ``candidates`` maps the practices ``agreed_to_accept`` proposes to their computed level; the
    facilitator confirmed ``practice_ids`` from that list. A practice no longer on it (recorded
    meanwhile from another device, or re-voted) refuses the whole request, so what was confirmed is
    exactly what is recorded.
    """
    ensure_running(assessment)
    if not practice_ids:
        raise BadRequest("practices must list at least one practice to accept")
    stale = [practice_id for practice_id in practice_ids if practice_id not in candidates]
    if stale:
        raise Conflict(
            f"{stale[0]!r} is no longer an agreed practice waiting to be recorded (recorded or re-voted "
            "meanwhile?): look at the list again"
        )
    decisions = dict(assessment.decisions)
    decided = []
    for practice_id in dict.fromkeys(practice_ids):
        latest = assessment.latest_round(practice_id)
        decision = Decision(practice_id, latest.number, candidates[practice_id], candidates[practice_id], None)
        decisions[practice_id] = decision
        decided.append(decision)
    return Change(replace(assessment, decisions=_frozen(decisions)), decided=tuple(decided))


__all__ = [
    "CLOSED", "OPEN", "PREWORK_ROUND", "Participation", "PreworkView", "Schedule", "Settled", "Turnout", "accept_agreed",
    "agreed_to_accept", "close_prework_if_due", "parse_moment", "participation", "schedule_prework", "settled",
    "settled_where", "turnout", "view",
]  # fmt: skip
