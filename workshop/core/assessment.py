"""The session's rules: what may happen when, as pure functions over an ``Assessment``.

An assessment (the product calls it a session; the word "session" is avoided in code so it is not
confused with ``flask.session``) moves through rounds per practice:

    pending --open--> round 1 open --reveal--> round 1 revealed --revote--> round 2 open --> ...

Votes are accepted only while a practice's latest round is open; nobody sees anything but the
number of votes until that round is revealed. A revealed round can be consolidated (the group's
level for the practice); a new round undoes nothing but makes the consolidation of an older round
stale. Closing reveals any open round and makes the assessment read-only.

With pre-work (``core.prework``), every practice's round 1 is open at the participants' desks
until a deadline; the room's actions wait until it is closed, and after it round 1 takes no votes.

Each rule takes the current ``Assessment`` and returns the facts to persist (``Change``); the store
writes them and the adapters broadcast. Nothing here performs I/O; time comes in as ``now``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from . import scale, wording
from .errors import BadRequest, Closed, Conflict, NotFound, NotOpen, NotRevealed
from .frameworks import Framework

ALL = "*"
RUNNING = "running"
CLOSED = "closed"

PENDING = "pending"
OPEN = "open"
REVEALED = "revealed"

MIN_SEGMENT_SIZE = 3
PREWORK_ROUND = 1  # pre-work opens every practice's first round; the room's rounds follow it
DEFAULT_WORKSHOP_MINUTES = 60


@dataclass(frozen=True)
class Round:
    """The latest round of a practice."""

    practice_id: str
    number: int
    revealed: bool

    @property
    def status(self) -> str:
        return REVEALED if self.revealed else OPEN


@dataclass(frozen=True)
class Decision:
    """The facilitator's consolidation of a practice, for one round."""

    practice_id: str
    round: int
    level: str
    computed_level: str | None
    note: str | None

    @property
    def overridden(self) -> bool:
        return self.computed_level != self.level

    def as_dict(self, *, with_note: bool = True) -> dict:
        data = {
            "round": self.round,
            "level": self.level,
            "computed_level": self.computed_level,
            "overridden": self.overridden,
        }
        if with_note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Settings:
    """Per-session choices; every field has a documented default (docs/agreement.md)."""

    placement_threshold: str = scale.REPEATABLE.value
    segments: tuple[str, ...] = ()
    auto_reveal: bool = False
    min_voters: int = 3
    min_segment_size: int = 3
    agreed_share: float = 0.75
    agreed_rwg: float = 0.70
    leaning_pair_share: float = 0.75
    majority_share: float = 0.5
    polarised_share: float = 0.30
    unclear_share: float = 0.50
    # people who may join; a facilitator raises it for a large room (a flood stops here)
    max_participants: int = 1000

    @property
    def segment_minimum(self) -> int:
        """Rated votes a segment needs before its figures are shown: never below three, so two
        people cannot read each other's votes off a segment's counts (docs/agreement.md)."""
        return max(MIN_SEGMENT_SIZE, self.min_segment_size)

    def updated(self, changes: Mapping[str, object]) -> "Settings":
        """These settings with some fields changed (already validated by ``protocol``)."""
        return replace(self, **changes)

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["segments"] = list(self.segments)
        return data


@dataclass(frozen=True)
class Prework:
    """Pre-work: every practice's first round answered at the desk until ``deadline``.

    Times are ISO 8601 text with an offset: ``deadline`` keeps the facilitator's offset (the
    invitation states it in that zone), ``closed_at`` is set when the facilitator closes it early
    or when the server records that the deadline passed. ``workshop_at`` is when the room meets,
    if the facilitator said so (for the invitation and the calendar file).
    """

    deadline: str
    started_at: str
    closed_at: str | None = None
    workshop_at: str | None = None
    workshop_minutes: int = DEFAULT_WORKSHOP_MINUTES

    @property
    def deadline_moment(self) -> datetime:
        return datetime.fromisoformat(self.deadline)

    @property
    def ends_at(self) -> float:
        """When pre-work closes (or closed), in epoch seconds."""
        return datetime.fromisoformat(self.closed_at or self.deadline).timestamp()

    @property
    def closed_early(self) -> bool:
        """The facilitator closed it by hand before its deadline."""
        return self.closed_at is not None and self.ends_at < self.deadline_moment.timestamp()

    def is_open(self, now: float) -> bool:
        """Answers are taken now: not closed by hand, and the server's clock is before the deadline."""
        return self.closed_at is None and now < self.deadline_moment.timestamp()

    def as_dict(self) -> dict:
        return {
            "deadline": self.deadline,
            "started_at": self.started_at,
            "closed_at": self.closed_at,
            "workshop_at": self.workshop_at,
            "workshop_minutes": self.workshop_minutes,
        }


def prework_open(assessment: "Assessment", now: float | None) -> bool:
    """Pre-work is taking answers at ``now`` (None: the caller does not check the clock)."""
    return assessment.prework is not None and now is not None and assessment.prework.is_open(now)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Assessment:
    """Everything the rules need to know about one session, at one moment."""

    code: str
    title: str
    organization: str | None
    framework: Framework
    settings: Settings = Settings()
    status: str = RUNNING
    current_practice: str | None = None
    rounds: Mapping[str, Round] = field(default_factory=lambda: _frozen({}))
    decisions: Mapping[str, Decision] = field(default_factory=lambda: _frozen({}))
    team: str | None = None
    notes: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    version: int = 0
    prework: Prework | None = None

    @property
    def closed(self) -> bool:
        return self.status == CLOSED

    def practice_status(self, practice_id: str) -> str:
        current = self.rounds.get(practice_id)
        return current.status if current else PENDING

    def latest_round(self, practice_id: str) -> Round | None:
        return self.rounds.get(practice_id)

    def decision(self, practice_id: str) -> Decision | None:
        """The consolidation that still applies (made on the latest round), if any."""
        decision = self.decisions.get(practice_id)
        latest = self.rounds.get(practice_id)
        if decision is None or latest is None or decision.round != latest.number:
            return None
        return decision


# --- the facts the rules produce --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a facilitator action changes; ``assessment`` is the state after it."""

    assessment: Assessment
    opened: tuple[Round, ...] = ()
    revealed: tuple[Round, ...] = ()
    decided: tuple[Decision, ...] = ()
    current_changed: bool = False
    closed: bool = False
    prework_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.opened or self.revealed or self.decided or self.current_changed or self.closed or self.prework_changed
        )


def ensure_running(assessment: Assessment) -> None:
    if assessment.closed:
        raise Closed("this session is closed; it can be read but not changed")


def _targets(assessment: Assessment, target: str) -> list[str]:
    if target == ALL:
        return [practice.id for practice in assessment.framework.practices]
    assessment.framework.practice(target)  # raises NotFound
    return [target]


def _with(assessment: Assessment, **changes) -> Assessment:
    for name in ("rounds", "decisions"):
        if name in changes:
            changes[name] = _frozen(changes[name])
    return replace(assessment, **changes)


def ensure_prework_closed(assessment: Assessment, now: float | None, action: str) -> None:
    """The room's actions (revealing, bringing a practice to the room) wait until pre-work closes:
    a reveal while people still answer would show them the others' answers."""
    if prework_open(assessment, now):
        closes = wording.moment(assessment.prework.deadline_moment)
        raise Conflict(f"pre-work is open until {closes}: close it before you {action}")


def open_practice(assessment: Assessment, target: str, *, now: float | None = None) -> Change:
    """Open a practice for votes (``"*"``: every practice not yet opened, for self-paced mode).

    Opening a practice that is already open or revealed only brings it to the room's attention
    (it becomes the current practice); a new round on a revealed practice is ``revote``. While
    pre-work is open (``now`` before its deadline) only ``"*"`` is accepted.
    """
    ensure_running(assessment)
    if target != ALL:
        ensure_prework_closed(assessment, now, "open a practice for the room")
    rounds = dict(assessment.rounds)
    opened = []
    for practice_id in _targets(assessment, target):
        if practice_id not in rounds:
            rounds[practice_id] = Round(practice_id, 1, revealed=False)
            opened.append(rounds[practice_id])
    current = None if target == ALL else target
    return Change(
        _with(assessment, rounds=rounds, current_practice=current),
        opened=tuple(opened),
        current_changed=current != assessment.current_practice,
    )


def reveal(assessment: Assessment, target: str, *, now: float | None = None) -> Change:
    """Reveal the open round of a practice (``"*"``: every open round). Revealing twice is a no-op.

    ``now`` is the server's clock: while pre-work is open nothing is revealed (``close`` reveals
    regardless, and passes none).
    """
    ensure_running(assessment)
    ensure_prework_closed(assessment, now, "reveal results")
    rounds = dict(assessment.rounds)
    revealed = []
    for practice_id in _targets(assessment, target):
        latest = rounds.get(practice_id)
        if latest is None:
            if target == ALL:
                continue
            raise NotOpen(f"{practice_id!r} has not been opened yet; open it before revealing")
        if not latest.revealed:
            rounds[practice_id] = replace(latest, revealed=True)
            revealed.append(rounds[practice_id])
    return Change(_with(assessment, rounds=rounds), revealed=tuple(revealed))


def _revealed_round(assessment: Assessment, practice_id: str) -> Round:
    """The latest round of a practice, which must be revealed (for a re-vote or a consolidation)."""
    assessment.framework.practice(practice_id)  # raises NotFound
    latest = assessment.rounds.get(practice_id)
    if latest is None:
        raise NotOpen(f"{practice_id!r} has not been opened yet")
    if not latest.revealed:
        raise NotRevealed(f"round {latest.number} of {practice_id!r} is still open; reveal it first")
    return latest


def revote(assessment: Assessment, practice_id: str) -> Change:
    """Start a new round on a revealed practice; earlier rounds are kept."""
    ensure_running(assessment)
    if practice_id == ALL:
        raise BadRequest("revote takes one practice id, not '*'")
    latest = _revealed_round(assessment, practice_id)
    rounds = dict(assessment.rounds)
    rounds[practice_id] = Round(practice_id, latest.number + 1, revealed=False)
    return Change(
        _with(assessment, rounds=rounds, current_practice=practice_id),
        opened=(rounds[practice_id],),
        current_changed=assessment.current_practice != practice_id,
    )


def consolidate(
    assessment: Assessment,
    practice_id: str,
    computed_level: str | None,
    level: str | None = None,
    note: str | None = None,
) -> Change:
    """Record the group's level for a practice, from its latest revealed round.

    ``computed_level`` is the analysis' proposal (the lower median, or None without votes); the
    facilitator may accept it (``level`` None) or override it with another level and a note,
    which is then required.
    """
    ensure_running(assessment)
    if practice_id == ALL:
        raise BadRequest("consolidate takes one practice id, not '*'")
    options = assessment.framework.options(practice_id)  # raises NotFound
    if level is not None and level not in options:
        raise BadRequest(f"level must be one of {', '.join(options)}, not {level!r}")
    latest = _revealed_round(assessment, practice_id)
    chosen = level if level is not None else computed_level
    if chosen is None:
        raise BadRequest(f"round {latest.number} of {practice_id!r} has no rated votes; choose a level to record")
    if chosen != computed_level and not note:
        # a level other than the group's votes must be defensible in front of the summary's readers
        raise BadRequest("an override of the computed level needs a note saying why")
    decision = Decision(practice_id, latest.number, chosen, computed_level, note)
    decisions = dict(assessment.decisions)
    decisions[practice_id] = decision
    return Change(_with(assessment, decisions=decisions), decided=(decision,))


def close(assessment: Assessment) -> Change:
    """Close the session: open rounds are revealed and everything becomes read-only."""
    ensure_running(assessment)
    revealed_all = reveal(assessment, ALL)
    return Change(
        _with(revealed_all.assessment, status=CLOSED, current_practice=None),
        revealed=revealed_all.revealed,
        current_changed=assessment.current_practice is not None,
        closed=True,
    )


@dataclass(frozen=True)
class Timer:
    """A countdown on one round of one practice; when it ends, that round is revealed."""

    practice_id: str
    round: int
    ends_at: float  # epoch seconds

    def as_dict(self) -> dict:
        return {"practice": self.practice_id, "round": self.round, "ends_at": self.ends_at}


def start_timer(assessment: Assessment, seconds: int, now: float) -> Timer:
    """A countdown on the round the room is voting on (the current practice's open round)."""
    ensure_running(assessment)
    current = assessment.current_practice
    latest = assessment.latest_round(current) if current else None
    if latest is None or latest.revealed:
        raise NotOpen("a countdown runs on the practice the room is voting on: open one first")
    return Timer(current, latest.number, now + seconds)


def timer_applies(assessment: Assessment, timer: Timer | None) -> bool:
    """A countdown counts only while its round is still open and the room is still on it; any
    reveal, re-vote, other practice or closing ends it."""
    if timer is None or assessment.closed or assessment.current_practice != timer.practice_id:
        return False
    latest = assessment.latest_round(timer.practice_id)
    return latest is not None and latest.number == timer.round and not latest.revealed


def ensure_answer(assessment: Assessment, practice_id: str, answer: str) -> str:
    """An answer the practice can take: an adoption level (a stage, for the stage vote) or "don't know"."""
    options = assessment.framework.options(practice_id)
    if answer != scale.UNKNOWN and answer not in options:
        raise BadRequest(f"level must be one of {', '.join((*options, scale.UNKNOWN))}, not {answer!r}")
    return answer


def ensure_can_vote(
    assessment: Assessment,
    practice_id: str,
    round_number: int | None = None,
    answer: str | None = None,
    *,
    now: float | None = None,
) -> Round:
    """Return the open round a vote goes to, or raise why it cannot be cast.

    ``now`` is the server's clock (the store always passes it): a pre-work round takes no vote
    once pre-work has closed, whatever the phone's own clock says.
    """
    ensure_running(assessment)
    if not assessment.framework.has_practice(practice_id):
        raise NotFound(f"no practice {practice_id!r} in this session's framework")
    if answer is not None:
        ensure_answer(assessment, practice_id, answer)
    latest = assessment.rounds.get(practice_id)
    if latest is None:
        raise NotOpen("this practice is not open for votes yet")
    if latest.revealed:
        raise NotOpen(f"round {latest.number} of this practice has been revealed; votes are closed")
    if round_number is not None and round_number != latest.number:
        raise NotOpen(f"this vote was for round {round_number}, but round {latest.number} is the one open")
    prework = assessment.prework
    if prework is not None and latest.number == PREWORK_ROUND and now is not None and not prework.is_open(now):
        closed = datetime.fromisoformat(prework.closed_at or prework.deadline)
        raise NotOpen(
            f"pre-work closed on {wording.moment(closed)}: this answer was not recorded; "
            "the results are revealed in the workshop"
        )
    return latest


def ensure_can_join(assessment: Assessment, resuming: bool) -> None:
    """New participants may join a running session at any time; a closed one only resumes."""
    if assessment.closed and not resuming:
        raise Closed("this session has ended; it no longer accepts new participants")


def ensure_segment(assessment: Assessment, segment: str | None) -> str | None:
    """Check a participant's chosen segment against the session's segments."""
    if segment is None:
        return None
    if segment not in assessment.settings.segments:
        if not assessment.settings.segments:
            raise BadRequest("this session has no segments to choose from")
        raise BadRequest(f"segment must be one of {', '.join(assessment.settings.segments)}, not {segment!r}")
    return segment


def reveal_due(assessment: Assessment, timer: Timer | None, now: float, present: int, voted: int) -> bool:
    """Whether the round the room is voting on should be revealed now, without the facilitator:
    its countdown has ended, or (with automatic reveal on) everyone present has voted on it.

    ``present`` and ``voted`` count the participants connected now and those of them who voted on
    the current practice's open round; a room with nobody present is never revealed automatically.
    """
    current = assessment.current_practice
    if assessment.closed or current is None or assessment.practice_status(current) != OPEN:
        return False
    if timer_applies(assessment, timer) and timer.ends_at <= now:
        return True
    return assessment.settings.auto_reveal and present > 0 and voted >= present


@dataclass(frozen=True)
class ParticipantInfo:
    """What a participant chose to say about themselves: a display name and a segment."""

    name: str | None
    segment: str | None


def resumed_participant(
    assessment: Assessment, current: ParticipantInfo, requested: ParticipantInfo
) -> ParticipantInfo | None:
    """The identity a resuming participant ends up with, or None when nothing changes.

    A name or segment sent with the token replaces the stored one (a phone that joined without a
    name can add it later); a field not sent keeps its value. A closed session changes nothing.
    """
    ensure_can_join(assessment, resuming=True)
    segment = ensure_segment(assessment, requested.segment)
    if assessment.closed or (requested.name is None and segment is None):
        return None
    updated = ParticipantInfo(
        requested.name if requested.name is not None else current.name,
        segment if segment is not None else current.segment,
    )
    return None if updated == current else updated


def new_participant(assessment: Assessment, requested: ParticipantInfo) -> ParticipantInfo:
    """The identity of a new participant, if the session accepts one."""
    ensure_can_join(assessment, resuming=False)
    return ParticipantInfo(requested.name, ensure_segment(assessment, requested.segment))


def framework_for_new_session(
    framework_id: str,
    organization: str | None,
    organization_key: str | None,
    previous: Assessment | None,
    lookup: Callable[[str], Framework],
) -> Framework:
    """The framework a new session uses: a follow-up (``previous``) keeps the earlier session's own
    copy, so editing a framework file never makes two assessments of one organisation incomparable.

    An organisation key only means something with the organisation it opens.
    """
    if organization_key and not organization:
        raise BadRequest("organization_key was given without an organization")
    if previous is None:
        return lookup(framework_id)
    if previous.framework.id != framework_id:
        raise BadRequest("a follow-up assessment must use the same framework as the previous one")
    return previous.framework
