"""The summary as one self-contained, print-ready HTML file: inline CSS, inline SVG charts drawn by
Python, no script, no font file, no link to anything outside the file (it opens offline and makes
no request). The PDF is this page printed by WeasyPrint.
"""

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..core import analysis, scale
from ..core.report import Report, level_label
from . import svg, text

TEMPLATES = Path(__file__).resolve().parent / "templates"


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
    )
    return env


def render(report: Report) -> str:
    ids = svg.Ids()

    def chart(markup: str) -> Markup:
        return Markup(markup)  # built by svg.py, which escapes every text it draws

    practices = []
    for row in report.practices:
        rounds = []
        for round_row in row.rounds:
            result = round_row.result
            rounds.append(
                {
                    "row": round_row,
                    "bar": chart(
                        svg.distribution_bar(
                            result.counts_by_level(),
                            ids,
                            width=300,
                            title=f"Round {round_row.number}: {svg.describe_counts(result.counts_by_level())}",
                        )
                    )
                    if result
                    else None,
                }
            )
        practices.append(
            {
                "row": row,
                "bar": chart(
                    svg.distribution_bar(
                        row.result.counts_by_level(),
                        ids,
                        width=220,
                        title=f"{row.ref.position}. {row.ref.text} — "
                        f"{svg.describe_counts(row.result.counts_by_level())}",
                    )
                )
                if row.result
                else None,
                "rounds": rounds,
                "reasons": report.reasons_of(row),
            }
        )
    benchmark = report.benchmark
    return (
        environment()
        .get_template("summary.html")
        .render(
            report=report,
            session=report.session,
            placement=report.placement,
            heading=text.placement_heading(report),
            threshold=text.threshold_text(report),
            staircase=chart(svg.staircase(report.placement.stages, report.placement.stage_index, ids)),
            profile=chart(svg.profile_chart(report.placement.profile, text.threshold_text(report), ids)),
            benchmark_chart=(
                chart(svg.benchmark_chart(benchmark.distribution, benchmark.stage_name or "Not placed", ids))
                if benchmark and benchmark.available
                else None
            ),
            practices=practices,
            levels=[(level, level_label(level), chart(svg.swatch(level, ids))) for level in svg.ORDER],
            label_meaning=analysis.LABEL_MEANING,
            css=Markup(scale.css_variables() + "\n" + (TEMPLATES / "summary.css").read_text(encoding="utf-8")),
            icons=analysis.LABEL_ICONS,
        )
    )
