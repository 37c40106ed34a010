"""Wording and number formats shared by the renderers, so every format says the same thing."""

from ..core import analysis, scale
from ..core.report import Report, level_label

LEVEL_ORDER = (*scale.LEVEL_VALUES, scale.UNKNOWN)
SHORT = {"missing": "M", "ad_hoc": "AH", "repeatable": "R", "systematic": "S", "unknown": "?"}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def decimal(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def label_text(label: str | None) -> str:
    return "–" if label is None else analysis.LABEL_TEXT[label]


def level_text(value: str | None, provisional: bool = False) -> str:
    """ "Repeatable", "Ad Hoc (provisional)", "not rated"."""
    text = level_label(value)
    return f"{text} (provisional)" if provisional and value is not None else text


def counts_text(result: analysis.RoundResult) -> str:
    """ "Missing 1 · Ad Hoc 3 · Repeatable 6 · Systematic 1 · Don't know 1"."""
    counts = result.counts_by_level()
    return " · ".join(f"{level_label(level)} {counts[level]}" for level in LEVEL_ORDER)


def placement_heading(report: Report) -> str:
    placement = report.placement
    total = len(placement.stages)
    if placement.stage_id is None:
        return f"Not yet placed (first stage: {placement.stages[0][1]})"
    return f"{placement.stage_name} (stage {placement.stage_index} of {total})"


def threshold_text(report: Report) -> str:
    return f"{level_label(report.placement.threshold)} or better"


def stage_share_text(row) -> str:
    if not row.practices:
        return "no practices to rate"
    return f"{row.at_or_above} of {row.practices}"


def gap_text(item) -> str:
    return f"{item.gap} level{'s' if item.gap != 1 else ''} to go"
