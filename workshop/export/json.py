"""The summary as JSON: ``Report.to_dict`` (schema in docs/summary.schema.json), pretty-printed."""

import json

from ..core.report import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
