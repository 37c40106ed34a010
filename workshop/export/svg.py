"""Charts drawn as SVG by Python for the HTML and PDF summary: the same visual language as the app.

Level colours are Okabe-Ito (colour-blind safe); "don't know" is hatched grey. Every chart carries
its figures as text too (counts on the bars, a <title>, the tables beside it), so colour is never
the only carrier of meaning. Each chart is self-contained (its own pattern definitions, unique ids),
since a PDF renderer draws each <svg> on its own.
"""

from html import escape

from ..core import scale
from ..core.report import level_label

COLOURS = {value: colour for value, (colour, _) in scale.colours().items()}
ON_COLOUR = {value: on for value, (_, on) in scale.colours().items()}
TEXT = "#16191d"
MUTED = "#4a5360"
TRACK = "#eef1f5"
BORDER = "#c9d0d9"
ACCENT = "#0b5cad"
OK = "#146c43"
STAGE_CHOSEN = "#39424e"  # the stage vote's bars: slate, so they never read as adoption levels
STAGE_OTHER = "#a7b0bc"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"
ORDER = (*scale.LEVEL_VALUES, scale.UNKNOWN)


class Ids:
    """Unique, deterministic element ids within one document."""

    def __init__(self, prefix: str = "c"):
        self.prefix = prefix
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count}"


def _attributes(values: dict) -> str:
    return " ".join(
        f'{name.replace("_", "-")}="{escape(str(value), quote=True)}"'
        for name, value in values.items()
        if value is not None
    )


def element(tag: str, content: str = "", **attributes) -> str:
    attrs = _attributes(attributes)
    return f"<{tag} {attrs}>{content}</{tag}>" if attrs else f"<{tag}>{content}</{tag}>"


def text(x, y, content: str, size=12, weight=400, anchor="start", fill=TEXT) -> str:
    return element(
        "text",
        escape(content),
        x=_n(x),
        y=_n(y),
        font_size=size,
        font_weight=weight,
        text_anchor=anchor,
        fill=fill,
        font_family=FONT,
    )


def _n(value: float) -> str:
    """Coordinates with at most one decimal, so the output is stable and small."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def hatch(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e4e7eb"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{COLOURS["unknown"]}" stroke-width="3"/></pattern></defs>'
    )


def svg(width: float, height: float, title: str, body: str, ids: Ids, css_class: str) -> str:
    title_id = ids.next()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" aria-labelledby="{title_id}">'
        f'<title id="{title_id}">{escape(title)}</title>{body}</svg>'
    )


def describe_counts(counts: dict) -> str:
    return ", ".join(f"{level_label(level)} {counts.get(level, 0)}" for level in ORDER)


def distribution_bar(counts: dict, ids: Ids, width: float = 260, height: float = 22, title: str | None = None) -> str:
    """One stacked bar of every answer, level by level, "don't know" hatched at the end.

    Counts are written on the segments wide enough to hold them; the full figures are in the title
    and in the table beside the bar.
    """
    total = sum(counts.get(level, 0) for level in ORDER)
    pattern = ids.next()
    parts = [hatch(pattern), element("rect", x=0, y=0, width=_n(width), height=_n(height), rx=4, fill=TRACK)]
    x = 0.0
    for level in ORDER:
        count = counts.get(level, 0)
        if not count or not total:
            continue
        segment = width * count / total
        fill = f"url(#{pattern})" if level == scale.UNKNOWN else COLOURS[level]
        parts.append(
            element(
                "rect",
                x=_n(x),
                y=0,
                width=_n(segment),
                height=_n(height),
                fill=fill,
                stroke="#ffffff",
                stroke_width=1,
                data_level=level,
            )
        )
        if segment >= 16:
            parts.append(
                text(
                    x + segment / 2,
                    height / 2 + 4.5,
                    str(count),
                    size=12,
                    weight=700,
                    anchor="middle",
                    fill=ON_COLOUR[level],
                )
            )
        x += segment
    if not total:
        parts.append(text(8, height / 2 + 4.5, "no answers", size=12, fill=MUTED))
    return svg(width, height, title or f"Answers: {describe_counts(counts)}", "".join(parts), ids, "distribution")


def profile_chart(
    profile, threshold_label: str, ids: Ids, width: float = 520, *, own_bars: bool = False, met_word: str = "met"
) -> str:
    """Per stage, the share of its practices at or above the bar, with "n of m" and whether it is met.

    ``own_bars``: each stage has a bar of its own (best fit), written under its name.
    """
    row_height = 36 if own_bars else 27
    label_width, value_width = 150, 150
    bar_space = width - label_width - value_width
    height = len(profile) * row_height + 4
    parts = []
    for index, row in enumerate(profile):
        y = index * row_height + 2
        share = row.share if row.share is not None else 1.0
        parts.append(text(0, y + (13 if own_bars else 17), row.name, size=13, weight=600))
        if own_bars and row.practices:
            parts.append(text(0, y + 28, f"bar: {level_label(row.bar)} or better", size=10, fill=MUTED))
        parts.append(element("rect", x=label_width, y=_n(y), width=_n(bar_space), height=22, rx=5, fill=TRACK))
        if row.at_or_above or (row.met and not row.practices):  # an empty stage is drawn full only when met
            parts.append(
                element(
                    "rect",
                    x=label_width,
                    y=_n(y),
                    width=_n(max(4, share * bar_space)),
                    height=22,
                    rx=5,
                    fill=OK if row.met else ACCENT,
                )
            )
        value = f"{row.at_or_above} of {row.practices}" if row.practices else "no practices"
        parts.append(
            text(
                label_width + bar_space + 8,
                y + 17,
                f"{value}{f' · {met_word}' if row.met else ''}",
                size=13,
                weight=700,
            )
        )
    bars = "" if own_bars else f" {threshold_label}"
    title = f"Share of each stage's practices{bars or ' at or above their stage bar'}: " + ", ".join(
        f"{row.name} {row.at_or_above} of {row.practices}"
        + (f" at {level_label(row.bar)} or better" if own_bars and row.practices else "")
        + (f" ({met_word})" if row.met else "")
        for row in profile
    )
    return svg(width, height, title, "".join(parts), ids, "profile")


def stage_vote_chart(
    rows, unknown: int, ids: Ids, width: float = 520, label_width: float = 150, value_width: float = 170
) -> str:
    """The stage vote's answers: one bar per stage (the room's stage marked), "don't know" hatched.

    ``rows`` are (stage name, votes, chosen). Slate greys, never the adoption levels' colours: the
    answers are stages, not levels.
    """
    row_height = 21
    bar_space = width - label_width - value_width
    entries = [*rows, (None, unknown, False)] if unknown else list(rows)
    largest = max([count for _, count, _ in entries] + [1])
    height = len(entries) * row_height + 4
    pattern = ids.next()
    parts = [hatch(pattern)] if unknown else []
    for index, (name, count, chosen) in enumerate(entries):
        y = index * row_height + 2
        label = name if name is not None else level_label(scale.UNKNOWN)
        parts.append(text(0, y + 14, label, size=12, weight=800 if chosen else 500, fill=TEXT if name else MUTED))
        parts.append(element("rect", x=label_width, y=_n(y), width=_n(bar_space), height=18, rx=4, fill=TRACK))
        if count:
            fill = f"url(#{pattern})" if name is None else (STAGE_CHOSEN if chosen else STAGE_OTHER)
            parts.append(
                element(
                    "rect",
                    x=label_width,
                    y=_n(y),
                    width=_n(max(4, bar_space * count / largest)),
                    height=18,
                    rx=4,
                    fill=fill,
                    data_stage="unknown" if name is None else None,
                )
            )
        value = f"{count} vote{'s' if count != 1 else ''}" + (" · room's stage" if chosen else "")
        parts.append(text(label_width + bar_space + 8, y + 14, value, size=12, weight=700 if chosen else 400))
    title = "Stage vote: " + ", ".join(
        f"{name if name is not None else level_label(scale.UNKNOWN)} {count}" for name, count, _ in entries
    )
    return svg(width, height, title, "".join(parts), ids, "stage-vote")


def staircase(stages, stage_index: int, ids: Ids, width: float = 520) -> str:
    """The stages as steps, first at the left; reached steps filled, the current one marked."""
    count = len(stages)
    gap = 6
    step_width = (width - gap * (count - 1)) / count
    label_space = 34
    base = 26
    rise = 16
    height = label_space + base + rise * (count - 1) + 4
    parts = []
    for index, (_, name) in enumerate(stages, start=1):
        x = (index - 1) * (step_width + gap)
        step_height = base + rise * (index - 1)
        y = height - step_height
        reached = index <= stage_index
        current = index == stage_index
        upcoming = index == stage_index + 1
        parts.append(
            element(
                "rect",
                x=_n(x),
                y=_n(y),
                width=_n(step_width),
                height=_n(step_height),
                rx=4,
                fill=ACCENT if current else ("#cfe0f1" if reached else "#ffffff"),
                stroke=ACCENT if (reached or upcoming) else BORDER,
                stroke_width=2.5 if current else 1.5,
                stroke_dasharray="5 3" if upcoming else None,
            )
        )
        parts.append(text(x + step_width / 2, y - 18, name, size=12, weight=800 if current else 600, anchor="middle"))
        note = "placed here" if current else "reached" if reached else "next" if upcoming else ""
        if note:
            parts.append(text(x + step_width / 2, y - 5, note, size=10, anchor="middle", fill=MUTED))
    reached_name = stages[stage_index - 1][1] if stage_index else None
    title = f"Stages from first to last: {', '.join(name for _, name in stages)}. " + (
        f"Placed in {reached_name}, stage {stage_index} of {count}." if reached_name else "Not yet placed."
    )
    return svg(width, height, title, "".join(parts), ids, "staircase")


def benchmark_chart(distribution, subject_name: str, ids: Ids, width: float = 520) -> str:
    """How many peer sessions reached each stage; the subject's stage is marked."""
    row_height, label_width, value_width = 26, 150, 170
    bar_space = width - label_width - value_width
    largest = max([count for _, count in distribution] + [1])
    height = len(distribution) * row_height + 4
    parts = []
    for index, (name, count) in enumerate(distribution):
        y = index * row_height + 2
        mine = name == subject_name
        parts.append(text(0, y + 15, name, size=12, weight=800 if mine else 500))
        parts.append(element("rect", x=label_width, y=_n(y), width=_n(bar_space), height=18, rx=4, fill=TRACK))
        if count:
            parts.append(
                element(
                    "rect",
                    x=label_width,
                    y=_n(y),
                    width=_n(max(4, bar_space * count / largest)),
                    height=18,
                    rx=4,
                    fill=ACCENT if mine else "#8a97a8",
                )
            )
        value = f"{count} session{'s' if count != 1 else ''}" + (" · this one's stage" if mine else "")
        parts.append(text(label_width + bar_space + 8, y + 15, value, size=12, weight=700 if mine else 400))
    title = "Other sessions per stage reached: " + ", ".join(f"{name} {count}" for name, count in distribution)
    return svg(width, height, title, "".join(parts), ids, "benchmark")


def swatch(level: str, ids: Ids, size: float = 14) -> str:
    """A legend's colour square (hatched for "don't know"); the legend writes the name beside it."""
    if level == scale.UNKNOWN:
        pattern = ids.next()
        body = hatch(pattern) + element(
            "rect", width=_n(size), height=_n(size), rx=3, fill=f"url(#{pattern})", stroke="#767676", stroke_width=1
        )
    else:
        body = element(
            "rect", width=_n(size), height=_n(size), rx=3, fill=COLOURS[level], stroke="#767676", stroke_width=1
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="swatch" viewBox="0 0 {_n(size)} {_n(size)}" '
        f'width="{_n(size)}" height="{_n(size)}" aria-hidden="true" data-level="{level}">{body}</svg>'
    )
