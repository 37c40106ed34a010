"""A fixed session built with the pure core (no store, no clock): the input of the golden files.

Temkin's six stages, three segments, ten participants; a re-vote that converges, an override
with a note, a polarised practice left provisional, a "don't know" heavy one, reasons with
Markdown, HTML and a spreadsheet formula in them, practices never opened, and facilitator notes.
"""

from workshop.core import assessment as rules
from workshop.core.assessment import Assessment, Settings
from workshop.core.report import build_report
from workshop.core.results import build_results
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
GENERATED_AT = "2025-03-14T16:30:00Z"
FORMULA_REASON = '=HYPERLINK("http://example.com/steal","click me")'

# (practice, round, segment, level) -> votes
VOTES = {
    ("explore-executive-sponsor", 1, "Leadership", "systematic"): 2,
    ("explore-executive-sponsor", 1, "Leadership", "repeatable"): 2,
    ("explore-executive-sponsor", 1, "Frontline", "repeatable"): 2,
    ("explore-executive-sponsor", 1, "Frontline", "ad_hoc"): 1,
    ("explore-executive-sponsor", 1, "Support", "repeatable"): 2,
    ("explore-executive-sponsor", 1, "Support", "ad_hoc"): 1,
    ("explore-working-group", 1, "Leadership", "repeatable"): 2,
    ("explore-working-group", 1, "Leadership", "missing"): 2,
    ("explore-working-group", 1, "Frontline", "ad_hoc"): 3,
    ("explore-working-group", 1, "Support", "systematic"): 1,
    ("explore-working-group", 1, "Support", "ad_hoc"): 2,
    ("explore-working-group", 2, "Leadership", "repeatable"): 3,
    ("explore-working-group", 2, "Leadership", "ad_hoc"): 1,
    ("explore-working-group", 2, "Frontline", "ad_hoc"): 3,
    ("explore-working-group", 2, "Support", "ad_hoc"): 2,
    ("explore-working-group", 2, "Support", "repeatable"): 1,
    ("mobilize-cx-executive", 1, "Leadership", "systematic"): 3,
    ("mobilize-cx-executive", 1, "Leadership", "unknown"): 1,
    ("mobilize-cx-executive", 1, "Frontline", "missing"): 3,
    ("mobilize-cx-executive", 1, "Support", "ad_hoc"): 1,
    ("mobilize-cx-executive", 1, "Support", "unknown"): 2,
    ("mobilize-cx-team", 1, "Leadership", "ad_hoc"): 4,
    ("mobilize-cx-team", 1, "Frontline", "ad_hoc"): 3,
    ("mobilize-cx-team", 1, "Support", "ad_hoc"): 2,
    ("mobilize-cx-team", 1, "Support", "repeatable"): 1,
    ("mobilize-journey-maps", 1, "Leadership", "unknown"): 3,
    ("mobilize-journey-maps", 1, "Frontline", "unknown"): 2,
    ("mobilize-journey-maps", 1, "Frontline", "missing"): 1,
    ("mobilize-journey-maps", 1, "Support", "missing"): 1,
    ("mobilize-voice-of-customer", 1, "Leadership", "repeatable"): 2,
    ("mobilize-voice-of-customer", 1, "Frontline", "ad_hoc"): 2,
}
REASONS = {
    ("explore-executive-sponsor", 1): [("systematic", "Our CEO opens every town hall with a customer story")],
    ("explore-working-group", 1): [
        ("ad_hoc", "Only marketing has one, and it meets when someone remembers"),
        ("repeatable", FORMULA_REASON),
        ("missing", "Never heard of it"),
    ],
    ("explore-working-group", 2): [
        ("repeatable", "The CX guild meets monthly since *January* [see wiki](http://wiki)")
    ],
    ("mobilize-cx-executive", 1): [
        ("missing", "No one owns CX at board level"),
        ("systematic", "Our COO sponsors it <b>strongly</b> & visibly"),
        ("unknown", "Not sure who that would be"),
    ],
    # an open round's reasons must never appear: this practice's round stays open in the
    # "unfinished" variant, and is revealed by closing in the golden one
    ("mobilize-voice-of-customer", 1): [("ad_hoc", "Surveys go out, nobody reads them")],
}
PARTICIPANTS = 10


def _consolidate(state: Assessment, practice: str, level: str | None = None, note: str | None = None) -> Assessment:
    computed = build_results(state, VOTES).practice(practice).computed_level
    return rules.consolidate(state, practice, computed, level, note).assessment


def sample_assessment(closed: bool = True) -> Assessment:
    """The sample session's state: closed (the golden files) or still running with an open round."""
    state = Assessment(
        code="K5JNA8",
        title="Spring CX maturity check",
        organization="Acme Retail",
        team="Stores & Online",
        framework=FRAMEWORKS["temkin-six-stages"],
        settings=Settings(segments=("Leadership", "Frontline", "Support")),
        notes="Second workshop with the retail leadership team.\nFocus on journey maps next time.",
        created_at="2025-03-14T09:00:00Z",
    )
    for practice in (
        "explore-executive-sponsor",
        "explore-working-group",
        "mobilize-cx-executive",
        "mobilize-cx-team",
        "mobilize-journey-maps",
    ):
        state = rules.open_practice(state, practice).assessment
        state = rules.reveal(state, practice).assessment
    state = rules.revote(state, "explore-working-group").assessment
    state = rules.reveal(state, "explore-working-group").assessment
    state = _consolidate(state, "explore-executive-sponsor")
    state = _consolidate(
        state,
        "explore-working-group",
        "repeatable",
        "Frontline only sees its own stores; the guild exists and meets monthly",
    )
    state = _consolidate(state, "mobilize-cx-team")
    state = rules.open_practice(state, "mobilize-voice-of-customer").assessment
    if closed:
        state = rules.close(state).assessment
        from dataclasses import replace

        state = replace(state, closed_at="2025-03-14T11:45:00Z")
    return state


def sample_report(closed: bool = True, benchmark=None):
    results = build_results(sample_assessment(closed), VOTES)
    return build_report(
        results, participants=PARTICIPANTS, reasons=REASONS, generated_at=GENERATED_AT, benchmark=benchmark
    )
