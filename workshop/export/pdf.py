"""The summary as PDF: the HTML summary printed by WeasyPrint, charts included.

WeasyPrint needs system libraries (Pango, HarfBuzz); where they are missing, importing it fails with
an OSError, and the export answers ``Unavailable`` (HTTP 503) instead of crashing. The page is
self-contained, and the URL fetcher refuses everything anyway: making a PDF sends no request.
"""

import logging

from ..core.errors import Unavailable
from ..core.report import Report
from . import html


class _BrowserOnlyProperties(logging.Filter):
    """WeasyPrint warns about the CSS that only browsers use (printing colours); it is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "print-color-adjust" not in record.getMessage()


_QUIET = _BrowserOnlyProperties()


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the summary fetches nothing, not {url[:60]!r}")


def prepare():
    """Import WeasyPrint (it looks for its system libraries, running ldconfig): call this where
    subprocesses may start, before rendering in a worker thread. Raises Unavailable without it."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise Unavailable(
            "PDF export needs WeasyPrint and its system libraries (Pango), which this server lacks; "
            f"export as HTML and print it to PDF instead ({type(error).__name__})"
        ) from None
    return weasyprint


def render(report: Report) -> bytes:
    weasyprint = prepare()
    logger = logging.getLogger("weasyprint")
    if _QUIET not in logger.filters:
        logger.addFilter(_QUIET)
    document = weasyprint.HTML(string=html.render(report), url_fetcher=_refuse)
    return document.write_pdf()
