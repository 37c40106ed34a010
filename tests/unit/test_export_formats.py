"""The summary's formats on a fixed session: golden files for Markdown, CSV and JSON, and the
properties of the HTML and PDF a person relies on.

Regenerate the golden files after an intended change with
``WORKSHOP_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_export_formats.py`` and review the
diff; a regenerating run skips the comparison (a file compared with itself proves nothing).
"""

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from tests.sample_session import FORMULA_REASON, FRAMEWORKS, sample_report
from tests.summary_helpers import schema_errors
from workshop.core.benchmark import BenchmarkPoint, benchmark
from workshop.export import FORMATS, filename, render
from workshop.export.csv import COLUMNS, neutralise
from workshop.export.markdown import md

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = os.environ.get("WORKSHOP_REGENERATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_text_formats_match_their_golden_files(fmt):
    produced = render(sample_report(), fmt)
    golden = GOLDEN / f"summary.{fmt}"
    if REGENERATE:
        golden.write_bytes(produced)
        pytest.skip(f"regenerated {golden.name}: review the diff, then run again without WORKSHOP_REGENERATE_GOLDEN")
    assert produced == golden.read_bytes(), f"{golden.name} changed: regenerate it if the change is intended"


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_text_formats_are_deterministic(fmt):
    assert render(sample_report(), fmt) == render(sample_report(), fmt)


def test_the_json_export_validates_against_its_schema():
    for report in (sample_report(), sample_report(closed=False)):
        assert schema_errors(json.loads(render(report, "json"))) == []


def test_the_csv_has_one_row_per_practice_and_round_and_opens_in_spreadsheets():
    data = render(sample_report(), "csv")
    assert data.startswith("\ufeff".encode())  # UTF-8 byte-order mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS)
    per_practice = {}
    for row in rows:
        per_practice.setdefault(row["practice_id"], []).append(row["round"])
    assert len(per_practice) == 14
    assert per_practice["explore-working-group"] == ["1", "2"]
    assert per_practice["align-hr-practices"] == [""]  # never opened: one row, no round
    latest = [row for row in rows if row["latest_round"] == "yes"]
    assert len(latest) == 6


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    for dangerous in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", FORMULA_REASON, "\uff1dSUM(A1)"):
        assert neutralise(dangerous) == "'" + dangerous
    for safe in ("Ad Hoc: =1+1", "plain", "a=b"):
        assert neutralise(safe) == safe
    assert (
        neutralise(-0.25) == "-0.25" and neutralise(3) == "3" and neutralise(None) == "" and neutralise(True) == "yes"
    )
    # no cell of the export starts like a formula, yet the reason is still there to read
    text = render(sample_report(), "csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert any(FORMULA_REASON in cell for cell in cells)


def test_markdown_escapes_what_people_typed():
    assert md("*bold* [link](http://x) <b>") == r"\*bold\* \[link\](http://x) \<b\>"
    assert md("a | b") == r"a \| b" and md("AT&T") == "AT&T" and md("&amp;") == "&amp;amp;"
    text = render(sample_report(), "md").decode()
    assert "<b>" not in text and "[see wiki](" not in text
    assert text.startswith("# Spring CX maturity check: CX maturity summary\n")


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import|<script|<link\b|<iframe|<object|<embed""",
    re.IGNORECASE,
)


def test_the_html_file_is_self_contained_and_makes_no_request():
    page = render(sample_report(), "html").decode()
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "@font-face" not in page
    assert "<svg" in page and "<style>" in page
    # every level colour comes with its name
    for colour, name in (
        ("#d55e00", "Missing"),
        ("#e69f00", "Ad Hoc"),
        ("#56b4e9", "Repeatable"),
        ("#0072b2", "Systematic"),
    ):
        assert colour in page and name in page
    assert "Don&#39;t know" in page or "Don't know" in page
    # people's text is escaped, not interpreted
    assert "<b>strongly</b>" not in page and "&lt;b&gt;strongly&lt;/b&gt;" in page


def test_the_pdf_holds_the_placement_and_every_practice():
    pypdf = pytest.importorskip("pypdf")
    try:
        data = render(sample_report(), "pdf")
    except Exception as error:  # pragma: no cover - WeasyPrint's libraries missing here
        pytest.skip(f"PDF rendering unavailable: {error}")
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Placement: Explore (stage 2 of 6)" in text
    for row in sample_report().practices:
        assert " ".join(row.ref.text.split()) in text, row.ref.text
    assert len(reader.pages) >= 2
    assert reader.metadata.title == "Spring CX maturity check: CX maturity summary"


def test_a_benchmark_appears_in_every_format():
    framework = FRAMEWORKS["temkin-six-stages"]
    shares = {stage.id: 0.0 for stage in framework.stages}
    peers = [BenchmarkPoint(index, shares, 3) for index in (1, 1, 2, 2, 3)]
    result = benchmark(framework, BenchmarkPoint(2, shares, 6), peers, "repeatable")
    report = sample_report(benchmark=result)
    assert "## Benchmark" in render(report, "md").decode()
    assert json.loads(render(report, "json"))["benchmark"]["stage_percentile"] == 60
    assert schema_errors(report.to_dict()) == []
    assert 'id="benchmark"' in render(report, "html").decode()


def test_download_names_are_sensible():
    report = sample_report()
    assert filename(report, FORMATS["pdf"]) == "cx-summary-acme-retail-2025-03-14-K5JNA8.pdf"
    assert filename(report, FORMATS["md"]).endswith(".md")


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.text())
def test_no_text_ever_reaches_a_spreadsheet_as_a_formula(value):
    cell = neutralise(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"))
    assert cell in (value, "'" + value)


@given(st.text())
def test_markdown_escaping_never_lets_markup_through(value):
    escaped = md(value)
    assert "\n" not in escaped  # one line: it cannot start a heading, a list or a table row
    for char in "<[`*|":
        assert char not in escaped.replace("\\" + char, ""), char
