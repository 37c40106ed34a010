"""The summary's formats on fixed sessions: golden files for Markdown, CSV and JSON, and what a reader
of every format relies on: the executive page first and on one page, overrides marked wherever a
level is shown, each label's reason, the stage vote as an item of its own, the framework explained,
no link smuggled into Markdown, a PDF without a stray last page, and a quiet console.

Regenerate the golden files after an intended change with
``WORKSHOP_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_export_formats.py`` and review the
diff; a regenerating run skips the comparison (a file compared with itself proves nothing).
"""

import csv
import io
import json
import logging
import os
import re
from collections import defaultdict
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.sample_session import (
    FORMULA_REASON,
    FRAMEWORKS,
    GENERATED_AT,
    URL_REASON,
    forrester_report,
    foundations_report,
    prework_report,
    profile_report,
    sample_report,
    stage_vote_framework,
    stage_vote_report,
)
from tests.summary_helpers import schema_errors
from workshop.core import analysis
from workshop.core.assessment import Assessment, Settings
from workshop.core.benchmark import BenchmarkPoint, benchmark
from workshop.core.frameworks import STAGE_VOTE_ID
from workshop.core.report import build_report
from workshop.core.results import build_results
from workshop.export import FORMATS, filename, render
from workshop.export.csv import COLUMNS, neutralise
from workshop.export.markdown import md

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = os.environ.get("WORKSHOP_REGENERATE_GOLDEN") == "1"
SIX_STAGES = FRAMEWORKS["temkin-six-stages"]
FORRESTER = FRAMEWORKS["forrester-path"]
LEVEL_COLOURS = ("#d55e00", "#e69f00", "#56b4e9", "#0072b2")


def text_of(report, fmt: str, framework=None) -> str:
    return render(report, fmt, framework).decode("utf-8-sig")


def csv_rows(report) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text_of(report, "csv"))))


def plain(markup: str) -> str:
    """The text of an HTML fragment, tags removed and whitespace collapsed."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return re.sub(r" ([,.;:)])", r"\1", words)


def section(page: str, name: str) -> str:
    """The markup of the element marked ``data-section="name"`` (up to its closing tag)."""
    match = re.search(rf'<(section|div)\b[^>]*data-section="{name}"[^>]*>', page)
    assert match, f"no data-section={name!r}"
    tag, depth, position = match.group(1), 1, match.end()
    for found in re.finditer(rf"<(/?){tag}\b", page[position:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return page[match.start() : position + found.start()]
    raise AssertionError(f"unclosed data-section={name!r}")


def markdown_section(text: str, heading: str) -> str:
    """The Markdown under a heading (any level), up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} |^---$", rest, re.M)
    return rest[: end.start()] if end else rest


# --- golden files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_text_formats_match_their_golden_files(fmt):
    produced = render(sample_report(), fmt, SIX_STAGES)
    golden = GOLDEN / f"summary.{fmt}"
    if REGENERATE:
        golden.write_bytes(produced)
        pytest.skip(f"regenerated {golden.name}: review the diff, then run again without WORKSHOP_REGENERATE_GOLDEN")
    assert produced == golden.read_bytes(), f"{golden.name} changed: regenerate it if the change is intended"


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_text_formats_are_deterministic(fmt):
    assert render(sample_report(), fmt, SIX_STAGES) == render(sample_report(), fmt, SIX_STAGES)


def test_the_json_export_validates_against_its_schema():
    for report in (
        sample_report(),
        sample_report(closed=False),
        forrester_report(),
        profile_report(),
        prework_report(),
    ):
        assert schema_errors(json.loads(render(report, "json"))) == []


def test_the_json_export_of_a_stage_vote_validates_against_its_schema():
    assert schema_errors(json.loads(render(stage_vote_report(), "json"))) == []


# --- the executive summary ---------------------------------------------------------------------------


EXECUTIVE_ORDER = ["verdict", "profile", "agrees", "disagrees", "action-plan", "overrides"]


@pytest.mark.parametrize("build", [sample_report, forrester_report, stage_vote_report, profile_report])
def test_the_html_opens_with_the_executive_summary_then_the_details(build):
    page = text_of(build(), "html")
    sections = re.findall(r'data-section="([a-z-]+)"', page)
    assert sections[0] == "executive"
    assert sections.index("details") > max(sections.index(name) for name in EXECUTIVE_ORDER)
    assert [name for name in sections if name in EXECUTIVE_ORDER] == EXECUTIVE_ORDER
    executive = plain(section(page, "executive"))
    report = build()
    assert report.placement.headline in executive
    assert report.session.framework_name in executive and report.session.framework_source in executive


def test_the_verdict_is_stated_as_each_placement_mode_states_it():
    phase = plain(section(text_of(forrester_report(), "html"), "verdict"))
    assert "In Elevate (phase 2 of 4)" in phase and "In Elevate: all four Repair requirements are in place" in phase

    best_fit = plain(section(text_of(foundations_report(), "html"), "verdict"))
    assert "Best fit: Mobilize" in best_fit
    assert "Foundations to check" in best_fit
    assert "We bring people together to work out what our customer experience efforts should focus on." in best_fit
    none_to_check = plain(section(text_of(sample_report(), "html"), "verdict"))
    assert "Foundations to check: none" in none_to_check

    vote = plain(section(text_of(stage_vote_report(), "html"), "verdict"))
    assert "Committed, by the room's vote (stage 3 of 5)" in vote
    assert "How the room voted: Leaning: 5 of 8 chose Committed" in vote
    assert "What the practice ratings suggest: Invested" in vote
    assert "one stage lower than the room's vote" in vote

    overridden = plain(section(text_of(stage_vote_report(override=True), "html"), "verdict"))
    assert "Invested, recorded by the facilitator" in overridden
    assert "The room's stage: Invested (overridden: the vote said Committed)" in overridden

    profile = plain(section(text_of(profile_report(), "html"), "verdict"))
    assert "No stage verdict" in profile and "the source gives no rule for moving between" in profile


def test_the_stage_profile_shows_each_stages_own_bar_in_best_fit():
    chart = section(text_of(sample_report(), "html"), "profile")
    for bar in ("Ad Hoc or better", "Repeatable or better", "Systematic or better"):
        assert f"bar: {bar}" in chart
    phase = section(text_of(forrester_report(), "html"), "profile")
    assert "bar:" not in phase and "Repeatable or better" in phase  # one threshold, in the heading


def test_the_executive_lists_a_few_agreements_and_disagreements_and_every_override_with_its_note():
    report = forrester_report()
    executive = section(text_of(report, "html"), "executive")
    agrees, disagrees = plain(section(executive, "agrees")), plain(section(executive, "disagrees"))
    assert [entry.ref.text in agrees for entry in report.agreement.agreed] == [True] * 3 + [False] * 3
    assert [entry.ref.text in disagrees for entry in report.agreement.divided][:4] == [True, True, True, False]
    assert "and 3 more in the details" in agrees
    overrides = plain(section(executive, "overrides"))
    for view in report.practices:
        if view.overridden:
            assert view.ref.text in overrides and view.decision.note in overrides
    assert "Recorded Ad Hoc, overridden: the votes said Missing (round 1)." in overrides
    actions = plain(section(executive, "action-plan"))
    assert "Action plan: the work of Elevate, to advance to Optimize" in actions
    assert all(item.text in actions for item in report.placement.action_plan)


def test_the_markdown_opens_with_the_executive_summary():
    text = text_of(sample_report(), "md", SIX_STAGES)
    headings = re.findall(r"^#{2,3} (.+)$", text, re.M)
    assert headings[:8] == [
        "Executive summary",
        "Verdict: Best fit: Explore (stage 2 of 6)",
        "Stage profile (practices at or above their stage's bar)",
        "Where the group agrees",
        "Where the group disagrees most",
        "Action plan for Mobilize",
        "Overrides",
        "Session",
    ]
    overrides = markdown_section(text, "Overrides")
    assert "recorded Repeatable, overridden: the votes said Ad Hoc (round 2). Note: Frontline only sees" in overrides


# --- overrides, reasons, the stage vote ---------------------------------------------------------------------


def test_an_overridden_level_is_marked_wherever_the_html_shows_it():
    report = forrester_report()
    page = text_of(report, "html")
    overridden = [view for view in report.practices if view.overridden]
    assert len(overridden) == 2
    for view in overridden:
        computed = {"missing": "Missing", "ad_hoc": "Ad Hoc"}[view.computed_level]
        mark = f"overridden: the votes said {computed}"
        places = [
            found.group()
            for found in re.finditer(rf'<(tr|article)\b[^>]*data-practice="{view.ref.id}".*?</\1>', page, re.S)
        ]
        assert len(places) == 2  # the table row and the practice card
        assert all(mark in plain(place) for place in places)
        listed = [plain(item) for item in re.findall(r"<li\b.*?</li>", page, re.S) if view.ref.text in plain(item)]
        assert listed and all(mark in item or "Recorded" in item for item in listed), listed
    card = plain(re.search(r'<article\b[^>]*data-practice="elevate-reward".*?</article>', page, re.S).group())
    assert "Recorded level: Ad Hoc, overridden: the votes said Missing (round 1)." in card


def test_an_overridden_practice_never_reads_as_agreed_at_its_level_without_the_mark():
    report = forrester_report()
    entry = next(entry for entry in report.agreement.agreed if entry.overridden)
    assert (entry.label, entry.level, entry.computed_level) == ("agreed", "ad_hoc", "missing")
    text = text_of(report, "md")
    lines = [line for line in text.splitlines() if md(entry.ref.text) in line and "Ad Hoc" in line]
    assert len(lines) >= 4  # agrees (twice), the practices table, the card
    assert all("overridden: the votes said Missing" in line for line in lines), lines
    agrees = plain(section(text_of(report, "html"), "agrees"))
    assert f"{entry.ref.text} Ad Hoc overridden: the votes said Missing" in agrees.replace("✎", "").replace("  ", " ")


def test_the_csv_level_columns_read_right_for_an_overridden_practice():
    rows = [row for row in csv_rows(sample_report()) if row["practice_id"] == "explore-working-group"]
    assert [row["round"] for row in rows] == ["1", "2"]
    latest = rows[-1]
    assert latest["latest_round"] == "yes" and latest["computed_level"] == "Ad Hoc"
    assert (latest["level"], latest["consolidated_level"], latest["overridden"], latest["provisional"]) == (
        "Repeatable",
        "Repeatable",
        "yes",
        "no",
    )
    assert latest["decision_note"].startswith("Frontline only sees its own stores")
    provisional = next(row for row in csv_rows(sample_report()) if row["practice_id"] == "mobilize-journey-maps")
    assert (provisional["level"], provisional["overridden"], provisional["provisional"]) == ("Missing", "", "yes")


def test_each_label_has_its_reason_beside_it():
    report = sample_report()
    page = plain(text_of(report, "html"))
    markdown = text_of(report, "md")
    rows = {(row["practice_id"], row["round"]): row for row in csv_rows(report)}
    checked = 0
    for view in report.practices:
        for round_row in view.rounds:
            if round_row.result is None:
                continue
            reason = round_row.result.label_reason
            assert reason and rows[(view.ref.id, str(round_row.number))]["label_reason"] == reason
            assert f"Round {round_row.number}:" in page and reason in page
            assert f"**{analysis.LABEL_TEXT[round_row.result.label]}**: {md(reason)}" in markdown
            checked += 1
    assert checked == 7


def test_the_stage_vote_is_an_item_of_its_own_in_every_format():
    report = stage_vote_report()
    framework = stage_vote_framework()
    view = report.practice(STAGE_VOTE_ID)
    assert view.kind == "stage_vote" and view.stage is None

    page = text_of(report, "html", framework)
    card = re.search(r'<section class="card stage-vote"[^>]*data-kind="stage_vote".*?</section>', page, re.S).group()
    words = plain(card)
    assert "Stage vote: which description fits best" in words
    assert "Recorded stage: Committed (round 1)" in words
    assert view.result.label_reason in words
    assert "Interested 1 · Invested 2 · Committed 5 · Engaged 0 · Embedded 0 · Don't know 1" in words
    assert "data-level=" not in card and not any(colour in card for colour in LEVEL_COLOURS)  # no level colours
    glance = section(page, "details").split('id="practices"')[1].split("</section>")[0]
    assert STAGE_VOTE_ID not in glance  # no level column for it

    text = text_of(report, "md", framework)
    item = markdown_section(text, "Stage vote: which description fits best")
    assert "- Recorded stage: **Committed (round 1)**." in item
    assert "| Committed | 5 |" in item and "| Don't know | 1 |" in item
    assert md(view.result.label_reason) in item
    assert item.index("*Invested* (round 1)") < item.index("*Committed* (round 1)") < item.index("*Don't know*")
    assert "Which of these five descriptions" not in markdown_section(text, "Practices")

    row = next(row for row in csv_rows(report) if row["kind"] == "stage_vote")
    assert row["practice_id"] == STAGE_VOTE_ID and row["stage"] == "Committed"
    assert row["stage_votes"] == "Interested 1 · Invested 2 · Committed 5 · Engaged 0 · Embedded 0"
    assert row["dont_know"] == "1" and row["label"] == "Leaning" and row["label_reason"] == view.result.label_reason
    for column in ("missing", "ad_hoc", "repeatable", "systematic", "median_low", "mean", "computed_level", "level"):
        assert row[column] == "", column
    assert "Committed: The board asks" in row["reasons"]
    assert {row["kind"] for row in csv_rows(report)} == {"practice", "stage_vote"}

    document = json.loads(text_of(report, "json"))
    assert document["practices"][-1]["kind"] == "stage_vote" and document["placement"]["mode"] == "stage_vote"


def test_the_recorded_stage_of_an_overridden_stage_vote_is_marked():
    report = stage_vote_report(override=True)
    row = next(row for row in csv_rows(report) if row["kind"] == "stage_vote")
    assert (row["stage"], row["overridden"]) == ("Invested", "yes")
    card = plain(re.search(r'<section class="card stage-vote".*?</section>', text_of(report, "html"), re.S).group())
    assert "Recorded stage: Invested, overridden: the vote said Committed (round 1)" in card
    assert "overridden: the vote said Committed" in markdown_section(text_of(report, "md"), "Overrides")


# --- the framework explained -------------------------------------------------------------------------------


def test_the_summary_explains_the_framework_notes_inferred_practices_and_cautions():
    framework = stage_vote_framework()
    report = stage_vote_report()
    inferred = [view for view in report.practices if view.practice.inferred]
    assert inferred
    for fmt in ("md", "html"):
        text = text_of(report, fmt, framework)
        about = plain(section(text, "about")) if fmt == "html" else markdown_section(text, "About this framework")
        assert (framework.notes[:80] if fmt == "html" else md(framework.notes)[:80]) in about
        for view in inferred:
            reason = view.practice.inferred
            assert (reason if fmt == "html" else md(reason)) in about
            card = (
                re.search(rf'<article\b[^>]*data-practice="{view.ref.id}".*?</article>', text, re.S)
                if fmt == "html"
                else None
            )
            assert card is None or f"Inferred: {reason}" in plain(card.group())

    cautious = FRAMEWORKS["three-levels"]
    assert cautious.cautions
    empty = Assessment(code="CAUTN2", title="Cautions", organization=None, framework=cautious, settings=Settings())
    quiet = build_report(build_results(empty, {}), participants=0, reasons={}, generated_at=GENERATED_AT)
    about = markdown_section(text_of(quiet, "md", cautious), "About this framework")
    assert "**Cautions from the article**" in about and md(cautious.cautions[0].text) in about
    assert cautious.cautions[0].text in plain(section(text_of(quiet, "html", cautious), "about"))


# --- Markdown: what people typed stays text --------------------------------------------------------------


def test_markdown_escapes_what_people_typed():
    assert md("*bold* [link](http://x) <b>") == r"\*bold\* \[link\](http\://x) \<b\>"
    assert md("a | b") == r"a \| b" and md("AT&T") == "AT&T" and md("&amp;") == "&amp;amp;"
    text = text_of(sample_report(), "md")
    assert "<b>" not in text and "[see wiki](" not in text
    assert text.startswith("# Spring CX maturity check: CX maturity summary\n")


# GitHub turns these into links in plain text (its "autolinks" extension)
AUTOLINK = re.compile(r"[a-z0-9+.-]://|(?<![a-z0-9])www\.|[a-z0-9.+_-]@|\b(?:mailto|xmpp):", re.IGNORECASE)


def test_a_bare_address_in_a_reason_does_not_become_a_link():
    assert md(URL_REASON) == r"see http\://evil.example and www\.evil.example"
    assert md("write to a.b@evil.example") == "write to a.b\u2060@evil.example"
    text = text_of(sample_report(), "md", SIX_STAGES)
    assert r"see http\://evil.example and www\.evil.example" in text
    assert not AUTOLINK.search(text), AUTOLINK.search(text)


@given(st.lists(st.sampled_from(["http://", "HTTPS://", "ftp://", "www.", "WWW.", "@", "mailto:", "xmpp:", "a", ".",
                                 "_", "(", "*", " ", "\\", "evil", "-"])).map("".join))  # fmt: skip
def test_markdown_escaping_never_leaves_an_autolink(value):
    assert not AUTOLINK.search(md(value))


@given(st.text())
def test_markdown_escaping_never_lets_markup_through(value):
    escaped = md(value)
    assert "\n" not in escaped  # one line: it cannot start a heading, a list or a table row
    for char in "<[`*|":
        assert char not in escaped.replace("\\" + char, ""), char


# --- CSV -----------------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_practice_and_round_and_opens_in_spreadsheets():
    data = render(sample_report(), "csv")
    assert data.startswith("\ufeff".encode())  # UTF-8 byte-order mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS)
    per_practice = defaultdict(list)
    for row in rows:
        per_practice[row["practice_id"]].append(row["round"])
    assert len(per_practice) == len(SIX_STAGES.practices)
    assert per_practice["explore-working-group"] == ["1", "2"]
    assert per_practice["align-hr-practices"] == [""]  # never opened: one row, no round
    assert len([row for row in rows if row["latest_round"] == "yes"]) == 6
    assert {row["kind"] for row in rows} == {"practice"}


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    for dangerous in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", FORMULA_REASON, "\uff1dSUM(A1)"):
        assert neutralise(dangerous) == "'" + dangerous
    for safe in ("Ad Hoc: =1+1", "plain", "a=b"):
        assert neutralise(safe) == safe
    assert (
        neutralise(-0.25) == "-0.25" and neutralise(3) == "3" and neutralise(None) == "" and neutralise(True) == "yes"
    )
    # no cell of the export starts like a formula, yet the reason is still there to read
    cells = [cell for row in csv.reader(io.StringIO(text_of(sample_report(), "csv"))) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert any(FORMULA_REASON in cell for cell in cells)


@given(st.text())
def test_no_text_ever_reaches_a_spreadsheet_as_a_formula(value):
    cell = neutralise(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"))
    assert cell in (value, "'" + value)


# --- HTML -------------------------------------------------------------------------------------------------


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import|<script|<link\b|<iframe|<object|<embed""",
    re.IGNORECASE,
)


def test_the_html_file_is_self_contained_and_makes_no_request():
    page = text_of(sample_report(), "html", SIX_STAGES)
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "@font-face" not in page
    assert "<svg" in page and "<style>" in page
    # every level colour comes with its name
    for colour, name in zip(LEVEL_COLOURS, ("Missing", "Ad Hoc", "Repeatable", "Systematic"), strict=True):
        assert colour in page and name in page
    assert "Don&#39;t know" in page or "Don't know" in page
    # people's text is escaped, not interpreted
    assert "<b>strongly</b>" not in page and "&lt;b&gt;strongly&lt;/b&gt;" in page


def test_a_benchmark_appears_in_every_format():
    shares = {stage.id: 0.0 for stage in SIX_STAGES.stages}
    peers = [BenchmarkPoint(index, shares, 3) for index in (1, 1, 2, 2, 3)]
    result = benchmark(SIX_STAGES, BenchmarkPoint(2, shares, 6), peers, "repeatable")
    report = sample_report(benchmark=result)
    assert "## Benchmark" in text_of(report, "md")
    assert json.loads(render(report, "json"))["benchmark"]["stage_percentile"] == 60
    assert schema_errors(report.to_dict()) == []
    assert 'id="benchmark"' in text_of(report, "html")


def test_download_names_are_sensible():
    report = sample_report()
    assert filename(report, FORMATS["pdf"]) == "cx-summary-acme-retail-2025-03-14-K5JNA8.pdf"
    assert filename(report, FORMATS["md"]).endswith(".md")


# --- PDF ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_module():
    pytest.importorskip("pypdf")
    from workshop.core.errors import Unavailable
    from workshop.export import pdf

    try:
        pdf.prepare()
    except Unavailable as error:  # pragma: no cover - WeasyPrint's libraries missing here
        pytest.skip(f"PDF rendering unavailable: {error}")
    return pdf


@pytest.fixture(scope="module")
def laid_out(pdf_module):
    """The sample's and the thirteen-practice Forrester session's PDFs, laid out once."""
    return {
        "sample": pdf_module.document(sample_report(), SIX_STAGES),
        "forrester": pdf_module.document(forrester_report(), FORRESTER),
        "prework": pdf_module.document(prework_report(), FORRESTER),
    }


def page_texts(document) -> list[str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(document.write_pdf()))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def pages_of_practice_cards(document) -> dict[str, set[int]]:
    """On which pages each practice card (``article.practice``) is laid out."""
    found = defaultdict(set)
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.tag == "article" and element.get("data-practice"):
                found[element.get("data-practice")].add(number)
    return found


@pytest.mark.parametrize("name", ["sample", "forrester", "prework"])
def test_the_pdf_executive_summary_is_the_first_page_and_fits_on_it(laid_out, name):
    texts = page_texts(laid_out[name])
    assert texts[0].startswith("CX MATURITY SUMMARY · EXECUTIVE SUMMARY")
    assert "Overrides" in texts[0] and "Details follow:" in texts[0]  # the last lines of the page
    assert texts[1].startswith("DETAILS")  # nothing of the summary spilled over


@pytest.mark.parametrize("name", ["sample", "forrester"])
def test_the_pdf_never_splits_a_practice_card_nor_ends_on_a_near_empty_page(laid_out, pdf_module, name):
    document = laid_out[name]
    cards = pages_of_practice_cards(document)
    assert cards and all(len(pages) == 1 for pages in cards.values()), cards
    assert pdf_module.page_fill(document.pages[-1]) >= pdf_module.NEAR_EMPTY
    assert len(document.pages) >= 3


def test_the_pdf_holds_the_placement_and_every_practice(laid_out):
    text = " ".join(page_texts(laid_out["sample"]))
    assert "Placement: Best fit: Explore (stage 2 of 6)" in text
    for row in sample_report().practices:
        assert " ".join(row.ref.text.split()) in text, row.ref.text
    assert "About this framework" in text and "overridden: the votes said Ad Hoc" in text


def test_the_pdf_metadata_names_the_session(pdf_module):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(render(stage_vote_report(), "pdf")))
    assert reader.metadata.title == "Where are we on Temkin's five levels?: CX maturity summary"
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Stage vote: which description fits best" in text and "Committed, by the room's vote" in text


def test_rendering_a_pdf_keeps_weasyprint_and_fonttools_quiet_but_not_errors(pdf_module, caplog):
    empty = Assessment(code="QUETS2", title="Quiet", organization=None, framework=FORRESTER, settings=Settings())
    report = build_report(build_results(empty, {}), participants=0, reasons={}, generated_at=GENERATED_AT)
    before = {name: logging.getLogger(name).level for name in pdf_module.QUIET_LOGGERS}
    with caplog.at_level(logging.DEBUG):
        assert render(report, "pdf").startswith(b"%PDF")
    noisy = [
        r for r in caplog.records if r.name.split(".")[0] in ("weasyprint", "fontTools") and r.levelno < logging.ERROR
    ]
    assert noisy == []
    assert {name: logging.getLogger(name).level for name in pdf_module.QUIET_LOGGERS} == before  # restored
    caplog.clear()
    with caplog.at_level(logging.DEBUG), pdf_module.quiet_renderer_logs():
        logging.getLogger("weasyprint").warning("an unknown CSS property")
        logging.getLogger("weasyprint.progress").info("Step 4 - Creating formatting structure")
        logging.getLogger("fontTools.subset").warning("subsetting")
        logging.getLogger("weasyprint").error("a real WeasyPrint error")
        logging.getLogger("workshop.export").warning("our own warning")
    assert [record.getMessage() for record in caplog.records] == ["a real WeasyPrint error", "our own warning"]


# --- pre-work -----------------------------------------------------------------------------------------

PREWORK_FACTS = (
    "Ten people started pre-work; eight finished it (answered all 13 practices).",
    "Settled by pre-work: seven practices; in the room: one practice; not settled yet: five practices.",
    "Re-voted in the room after pre-work: two practices (two converged).",
)
TURNOUT = "twelve people voted in the room's re-votes (nine of them had done pre-work, three had not)"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_pre_work_is_in_the_executive_summary_and_the_details(fmt):
    page = text_of(prework_report(), fmt, FORRESTER)
    executive = plain(section(page, "executive")) if fmt == "html" else markdown_section(page, "Executive summary")
    details = plain(section(page, "prework")) if fmt == "html" else page.split("\n## Pre-work\n")[1].split("\n## ")[0]
    for fact in PREWORK_FACTS:
        assert fact in executive and fact in details
    assert "Invited: not known to the app." in details
    assert TURNOUT in details
    assert "Pre-work closed on Friday 14 March 2025 at 17:00 (UTC+01:00)." in details
    assert "We coordinate the fixes across the teams involved" in details  # settled in the room, and shifted


def test_the_pdf_states_pre_work(laid_out):
    texts = page_texts(laid_out["prework"])
    assert "Pre-work: Invited: not known to the app. Ten people started pre-work" in texts[0]
    assert "twelve people voted in the room's re-votes (nine of them" in " ".join(texts)


def test_the_json_states_pre_work_by_counts_only():
    document = json.loads(render(prework_report(), "json"))
    assert document["schema_version"] == 3
    found = document["prework"]
    assert (found["invited"], found["started"], found["finished"], found["practices"]) == (None, 10, 8, 13)
    assert found["deadline"] == "2025-03-14T17:00:00+01:00" and found["closed_early"] is False
    assert found["turnout"]["rounds"] == [
        {"round": 1, "where": "prework", "people": 10},
        {"round": 2, "where": "room", "people": 12},
    ]
    assert (found["turnout"]["room_also_prework"], found["turnout"]["room_only"]) == (9, 3)
    assert len(found["settled_by_prework"]) == 7 and [ref["position"] for ref in found["settled_in_room"]] == [3]
    assert [entry["from_round"] for entry in found["shifts"]] == [1, 1]
    assert json.loads(render(sample_report(), "json"))["prework"] is None


def test_the_csv_says_which_round_was_pre_work_and_where_each_practice_was_settled():
    rows = csv_rows(prework_report())
    assert {row["prework_started"] for row in rows} == {"10"} and {row["prework_finished"] for row in rows} == {"8"}
    assert {row["round"]: row["round_where"] for row in rows} == {"1": "pre-work", "2": "room"}
    settled = {row["practice_position"]: row["settled_by"] for row in rows}
    assert (settled["1"], settled["3"], settled["4"]) == ("pre-work", "room", "")
    assert {row["round_where"] for row in csv_rows(sample_report()) if row["round"]} == {"room"}


def test_a_few_people_new_to_the_room_are_not_told_apart_in_any_format():
    """With one newcomer, the room's voters are not split into pre-work and not: comparing the two
    rounds' counts would show how that one person voted."""
    report = prework_report(newcomers=1)
    turnout = json.loads(render(report, "json"))["prework"]["turnout"]
    assert (turnout["room_also_prework"], turnout["room_only"]) == (None, None)
    for fmt in ("md", "html"):
        page = plain(text_of(report, fmt, FORRESTER))
        assert "how many of them did pre-work is not shown" in page
        assert "had not)" not in page
