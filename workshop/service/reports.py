"""What outlives the workshop: the summary over HTTP, its exports, and the benchmark."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..core import assessment as rules
from ..core import benchmark as benchmarking
from ..core import snapshots
from ..core.assessment import Assessment
from ..core.errors import Busy, Forbidden, Unauthorized
from ..core.report import Report, build_report
from ..core.results import build_results
from ..store import Store
from .room import Room

Offload = Callable[[Callable], object]


@dataclass(frozen=True)
class RenderLimits:
    """How many heavy renders (PDFs) run at once and how many wait; the rest are told to retry."""

    at_once: int = 1
    waiting: int = 4
    wait_seconds: float = 120.0
    in_child: bool = False  # render in a child process (the server sets it; tests and the CLI need not)


class RenderQueue:
    """A turnstile for heavy renders: ``at_once`` run, ``waiting`` queue, the next one is refused
    with ``busy`` at once instead of piling up memory and CPU behind the room's votes."""

    def __init__(self, limits: RenderLimits):
        self.limits = limits
        self._running = threading.BoundedSemaphore(limits.at_once)
        self._count_lock = threading.Lock()
        self._admitted = 0  # running + waiting

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._count_lock:
            if self._admitted >= self.limits.at_once + self.limits.waiting:
                raise Busy(
                    f"{self._admitted} summaries are being prepared; try again in a minute "
                    "(the other formats are ready at once)"
                )
            self._admitted += 1
        try:
            if not self._running.acquire(timeout=self.limits.wait_seconds):
                raise Busy("the summaries ahead of this one took too long; try again in a minute")
            try:
                yield
            finally:
                self._running.release()
        finally:
            with self._count_lock:
                self._admitted -= 1


class Reports:
    def __init__(
        self, store: Store, room: Room, offload: Offload | None = None, renders: RenderLimits = RenderLimits()
    ):
        self.store = store
        self.room = room
        # runs CPU-heavy pure work (a PDF) off the event loop; serve.py provides it for gevent and
        # eventlet (a native thread), plain calls are right for threading mode and the CLI
        self.offload = offload or (lambda work: work())
        self.renders = RenderQueue(renders)
        # a closed session never changes: its benchmark point is computed once per threshold
        self._benchmark_points: dict[tuple[str, int, str], benchmarking.BenchmarkPoint] = {}

    def summary(self, code: str) -> dict:
        """The facilitator's summary over HTTP: the facilitator's live state with the texts."""
        return snapshots.facilitator_state(self.room.live_results(code), self.room.live(code), with_text=True)

    def report(self, code: str, *, generated_at: str | None = None, with_benchmark: bool = True) -> Report:
        """The session summary every export renders, from the stored facts."""
        return build_report(
            self.room.live_results(code),
            participants=self.store.sessions.participant_count(code),
            reasons=self.store.sessions.all_reasons(code),
            generated_at=generated_at or self.store.database.now_iso(),
            benchmark=self.benchmark(code) if with_benchmark else None,
            prework_view=self.room.prework_view(code),
            answers=self.store.sessions.answers_by_person(code),
        )

    def export(self, code: str, fmt: str, *, generated_at: str | None = None):
        """The summary in one format, as an ``export.Export`` (bytes, media type, file name)."""
        from .. import export  # the renderers (and Jinja) only when an export is asked for

        export.prepare(fmt)  # refuse an unknown format, or a PDF without WeasyPrint, before any work
        if not export.export_format(fmt).heavy:
            report = self.report(code, generated_at=generated_at)  # reads the store: on the event loop
            return self.offload(lambda: export.export(report, fmt))
        with self.renders.turn():
            report = self.report(code, generated_at=generated_at)
            if self.renders.limits.in_child:
                # the event loop only waits on the child's pipe (gevent's and eventlet's subprocess
                # are cooperative), so no native thread is needed, and their subprocess refuses one
                return export.export(report, fmt, in_child=True)
            return self.offload(lambda: export.export(report, fmt))

    def benchmark(self, code: str) -> benchmarking.Benchmark:
        """Where this session falls among other organisations' closed sessions on its framework."""
        results = self.room.results(code)
        assessment = results.assessment
        threshold = assessment.settings.placement_threshold
        subject = benchmarking.benchmark_point(assessment.framework, results.levels(), threshold, results.stage_vote())
        organization = self.store.organizations.of_session(code)
        candidates = [
            benchmarking.Candidate(row["code"], row["organization_id"], row["participants"], row["closed_at"])
            for row in self.store.archive.list(status=rules.CLOSED, framework_id=assessment.framework.id)
        ]
        peers = [
            self._peer_point(peer, threshold)
            for peer in benchmarking.peer_sessions(candidates, code, organization.id if organization else None)
        ]
        return benchmarking.benchmark(assessment.framework, subject, peers, threshold)

    def _peer_point(self, code: str, threshold: str) -> benchmarking.BenchmarkPoint:
        """A closed session's benchmark point, computed once; the analysis runs off the event loop
        (and outside the results cache, which serves the sessions being run)."""
        assessment = self.store.sessions.load(code)
        key = (code, assessment.version, threshold)
        point = self._benchmark_points.get(key)
        if point is None:
            counts = self.store.sessions.level_counts(code)  # reads the store: on the event loop

            def compute() -> benchmarking.BenchmarkPoint:
                results = build_results(assessment, counts)
                return benchmarking.benchmark_point(
                    assessment.framework, results.levels(), threshold, results.stage_vote()
                )

            point = self.offload(compute)
            self._benchmark_points[key] = point
        return point

    def check_reader(self, code: str, token: str | None) -> Assessment:
        """The facilitator token, or the key of the session's organisation, may read its summary."""
        if not token:
            raise Unauthorized("this needs the session's facilitator token (or its organisation's key)")
        try:
            self.store.sessions.check_token(code, token, "facilitator")
        except Forbidden:
            organization = self.store.organizations.of_session(code)
            if organization is None:
                raise
            try:
                self.store.organizations.check_key(organization.name, token)
            except Forbidden:
                raise Forbidden(f"this token opens neither session {code} nor its organisation") from None
        return self.store.sessions.load(code)
