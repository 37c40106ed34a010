"""State snapshots filtered by role: what each kind of client may see, as plain JSON-able data.

A snapshot is complete (not a diff): a reconnecting client gets the same one. A participant's
snapshot never holds another participant's identity or individual vote; before a reveal nobody's
snapshot holds more than the number of votes. The framework's texts are sent once, in the page
(``framework_view``), so the broadcasts stay small. Every practice, round, shift and placement is
shaped by its own ``as_dict`` (``results``, ``analysis``, ``placement``): the live states, the HTTP
summary and the exports cannot disagree on a name.
"""

from dataclasses import dataclass

from . import scale
from .frameworks import Framework, framework_to_dict
from .prework import PreworkView, agreed_to_accept
from .reasons import Reason
from .results import SessionResults

PARTICIPANT = "participant"
FACILITATOR = "facilitator"
PRESENTER = "presenter"
ROLES = (PARTICIPANT, FACILITATOR, PRESENTER)


@dataclass(frozen=True)
class Spotlight:
    """What the projector highlights: a practice and, if the facilitator chose, its reasons.

    Only ``practice`` and ``show_reasons`` are stored; the reasons are read when a snapshot is
    built, from the round they may be read of (``round``).
    """

    practice: str
    show_reasons: bool = False
    round: int | None = None
    reasons: tuple[Reason, ...] = ()
    show_segments: bool = False
    reasons_total: int = 0  # reasons given on that round; ``reasons`` holds at most a few dozen

    def as_dict(self) -> dict:
        return {
            "practice": self.practice,
            "show_reasons": self.show_reasons,
            "show_segments": self.show_segments,
            "reasons_total": self.reasons_total,
            "round": self.round,
            "reasons": [reason.as_dict() for reason in self.reasons],
        }


@dataclass(frozen=True)
class Live:
    """Facts that change without a new version: who is here, the timer, the spotlight."""

    joined: int = 0
    present: int = 0
    timer_ends_at: float | None = None  # epoch seconds
    timer_remaining: float | None = None  # seconds left when the snapshot was built (no clock skew)
    spotlight: Spotlight | None = None
    previous_code: str | None = None
    prework: PreworkView | None = None  # its status moves with the clock, its counts with the votes

    def people(self) -> dict:
        return {"joined": self.joined, "present": self.present}


def framework_view(framework: Framework) -> dict:
    """The framework's texts and the rating scale, as the pages and the API show them: the stored
    form of the framework, with every optional field present (null when absent)."""
    view = framework_to_dict(framework)
    del view["format"]
    view["notes"] = framework.notes
    view["cautions"] = [{"text": item.text, "source": item.source} for item in framework.cautions]
    view["placement"].setdefault("source", None)
    for stage, data in zip(framework.stages, view["stages"], strict=True):
        del data["practices"]
        data.update(
            key_obstacle=stage.key_obstacle,
            bar=stage.bar,
            signs=list(stage.signs),
            benefits=list(stage.benefits),
            figures=[{"text": item.text, "source": item.source} for item in stage.figures],
            inferred=stage.inferred,
            practices=[
                {"id": p.id, "text": p.text, "source": p.source, "hint": p.hint, "inferred": p.inferred}
                for p in stage.practices
            ],
        )
    vote = framework.stage_vote
    view["stage_vote"] = {"id": vote.id, "text": vote.text, "source": vote.source} if vote else None
    view["scale"] = scale.scale_as_dict()
    return view


def _header(results: SessionResults, role: str, live: Live) -> dict:
    assessment = results.assessment
    return {
        "role": role,
        "version": assessment.version,
        "code": assessment.code,
        "title": assessment.title,
        "organization": assessment.organization,
        "team": assessment.team,
        "framework": {"id": assessment.framework.id, "name": assessment.framework.name},
        "status": assessment.status,
        "current": assessment.current_practice,
        "segments": list(assessment.settings.segments),
        "timer": ({"ends_at": live.timer_ends_at, "remaining": live.timer_remaining} if live.timer_ends_at else None),
        "total_practices": len(assessment.framework.rated_practices),  # the stage vote is not numbered
        "placement_mode": assessment.framework.placement.mode,
    }


def participant_state(results: SessionResults, live: Live = Live()) -> dict:
    """What every phone sees: the session's progress and, after a reveal, distribution and label."""
    state = _header(results, PARTICIPANT, live)
    state["prework"] = live.prework.public_dict() if live.prework else None
    state["practices"] = [view.public_dict() for view in results.practices]
    placement = results.placement
    # the outcome the room reached, once the session is closed (a running session's is provisional)
    state["outcome"] = (
        {"mode": placement.mode, "stage": placement.stage_id, "stage_name": placement.stage_name,
         "headline": placement.headline}
        if results.assessment.closed
        else None
    )  # fmt: skip
    return state


def facilitator_state(results: SessionResults, live: Live = Live(), *, with_text: bool = False) -> dict:
    """Everything about the session, but still only vote counts for unrevealed rounds.

    ``with_text`` adds the practices' texts: the HTTP summary (``GET .../summary``) is this state
    with them, for clients that have not loaded the framework.
    """
    assessment = results.assessment
    state = _room(results, FACILITATOR, live, with_notes=True, with_text=with_text)
    state.update(
        settings=assessment.settings.as_dict(),
        notes=assessment.notes,
        alpha=None if results.alpha is None else round(results.alpha, 4),
        previous_code=live.previous_code,
        agreed_to_accept=[view.practice.id for view in agreed_to_accept(results)],
    )
    return state


def presenter_state(results: SessionResults, live: Live = Live()) -> dict:
    """The projector: the facilitator's view without settings, session notes, decision notes, alpha or
    the previous session's code."""
    return _room(results, PRESENTER, live, with_notes=False, with_text=False)


STATE_BUILDERS = {PARTICIPANT: participant_state, FACILITATOR: facilitator_state, PRESENTER: presenter_state}


def _room(results: SessionResults, role: str, live: Live, *, with_notes: bool, with_text: bool) -> dict:
    """What facilitator and projector both see: people, every practice, queue, placement."""
    state = _header(results, role, live)
    state.update(
        prework=live.prework.as_dict() if live.prework else None,
        participants=live.people(),
        practices=[view.as_dict(with_text=with_text, with_notes=with_notes) for view in results.practices],
        queue=list(results.queue),
        placement=results.placement.as_dict(),
        progress={
            "revealed": results.revealed_count,
            "consolidated": results.consolidated_count,
            "total": len(results.practices),
        },
        spotlight=live.spotlight.as_dict() if live.spotlight else None,
    )
    return state


def tally(results_version: int, open_counts: dict[str, int], live: Live) -> dict:
    """The coalesced live figures sent to facilitator and presenter while votes come in (with
    pre-work, how many started and finished it)."""
    data = {"version": results_version, "participants": live.people(), "votes": open_counts}
    if live.prework is not None:
        data["prework"] = {
            "started": live.prework.participation.started,
            "finished": live.prework.participation.finished,
        }
    return data
