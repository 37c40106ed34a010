"""The summary as one self-contained, print-ready HTML file: inline CSS, inline SVG charts drawn by
Python, no script, no font file, no link to anything outside the file (it opens offline and makes
no request). The PDF is this page printed by WeasyPrint.

The first page is the executive readout (``readout.py``); the details follow after a page break.
"""

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..core import analysis, scale
from ..core.frameworks import PROFILE, STAGE_VOTE, Framework
from ..core.report import Report, level_label
from ..core.results import PracticeView
from . import readout, svg, text

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXECUTIVE_ACTIONS = 6  # action plan lines on the first page; the rest are listed in the details


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        level=level_label,
        level_text=text.level_text,
        label=text.label_text,
        percent=text.percent,
        decimal=text.decimal,
        gap=text.gap_text,
        bar=text.bar_text,
    )
    return env


def _chart(markup: str) -> Markup:
    return Markup(markup)  # built by svg.py, which escapes every text it draws


def _level_bar(result: analysis.RoundResult, ids: svg.Ids, width: float, title: str) -> Markup:
    counts = result.counts_by_level()
    return _chart(svg.distribution_bar(counts, ids, width=width, title=f"{title}{svg.describe_counts(counts)}"))


def _stage_bar(report: Report, view: PracticeView, result: analysis.RoundResult, ids: svg.Ids, **size) -> Markup:
    counts = result.counts_by_level()
    chosen = view.level if result is view.result else result.computed_level
    rows = [(name, counts.get(stage_id, 0), stage_id == chosen) for stage_id, name in report.placement.stages]
    return _chart(svg.stage_vote_chart(rows, counts.get(scale.UNKNOWN, 0), ids, **size))


def _item(report: Report, view: PracticeView, ids: svg.Ids) -> dict:
    """A practice (or the stage vote) as the template lays it out."""
    stage_vote = view.kind == STAGE_VOTE
    names = text.answers(report, view.ref)
    rounds = []
    for round_row in view.rounds:
        result = round_row.result
        chart = None
        if result is not None:
            chart = (
                _stage_bar(report, view, result, ids)
                if stage_vote
                else _level_bar(result, ids, 300, f"Round {round_row.number}: ")
            )
        rounds.append({"row": round_row, "chart": chart, "counts": text.counts_text(result, names) if result else None})
    glance = None
    if view.result is not None and not stage_vote:
        glance = _level_bar(view.result, ids, 220, f"{view.ref.position}. {view.ref.text} — ")
    return {
        "row": view,
        "bar": glance,
        "counts": text.counts_text(view.result, names) if view.result else None,
        "rounds": rounds,
        "recorded": text.decision_text(report, view),
        "override": text.override_text(report, view.ref, view.computed_level) if view.overridden else None,
        "shown_level": text.answer_label(report, view.ref, view.level),
        "reasons": [
            (reason, text.answer_label(report, view.ref, reason.level)) for reason in text.reasons_of(report, view)
        ],
    }


def _entry(report: Report, entry) -> dict:
    return {
        "entry": entry,
        "stage_vote": text.is_stage_vote(entry.ref),
        "name": text.answer_label(report, entry.ref, entry.level),
        "override": text.override_text(report, entry.ref, entry.computed_level) if entry.overridden else None,
        "provisional": report.practice(entry.ref.id).provisional,
    }


def _prework(report: Report) -> dict | None:
    if report.prework is None:
        return None
    settled = report.prework.settled
    return {
        "participation": text.prework_participation(report),
        "settled": text.prework_settled(report),
        "shifts": text.prework_shifts(report),
        "facts": text.prework_facts(report),
        "lists": (("Settled by pre-work", settled.by_prework), ("Settled in the room", settled.in_room)),
    }


def render(report: Report, framework: Framework | None = None) -> str:
    """The summary as HTML; ``framework`` (the session's copy) adds its notes and cautions."""
    ids = svg.Ids()
    placement = report.placement
    summary = readout.readout(report)
    items = [_item(report, view, ids) for view in report.practices]
    practices = [item for item in items if item["row"].kind != STAGE_VOTE]
    stage_vote = next((item for item in items if item["row"].kind == STAGE_VOTE), None)
    profile = svg.profile_chart(
        placement.profile,
        text.threshold_text(report),
        ids,
        own_bars=text.own_bars(report),
        met_word=text.met_word(report),
    )
    benchmark = report.benchmark
    return (
        environment()
        .get_template("summary.html")
        .render(
            report=report,
            session=report.session,
            placement=placement,
            summary=summary,
            verdict=summary.verdict,
            about=readout.about(report, framework),
            heading=text.placement_heading(report),
            profile_heading=text.profile_heading(report),
            plan_heading=text.action_plan_heading(report),
            plan_empty=text.action_plan_empty(report),
            executive_actions=EXECUTIVE_ACTIONS,
            # profile mode has no stage to stand on: no staircase, only the profile
            staircase=None
            if placement.mode == PROFILE
            else _chart(svg.staircase(placement.stages, placement.stage_index, ids)),
            profile=_chart(profile),
            vote_chart=(
                _stage_bar(
                    report, stage_vote["row"], stage_vote["row"].result, ids, width=350, label_width=95, value_width=165
                )
                if stage_vote and stage_vote["row"].result
                else None
            ),
            benchmark_chart=(
                _chart(svg.benchmark_chart(benchmark.distribution, benchmark.stage_name or "Not placed", ids))
                if benchmark and benchmark.available
                else None
            ),
            agreed=[_entry(report, entry) for entry in report.agreement.agreed],
            divided=[_entry(report, entry) for entry in report.agreement.divided],
            top_agreed=[_entry(report, entry) for entry in summary.agreed],
            top_divided=[_entry(report, entry) for entry in summary.divided],
            overrides=[item for item in items if item["row"].overridden],
            practices=practices,
            stage_vote=stage_vote,
            stage_vote_title=text.STAGE_VOTE_TITLE,
            status_text=text.STATUS_TEXT,
            item_level=lambda item: text.item_level(report, item),
            levels=[(level, level_label(level), _chart(svg.swatch(level, ids))) for level in svg.ORDER],
            label_meaning=analysis.LABEL_MEANING,
            prework=_prework(report),
            css=Markup(scale.css_variables() + "\n" + (TEMPLATES / "summary.css").read_text(encoding="utf-8")),
            icons=analysis.LABEL_ICONS,
        )
    )
