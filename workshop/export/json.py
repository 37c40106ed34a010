"""The summary as JSON: ``Report.to_dict`` (schema in docs/summary.schema.json), pretty-printed."""

import json

from ..core.frameworks import Framework
from ..core.report import Report


def render(report: Report, framework: Framework | None = None) -> str:
    """The document; ``framework`` is not used (the JSON is ``Report.to_dict`` alone)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
