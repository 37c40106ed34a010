"""The summary as PDF: the HTML summary printed by WeasyPrint, charts included.

WeasyPrint needs system libraries (Pango, HarfBuzz); where they are missing, importing it fails with
an OSError, and the export answers ``Unavailable`` (HTTP 503) instead of crashing. The page is
self-contained, and the URL fetcher refuses everything anyway: making a PDF sends no request.

While it renders, WeasyPrint logs a line per step and a warning per CSS property it does not know
(the browser-only ones are expected), and fontTools one per font it subsets: none of it is news to
whoever runs the server, so those loggers are held at ERROR for the rendering. Errors still show,
and the app's own loggers are left alone.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ..core.errors import Unavailable
from ..core.frameworks import Framework
from ..core.report import Report
from . import html

# WeasyPrint's loggers ("weasyprint.progress" is set on its own: it has a level of its own there)
# and fontTools' (font subsetting); children without a level of their own follow their parent.
QUIET_LOGGERS = ("weasyprint", "weasyprint.progress", "fontTools")


@contextmanager
def quiet_renderer_logs(level: int = logging.ERROR) -> Iterator[None]:
    """Hold the PDF libraries' loggers at ``level`` for the duration, then restore their levels."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(level, logger.level))
    try:
        yield
    finally:
        for logger, previous in zip(loggers, before, strict=True):
            logger.setLevel(previous)


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the summary fetches nothing, not {url[:60]!r}")


def _refusing_fetcher(weasyprint):
    """A URL fetcher that fetches nothing: a ``URLFetcher`` whose ``fetch`` refuses (WeasyPrint 63
    and later expect one), or the plain function older versions call."""
    base = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if base is None or not hasattr(base, "fetch"):
        return _refuse

    class Refusing(base):
        def fetch(self, url, headers=None):
            _refuse(url)

    return Refusing()


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


# A last page filled less than this (a share of its height) is laid out again, tighter: a page
# with the footer and three lines on it reads as a mistake.
NEAR_EMPTY = 0.3
COMPACT = """
.details { font-size: 9pt; line-height: 1.35; }
.details .card { padding: 0.6rem 0.8rem; margin-bottom: 0.6rem; }
.details .round { margin: 0.25rem 0 0.35rem; }
.details h2 { margin-bottom: 0.4rem; }
"""
ABOUT_ON_ITS_OWN_PAGE = ".card.about { break-before: page; }"
LAYOUTS = ("", COMPACT, COMPACT + ABOUT_ON_ITS_OWN_PAGE)  # tried in order until the last page is full enough


def page_fill(page) -> float:
    """How far down its content area a laid-out page is used (0..1), page margins aside."""
    from weasyprint.formatting_structure.boxes import LineBox, MarginBox, ReplacedBox

    box = getattr(page, "_page_box", None)
    if box is None:  # another WeasyPrint: nothing to measure, nothing to correct
        return 1.0
    top, height = box.content_box_y(), box.height
    bottom = top
    for child in box.children:
        if isinstance(child, MarginBox):  # the running footer
            continue
        for descendant in child.descendants():
            if isinstance(descendant, LineBox | ReplacedBox):
                bottom = max(bottom, descendant.position_y + descendant.margin_height())
    return min(1.0, (bottom - top) / height) if height else 1.0


def document(report: Report, framework: Framework | None = None):
    """The laid-out WeasyPrint document (its ``pages`` can be inspected before writing).

    When the last page would be nearly empty, the details are laid out again more tightly (and
    then with "About this framework" on a page of its own); the fullest last page wins.
    """
    weasyprint = prepare()
    page = html.render(report, framework)
    fetcher = _refusing_fetcher(weasyprint)
    best, best_fill = None, -1.0
    with quiet_renderer_logs():
        for extra in LAYOUTS:
            stylesheets = [weasyprint.CSS(string=extra)] if extra else None
            laid_out = weasyprint.HTML(string=page, url_fetcher=fetcher).render(stylesheets=stylesheets)
            fill = page_fill(laid_out.pages[-1])
            if fill >= NEAR_EMPTY or len(laid_out.pages) == 1:
                return laid_out
            if fill > best_fill:
                best, best_fill = laid_out, fill
    return best


def render(report: Report, framework: Framework | None = None) -> bytes:
    """The summary as PDF bytes; ``framework`` (the session's copy) adds its notes and cautions."""
    laid_out = document(report, framework)
    with quiet_renderer_logs():
        return laid_out.write_pdf()
