"""Renderers of the session summary (``core.report.Report``), one module per format.

Each module has ``render(report, framework=None)``: ``markdown``, ``csv`` and ``json`` return text,
``html`` a self-contained page (inline CSS and SVG, no external request), ``pdf`` bytes (WeasyPrint,
imported only when a PDF is asked for). ``framework`` is the session's copy of its framework: the
Markdown, HTML and PDF summaries then explain it (its notes, cautions and figures), which the
report alone does not hold; the CSV and JSON do not use it. ``export(report, format)`` returns the
bytes, the media type and a file name for a download.
"""

import re
import unicodedata
from dataclasses import dataclass
from importlib import import_module

from ..core.errors import BadRequest
from ..core.frameworks import Framework
from ..core.report import Report


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    media_type: str
    extension: str
    heavy: bool = False  # seconds of CPU for a large session: rendered one at a time, in a child process


FORMATS = {
    "md": Format("md", "markdown", "text/markdown; charset=utf-8", "md"),
    "csv": Format("csv", "csv", "text/csv; charset=utf-8", "csv"),
    "json": Format("json", "json", "application/json", "json"),
    "html": Format("html", "html", "text/html; charset=utf-8", "html"),
    "pdf": Format("pdf", "pdf", "application/pdf", "pdf", heavy=True),
}


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def export_format(name) -> Format:
    """The format called ``name``, or BadRequest listing the formats."""
    try:
        return FORMATS[name]
    except (KeyError, TypeError):
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {name!r}") from None


def slug(text: str) -> str:
    """ASCII letters, digits and dashes, for file names ("Café Oslo" -> "cafe-oslo")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def filename(report: Report, fmt: Format) -> str:
    """A sensible download name: cx-summary-<organisation>-<date>-<code>.<ext>."""
    session = report.session
    parts = ["cx-summary", slug(session.organization or "") or None, session.date, session.code]
    return "-".join(part for part in parts if part) + f".{fmt.extension}"


def prepare(name: str) -> None:
    """Load a format's renderer and what it needs (WeasyPrint for PDF) before rendering elsewhere."""
    module = import_module(f"{__name__}.{export_format(name).module}")
    if hasattr(module, "prepare"):
        module.prepare()


def render(report: Report, name: str, framework: Framework | None = None) -> bytes:
    """The report in format ``name``, as bytes (text formats in UTF-8)."""
    fmt = export_format(name)
    module = import_module(f"{__name__}.{fmt.module}")
    content = module.render(report, framework or report.framework)
    return content if isinstance(content, bytes) else content.encode("utf-8")


def export(report: Report, name: str, framework: Framework | None = None, *, in_child: bool = False) -> Export:
    """The report as a download; ``in_child`` renders it in a child process (``export.child``)."""
    fmt = export_format(name)
    if in_child and framework is None:
        from . import child

        content = child.render(report, name)
    else:
        content = render(report, name, framework)
    return Export(content, fmt.media_type, filename(report, fmt))
