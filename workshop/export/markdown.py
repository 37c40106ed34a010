"""The summary as Markdown (CommonMark with GitHub-style tables): reads well pasted in a wiki or an issue.

It opens with the executive summary (the verdict, the stage profile, where the group agrees and
disagrees most, the action plan, every override), then the details.

Text that people typed (titles, notes, reasons) is escaped, so a reason cannot add a link, an image
or raw HTML to the page it is pasted into, and bare web and e-mail addresses are broken so that
GitHub does not turn them into links either.
"""

import re

from ..core.frameworks import Framework
from ..core.report import Report
from ..core.results import PracticeView
from . import readout, text

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
# GitHub's autolinks: a scheme followed by "//" (http://, ftp://), mailto: and xmpp:, "www." at
# the start of a word, and e-mail addresses. A backslash before the ":" or the "." keeps the text
# and stops the link; an e-mail address needs a word joiner (U+2060) before its "@" instead (every
# "@": GitHub also links "xmpp:@host" and other oddities).
_SCHEME = re.compile(r"(?<=[a-z0-9+.-])(:)(?=//)|(?<=\bmailto)(:)|(?<=\bxmpp)(:)", re.IGNORECASE)
_WWW = re.compile(r"(?<![a-z0-9])(www)\.", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md(value) -> str:
    """Escape Markdown and HTML in one line of text, and break what GitHub would autolink."""
    value = " ".join(str(value).split())
    value = _ENTITY.sub("&amp;", _SPECIAL.sub(r"\\\1", value))
    value = _SCHEME.sub(r"\\:", value)
    value = _WWW.sub(r"\1\\.", value)
    return value.replace("@", WORD_JOINER + "@")


def _bare(value: str) -> str:
    """A practice's text without its final full stop, to go before a colon."""
    return value.rstrip().rstrip(".")


def _quote(value: str) -> list[str]:
    return [f"> {md(line)}" if line.strip() else ">" for line in value.splitlines()]


def _level(report: Report, view: PracticeView) -> str:
    return md(text.view_level(report, view))


# --- the executive summary -----------------------------------------------------------------------


def _executive(report: Report) -> list[str]:
    session = report.session
    summary = readout.readout(report)
    verdict = summary.verdict
    facts = [session.organization, session.team, session.date, f"{session.participants} participants"]
    facts.append(f"{report.data_quality.rated} of {session.practices} practices rated")
    lines = [f"# {md(session.title)}: CX maturity summary", "", "## Executive summary", ""]
    lines += [" · ".join(md(fact) for fact in facts if fact), ""]
    lines += [f"**Framework:** {md(summary.framework_name)}. Source: {md(summary.framework_source)}.", ""]
    lines += [f"### Verdict: {md(verdict.heading)}", "", f"**{md(verdict.headline)}**", ""]
    if verdict.facts:
        lines += [f"- **{md(name)}:** {md(value)}" for name, value in verdict.facts] + [""]
    if verdict.checks_foundations:
        if verdict.foundations:
            lines += ["Foundations to check (earlier stages' practices below their bar; not blockers):", ""]
            lines += [
                f"- {md(item.text)} Now: {md(text.item_level(report, item))}; {text.gap_text(item)}."
                for item in verdict.foundations
            ]
        else:
            lines.append("Foundations to check: none (no practice of an earlier stage is below its bar).")
        lines.append("")
    if summary.caveats:
        lines += [f"*Read with care:* {md(summary.caveats)}", ""]
    if report.prework:
        facts = (text.prework_participation(report), text.prework_settled(report), text.prework_shifts(report))
        lines += ["### Pre-work", "", *(f"- {md(fact)}" for fact in facts), ""]
    lines += _profile(report)
    lines += ["### Where the group agrees", ""]
    lines += _entries(report, summary.agreed, summary.more_agreed, "No practice reached agreement.", consensus=True)
    lines += ["### Where the group disagrees most", ""]
    lines += _entries(report, summary.divided, summary.more_divided, "No practice divided the group.")
    lines += _action_plan(report)
    lines += ["### Overrides", ""]
    if summary.overrides:
        for view in summary.overrides:
            note = f" Note: {md(view.decision.note)}" if view.decision.note else ""
            number = "Stage vote:" if view.kind != "practice" else f"{view.ref.position}."
            lines.append(
                f"- **{number}** {md(_bare(view.ref.text))}: recorded {md(text.decision_text(report, view))}.{note}"
            )
    else:
        lines.append("None: every recorded level is the one the votes gave.")
    lines += ["", "---", ""]
    return lines


def _profile(report: Report) -> list[str]:
    placement = report.placement
    met = text.met_word(report)
    lines = [
        f"### Stage profile ({md(text.profile_heading(report))})",
        "",
        f"| Stage | Bar | At or above the bar | Mean level (1–4) | {met.capitalize()} |",
        "|---|---|---|---|---|",
    ]
    for row in placement.profile:
        share = f" ({text.percent(row.share)})" if row.practices else ""
        bar = text.bar_text(row.bar) if row.practices else "–"
        lines.append(
            f"| {md(row.name)} | {bar} | {text.stage_share_text(row)}{share} | {text.decimal(row.mean_level)} | "
            f"{'yes' if row.met else 'no' if row.practices else '–'} |"
        )
    return lines + [""]


def _entries(report: Report, entries, more: int, empty: str, consensus: bool = False) -> list[str]:
    if not entries:
        return [empty, ""]
    lines = []
    for entry in entries:
        label = "" if consensus else f"{text.label_text(entry.label)}, "
        lines.append(
            f"- **{entry.ref.position}.** {md(entry.ref.text)} ({label}{md(text.entry_level(report, entry))}, "
            f"consensus {text.decimal(entry.consensus)})"
        )
    if more:
        lines.append(f"- … and {more} more in the details below.")
    return lines + [""]


def _action_plan(report: Report) -> list[str]:
    placement = report.placement
    lines = [f"### {md(text.action_plan_heading(report))}", ""]
    if placement.key_obstacle and placement.next_stage_id:
        lines += [f"**Key obstacle:** {md(placement.key_obstacle)}", ""]
    if not placement.action_plan:
        return lines + [md(text.action_plan_empty(report)), ""]
    for number, item in enumerate(placement.action_plan, start=1):
        lines.append(f"{number}. {md(item.text)} Now: {md(text.item_level(report, item))}; {text.gap_text(item)}.")
    return lines + [""]


# --- the details -----------------------------------------------------------------------------------


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
    lines = ["## Session", ""]
    lines += [f"- **{name}:** {md(value)}" for name, value in facts if value]
    lines += [f"- **Source of the framework:** {md(session.framework_source)}", ""]
    if session.notes:
        lines += ["**Facilitator's notes**", "", *_quote(session.notes), ""]
    return lines


def _prework(report: Report) -> list[str]:
    if report.prework is None:
        return []
    lines = ["## Pre-work", "", *(f"- {md(fact)}" for fact in text.prework_facts(report)), ""]
    settled = report.prework.settled
    for heading, refs in (("Settled by pre-work", settled.by_prework), ("Settled in the room", settled.in_room)):
        if refs:
            lines += [f"**{heading}**", "", *(f"- **{ref.position}.** {md(ref.text)}" for ref in refs), ""]
    if report.prework.shifts:
        lines += ["**From pre-work to the room**", ""]
        lines += [
            f"- **{entry.ref.position}.** {md(_bare(entry.ref.text))}: {entry.shift.describe()}"
            for entry in report.prework.shifts
        ]
        lines.append("")
    return lines


def _placement(report: Report) -> list[str]:
    return [f"## Placement: {md(text.placement_heading(report))}", "", md(report.placement.explanation), ""]


def _agreement(report: Report) -> list[str]:
    agreement = report.agreement
    lines = ["## Where the group agrees", ""]
    if agreement.agreed:
        lines += [
            f"- **{entry.ref.position}.** {md(entry.ref.text)} ({md(text.entry_level(report, entry))}, consensus "
            f"{text.decimal(entry.consensus)})"
            for entry in agreement.agreed
        ]
    else:
        lines.append("No practice reached agreement.")
    lines += ["", "## Where the group disagrees most", ""]
    if agreement.divided:
        lines += [
            f"- **{entry.ref.position}.** {md(entry.ref.text)} ({text.label_text(entry.label)}, "
            f"{md(text.entry_level(report, entry))}, consensus {text.decimal(entry.consensus)})"
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
        if row.kind != "practice":
            continue  # the stage vote is answered with stages, not levels: it has its own section
        counts = row.result.counts_by_level() if row.result else None
        cells = [str(counts[level]) for level in text.LEVEL_ORDER] if counts else ["–"] * 5
        lines.append(
            f"| {row.ref.position} | {md(row.ref.text)} | {md(row.ref.stage_name)} | "
            f"{_level(report, row)} | {text.label_text(row.result.label if row.result else None)} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append("")
    return lines


def _recorded(report: Report, row: PracticeView) -> list[str]:
    kind = "stage" if row.kind != "practice" else "level"
    if row.decision:
        line = f"- Recorded {kind}: **{md(text.decision_text(report, row))}**"
        if row.decision.note:
            line += f". Note: {md(row.decision.note)}"
        return [line + "."]
    if row.computed_level:
        computed = text.answer_label(report, row.ref, row.computed_level)
        return [f"- {kind.capitalize()}: **{md(computed)}**, provisional (computed from the votes, not consolidated)."]
    return []


def _rounds(report: Report, row: PracticeView) -> list[str]:
    lines = []
    names = text.answers(report, row.ref)
    for round_row in row.rounds:
        if round_row.result is None:
            lines.append(
                f"- Round {round_row.number}: open, {round_row.votes} answer{'s' if round_row.votes != 1 else ''} so far."
            )
            continue
        result = round_row.result
        lines.append(
            f"- Round {round_row.number}: {md(text.counts_text(result, names))}; **{text.label_text(result.label)}**: "
            f"{md(result.label_reason)} Consensus {text.decimal(result.consensus)}, {result.voters} rated."
        )
        for name, segment in round_row.segments.items():
            lines.append(
                f"  - {md(name)}: {text.level_text(segment.median_low)} (mean {text.decimal(segment.mean)}, "
                f"{segment.voters} rated, {text.label_text(segment.label)}: {md(segment.label_reason)})"
            )
        if round_row.segments and round_row.hidden_segments:
            lines.append(
                f"  - Not shown (too few to keep answers anonymous): {md(', '.join(round_row.hidden_segments))}"
            )
    if row.shift:
        lines.append(f"- Between rounds {row.shift.from_round} and {row.shift.to_round}: {row.shift.describe()}")
    given = text.reasons_of(report, row)
    if given:
        lines.append("- Reasons given:")
        lines += [
            f"  - *{md(text.answer_label(report, row.ref, reason.level))}* (round {reason.round}): {md(reason.note)}"
            for reason in given
        ]
    return lines


def _practice(report: Report, row: PracticeView) -> list[str]:
    lines = [f"### {row.ref.position}. {md(row.ref.text)}", ""]
    lines.append(f"- Stage: {md(row.ref.stage_name)}; {text.STATUS_TEXT[row.status]}.")
    if row.practice.inferred:
        lines.append(f"- *Inferred:* {md(row.practice.inferred)}")
    lines += _recorded(report, row)
    lines += _rounds(report, row)
    lines.append("")
    return lines


def _stage_vote(report: Report) -> list[str]:
    view = readout.stage_vote_view(report)
    if view is None:
        return []
    lines = [f"## {text.STAGE_VOTE_TITLE}", "", f"*{md(view.ref.text)}* ({text.STATUS_TEXT[view.status]})", ""]
    lines += _recorded(report, view)
    if view.result:
        counts = view.result.counts_by_level()
        lines += ["", "| Stage | Votes |", "|---|---|"]
        lines += [f"| {md(name)} | {counts.get(value, 0)} |" for value, name in text.answers(report, view.ref)]
        lines.append("")
    lines += _rounds(report, view)
    return lines + [""]


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


def _about(report: Report, framework: Framework | None) -> list[str]:
    about = readout.about(report, framework)
    lines = ["## About this framework", "", f"**{md(about.name)}**. Source: {md(about.source)}.", ""]
    if about.summary:
        lines += [md(about.summary), ""]
    if about.notes:
        lines += ["**How the article was read**", "", md(about.notes), ""]
    if about.inferred_stages or about.inferred_practices:
        lines += ["**Read into the article, not stated by it**", ""]
        lines += [f"- Stage {md(name)}: inferred: {md(reason)}" for name, reason in about.inferred_stages]
        lines += [
            f"- **{ref.position}.** {md(_bare(ref.text))}: inferred: {md(reason)}"
            for ref, reason in about.inferred_practices
        ]
        lines.append("")
    if about.figures:
        lines += ["**Figures the article gives**", ""]
        lines += [f"- {md(name)}: {md(figure.text)}" for name, figure in about.figures]
        lines.append("")
    if about.cautions:
        lines += ["**Cautions from the article**", ""]
        lines += [f"- {md(caution.text)} (\u201c{md(caution.source)}\u201d)" for caution in about.cautions]
        lines.append("")
    return lines


def render(report: Report, framework: Framework | None = None) -> str:
    """The summary as Markdown; ``framework`` (the session's copy) adds its notes and cautions."""
    lines = [
        *_executive(report),
        *_session(report),
        *_prework(report),
        *_placement(report),
        *_benchmark(report),
        *_agreement(report),
        *_overview(report),
        *_stage_vote(report),
        *(line for row in report.practices if row.kind == "practice" for line in _practice(report, row)),
        *_shifts(report),
        *_segment_gaps(report),
        *_quality(report),
        *_about(report, framework),
        "---",
        "",
        f"Generated {report.generated_at} by the CX maturity workshop. Scale: Missing < Ad Hoc < Repeatable "
        "< Systematic; \u201cdon't know\u201d answers are not counted as Missing. Reasons are anonymous.",
        "",
    ]
    return "\n".join(lines)
