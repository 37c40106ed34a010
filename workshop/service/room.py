"""The room: running a session, from creating it to closing it, for the Socket.IO and HTTP adapters.

Nothing here knows about Flask or Socket.IO. Each method checks the core's rules, persists the
facts through the store and returns plain results; adapters decide whom to tell.
"""

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..core import assessment as rules
from ..core import invitation, prework, protocol, reasons, snapshots
from ..core.assessment import Assessment, ParticipantInfo
from ..core.errors import Conflict, Forbidden, Internal, NotOpen, NotRevealed, Unauthorized
from ..core.frameworks import Framework, get_framework
from ..core.results import SessionResults, build_results, with_open_votes
from ..store import Created, Deleted, Expired, Participant, StaleState, Store

log = logging.getLogger(__name__)

RESULTS_CACHE_SIZE = 128  # sessions whose derived results stay in memory (the busiest ones)
HOUSEKEEPING_INTERVAL = 3600.0  # seconds between two looks for abandoned empty sessions
DEFAULT_EXPIRE_EMPTY_AFTER = 7  # days (``--expire-empty-after``; 0 keeps them)
SPOTLIGHT_REASONS = 30  # reasons the projector shows at most (taken from every level in turn)


class Recent(OrderedDict):
    """A dictionary that keeps the ``size`` most recently used entries."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get(self, key, default=None):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)

    def drop(self, code: str) -> None:
        """Forget every entry of one session (keys are the code or start with it)."""
        for key in [key for key in self if key == code or (isinstance(key, tuple) and key[0] == code)]:
            del self[key]


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str
    resumed: bool


class Room:
    """Running sessions: one per process."""

    def __init__(
        self, store: Store, frameworks: Mapping[str, Framework], expire_empty_after: float = DEFAULT_EXPIRE_EMPTY_AFTER
    ):
        self.store = store
        self.sessions = store.sessions
        self.presence = store.presence
        self.frameworks = dict(frameworks)
        self.now = store.database.now
        self.expire_empty_after = expire_empty_after
        self._next_housekeeping = 0.0
        self._results: Recent = Recent(RESULTS_CACHE_SIZE)  # code -> (version, results)
        # (code, practice, round) -> (reasons shown, how many were given): a revealed round's
        # reasons never change, and tallies re-send the spotlight up to ten times a second
        self._spotlit: Recent = Recent(RESULTS_CACHE_SIZE)

    # --- reading ----------------------------------------------------------------------------------

    def framework(self, framework_id: str) -> Framework:
        return get_framework(self.frameworks, framework_id)

    def load(self, code: str) -> Assessment:
        return self.sessions.load(code)

    def results(self, code: str, assessment: Assessment | None = None) -> SessionResults:
        """Derived results, recomputed only when the session's version changes: votes land only
        in open rounds, whose analysis nobody sees (see ``live_results`` for their counts)."""
        assessment = assessment or self.sessions.load(code)
        cached = self._results.get(code)
        if cached and cached[0] == assessment.version:
            return cached[1]
        results = build_results(assessment, self.sessions.level_counts(code))
        self._results.put(code, (assessment.version, results))
        return results

    def live_results(self, code: str, assessment: Assessment | None = None) -> SessionResults:
        """The results with the current number of votes in each open round (for the facilitator,
        the projector and the summaries; phones never see those counts)."""
        return with_open_votes(self.results(code, assessment), self.sessions.open_vote_counts(code))

    def live(self, code: str, role: str | None = None, loaded: tuple | None = None) -> snapshots.Live:
        """The facts beside the results. A phone's snapshot shows neither head counts nor the
        spotlight, so for ``role`` participant they are not read (every join builds one).
        ``loaded`` is the session and its extras when the caller has just read them."""
        assessment, extras = loaded or self.sessions.load_with_extras(code)
        now = self.now()
        timer = extras.timer
        ends_at = timer.ends_at if rules.timer_applies(assessment, timer) and timer.ends_at > now else None
        if role == snapshots.PARTICIPANT:
            return snapshots.Live(
                timer_ends_at=ends_at,
                timer_remaining=round(ends_at - now, 1) if ends_at else None,
                prework=self.prework_view(code, assessment, now),
            )
        return snapshots.Live(
            joined=self.sessions.participant_count(code),
            present=self.presence.present_count(code),
            timer_ends_at=ends_at,
            timer_remaining=round(ends_at - now, 1) if ends_at else None,
            spotlight=self._spotlight(assessment, extras.spotlight),
            previous_code=extras.previous_code,
            prework=self.prework_view(code, assessment, now),
        )

    def prework_view(self, code: str, assessment: Assessment | None = None, now: float | None = None):
        """The session's pre-work now (``prework.PreworkView``), or None without pre-work."""
        assessment = assessment or self.sessions.load(code)
        if assessment.prework is None:
            return None
        return prework.view(assessment, self.sessions.answers_by_person(code), self.now() if now is None else now)

    def _spotlight(self, assessment: Assessment, stored: snapshots.Spotlight | None) -> snapshots.Spotlight | None:
        """The stored spotlight with the reasons it shows, read now (they are facts of the votes)."""
        if stored is None or not stored.show_reasons or not assessment.framework.has_practice(stored.practice):
            return stored
        try:
            number = reasons.readable_round(assessment, stored.practice)
        except (NotOpen, NotRevealed):
            return stored
        key = (assessment.code, stored.practice, number)
        shown = self._spotlit.get(key)
        if shown is None:
            given = self._reasons(assessment.code, stored.practice, number)
            options = assessment.framework.options(stored.practice)
            shown = (reasons.selection(given, SPOTLIGHT_REASONS, options), len(given))
            self._spotlit.put(key, shown)
        return snapshots.Spotlight(stored.practice, True, number, shown[0], reasons_total=shown[1])

    def state(self, code: str, role: str) -> dict:
        loaded = self.sessions.load_with_extras(code)  # one read of the session's row for both
        assessment = loaded[0]
        results = (
            self.results(code, assessment) if role == snapshots.PARTICIPANT else self.live_results(code, assessment)
        )
        return snapshots.STATE_BUILDERS[role](results, self.live(code, role, loaded))

    def states(self, code: str) -> dict[str, dict]:
        """The three snapshots at once, sharing one derivation."""
        loaded = self.sessions.load_with_extras(code)
        results = self.live_results(code, loaded[0])
        live = self.live(code, loaded=loaded)
        return {role: build(results, live) for role, build in snapshots.STATE_BUILDERS.items()}

    def tally(self, code: str) -> dict:
        loaded = self.sessions.load_with_extras(code)
        return snapshots.tally(loaded[0].version, self.sessions.open_vote_counts(code), self.live(code, loaded=loaded))

    def own_votes(self, code: str, participant: Participant) -> dict:
        """A participant's latest vote per practice: what their phone restores after a reload."""
        votes = {}
        for vote in self.sessions.votes_of(code, participant):
            votes[vote.practice_id] = {"round": vote.round, "level": vote.level, "note": vote.note}
        return votes

    def roster(self, code: str) -> dict:
        """Who joined: the names people chose to give, in name order, never linked to any vote."""
        people = self.presence.roster(code)
        named = [{"name": name, "present": present} for name, present in people if name]
        return {
            "joined": len(people),
            "present": sum(1 for _, present in people if present),
            "named": named,
            "anonymous": len(people) - len(named),
        }

    def _reasons(self, code: str, practice_id: str, number: int) -> tuple[reasons.Reason, ...]:
        return reasons.ordered(
            (reasons.Reason(number, level, note) for level, note in self.sessions.reasons(code, practice_id, number)),
            self.sessions.load(code).framework.options(practice_id),
        )

    def reasons(self, code: str, practice_id: str, round_number: int | None) -> dict:
        """The reasons given on a revealed round, anonymised and ordered (``core.reasons``)."""
        number = reasons.readable_round(self.sessions.load(code), practice_id, round_number)
        given = self._reasons(code, practice_id, number)
        return {
            "practice": practice_id,
            "round": number,
            "reasons": [{"level": reason.level, "note": reason.note} for reason in given],
        }

    # --- facilitator ----------------------------------------------------------------------------

    def create(self, command: protocol.NewSession) -> Created:
        """A new session (``rules.framework_for_new_session`` says which framework it uses).

        Naming an organisation that does not exist yet creates it (``Created.organization_key`` is
        its key, given once); naming an existing one needs its key.
        """
        previous = self.sessions.load(command.previous) if command.previous else None
        framework = rules.framework_for_new_session(
            command.framework, command.organization, command.organization_key, previous, self.framework
        )
        return self.sessions.create(
            framework,
            command.title,
            command.organization,
            command.team,
            command.settings,
            command.previous,
            organization_key=command.organization_key,
        )

    def act(self, code: str, rule: Callable[[Assessment], rules.Change]) -> rules.Change:
        """Apply a facilitator rule; retried if another process changed the session meanwhile."""
        for _ in range(5):
            change = rule(self.sessions.load(code))
            if not change.changed:
                return change
            try:
                self.sessions.apply(code, change)
            except StaleState:
                continue
            self._drop_stale_timer(code, change.assessment)
            return change
        raise Internal("the session kept changing; try again")

    def open(self, code: str, target: str) -> rules.Change:
        return self.act(code, lambda a: rules.open_practice(a, target, now=self.now()))

    def reveal(self, code: str, target: str) -> rules.Change:
        return self.act(code, lambda a: rules.reveal(a, target, now=self.now()))

    def revote(self, code: str, practice_id: str) -> rules.Change:
        return self.act(code, lambda a: rules.revote(a, practice_id))

    def consolidate(self, code: str, practice_id: str, level: str | None, note: str | None) -> rules.Change:
        def rule(current: Assessment) -> rules.Change:
            computed = None
            if current.framework.has_practice(practice_id) and current.latest_round(practice_id):
                computed = self.results(code).practice(practice_id).computed_level
            return rules.consolidate(current, practice_id, computed, level, note)

        return self.act(code, rule)

    def close(self, code: str) -> rules.Change:
        return self.act(code, rules.close)

    def schedule_prework(self, code: str, schedule: prework.Schedule) -> rules.Change:
        """Start pre-work, move its deadline or close it now (``prework.schedule_prework``)."""
        return self.act(code, lambda a: prework.schedule_prework(a, schedule, self.now()))

    def close_prework_if_due(self, code: str) -> rules.Change | None:
        """Record that pre-work's deadline has passed, once; None when there was nothing to record."""
        if self.sessions.load(code).prework is None:
            return None
        change = self.act(code, lambda a: prework.close_prework_if_due(a, self.now()))
        return change if change.changed else None

    def _with_prework(self, code: str) -> Assessment:
        assessment = self.sessions.load(code)
        if assessment.prework is None:
            raise Conflict("this session has no pre-work: start it with a deadline first")
        return assessment

    def invitation(self, code: str, join_url: str) -> invitation.Invitation:
        """The invitation to pre-work, ready to paste into an e-mail or a chat."""
        assessment = self._with_prework(code)
        return invitation.invitation(
            title=assessment.title,
            organization=assessment.organization,
            framework_name=assessment.framework.name,
            practices=len(assessment.framework.practices),
            prework=assessment.prework,
            join_url=join_url,
        )

    def calendar(self, code: str, join_url: str) -> str:
        """The pre-work deadline and the workshop as an iCalendar file."""
        assessment = self._with_prework(code)
        return invitation.calendar(
            code=code,
            title=assessment.title,
            prework=assessment.prework,
            join_url=join_url,
            host=urlsplit(join_url).hostname or "cx-workshop",
            sequence=assessment.version,
            now=self.now(),
        )

    def accept_agreed(self, code: str, practice_ids: tuple[str, ...]) -> rules.Change:
        """Record the confirmed agreed practices at their computed levels, together."""

        def rule(current: Assessment) -> rules.Change:
            results = build_results(current, self.sessions.level_counts(code))
            candidates = {view.practice.id: view.computed_level for view in prework.agreed_to_accept(results)}
            return prework.accept_agreed(current, candidates, practice_ids)

        return self.act(code, rule)

    def set_timer(self, code: str, seconds: int | None) -> None:
        """Start a countdown on the round the room is voting on (``None`` stops it)."""
        assessment = self.sessions.load(code)
        rules.ensure_running(assessment)
        timer = rules.start_timer(assessment, seconds, self.now()) if seconds else None
        self.sessions.update_fields(code, timer=timer.as_dict() if timer else None)

    def timer(self, code: str) -> rules.Timer | None:
        """The countdown, if one is running on a round that is still open and current."""
        timer = self.sessions.extras(code).timer
        return timer if rules.timer_applies(self.sessions.load(code), timer) else None

    def _drop_stale_timer(self, code: str, assessment: Assessment) -> None:
        """A reveal, a re-vote, another practice or closing ends the countdown of the old round."""
        timer = self.sessions.extras(code).timer
        if timer is not None and not rules.timer_applies(assessment, timer):
            self.sessions.update_fields(code, timer=None)

    def reveal_if_due(self, code: str) -> rules.Change | None:
        """Reveal the round the room is voting on if ``rules.reveal_due`` says so (a countdown that
        ended, or everyone present voted with automatic reveal on)."""
        assessment = self.sessions.load(code)
        current = assessment.current_practice
        if current is None or assessment.practice_status(current) != rules.OPEN:
            return None
        present = voted = 0
        if assessment.settings.auto_reveal:
            present, voted = self.presence.present_voters(code, current, assessment.latest_round(current).number)
        if not rules.reveal_due(assessment, self.sessions.extras(code).timer, self.now(), present, voted):
            return None
        return self.reveal(code, current)  # also ends the countdown

    def set_spotlight(
        self, code: str, practice_id: str | None, show_reasons: bool, show_segments: bool = False
    ) -> None:
        assessment = self.sessions.load(code)
        rules.ensure_running(assessment)
        stored = None
        if practice_id is not None:
            assessment.framework.practice(practice_id)  # raises NotFound
            if show_reasons or show_segments:
                reasons.readable_round(assessment, practice_id)  # refuses a round not yet revealed
            stored = {"practice": practice_id, "show_reasons": show_reasons, "show_segments": show_segments}
        self.sessions.update_fields(code, spotlight=stored)

    def set_notes(self, code: str, notes: str | None) -> Assessment:
        """The facilitator's notes, kept with the session and printed in its summary."""
        rules.ensure_running(self.sessions.load(code))
        return self.sessions.update_fields(code, notes=notes)

    def update_settings(self, code: str, update: protocol.SettingsUpdate) -> Assessment:
        assessment = self.sessions.load(code)
        rules.ensure_running(assessment)
        return self.sessions.update_fields(code, settings=assessment.settings.updated(update.changes).as_dict())

    def check_facilitator(self, code: str, token: str | None) -> Assessment:
        if not token:
            raise Unauthorized("this needs the session's facilitator token")
        self.sessions.check_token(code, token, "facilitator")
        return self.sessions.load(code)

    def check_presenter(self, code: str, token: str) -> Assessment:
        self.sessions.check_token(code, token, "presenter")
        return self.sessions.load(code)

    def presenter_token(self, code: str) -> str:
        return self.sessions.presenter_token(code)

    # --- participants -----------------------------------------------------------------------------

    def join(self, command: protocol.Join, sid: str | None = None) -> Joined:
        """A new or resumed participant. With ``sid``, a new participant's connection is recorded
        in the same write (a resumed one is recorded by ``connected`` once its connection is bound)."""
        assessment = self.sessions.load(command.code)
        requested = ParticipantInfo(command.name, command.segment)
        if command.participant_token:
            participant = self.sessions.find_participant(command.code, command.participant_token)
            updated = rules.resumed_participant(
                assessment, ParticipantInfo(participant.name, participant.segment), requested
            )
            if updated is not None:
                participant = self.sessions.update_participant(participant, updated.name, updated.segment)
            return Joined(participant, command.participant_token, resumed=True)
        info = rules.new_participant(assessment, requested)
        record = (lambda conn, participant: self.presence.record(conn, sid, participant)) if sid else None
        participant, token = self.sessions.add_participant(
            command.code, info.name, info.segment, limit=assessment.settings.max_participants, then=record
        )
        return Joined(participant, token, resumed=False)

    def vote(self, code: str, participant: Participant | None, command: protocol.Vote) -> rules.Round:
        if participant is None:
            raise Forbidden("join the session before voting")
        return self.sessions.cast_vote(code, participant, command.practice, command.level, command.note, command.round)

    # --- presence ---------------------------------------------------------------------------------

    def start_instance(self) -> None:
        self.presence.register_instance()
        self.housekeeping()

    def heartbeat(self) -> None:
        """Beat this process's presence heart (every few seconds) and, now and then, keep house."""
        self.presence.heartbeat()
        self.housekeeping()

    def housekeeping(self) -> Expired | None:
        """At most once per ``HOUSEKEEPING_INTERVAL``: delete sessions nobody joined that are older
        than ``expire_empty_after`` days, and organisations left with no session (0 disables it)."""
        if not self.expire_empty_after or self.now() < self._next_housekeeping:
            return None
        self._next_housekeeping = self.now() + HOUSEKEEPING_INTERVAL
        expired = self.store.archive.expire_empty(self.expire_empty_after)
        for code in expired.sessions:
            self._results.drop(code)
            self._spotlit.drop(code)
        if expired.sessions or expired.organizations:
            log.info(
                "housekeeping: deleted %d empty sessions and %d organisations without sessions, older than %s days",
                len(expired.sessions), len(expired.organizations), self.expire_empty_after,
            )  # fmt: skip
        return expired

    def connected(self, sid: str, participant: Participant) -> None:
        self.presence.connect(sid, participant)

    def disconnected(self, sid: str) -> None:
        self.presence.disconnect(sid)

    # --- removing -----------------------------------------------------------------------------------

    def delete(self, code: str, *, dry_run: bool = False) -> Deleted:
        """Remove a session and every fact about it, for good (or, with ``dry_run``, count them)."""
        deleted = self.store.archive.delete(code, dry_run=dry_run)
        if not dry_run:
            self._results.drop(code)
            self._spotlit.drop(code)
        return deleted

    def forget(self, code: str) -> None:
        """Drop what this process derived about a session (the store changed under it)."""
        self._results.drop(code)
        self._spotlit.drop(code)
        self.sessions.forget(code)
