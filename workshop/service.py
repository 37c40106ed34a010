"""Use cases: the store and the pure core put together, for the Socket.IO, HTTP and CLI adapters.

Nothing here knows about Flask or Socket.IO. Each method validates against the rules, persists the
facts and returns plain results; adapters decide whom to tell.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .core import assessment as rules
from .core import benchmark as benchmarking
from .core import progress, protocol, scale, snapshots
from .core.assessment import Assessment
from .core.errors import BadRequest, Forbidden, Internal, NotFound, NotOpen, NotRevealed, Unauthorized
from .core.frameworks import Framework, get_framework
from .core.organizations import Organization
from .core.report import Report, build_report
from .core.results import SessionResults, build_results, with_open_votes
from .store import Created, Deleted, Participant, StaleState, Store, now_iso


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str
    resumed: bool


# the figures of a practice's latest revealed round repeated at the top of its summary row
SUMMARY_FIGURES = (
    "counts", "voters", "abstaining", "label", "consensus", "median_low", "median_high", "between_levels",
    "dispersion", "agreement", "polarisation", "rwg", "iqr", "adjacent_share", "mode_share",
)


def _level_order(value: str) -> int:
    """Missing first, "don't know" last."""
    return scale.rank_of(value) if value != scale.UNKNOWN else len(scale.LEVELS) + 1


RESULTS_CACHE_SIZE = 128  # sessions whose derived results stay in memory (the busiest ones)


class Workshops:
    """The application service; one per process."""

    def __init__(
        self,
        store: Store,
        frameworks: Mapping[str, Framework],
        offload: Callable[[Callable], object] | None = None,
    ):
        self.store = store
        self.frameworks = dict(frameworks)
        self._results: OrderedDict[str, tuple[int, SessionResults]] = OrderedDict()
        # runs CPU-heavy pure work (a PDF) off the event loop; serve.py provides it for gevent and
        # eventlet (a native thread), plain calls are right for threading mode and the CLI
        self.offload = offload or (lambda work: work())
        # a closed session never changes: its benchmark point is computed once per threshold
        self._benchmark_points: dict[tuple[str, int, str], benchmarking.BenchmarkPoint] = {}

    # --- reading ----------------------------------------------------------------------------------

    def framework(self, framework_id: str) -> Framework:
        return get_framework(self.frameworks, framework_id)

    def load(self, code: str) -> Assessment:
        return self.store.load(code)

    def results(self, code: str) -> SessionResults:
        """Derived results, recomputed only when the session's version changes: votes land only
        in open rounds, whose analysis nobody sees (see ``live_results`` for their counts)."""
        assessment = self.store.load(code)
        key = assessment.version
        cached = self._results.get(code)
        if cached and cached[0] == key:
            self._results.move_to_end(code)
            return cached[1]
        results = build_results(assessment, self.store.level_counts(code))
        self._results[code] = (key, results)
        self._results.move_to_end(code)
        while len(self._results) > RESULTS_CACHE_SIZE:
            self._results.popitem(last=False)
        return results

    def live_results(self, code: str) -> SessionResults:
        """The results with the current number of votes in each open round (for the facilitator,
        the projector and the summaries; phones never see those counts)."""
        return with_open_votes(self.results(code), self.store.open_vote_counts(code))

    def live(self, code: str) -> snapshots.Live:
        extras = self.store.extras(code)
        now = time.time()
        timer = extras["timer"]
        applies = rules.timer_applies(self.store.load(code), timer) and timer.ends_at > now
        ends_at = timer.ends_at if applies else None
        return snapshots.Live(
            joined=self.store.participant_count(code),
            present=self.store.present_count(code),
            timer_ends_at=ends_at,
            timer_remaining=round(ends_at - now, 1) if ends_at else None,
            spotlight=extras["spotlight"],
            previous_code=extras["previous_code"],
        )

    def state(self, code: str, role: str) -> dict:
        builder = {
            snapshots.PARTICIPANT: snapshots.participant_state,
            snapshots.FACILITATOR: snapshots.facilitator_state,
            snapshots.PRESENTER: snapshots.presenter_state,
        }[role]
        results = self.results(code) if role == snapshots.PARTICIPANT else self.live_results(code)
        return builder(results, self.live(code))

    def states(self, code: str) -> dict[str, dict]:
        """The three snapshots at once, sharing one derivation."""
        results = self.live_results(code)
        live = self.live(code)
        return {
            snapshots.PARTICIPANT: snapshots.participant_state(results, live),
            snapshots.FACILITATOR: snapshots.facilitator_state(results, live),
            snapshots.PRESENTER: snapshots.presenter_state(results, live),
        }

    def tally(self, code: str) -> dict:
        assessment = self.store.load(code)
        return snapshots.tally(assessment.version, self.store.open_vote_counts(code), self.live(code))

    def own_votes(self, code: str, participant: Participant) -> dict:
        """A participant's latest vote per practice: what their phone restores after a reload."""
        votes = {}
        for vote in self.store.votes_of(code, participant):
            votes[vote.practice_id] = {"round": vote.round, "level": vote.level, "note": vote.note}
        return votes

    def roster(self, code: str) -> dict:
        """Who joined: the names people chose to give, in name order, never linked to any vote."""
        people = self.store.roster(code)
        named = [{"name": name, "present": present} for name, present in people if name]
        return {
            "joined": len(people),
            "present": sum(1 for _, present in people if present),
            "named": named,
            "anonymous": len(people) - len(named),
        }

    def reasons(self, code: str, practice_id: str, round_number: int | None) -> dict:
        """The reasons given on a revealed round, anonymised: no names, and sorted by level and text
        rather than in the order people answered, which someone watching the room could match."""
        assessment = self.store.load(code)
        assessment.framework.practice(practice_id)
        latest = assessment.latest_round(practice_id)
        if latest is None:
            raise NotOpen(f"{practice_id!r} has not been opened yet")
        number = round_number or (latest.number if latest.revealed else latest.number - 1)
        if number > latest.number:
            raise NotFound(f"{practice_id!r} has no round {number}")
        if number < 1 or (number == latest.number and not latest.revealed):
            raise NotRevealed("reasons are shown only after the round is revealed")
        reasons = sorted(
            self.store.reasons(code, practice_id, number),
            key=lambda reason: (_level_order(reason["level"]), reason["note"].casefold()),
        )
        return {"practice": practice_id, "round": number, "reasons": reasons}

    # --- facilitator ----------------------------------------------------------------------------

    def create(self, command: protocol.NewSession) -> Created:
        """A new session; a follow-up (``previous``) reuses the earlier session's copy of its framework.

        Naming an organisation that does not exist yet creates it (``Created.organization_key`` is
        its key, given once); naming an existing one needs its key.
        """
        if command.organization_key and not command.organization:
            raise BadRequest("organization_key was given without an organization")
        if command.previous:
            previous = self.store.load(command.previous)
            if previous.framework.id != command.framework:
                raise BadRequest("a follow-up assessment must use the same framework as the previous one")
            framework = previous.framework
        else:
            framework = self.framework(command.framework)
        return self.store.create_assessment(
            framework, command.title, command.organization, command.team, command.settings, command.previous,
            organization_key=command.organization_key,
        )

    def act(self, code: str, rule: Callable[[Assessment], rules.Change]) -> rules.Change:
        """Apply a facilitator rule; retried if another process changed the session meanwhile."""
        for _ in range(5):
            change = rule(self.store.load(code))
            if not change.changed:
                return change
            try:
                self.store.apply(code, change)
            except StaleState:
                continue
            self._drop_stale_timer(code, change.assessment)
            return change
        raise Internal("the session kept changing; try again")

    def open(self, code: str, target: str) -> rules.Change:
        return self.act(code, lambda a: rules.open_practice(a, target))

    def reveal(self, code: str, target: str) -> rules.Change:
        return self.act(code, lambda a: rules.reveal(a, target))

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

    def set_timer(self, code: str, seconds: int | None) -> None:
        """Start a countdown on the round the room is voting on (``None`` stops it)."""
        assessment = self.store.load(code)
        rules.ensure_running(assessment)
        timer = rules.start_timer(assessment, seconds, time.time()) if seconds else None
        self.store.update_fields(code, timer=timer.as_dict() if timer else None)

    def timer(self, code: str) -> rules.Timer | None:
        """The countdown, if one is running on a round that is still open and current."""
        timer = self.store.extras(code)["timer"]
        return timer if rules.timer_applies(self.store.load(code), timer) else None

    def _drop_stale_timer(self, code: str, assessment: Assessment) -> None:
        """A reveal, a re-vote, another practice or closing ends the countdown of the old round."""
        timer = self.store.extras(code)["timer"]
        if timer is not None and not rules.timer_applies(assessment, timer):
            self.store.update_fields(code, timer=None)

    def set_spotlight(self, code: str, practice_id: str | None, show_reasons: bool) -> None:
        assessment = self.store.load(code)
        rules.ensure_running(assessment)
        spotlight = None
        if practice_id is not None:
            assessment.framework.practice(practice_id)
            spotlight = {"practice": practice_id, "show_reasons": show_reasons}
            if show_reasons:
                spotlight.update(self.reasons(code, practice_id, None))
        self.store.update_fields(code, spotlight=spotlight)

    def set_notes(self, code: str, notes: str | None) -> Assessment:
        """The facilitator's notes, kept with the session and printed in its summary."""
        rules.ensure_running(self.store.load(code))
        return self.store.update_fields(code, notes=notes)

    def update_settings(self, code: str, data) -> Assessment:
        assessment = self.store.load(code)
        rules.ensure_running(assessment)
        settings = protocol.parse_settings(data, assessment.settings, allow_segments=False)
        return self.store.update_fields(code, settings=settings.as_dict())

    def check_facilitator(self, code: str, token: str | None) -> Assessment:
        if not token:
            raise Unauthorized("this needs the session's facilitator token")
        self.store.check_token(code, token, "facilitator")
        return self.store.load(code)

    # --- participants -----------------------------------------------------------------------------

    def join(self, command: protocol.Join) -> Joined:
        assessment = self.store.load(command.code)
        segment = rules.ensure_segment(assessment, command.segment)
        if command.participant_token:
            participant = self.store.find_participant(command.code, command.participant_token)
            rules.ensure_can_join(assessment, resuming=True)
            if (command.name, segment) != (None, None) and not assessment.closed:
                participant = self.store.update_participant(
                    participant,
                    command.name if command.name is not None else participant.name,
                    segment if segment is not None else participant.segment,
                )
            return Joined(participant, command.participant_token, resumed=True)
        rules.ensure_can_join(assessment, resuming=False)
        participant, token = self.store.add_participant(command.code, command.name, segment)
        return Joined(participant, token, resumed=False)

    def vote(self, code: str, participant: Participant | None, command: protocol.Vote) -> rules.Round:
        if participant is None:
            raise Forbidden("join the session before voting")
        return self.store.cast_vote(
            code, participant, command.practice, command.level, command.note, command.round
        )

    # --- the HTTP summary -------------------------------------------------------------------------

    def summary(self, code: str) -> dict:
        """The facilitator's summary over HTTP: status, counts per practice and round, analysis."""
        results = self.live_results(code)
        state = snapshots.facilitator_state(results, self.live(code))
        practices = []
        for view, detail in zip(results.practices, state["practices"]):
            rounds = []
            for round_detail in detail["rounds"]:
                result = round_detail["result"]
                row = {"number": round_detail["number"], "revealed": round_detail["revealed"], "votes": round_detail["votes"]}
                if result is not None:
                    row.update(result)
                    row["segments"] = round_detail["segments"]
                    row["hidden_segments"] = round_detail["hidden_segments"]
                rounds.append(row)
            # the latest revealed round's figures at the top level (a re-vote in progress shows
            # only its number of votes in ``rounds``)
            figures = view.result.as_dict() if view.result else {}
            practices.append(
                {
                    "id": view.practice.id,
                    "stage": view.stage.id,
                    "text": view.practice.text,
                    "status": view.status,
                    "rounds": rounds,
                    "consolidated_level": view.consolidated_level,
                    "computed_level": view.computed_level,
                    "decision": detail["decision"],
                    "shift": detail["shift"],
                    "gap": detail["gap"],
                    **{key: figures.get(key) for key in SUMMARY_FIGURES},
                }
            )
        return {
            "code": code,
            "title": state["title"],
            "organization": state["organization"],
            "framework": state["framework"],
            "status": state["status"],
            "participants": state["participants"]["joined"],
            "present": state["participants"]["present"],
            "settings": state["settings"],
            "practices": practices,
            "queue": state["queue"],
            "alpha": state["alpha"],
            "placement": state["placement"],
            "progress": state["progress"],
        }

    # --- the summary, its exports and the benchmark ---------------------------------------------

    def report(self, code: str, *, generated_at: str | None = None, with_benchmark: bool = True) -> Report:
        """The session summary every export renders, from the stored facts."""
        results = self.live_results(code)
        return build_report(
            results,
            participants=self.store.participant_count(code),
            reasons=self.store.all_reasons(code),
            generated_at=generated_at or now_iso(),
            benchmark=self.benchmark(code) if with_benchmark else None,
        )

    def export(self, code: str, fmt: str, *, generated_at: str | None = None):
        """The summary in one format, as an ``export.Export`` (bytes, media type, file name)."""
        from . import export  # the renderers (and Jinja) only when an export is asked for

        export.prepare(fmt)  # refuse an unknown format, or a PDF without WeasyPrint, before any work
        report = self.report(code, generated_at=generated_at)  # reads the store: on the event loop
        return self.offload(lambda: export.export(report, fmt))

    def benchmark(self, code: str) -> benchmarking.Benchmark:
        """Where this session falls among the other closed sessions on its framework."""
        results = self.results(code)
        assessment = results.assessment
        threshold = assessment.settings.placement_threshold
        subject = benchmarking.benchmark_point(assessment.framework, progress.practice_levels(results), threshold)
        peers = [
            self._peer_point(row["code"], threshold)
            for row in self.store.sessions(status=rules.CLOSED, framework_id=assessment.framework.id)
            if row["code"] != code
        ]
        return benchmarking.benchmark(assessment.framework, subject, peers, threshold)

    def _peer_point(self, code: str, threshold: str) -> benchmarking.BenchmarkPoint:
        """A closed session's benchmark point, computed once; the analysis runs off the event loop
        (and outside the results cache, which serves the sessions being run)."""
        assessment = self.store.load(code)
        key = (code, assessment.version, threshold)
        point = self._benchmark_points.get(key)
        if point is None:
            counts = self.store.level_counts(code)  # reads the store: on the event loop
            point = self.offload(lambda: benchmarking.benchmark_point(
                assessment.framework, progress.practice_levels(build_results(assessment, counts)), threshold
            ))
            self._benchmark_points[key] = point
        return point

    def check_reader(self, code: str, token: str | None) -> Assessment:
        """The facilitator token, or the key of the session's organisation, may read its summary."""
        if not token:
            raise Unauthorized("this needs the session's facilitator token (or its organisation's key)")
        try:
            self.store.check_token(code, token, "facilitator")
        except Forbidden:
            organization = self.store.organization_of(code)
            if organization is None:
                raise
            try:
                self.store.check_organization_key(organization.name, token)
            except Forbidden:
                raise Forbidden(f"this token opens neither session {code} nor its organisation") from None
        return self.store.load(code)

    # --- organisations and progress ---------------------------------------------------------------

    def snapshot(self, code: str) -> progress.Snapshot:
        return progress.snapshot(self.results(code), self.store.participant_count(code))

    def organization(self, name: str, key: str | None) -> Organization:
        return self.store.check_organization_key(name, key)

    def organization_view(
        self,
        name: str,
        key: str | None,
        *,
        compare_from: str | None = None,
        compare_to: str | None = None,
        today: date | None = None,
    ) -> dict:
        """Everything the organisation page shows: its sessions, trends, comparisons, due date."""
        organization = self.organization(name, key)
        codes = self.store.organization_codes(organization.id)
        snapshots_ = [self.snapshot(code) for code in codes]
        trends = progress.trends(snapshots_)
        comparisons = []
        for trend in trends:
            pair = progress.default_pair(trend.sessions)
            if pair:
                comparisons.append(progress.compare(*pair).as_dict())
        requested = None
        if compare_from or compare_to:
            if not (compare_from and compare_to):
                raise BadRequest("give both from and to to compare two assessments")
            by_code = {item.code: item for item in snapshots_}
            chosen = []
            for raw in (compare_from, compare_to):
                code = protocol.normalise_code(raw)
                if code not in by_code:
                    raise NotFound(f"session {code} is not an assessment of {organization.name}")
                chosen.append(by_code[code])
            requested = progress.compare(*chosen).as_dict()
        latest = snapshots_[-1] if snapshots_ else None
        due = progress.next_due(
            latest.created_at if latest else None,
            organization.review_months,
            today or datetime.now(UTC).date(),
        )
        return {
            "organization": {
                "name": organization.name,
                "created_at": organization.created_at,
                "review_months": organization.review_months,
            },
            "sessions": [item.brief() for item in reversed(snapshots_)],
            "trends": [trend.as_dict() for trend in trends],
            "comparisons": comparisons,
            "comparison": requested,
            "due": due.as_dict() if due else None,
            "next": {"from": latest.code, "url": f"/new?from={latest.code}"} if latest else None,
        }

    def set_review_months(self, name: str, key: str | None, months: int) -> Organization:
        organization = self.organization(name, key)
        self.store.set_review_months(organization.id, months)
        return self.store.organization(organization.name)

    # --- removing data ------------------------------------------------------------------------------

    def delete(self, code: str, *, dry_run: bool = False) -> Deleted:
        """Remove a session and every fact about it, for good (or, with ``dry_run``, count them)."""
        deleted = self.store.delete_assessment(code, dry_run=dry_run)
        if not dry_run:
            self._results.pop(code, None)
        return deleted

