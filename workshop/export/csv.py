"""The summary as CSV: one row per practice and round (docs/export.md lists the columns).

The stage vote (stage-vote frameworks) has rows of its own, ``kind`` = ``stage_vote``: its answers
are stages, so its counts are in ``stage_votes`` and the room's stage in ``stage``; the adoption
level columns stay empty.

UTF-8 with a byte-order mark (so spreadsheet programs detect the encoding), comma-separated, CRLF
line ends, dots as decimal separators. Text that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their full-width forms) is prefixed with an
apostrophe; numbers are written by us and are never text. A practice never opened has one row with
an empty ``round``.
"""

import csv
import io

from ..core import prework
from ..core.frameworks import STAGE_VOTE, Framework
from ..core.report import Report
from ..core.results import PracticeView, RoundView
from . import text

COLUMNS = (
    "session_code",
    "session_title",
    "organization",
    "team",
    "framework",
    "session_date",
    "session_status",
    "prework_deadline",
    "prework_started",
    "prework_finished",
    "practice_position",
    "practice_id",
    "kind",
    "stage",
    "practice",
    "round",
    "round_where",
    "round_revealed",
    "latest_round",
    "votes",
    "missing",
    "ad_hoc",
    "repeatable",
    "systematic",
    "dont_know",
    "stage_votes",
    "voters",
    "dont_know_share",
    "label",
    "label_reason",
    "consensus",
    "agreement",
    "rwg",
    "median_low",
    "median_high",
    "mean",
    "computed_level",
    "consolidated_level",
    "overridden",
    "decision_note",
    "settled_by",
    "level",
    "provisional",
    "in_action_plan",
    "shift",
    "reasons",
)
SETTLED_WORDS = {"prework": "pre-work", "room": "room"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BOM = "\ufeff"


def neutralise(value) -> str:
    """A cell's text; text a spreadsheet would evaluate as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _level(value: str | None) -> str | None:
    return text.level_label(value) if value else None


def _practice_columns(report: Report, row: PracticeView) -> dict:
    session = report.session
    decision = row.decision
    columns = {
        "session_code": session.code,
        "session_title": session.title,
        "organization": session.organization,
        "team": session.team,
        "framework": session.framework_name,
        "session_date": session.date,
        "session_status": session.status,
        "practice_position": row.ref.position,
        "practice_id": row.ref.id,
        "kind": row.kind,
        "stage": row.ref.stage_name,
        "practice": row.ref.text,
        "overridden": row.overridden if decision else None,
        "decision_note": decision.note if decision else None,
        "settled_by": SETTLED_WORDS.get(prework.settled_where(row)),
        "provisional": row.provisional if row.level else None,
        "in_action_plan": row.in_action_plan,
    }
    if row.kind == STAGE_VOTE:
        # the room's stage where a practice has its stage; no adoption level
        columns["stage"] = text.stage_name(report, row.level) if row.level else None
    else:
        columns.update(consolidated_level=_level(row.consolidated_level), level=_level(row.level))
    return columns


def _round_columns(report: Report, row: PracticeView, round_row: RoundView) -> dict:
    columns = {
        "round": round_row.number,
        "round_where": "pre-work" if report.prework and round_row.number == prework.PREWORK_ROUND else "room",
        "round_revealed": round_row.revealed,
        "latest_round": round_row is row.latest_revealed,
        "votes": round_row.votes,
    }
    result = round_row.result
    if result is not None:
        counts = result.counts_by_level()
        columns.update(
            dont_know=counts["unknown"],
            voters=result.voters,
            dont_know_share=round(result.abstaining_share, 4) if result.abstaining_share is not None else None,
            label=text.label_text(result.label),
            label_reason=result.label_reason,
            consensus=_round(result.consensus),
            agreement=_round(result.agreement),
            rwg=_round(result.rwg),
        )
        if row.kind == STAGE_VOTE:
            columns["stage_votes"] = text.stage_votes_text(report, result)
        else:
            columns.update(
                missing=counts["missing"],
                ad_hoc=counts["ad_hoc"],
                repeatable=counts["repeatable"],
                systematic=counts["systematic"],
                median_low=_level(result.median_low),
                median_high=_level(result.median_high),
                mean=_round(result.mean),
                computed_level=_level(result.computed_level),
            )
    if row.shift is not None and row.shift.to_round == round_row.number:
        columns["shift"] = row.shift.describe()
    reasons = text.reasons_of(report, row, round_row.number)
    if reasons:
        columns["reasons"] = "\n".join(f"{text.answer_label(report, row.ref, r.level)}: {r.note}" for r in reasons)
    return columns


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _prework_columns(report: Report) -> dict:
    if report.prework is None:
        return {}
    view = report.prework.view
    return {
        "prework_deadline": view.prework.closed_at or view.prework.deadline,
        "prework_started": view.participation.started,
        "prework_finished": view.participation.finished,
    }


def rows(report: Report) -> list[dict]:
    """The table as dicts (column -> value), before formatting."""
    table = []
    session = _prework_columns(report)
    for row in report.practices:
        base = {**_practice_columns(report, row), **session}
        if not row.rounds:
            table.append(base)
        for round_row in row.rounds:
            table.append({**base, **_round_columns(report, row, round_row)})
    return table


def render(report: Report, framework: Framework | None = None) -> str:
    """The table as CSV text; ``framework`` is not used (the CSV has no framework notes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(report):
        writer.writerow([neutralise(row.get(column)) for column in COLUMNS])
    return BOM + buffer.getvalue()
