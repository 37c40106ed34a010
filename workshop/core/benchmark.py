"""Benchmarking: where a session's placement and stage profile fall among other organisations'.

The peers are other organisations (``peer_sessions``): for each organisation with a key, other
than the subject's, its latest closed session on the same framework with at least
``MINIMUM_PEER_PEOPLE`` participants, placed again at the subject's threshold (so a peer that used
"Ad Hoc or better" does not look more mature than it is). Peers with no rated practice are left
out. Nothing is shown unless at least ``MINIMUM_PEERS`` organisations remain, and nothing about a
peer is reported but counts and percentiles: never its organisation, team, title or code.

Why organisations, not sessions: anyone who can create sessions could otherwise add four
throwaway ones and read the fifth, real one's stage off the distribution ("peers 5: Not placed 4,
Repair 1"). Counting each organisation once makes that cost five organisations (each created
through the rate-limited session creation) with real-looking closed sessions of three or more
people each. It does not make it impossible: docs/export.md says what the benchmark can and cannot
protect.

A percentile here is the mid-rank percentile: the share of peers strictly below the subject plus
half of those level with it, so a subject level with everyone is at the 50th percentile.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from . import scale
from .frameworks import Framework
from .placement import PracticeLevel, StageVote, place
from .wording import number, plural

MINIMUM_PEERS = 5  # other organisations
MINIMUM_PEER_PEOPLE = 3  # participants a peer session needs to count


@dataclass(frozen=True)
class Candidate:
    """A closed session on the subject's framework, as the archive lists it."""

    code: str
    organization_id: int | None
    participants: int
    closed_at: str | None


def peer_sessions(candidates: Sequence[Candidate], subject_code: str, subject_organization: int | None) -> list[str]:
    """The codes to compare with: each other organisation's latest qualifying closed session."""
    latest: dict[int, Candidate] = {}
    for candidate in candidates:
        if (
            candidate.code == subject_code
            or candidate.organization_id is None
            or candidate.organization_id == subject_organization
            or candidate.participants < MINIMUM_PEER_PEOPLE
        ):
            continue
        held = latest.get(candidate.organization_id)
        if held is None or (candidate.closed_at or "") > (held.closed_at or ""):
            latest[candidate.organization_id] = candidate
    return [candidate.code for candidate in latest.values()]


@dataclass(frozen=True)
class BenchmarkPoint:
    """One session as the benchmark sees it."""

    stage_index: int  # 1-based position of the stage reached; 0 when not placed
    shares: Mapping[str, float | None]  # stage id -> share of its practices at or above the threshold
    rated: int  # practices with a level


def benchmark_point(
    framework: Framework, levels: Mapping[str, PracticeLevel], threshold: str, stage_vote: StageVote | None = None
) -> BenchmarkPoint:
    """Place a session's levels at ``threshold`` and keep what the benchmark compares."""
    placement = place(framework, levels, threshold, stage_vote=stage_vote)
    return BenchmarkPoint(
        stage_index=placement.stage_index,
        shares={row.stage_id: row.share for row in placement.profile},
        rated=sum(1 for item in levels.values() if item.level is not None),
    )


@dataclass(frozen=True)
class StageBenchmark:
    """One stage of the profile: the subject's share against the peers'."""

    stage_id: str
    name: str
    share: float | None
    percentile: int | None
    peer_median: float | None

    def as_dict(self) -> dict:
        return {
            "stage": self.stage_id,
            "name": self.name,
            "share": None if self.share is None else round(self.share, 4),
            "percentile": self.percentile,
            "peer_median": None if self.peer_median is None else round(self.peer_median, 4),
        }


@dataclass(frozen=True)
class Benchmark:
    """The comparison, or why there is none."""

    framework_id: str
    available: bool
    peers: int
    minimum: int
    threshold: str
    message: str
    stage_index: int | None = None
    stage_name: str | None = None
    stage_percentile: int | None = None
    distribution: tuple[tuple[str, int], ...] = ()  # (stage name or "Not placed", peers there)
    profile: tuple[StageBenchmark, ...] = ()

    def as_dict(self) -> dict:
        return {
            "framework": self.framework_id,
            "available": self.available,
            "peers": self.peers,
            "minimum": self.minimum,
            "threshold": self.threshold,
            "message": self.message,
            "stage_index": self.stage_index,
            "stage_name": self.stage_name,
            "stage_percentile": self.stage_percentile,
            "distribution": [{"stage": name, "sessions": count} for name, count in self.distribution],
            "profile": [row.as_dict() for row in self.profile],
        }


def percentile(value: float, others: Sequence[float]) -> int:
    """Mid-rank percentile of ``value`` among ``others`` (0..100, rounded)."""
    below = sum(1 for other in others if other < value)
    level = sum(1 for other in others if other == value)
    return round(100 * (below + level / 2) / len(others))


NOT_PLACED = "Not placed"


def benchmark(
    framework: Framework,
    subject: BenchmarkPoint,
    peers: Sequence[BenchmarkPoint],
    threshold: str,
    minimum: int = MINIMUM_PEERS,
) -> Benchmark:
    """Compare ``subject`` with ``peers`` (other organisations' sessions, same framework and threshold)."""
    peers = [peer for peer in peers if peer.rated > 0]
    bar = f"{scale.level(threshold).label} or better"
    if len(peers) < minimum:
        return Benchmark(
            framework_id=framework.id,
            available=False,
            peers=len(peers),
            minimum=minimum,
            threshold=threshold,
            message=(
                f"Benchmarking needs closed sessions of at least {plural(minimum, 'other organisation')} on "
                f"this framework in this installation; there {'is' if len(peers) == 1 else 'are'} "
                f"{number(len(peers)) if peers else 'none'} so far."
            ),
        )
    stage_names = [NOT_PLACED, *(stage.name for stage in framework.stages)]
    index_percentile = percentile(subject.stage_index, [peer.stage_index for peer in peers])
    distribution = tuple(
        (stage_names[index], sum(1 for peer in peers if peer.stage_index == index)) for index in range(len(stage_names))
    )
    if distribution[0][1] == 0 and subject.stage_index > 0:
        distribution = distribution[1:]  # nobody is unplaced: no "Not placed" row
    profile = []
    for stage in framework.stages:
        share = subject.shares.get(stage.id)
        others = [peer.shares.get(stage.id) for peer in peers]
        others = [value for value in others if value is not None]
        profile.append(
            StageBenchmark(
                stage_id=stage.id,
                name=stage.name,
                share=share,
                percentile=percentile(share, others) if share is not None and others else None,
                peer_median=median(others) if others else None,
            )
        )
    reached = stage_names[subject.stage_index]
    return Benchmark(
        framework_id=framework.id,
        available=True,
        peers=len(peers),
        minimum=minimum,
        threshold=threshold,
        message=(
            f"Compared with {plural(len(peers), 'other organisation')} on this framework in this "
            f"installation (each one's latest closed session), each placed at {bar}: this placement ({reached}) is at the "
            f"{_ordinal(index_percentile)} percentile (ties count half)."
        ),
        stage_index=subject.stage_index,
        stage_name=None if subject.stage_index == 0 else reached,
        stage_percentile=index_percentile,
        distribution=distribution,
        profile=tuple(profile),
    )


def _ordinal(value: int) -> str:
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"
