"""State snapshots filtered by role: what each kind of client may see, as plain JSON-able data.

A snapshot is complete (not a diff): a reconnecting client gets the same one. A participant's
snapshot never holds another participant's identity or individual vote; before a reveal nobody's
snapshot holds more than the number of votes. The framework's texts are sent once, on join/host
(``framework_view``), so the broadcasts stay small.
"""

from dataclasses import dataclass

from . import scale
from .analysis import LABEL_MEANING
from .frameworks import Framework, framework_to_dict
from .results import PracticeView, RoundView, SessionResults

PARTICIPANT = "participant"
FACILITATOR = "facilitator"
PRESENTER = "presenter"


@dataclass(frozen=True)
class Live:
    """Facts that change without a new version: who is here, the timer, the spotlight."""

    joined: int = 0
    present: int = 0
    timer_ends_at: float | None = None  # epoch seconds
    timer_remaining: float | None = None  # seconds left when the snapshot was built (no clock skew)
    spotlight: dict | None = None
    previous_code: str | None = None


def framework_view(framework: Framework) -> dict:
    """The framework's texts and the rating scale, as the pages and the API show them: the stored
    form of the framework, with every optional field present (null when absent)."""
    view = framework_to_dict(framework)
    del view["format"]
    view["notes"] = framework.notes
    for stage, data in zip(framework.stages, view["stages"]):
        data["key_obstacle"] = stage.key_obstacle
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
        "timer": (
            {"ends_at": live.timer_ends_at, "remaining": live.timer_remaining}
            if live.timer_ends_at
            else None
        ),
        "total_practices": len(assessment.framework.practices),
    }


def _public_result(view: RoundView) -> dict | None:
    if view is None or view.result is None:
        return None
    result = view.result
    return {
        "round": view.number,
        "counts": result.counts_by_level(),
        "voters": result.voters,
        "abstaining": result.abstaining,
        "label": result.label,
        "label_text": result.as_dict()["label_text"],
        "label_meaning": LABEL_MEANING[result.label],
    }


def participant_state(results: SessionResults, live: Live = Live()) -> dict:
    """What every phone sees: the session's progress and, after a reveal, distribution and label."""
    state = _header(results, PARTICIPANT, live)
    state["practices"] = [
        {
            "id": view.practice.id,
            "status": view.status,
            "round": view.latest.number if view.latest else 0,
            "result": _public_result(view.latest_revealed),
            "consolidated": view.consolidated_level,
        }
        for view in results.practices
    ]
    return state


def _round_detail(view: RoundView) -> dict:
    return {
        "number": view.number,
        "revealed": view.revealed,
        "votes": view.votes,
        "result": view.result.as_dict() if view.result else None,
        "segments": {name: result.as_dict() for name, result in view.segments.items()},
        "hidden_segments": list(view.hidden_segments),
    }


def practice_detail(view: PracticeView, *, with_notes: bool = True) -> dict:
    decision = view.decision
    return {
        "id": view.practice.id,
        "stage": view.stage.id,
        "position": view.position,
        "status": view.status,
        "round": view.latest.number if view.latest else 0,
        "votes": view.latest.votes if view.latest else 0,
        "rounds": [_round_detail(round_view) for round_view in view.rounds],
        "shift": view.shift.as_dict() if view.shift else None,
        "computed_level": view.computed_level,
        "consolidated_level": view.consolidated_level,
        "decision": decision.as_dict(with_note=with_notes) if decision else None,
        "gap": view.gap,
    }


def facilitator_state(results: SessionResults, live: Live = Live()) -> dict:
    """Everything about the session, but still only vote counts for unrevealed rounds."""
    assessment = results.assessment
    state = _room(results, FACILITATOR, live, with_notes=True)
    state.update(
        settings=assessment.settings.as_dict(),
        notes=assessment.notes,
        alpha=None if results.alpha is None else round(results.alpha, 4),
        previous_code=live.previous_code,
    )
    return state


def presenter_state(results: SessionResults, live: Live = Live()) -> dict:
    """The projector: the facilitator's view without settings, session notes or decision notes."""
    return _room(results, PRESENTER, live, with_notes=False)


def _room(results: SessionResults, role: str, live: Live, *, with_notes: bool) -> dict:
    """What facilitator and projector both see: people, every practice, queue, placement."""
    state = _header(results, role, live)
    state.update(
        participants={"joined": live.joined, "present": live.present},
        practices=[practice_detail(view, with_notes=with_notes) for view in results.practices],
        queue=list(results.queue),
        placement=results.placement.as_dict(),
        progress={
            "revealed": results.revealed_count,
            "consolidated": results.consolidated_count,
            "total": len(results.practices),
        },
        spotlight=live.spotlight,
    )
    return state


def tally(results_version: int, open_counts: dict[str, int], live: Live) -> dict:
    """The coalesced live figures sent to facilitator and presenter while votes come in."""
    return {
        "version": results_version,
        "participants": {"joined": live.joined, "present": live.present},
        "votes": open_counts,
    }
