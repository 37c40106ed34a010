"""Benchmark (not a test): the whole-session analysis of a large workshop.

Builds one session of 30 practices rated by 2,000 participants in 4 segments (plus some without a
segment), every practice revealed and a third of them re-voted, then times ``build_results``: the
per-practice and per-segment analysis, the shifts, the discussion queue, Krippendorff's alpha and
the placement. The goal is "well under 50 ms", since it runs after every change a facilitator
makes. Prints median, p95 and min in milliseconds with the machine, as a table or as JSON.

    .venv/bin/python bench/bench_analysis.py
    .venv/bin/python bench/bench_analysis.py --json --repetitions 500
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

# Run as a script, Python puts bench/ first on the path; the project root makes ``workshop``
# importable even without the editable install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workshop.core import analysis, scale
from workshop.core import assessment as rules
from workshop.core.assessment import Assessment, Settings
from workshop.core.frameworks import framework_from_dict
from workshop.core.placement import PracticeLevel, place
from workshop.core.results import build_results

SEGMENTS = ("Leadership", "Marketing", "Operations", "Frontline")
GOAL_MS = 50.0
DESCRIPTIONS = {
    "build_results": "build_results (the whole session)",
    "analyse_rounds": "  of which: every round, whole group",
    "analyse_segments": "  of which: every round, per segment",
    "alpha": "  of which: Krippendorff's alpha",
    "placement": "  of which: placement",
}


def make_framework(practices: int, stages: int = 5):
    """A framework of ``practices`` practices spread over ``stages`` stages."""
    per_stage = -(-practices // stages)
    data = {
        "id": "bench",
        "name": "Benchmark framework",
        "summary": "Generated for the benchmark.",
        "reference": {"title": "Benchmark", "author": "bench", "published": "2024"},
        "stages": [],
    }
    for stage in range(stages):
        numbers = range(stage * per_stage, min(practices, (stage + 1) * per_stage))
        data["stages"].append(
            {
                "id": f"stage-{stage + 1}",
                "name": f"Stage {stage + 1}",
                "description": "A generated stage.",
                "practices": [
                    {"id": f"practice-{n + 1}", "text": f"We do practice {n + 1}.", "source": "Generated."}
                    for n in numbers
                ],
            }
        )
    return framework_from_dict(data)


def make_session(practices: int, voters: int, seed: int):
    """An assessment with every practice revealed (a third re-voted) and its vote counts."""
    rng = random.Random(seed)
    framework = make_framework(practices)
    state = Assessment(
        code="BENCH1",
        title="Benchmark",
        organization=None,
        framework=framework,
        settings=Settings(segments=SEGMENTS),
    )
    # Each participant belongs to one segment; about one in twenty chose none.
    membership = [rng.choice(SEGMENTS) if rng.random() > 0.05 else None for _ in range(voters)]
    values = scale.VOTE_VALUES
    level_counts: Counter = Counter()
    for index, practice in enumerate(framework.practices):
        state = rules.open_practice(state, practice.id).assessment
        state = rules.reveal(state, practice.id).assessment
        rounds = 2 if index % 3 == 0 else 1
        if rounds == 2:
            state = rules.revote(state, practice.id).assessment
            state = rules.reveal(state, practice.id).assessment
        for number in range(1, rounds + 1):
            # Random but realistic rooms: a few "don't know", the rest leaning somewhere.
            weights = [rng.random() ** 2 for _ in scale.LEVELS] + [0.05]
            for segment in membership:
                level_counts[(practice.id, number, segment, rng.choices(values, weights)[0])] += 1
    return state, dict(level_counts)


def timings(function, repetitions: int, warmup: int) -> list[float]:
    """Wall-clock milliseconds of ``function()`` over ``repetitions`` runs after a warm-up."""
    for _ in range(warmup):
        function()
    measured = []
    for _ in range(repetitions):
        start = time.perf_counter()
        function()
        measured.append((time.perf_counter() - start) * 1000)
    return measured


def summary(measured: list[float]) -> dict:
    """Median, 95th percentile (nearest rank) and minimum of the timings."""
    ordered = sorted(measured)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(ordered[0], 3),
        "runs": len(ordered),
    }


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def run(practices: int, voters: int, repetitions: int, warmup: int, seed: int) -> dict:
    """Build the session once, then time the whole analysis and its main parts."""
    state, level_counts = make_session(practices, voters, seed)
    results = build_results(state, level_counts)
    latest = [view.result.counts for view in results.practices if view.result]
    levels = {
        view.practice.id: PracticeLevel(view.practice.id, view.computed_level, provisional=True)
        for view in results.practices
        if view.computed_level
    }
    rounds = [
        (round_view.result.counts, round_view.result.abstaining)
        for view in results.practices
        for round_view in view.rounds
    ]
    by_segment: dict = defaultdict(lambda: [[0] * len(scale.LEVELS), 0])
    for (practice_id, number, segment, level), count in level_counts.items():
        if segment is None:
            continue
        entry = by_segment[(practice_id, number, segment)]
        if level == scale.UNKNOWN:
            entry[1] += count
        else:
            entry[0][scale.rank_of(level) - 1] += count
    segment_rounds = list(by_segment.values())
    # The whole, then the parts it spends its time on (each part also runs inside the whole).
    parts = {
        "build_results": lambda: build_results(state, level_counts),
        "analyse_rounds": lambda: [analysis.analyse(c, a, state.settings) for c, a in rounds],
        "analyse_segments": lambda: [analysis.analyse(c, a, state.settings) for c, a in segment_rounds],
        "alpha": lambda: analysis.session_alpha(latest),
        "placement": lambda: place(state.framework, levels, state.settings.placement_threshold),
    }
    return {
        "benchmark": "bench_analysis",
        "session": {
            "practices": practices,
            "voters": voters,
            "segments": len(SEGMENTS),
            "rounds": len(rounds),
            "votes": sum(level_counts.values()),
            "seed": seed,
        },
        "goal_ms": GOAL_MS,
        "timings": {name: summary(timings(function, repetitions, warmup)) for name, function in parts.items()},
        "machine": machine(),
    }


def table(report: dict) -> str:
    """The report as a readable table."""
    session, info = report["session"], report["machine"]
    lines = [
        f"Whole-session analysis: {session['practices']} practices, {session['voters']:,} voters, "
        f"{session['segments']} segments, {session['rounds']} revealed rounds, {session['votes']:,} votes",
        f"Machine: {info['platform']}, {info['cpu_count']} CPUs, {info['python']}",
        "",
        f"{'what':<38} {'median ms':>10} {'p95 ms':>10} {'min ms':>10} {'runs':>6}",
    ]
    for name, figures in report["timings"].items():
        lines.append(
            f"{DESCRIPTIONS[name]:<38} {figures['median_ms']:>10.3f} {figures['p95_ms']:>10.3f} "
            f"{figures['min_ms']:>10.3f} {figures['runs']:>6}"
        )
    whole = report["timings"]["build_results"]
    verdict = "within" if whole["p95_ms"] < report["goal_ms"] else "OVER"
    lines += [
        "",
        f"Goal: well under {report['goal_ms']:.0f} ms; p95 {whole['p95_ms']:.2f} ms is {verdict} the goal.",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=30)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    report = run(options.practices, options.voters, options.repetitions, options.warmup, options.seed)
    print(json.dumps(report, indent=2) if options.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
