"""Socket.IO handlers: parse the payload, call the service, emit, return the ack.

Every client-to-server event is acknowledged with ``{"ok": true, ...}`` or
``{"ok": false, "error": code, "message": text}``. Identity is bound to the connection by ``join``
(participant token), ``host`` (facilitator token) or ``watch`` (presenter token) and checked on every
later event. Phones get state changes and their own acks; facilitator and presenter get coalesced
``tally`` events (at most one per ``TALLY_INTERVAL``) instead of a message per vote.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import request
from flask_socketio import SocketIO, join_room, leave_room

from ..config import LIMIT_SETTINGS
from ..core import assessment as rules
from ..core import protocol, snapshots
from ..core.errors import BadRequest, Forbidden, NotFound, WorkshopError
from ..service import Participant, Workshops
from . import links
from .limits import SocketLimits, client_address

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 10.0
# A session nothing happened in is looked at this often (a countdown set through another process,
# say); sessions with votes, presence changes or a countdown ending are looked at on the tick.
SWEEP_INTERVAL = 5.0


@dataclass(frozen=True)
class Identity:
    role: str
    code: str
    participant: Participant | None = None


def room(code: str, role: str) -> str:
    return f"{code}:{role}"


def error_ack(error: WorkshopError) -> dict:
    return {"ok": False, **error.as_dict()}


INTERNAL_ACK = {
    "ok": False,
    "error": "internal",
    "message": "something went wrong on the server; it has been logged, please try again",
}


class Realtime:
    """The Socket.IO adapter of one server process."""

    def __init__(
        self,
        socketio: SocketIO,
        service: Workshops,
        tally_interval: float = 0.1,
        ticker: bool = True,
        limits: SocketLimits | None = None,
    ):
        self.socketio = socketio
        self.limits = limits or SocketLimits({**LIMIT_SETTINGS, "RATE_LIMITS": False})
        self.room = service.room
        self.now = service.room.now  # the store's clock: tests move it instead of waiting
        self.tally_interval = tally_interval
        self.use_ticker = ticker
        self._stopped = False
        self.connections: dict[str, Identity] = {}
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._ticker = None
        self._ticker_lock = threading.Lock()
        self._last_heartbeat = 0.0
        self._last_sweep = 0.0
        self._deadlines: dict[str, float] = {}  # code -> when its countdown ends (set on this process)
        self._prework_ends: dict[str, float] = {}  # code -> when its pre-work closes (seen on this process)

    # --- registration ---------------------------------------------------------------------------

    def register(self) -> None:
        on = self.socketio.on_event
        on("connect", self.on_connect)
        on("disconnect", self.on_disconnect)
        self.socketio.on("*")(self.on_unknown)
        self.event(protocol.JOIN, protocol.parse_join)(self.on_join)
        self.event(protocol.VOTE, protocol.parse_vote, roles={snapshots.PARTICIPANT})(self.on_vote)
        self.event(protocol.HOST, protocol.parse_host)(self.on_host)
        self.event(protocol.WATCH, protocol.parse_watch)(self.on_watch)
        facilitator = {snapshots.FACILITATOR}
        self.event(protocol.OPEN, protocol.parse_target, roles=facilitator)(self.on_open)
        self.event(protocol.REVEAL, protocol.parse_target, roles=facilitator)(self.on_reveal)
        self.event(protocol.REVOTE, protocol.parse_target, roles=facilitator)(self.on_revote)
        self.event(protocol.CONSOLIDATE, protocol.parse_consolidate, roles=facilitator)(self.on_consolidate)
        self.event(protocol.CLOSE, protocol.parse_empty, roles=facilitator)(self.on_close)
        self.event(protocol.REASONS, protocol.parse_reasons, roles=facilitator)(self.on_reasons)
        self.event(protocol.TIMER, protocol.parse_timer, roles=facilitator)(self.on_timer)
        self.event(protocol.SPOTLIGHT, protocol.parse_spotlight, roles=facilitator)(self.on_spotlight)
        self.event(protocol.SETTINGS, protocol.parse_settings_update, roles=facilitator)(self.on_settings)
        self.event(protocol.NOTES, protocol.parse_notes, roles=facilitator)(self.on_notes)
        self.event(protocol.ROSTER, protocol.parse_empty, roles=facilitator)(self.on_roster)
        self.event(protocol.PREWORK, protocol.parse_prework, roles=facilitator)(self.on_prework)
        self.event(protocol.ACCEPT_AGREED, protocol.parse_accept_agreed, roles=facilitator)(self.on_accept_agreed)

    def event(self, name: str, parse: Callable, roles: set[str] | None = None):
        """Wrap a handler: one payload, identity check, validation, errors turned into acks."""

        def decorator(handler: Callable[[Identity | None, object], dict | None]):
            @wraps(handler)
            def wrapper(*args):
                try:
                    if len(args) > 1:
                        raise BadRequest(f"{name} takes one payload object, not {len(args)} arguments")
                    identity = self.connections.get(request.sid)
                    if roles is not None:
                        if identity is None:
                            raise Forbidden(f"{name}: join or host a session first")
                        if identity.role not in roles:
                            raise Forbidden(f"{name} is not allowed for a {identity.role}")
                    command = parse(args[0] if args else None)
                    return {"ok": True, **(handler(identity, command) or {})}
                except WorkshopError as error:
                    return error_ack(error)
                except Exception:
                    log.exception("unexpected error in %s", name)
                    return INTERNAL_ACK

            self.socketio.on_event(name, wrapper)
            return wrapper

        return decorator

    # --- connection -------------------------------------------------------------------------------

    def on_connect(self, auth=None):
        self.ensure_ticker()
        return True

    def on_disconnect(self, reason=None):
        identity = self.connections.pop(request.sid, None)
        if identity is not None and identity.participant is not None:
            try:
                self.room.disconnected(request.sid)
            except Exception:  # the database may be gone while shutting down
                log.exception("could not record a disconnection")
            self.mark_dirty(identity.code)

    def on_unknown(self, event, *args):
        return error_ack(BadRequest(f"unknown event {str(event)[:40]!r}"))

    def bind(self, identity: Identity) -> None:
        previous = self.connections.get(request.sid)
        if previous is not None:
            leave_room(room(previous.code, previous.role))
            if previous.participant is not None:
                self.room.disconnected(request.sid)
        self.connections[request.sid] = identity
        join_room(room(identity.code, identity.role))

    # --- participants -------------------------------------------------------------------------------

    def on_join(self, identity, command: protocol.Join):
        if identity is not None and identity.participant is not None and command.participant_token is None:
            # one connection is one phone: it cannot mint participant after participant
            raise Forbidden("this connection has joined already; resume with your participant token")
        address = client_address()
        self.limits.before_join(request.sid, address)
        if command.participant_token is None:
            self.limits.new_participant(address, command.code)
        try:
            joined = self.room.join(command, sid=request.sid)
        except (NotFound, Forbidden):  # a wrong code, or another session's token: counted
            self.limits.failed_join(request.sid, address)
            raise
        self.bind(Identity(snapshots.PARTICIPANT, command.code, joined.participant))
        if joined.resumed:  # a new participant's connection was recorded with them
            self.room.connected(request.sid, joined.participant)
        self.mark_dirty(command.code)
        return {
            "participant_token": joined.token,
            "resumed": joined.resumed,
            "participant": {"name": joined.participant.name, "segment": joined.participant.segment},
            "state": self.room.state(command.code, snapshots.PARTICIPANT),
            "votes": self.room.own_votes(command.code, joined.participant),
        }

    def on_vote(self, identity: Identity, command: protocol.Vote):
        cast = self.room.vote(identity.code, identity.participant, command)
        self.mark_dirty(identity.code)
        return {
            "practice": command.practice,
            "round": cast.number,
            "level": command.level,
            "note": command.note,
        }

    # --- facilitator and presenter ----------------------------------------------------------------

    def on_host(self, identity, command: protocol.Host):
        self.room.check_facilitator(command.code, command.token)
        self.bind(Identity(snapshots.FACILITATOR, command.code))
        self.watch_timer(command.code)
        self.watch_prework(command.code)
        return {
            "state": self.room.state(command.code, snapshots.FACILITATOR),
            "links": {
                "join_url": links.join_url(command.code),
                "presenter_url": links.presenter_url(command.code, self.room.presenter_token(command.code)),
            },
        }

    def on_watch(self, identity, command: protocol.Host):
        self.room.check_presenter(command.code, command.token)
        self.bind(Identity(snapshots.PRESENTER, command.code))
        return {"state": self.room.state(command.code, snapshots.PRESENTER)}

    def changed(self, code: str, change: rules.Change | None = None) -> dict:
        """Broadcast the new state if something changed; the facilitator's ack carries it too."""
        if change is None or change.changed:
            self.broadcast(code)
        return {"changed": change.changed if change else True}

    def on_open(self, identity: Identity, command: protocol.Target):
        return self.changed(identity.code, self.room.open(identity.code, command.practice))

    def on_reveal(self, identity: Identity, command: protocol.Target):
        return self.changed(identity.code, self.room.reveal(identity.code, command.practice))

    def on_revote(self, identity: Identity, command: protocol.Target):
        if command.practice == rules.ALL:
            raise BadRequest("revote takes one practice id, not '*'")
        return self.changed(identity.code, self.room.revote(identity.code, command.practice))

    def on_consolidate(self, identity: Identity, command: protocol.Consolidate):
        change = self.room.consolidate(identity.code, command.practice, command.level, command.note)
        return self.changed(identity.code, change)

    def on_close(self, identity: Identity, command):
        return self.changed(identity.code, self.room.close(identity.code))

    def on_reasons(self, identity: Identity, command: protocol.Reasons):
        return self.room.reasons(identity.code, command.practice, command.round)

    def on_timer(self, identity: Identity, command: protocol.Timer):
        self.room.set_timer(identity.code, command.seconds)
        self.watch_timer(identity.code)
        return self.changed(identity.code)

    def watch_timer(self, code: str) -> None:
        """Remember when the session's countdown ends, so the tick looks at it then (and not before)."""
        timer = self.room.timer(code)
        if timer is None:
            self._deadlines.pop(code, None)
        else:
            self._deadlines[code] = timer.ends_at

    def on_spotlight(self, identity: Identity, command: protocol.Spotlight):
        self.room.set_spotlight(identity.code, command.practice, command.show_reasons, command.show_segments)
        return self.changed(identity.code)

    def on_settings(self, identity: Identity, command: protocol.SettingsUpdate):
        self.room.update_settings(identity.code, command)
        self.mark_dirty(identity.code)  # automatic reveal turned on: everyone may have voted already
        return self.changed(identity.code)

    def on_roster(self, identity: Identity, command):
        return self.room.roster(identity.code)

    def on_notes(self, identity: Identity, notes: str | None):
        self.room.set_notes(identity.code, notes)
        return self.changed(identity.code)

    def on_prework(self, identity: Identity, schedule):
        change = self.room.schedule_prework(identity.code, schedule)
        self.watch_prework(identity.code)
        return self.changed(identity.code, change)

    def watch_prework(self, code: str) -> None:
        """Remember when the session's pre-work closes, so the tick tells the room at that second."""
        prework = self.room.load(code).prework
        if prework is None or prework.closed_at is not None:
            self._prework_ends.pop(code, None)
        else:
            self._prework_ends[code] = prework.ends_at

    def on_accept_agreed(self, identity: Identity, practice_ids: tuple[str, ...]):
        change = self.room.accept_agreed(identity.code, practice_ids)
        accepted = [decision.practice_id for decision in change.decided]
        return {**self.changed(identity.code, change), "accepted": accepted}

    # --- broadcasting -----------------------------------------------------------------------------

    def broadcast(self, code: str) -> None:
        """Send each role its snapshot; one derivation, one encoding per room."""
        for role, state in self.room.states(code).items():
            self.socketio.emit(protocol.STATE, state, to=room(code, role))

    def resync(self) -> None:
        """Send every session connected through this process its current state (after the message
        queue was lost and found again, broadcasts may have been dropped)."""
        for code in {identity.code for identity in list(self.connections.values())}:
            self._each(code, self.broadcast)

    def forget(self, code: str) -> None:
        """A session was deleted: drop its pending tally and disconnect its clients on this process."""
        with self._dirty_lock:
            self._dirty.discard(code)
        for sid, identity in list(self.connections.items()):
            if identity.code == code:
                self.connections.pop(sid, None)
                self.socketio.server.disconnect(sid, namespace="/")

    def mark_dirty(self, code: str) -> None:
        with self._dirty_lock:
            self._dirty.add(code)

    def ensure_ticker(self) -> None:
        """Register this process for presence and start the tally loop, once."""
        with self._ticker_lock:
            if self._ticker is None:
                self.room.start_instance()
                self._last_heartbeat = self.now()
                self._ticker = self.socketio.start_background_task(self._run_ticker) if self.use_ticker else True

    def stop(self) -> None:
        self._stopped = True

    def _run_ticker(self) -> None:
        while not self._stopped:
            self.socketio.sleep(self.tally_interval)
            try:
                self.tick()
            except Exception:
                log.exception("tally loop failed; continuing")

    def tick(self) -> None:
        """Send coalesced tallies, run automatic reveals and timers, beat the presence heart.

        The work follows what happens, not how many sessions are open: a session is looked at when
        a vote or a connection changed it here, when its countdown or its pre-work ends, or every
        SWEEP_INTERVAL while someone is connected to it through this process."""
        now = self.now()
        if now - self._last_heartbeat >= HEARTBEAT_INTERVAL:
            self._last_heartbeat = now
            self.room.heartbeat()
            # presence of other processes' phones may have changed: refresh every watched count
            for code in {identity.code for identity in list(self.connections.values())}:
                self.mark_dirty(code)
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        due = set(dirty)  # someone voted or came or went: everyone present may have voted now
        for code, ends_at in list(self._deadlines.items()):
            if ends_at <= now:
                due.add(code)
                self._deadlines.pop(code, None)
        closing = set()
        for code, ends_at in list(self._prework_ends.items()):
            if ends_at <= now:
                closing.add(code)
                self._prework_ends.pop(code, None)
        if now - self._last_sweep >= SWEEP_INTERVAL:
            self._last_sweep = now
            due |= self._watched_codes()
            closing |= {identity.code for identity in list(self.connections.values())}
        for code in due:
            if self._each(code, self._reveal_if_due):
                dirty.discard(code)
        for code in closing:  # pre-work's deadline passed: tell the room (votes are refused anyway)
            if self._each(code, self._close_prework_if_due):
                dirty.discard(code)
        for code in dirty:
            self._each(code, self._send_tally)

    def _each(self, code: str, work: Callable[[str], bool | None]) -> bool | None:
        """Run one session's share of a tick; a failure (a session just deleted by another
        process, say) must not hold back the tallies and reveals of the others."""
        try:
            return work(code)
        except NotFound:
            self.forget(code)
        except Exception:
            log.exception("tick failed for session %s", code)
        return None

    def _send_tally(self, code: str) -> None:
        tally = self.room.tally(code)
        self.socketio.emit(protocol.TALLY, tally, to=room(code, snapshots.FACILITATOR))
        self.socketio.emit(protocol.TALLY, tally, to=room(code, snapshots.PRESENTER))

    def _watched_codes(self) -> set[str]:
        return {identity.code for identity in list(self.connections.values()) if identity.role == snapshots.FACILITATOR}

    def _close_prework_if_due(self, code: str) -> bool:
        """At pre-work's deadline, tell every phone and the facilitator it is closed (the votes
        are refused from that second on whether or not this runs)."""
        change = self.room.close_prework_if_due(code)
        if change is None:
            return False
        self.changed(code, change)
        return True

    def _reveal_if_due(self, code: str) -> bool:
        """Reveal the current round if its countdown ended or everyone present voted
        (``rules.reveal_due``); returns True if it revealed (the broadcast carries the counts)."""
        change = self.room.reveal_if_due(code)
        if change is None:
            return False
        self.changed(code, change)
        return True
