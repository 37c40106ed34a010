"""The generated table of docs/agreement-labels.md: every room of 5 to 8 voters and its label, and how
often one vote moving one level changes a label. Regenerate with
``WORKSHOP_REGENERATE_DOCS=1 .venv/bin/python -m pytest tests/unit/test_label_docs.py``."""

from collections import Counter
from itertools import combinations

from workshop.core.analysis import LABEL_TEXT, LABELS, analyse

LEVELS = 4


def all_counts(voters):
    for cuts in combinations(range(voters + LEVELS - 1), LEVELS - 1):
        bounds = (-1, *cuts, voters + LEVELS - 1)
        yield tuple(bounds[i + 1] - bounds[i] - 1 for i in range(LEVELS))


def moved(counts):
    for index, count in enumerate(counts):
        for step in (-1, 1):
            if count and 0 <= index + step < LEVELS:
                other = list(counts)
                other[index] -= 1
                other[index + step] += 1
                yield tuple(other)


def stability(voters):
    """(label -> share of one-vote moves that change it, polarised -> share that make it agreed or leaning)."""
    labels = {counts: analyse(counts).label for counts in all_counts(voters)}
    changed, total = Counter(), Counter()
    softened = 0
    for counts, label in labels.items():
        for other in moved(counts):
            total[label] += 1
            outcome = analyse(other).label
            if outcome != label:
                changed[label] += 1
            if label == "polarised" and outcome in ("agreed", "leaning"):
                softened += 1
    return labels, changed, total, softened


def markdown() -> str:
    lines = [
        "# Every room of 5 to 8 voters, and its label",
        "",
        "Generated from `workshop/core/analysis.py` by `tests/label_table.py`; a test fails when it is out of",
        "date (regenerate: `WORKSHOP_REGENERATE_DOCS=1 .venv/bin/python -m pytest tests/unit/test_label_docs.py`).",
        'Counts are Missing, Ad Hoc, Repeatable, Systematic, at the default settings, with no "don\'t know".',
        "The rules are in [agreement.md](agreement.md#3-the-labels).",
        "",
        "## How often one vote moving one level changes the label",
        "",
        "For every room of that size and every way one person can move one level up or down: the share of",
        "those moves that change the room's label, and, for polarised rooms, the share that make it agreed",
        "or leaning (which would move it down the discussion queue).",
        "",
        "| voters | rooms | "
        + " | ".join(LABEL_TEXT[label] for label in LABELS[:4])
        + " | polarised to agreed or leaning |",
        "|---|---|" + "---|" * 5,
    ]
    for voters in (5, 6, 7, 8, 10, 12, 15, 20, 30):
        labels, changed, total, softened = stability(voters)
        cells = [
            f"{changed[label] / total[label]:.0%} of {total[label]}" if total[label] else "–" for label in LABELS[:4]
        ]
        lines.append(
            f"| {voters} | {len(labels)} | " + " | ".join(cells) + f" | {softened / max(total['polarised'], 1):.0%} |"
        )
    lines += ["", "## The labels, room by room", ""]
    for voters in range(5, 9):
        labels = {counts: analyse(counts) for counts in all_counts(voters)}
        tally = Counter(result.label for result in labels.values())
        summary = ", ".join(f"{LABEL_TEXT[label].lower()} {tally[label]}" for label in LABELS if tally[label])
        lines += [
            f"### {voters} voters ({len(labels)} rooms: {summary})",
            "",
            "| votes | label | why |",
            "|---|---|---|",
        ]
        for counts, result in labels.items():
            lines.append(f"| {', '.join(map(str, counts))} | {LABEL_TEXT[result.label]} | {result.label_reason} |")
        lines.append("")
    return "\n".join(lines)
