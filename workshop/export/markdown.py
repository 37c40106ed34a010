"""The summary as Markdown (CommonMark with GitHub-style tables): reads well pasted in a wiki or an issue.

Text that people typed (titles, notes, reasons) is escaped, so a reason cannot add a link, an image
or raw HTML to the page it is pasted into.
"""

import re

from ..core.report import Report
from ..core.results import PracticeView
from . import text

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md(value) -> str:
    """Escape Markdown and HTML in one line of text."""
    value = " ".join(str(value).split())
    return _ENTITY.sub("&amp;", _SPECIAL.sub(r"\\\1", value))


def _bare(value: str) -> str:
    """A practice's text without its final full stop, to go before a colon."""
    return value.rstrip().rstrip(".")


def _quote(value: str) -> list[str]:
    return [f"> {md(line)}" if line.strip() else ">" for line in value.splitlines()]


def _session(report: Report) -> list[str]:
    session = report.session
    facts = [
        ("Organisation", session.organization),
        ("Team", session.team),
        ("Framework", session.framework_name),
        ("Date", session.date),
        ("Status", session.status),
        ("Participants", str(session.participants)),
        ("Rounds", f"{session.rounds} ({session.revotes} re-vote{'s' if session.revotes != 1 else ''})"),
        ("Session code", session.code),
    ]
    lines = [f"# {md(session.title)}: CX maturity summary", ""]
    lines += [f"- **{name}:** {md(value)}" for name, value in facts if value]
    lines += [f"- **Source of the framework:** {md(session.framework_source)}", ""]
    if session.notes:
        lines += ["**Facilitator's notes**", "", *_quote(session.notes), ""]
    return lines


def _placement(report: Report) -> list[str]:
    placement = report.placement
    lines = [f"## Placement: {md(text.placement_heading(report))}", "", md(placement.explanation), ""]
    lines += [
        f"| Stage | Practices {md(text.threshold_text(report))} | Mean level (1–4) | Met |",
        "|---|---|---|---|",
    ]
    for row in placement.profile:
        share = f" ({text.percent(row.share)})" if row.practices else ""
        lines.append(
            f"| {md(row.name)} | {text.stage_share_text(row)}{share} | {text.decimal(row.mean_level)} | "
            f"{'yes' if row.met else 'no'} |"
        )
    lines.append("")
    return lines


def _action_plan(report: Report) -> list[str]:
    placement = report.placement
    if placement.next_stage_id is None:
        return ["## Action plan", "", "The final stage is reached: keep every practice where it is.", ""]
    lines = [f"## Action plan for {md(placement.next_stage_name)}", ""]
    if placement.key_obstacle:
        lines += [f"**Key obstacle:** {md(placement.key_obstacle)}", ""]
    for number, item in enumerate(placement.action_plan, start=1):
        lines.append(
            f"{number}. {md(item.text)} Now: {text.level_text(item.level, item.provisional)}; {text.gap_text(item)}."
        )
    lines.append("")
    return lines


def _agreement(report: Report) -> list[str]:
    agreement = report.agreement
    lines = ["## Where the group agrees", ""]
    if agreement.agreed:
        lines += [
            f"- **{entry.ref.position}.** {md(entry.ref.text)} ({text.level_text(entry.level)}, consensus "
            f"{text.decimal(entry.consensus)})"
            for entry in agreement.agreed
        ]
    else:
        lines.append("No practice reached agreement.")
    lines += ["", "## Where the group disagrees most", ""]
    if agreement.divided:
        lines += [
            f"- **{entry.ref.position}.** {md(entry.ref.text)} ({text.label_text(entry.label)}, consensus "
            f"{text.decimal(entry.consensus)})"
            for entry in agreement.divided
        ]
    else:
        lines.append("No practice divided the group.")
    if agreement.alpha is not None:
        lines += ["", f"Krippendorff's alpha (ordinal) over the session: {text.decimal(agreement.alpha)}."]
    lines.append("")
    return lines


def _overview(report: Report) -> list[str]:
    lines = [
        "## Practices",
        "",
        "| # | Practice | Stage | Level | Agreement | Missing | Ad Hoc | Repeatable | Systematic | Don't know |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report.practices:
        counts = row.result.counts_by_level() if row.result else None
        cells = [str(counts[level]) for level in text.LEVEL_ORDER] if counts else ["–"] * 5
        lines.append(
            f"| {row.ref.position} | {md(row.ref.text)} | {md(row.ref.stage_name)} | "
            f"{text.level_text(row.level, row.provisional)} | {text.label_text(row.result.label if row.result else None)} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append("")
    return lines


def _practice(report: Report, row: PracticeView) -> list[str]:
    lines = [f"### {row.ref.position}. {md(row.ref.text)}", ""]
    status = {"pending": "not opened", "open": "open for votes", "revealed": "revealed"}[row.status]
    lines.append(f"- Stage: {md(row.ref.stage_name)}; {status}.")
    if row.decision:
        decision = row.decision
        line = f"- Consolidated level: **{text.level_label(decision.level)}** (round {decision.round})"
        if decision.overridden:
            line += f", overriding the computed {text.level_label(decision.computed_level)}"
        if decision.note:
            line += f". Note: {md(decision.note)}"
        lines.append(line + ".")
    elif row.computed_level:
        lines.append(f"- Level: **{text.level_label(row.computed_level)}**, provisional (computed, not consolidated).")
    for round_row in row.rounds:
        if round_row.result is None:
            lines.append(
                f"- Round {round_row.number}: open, {round_row.votes} answer{'s' if round_row.votes != 1 else ''} so far."
            )
            continue
        result = round_row.result
        lines.append(
            f"- Round {round_row.number}: {text.counts_text(result)}; {text.label_text(result.label)}, "
            f"consensus {text.decimal(result.consensus)}, {result.voters} rated."
        )
        for name, segment in round_row.segments.items():
            lines.append(
                f"  - {md(name)}: {text.level_text(segment.median_low)} (mean {text.decimal(segment.mean)}, "
                f"{segment.voters} rated, {text.label_text(segment.label)})"
            )
        if round_row.segments and round_row.hidden_segments:
            lines.append(
                f"  - Not shown (too few to keep answers anonymous): {md(', '.join(round_row.hidden_segments))}"
            )
    if row.shift:
        lines.append(f"- Between rounds {row.shift.from_round} and {row.shift.to_round}: {row.shift.describe()}")
    given = report.reasons_of(row)
    if given:
        lines.append("- Reasons given:")
        lines += [
            f"  - *{text.level_label(reason.level)}* (round {reason.round}): {md(reason.note)}" for reason in given
        ]
    lines.append("")
    return lines


def _shifts(report: Report) -> list[str]:
    if not report.shifts:
        return []
    lines = ["## Shifts between rounds", ""]
    lines += [
        f"- **{entry.ref.position}.** {md(_bare(entry.ref.text))}: {entry.shift.describe()}" for entry in report.shifts
    ]
    return lines + [""]


def _segment_gaps(report: Report) -> list[str]:
    if not report.segment_gaps:
        return []
    lines = [
        "## Segment gaps",
        "",
        "Largest differences between the segments' mean levels (segments with "
        f"at least {report.session.min_segment_size} people rating the practice).",
        "",
    ]
    for entry in report.segment_gaps:
        lines.append(
            f"- **{entry.ref.position}.** {md(_bare(entry.ref.text))}: {md(entry.highest)} sees it "
            f"{text.decimal(entry.gap)} level{'s' if entry.gap != 1 else ''} higher than {md(entry.lowest)}."
        )
    return lines + [""]


def _benchmark(report: Report) -> list[str]:
    benchmark = report.benchmark
    if benchmark is None:
        return []
    lines = ["## Benchmark", "", md(benchmark.message), ""]
    if benchmark.available:
        lines += ["| Stage | This session | Peers' median | Percentile |", "|---|---|---|---|"]
        for row in benchmark.profile:
            lines.append(
                f"| {md(row.name)} | {text.percent(row.share)} | {text.percent(row.peer_median)} | "
                f"{'–' if row.percentile is None else row.percentile} |"
            )
        lines.append("")
    return lines


def _quality(report: Report) -> list[str]:
    quality = report.data_quality
    lines = ["## Data quality", ""]
    lines += [f"- {md(note)}" for note in quality.notes] or ["- Nothing to report."]
    lines += ["", "| # | Practice | Rated | Don't know |", "|---|---|---|---|"]
    for entry in quality.per_practice:
        lines.append(
            f"| {entry.ref.position} | {md(entry.ref.text)} | {entry.voters} | "
            f"{entry.abstaining} ({text.percent(entry.abstaining_share)}) |"
        )
    return lines + [""]


def render(report: Report) -> str:
    lines = [
        *_session(report),
        *_placement(report),
        *_action_plan(report),
        *_benchmark(report),
        *_agreement(report),
        *_overview(report),
        *(line for row in report.practices for line in _practice(report, row)),
        *_shifts(report),
        *_segment_gaps(report),
        *_quality(report),
        "---",
        "",
        f"Generated {report.generated_at} by the CX maturity workshop. Scale: Missing < Ad Hoc < Repeatable "
        "< Systematic; \u201cdon't know\u201d answers are not counted as Missing. Reasons are anonymous.",
        "",
    ]
    return "\n".join(lines)
