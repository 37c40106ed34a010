"""Fixed sessions built with the pure core (no store, no clock): the inputs of the golden files and
of the checks on the summary's layout.

``sample_report``: Temkin's six stages, three segments, ten participants; a re-vote that
converges, an override with a note, a polarised practice left provisional, a "don't know" heavy
one, reasons with Markdown, HTML, a spreadsheet formula and bare URLs in them, practices never
opened, and facilitator notes. The golden files are this session.

``forrester_report``: Forrester's path, all thirteen requirements rated, in Elevate, with two
overrides: the largest ordinary session, the one the executive page must still fit on one page for.

``stage_vote_report``: Temkin's five levels, placed by the room's stage vote, the practice ratings
suggesting another stage.

``profile_report``: Forrester's practices in a framework that gives no stage verdict.

``prework_report``: Forrester's path answered in pre-work, then the room: agreed practices accepted
together, two divided ones re-voted with people who did no pre-work.
"""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from workshop.core import assessment as rules
from workshop.core import prework
from workshop.core.assessment import Assessment, Settings
from workshop.core.frameworks import STAGE_VOTE, STAGE_VOTE_ID, framework_from_dict, framework_to_dict
from workshop.core.report import build_report
from workshop.core.results import build_results
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
GENERATED_AT = "2025-03-14T16:30:00Z"
FORMULA_REASON = '=HYPERLINK("http://example.com/steal","click me")'
URL_REASON = "see http://evil.example and www.evil.example"

# (practice, round, segment, level) -> votes
VOTES = {
    # leaning, consolidated at the computed level; Leadership sees it higher (a segment gap)
    ("operationalize-cx-metrics", 1, "Leadership", "systematic"): 2,
    ("operationalize-cx-metrics", 1, "Leadership", "repeatable"): 2,
    ("operationalize-cx-metrics", 1, "Frontline", "repeatable"): 2,
    ("operationalize-cx-metrics", 1, "Frontline", "ad_hoc"): 1,
    ("operationalize-cx-metrics", 1, "Support", "repeatable"): 2,
    ("operationalize-cx-metrics", 1, "Support", "ad_hoc"): 1,
    # split, re-voted, still divided; the facilitator overrides the computed Ad Hoc with a note
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
    # polarised, left provisional, many "don't know"
    ("operationalize-engage-workforce", 1, "Leadership", "systematic"): 3,
    ("operationalize-engage-workforce", 1, "Leadership", "unknown"): 1,
    ("operationalize-engage-workforce", 1, "Frontline", "missing"): 3,
    ("operationalize-engage-workforce", 1, "Support", "ad_hoc"): 1,
    ("operationalize-engage-workforce", 1, "Support", "unknown"): 2,
    # agreed, consolidated at the computed level; every segment unanimous, so none is shown
    ("operationalize-process-redesign", 1, "Leadership", "ad_hoc"): 4,
    ("operationalize-process-redesign", 1, "Frontline", "ad_hoc"): 3,
    ("operationalize-process-redesign", 1, "Support", "ad_hoc"): 2,
    ("operationalize-process-redesign", 1, "Support", "repeatable"): 1,
    # unclear: mostly "don't know", provisional
    ("mobilize-journey-maps", 1, "Leadership", "unknown"): 3,
    ("mobilize-journey-maps", 1, "Frontline", "unknown"): 2,
    ("mobilize-journey-maps", 1, "Frontline", "missing"): 1,
    ("mobilize-journey-maps", 1, "Support", "missing"): 1,
    # still open in the unfinished variant; closing reveals it
    ("mobilize-voice-of-customer", 1, "Leadership", "repeatable"): 2,
    ("mobilize-voice-of-customer", 1, "Frontline", "ad_hoc"): 2,
}
REASONS = {
    ("operationalize-cx-metrics", 1): [("systematic", "Our CEO opens every town hall with the latest customer scores")],
    ("explore-working-group", 1): [
        ("ad_hoc", "Only marketing has one, and it meets when someone remembers"),
        ("repeatable", FORMULA_REASON),
        ("missing", "Never heard of it"),
    ],
    ("explore-working-group", 2): [
        ("repeatable", "The CX guild meets monthly since *January* [see wiki](http://wiki)")
    ],
    ("operationalize-engage-workforce", 1): [
        ("missing", "Only the stores are involved; head office is not"),
        ("systematic", "Our COO involves every department <b>strongly</b> & visibly"),
        ("unknown", "Not sure what the other departments do"),
    ],
    ("mobilize-journey-maps", 1): [("missing", URL_REASON)],
    # an open round's reasons must never appear: this practice's round stays open in the
    # "unfinished" variant, and is revealed by closing in the golden one
    ("mobilize-voice-of-customer", 1): [("ad_hoc", "Surveys go out, nobody reads them")],
}
PARTICIPANTS = 10


def _consolidate(state: Assessment, votes, practice: str, level: str | None = None, note: str | None = None):
    computed = build_results(state, votes).practice(practice).computed_level
    return rules.consolidate(state, practice, computed, level, note).assessment


def _open_and_reveal(state: Assessment, practices) -> Assessment:
    for practice in practices:
        state = rules.open_practice(state, practice).assessment
        state = rules.reveal(state, practice).assessment
    return state


def _closed(state: Assessment, at: str) -> Assessment:
    return replace(rules.close(state).assessment, closed_at=at)


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
    state = _open_and_reveal(
        state,
        (
            "operationalize-cx-metrics",
            "explore-working-group",
            "operationalize-engage-workforce",
            "operationalize-process-redesign",
            "mobilize-journey-maps",
        ),
    )
    state = rules.revote(state, "explore-working-group").assessment
    state = rules.reveal(state, "explore-working-group").assessment
    state = _consolidate(state, VOTES, "operationalize-cx-metrics")
    state = _consolidate(
        state,
        VOTES,
        "explore-working-group",
        "repeatable",
        "Frontline only sees its own stores; the guild exists and meets monthly",
    )
    state = _consolidate(state, VOTES, "operationalize-process-redesign")
    state = rules.open_practice(state, "mobilize-voice-of-customer").assessment
    if closed:
        state = _closed(state, "2025-03-14T11:45:00Z")
    return state


def sample_report(closed: bool = True, benchmark=None):
    results = build_results(sample_assessment(closed), VOTES)
    return build_report(
        results, participants=PARTICIPANTS, reasons=REASONS, generated_at=GENERATED_AT, benchmark=benchmark
    )


# --- the other layouts -------------------------------------------------------------------------
# Vote patterns by position, so a renamed practice id in a framework file does not break them.

AGREED_REPEATABLE = {"repeatable": 8, "systematic": 1, "ad_hoc": 1}
AGREED_SYSTEMATIC = {"systematic": 8, "repeatable": 2}
LEANING_AD_HOC = {"ad_hoc": 5, "repeatable": 3, "missing": 1, "unknown": 1}
SPLIT = {"missing": 3, "ad_hoc": 3, "repeatable": 3, "systematic": 1}
POLARISED = {"missing": 4, "systematic": 4, "ad_hoc": 1, "unknown": 1}
AGREED_MISSING = {"missing": 8, "ad_hoc": 2}
UNCLEAR = {"unknown": 6, "missing": 2, "ad_hoc": 2}
FORRESTER_PATTERNS = (
    # Repair: every requirement in place
    (AGREED_REPEATABLE, AGREED_SYSTEMATIC, AGREED_REPEATABLE, LEANING_AD_HOC),
    # Elevate: the phase the organisation is in
    (SPLIT, POLARISED, AGREED_MISSING, LEANING_AD_HOC),
    (UNCLEAR, AGREED_MISSING, SPLIT),
    (AGREED_MISSING, LEANING_AD_HOC),
)


def _counts(practice_id: str, pattern: dict, number: int = 1) -> dict:
    return {(practice_id, number, None, level): count for level, count in pattern.items()}


def forrester_report():
    """All thirteen Forrester requirements rated: the executive page's largest ordinary case."""
    framework = FRAMEWORKS["forrester-path"]
    votes, reasons = {}, {}
    for stage, patterns in zip(framework.stages, FORRESTER_PATTERNS, strict=False):
        for practice, pattern in zip(stage.practices, patterns, strict=False):
            votes.update(_counts(practice.id, pattern))
            reasons[(practice.id, 1)] = [
                ("missing", "We only hear about it when a customer complains to the CEO"),
                ("repeatable", "There is a monthly review, and most teams join it"),
            ]
    practices = [practice.id for practice in framework.rated_practices]
    state = Assessment(
        code="FRR3XK",
        title="Autumn CX path review",
        organization="Northwind Insurance",
        team="Claims",
        framework=framework,
        settings=Settings(),
        created_at="2025-10-02T09:00:00Z",
    )
    state = _open_and_reveal(state, practices)
    for practice in practices:
        state = _consolidate(state, votes, practice)
    # the fourth Repair requirement leant to Ad Hoc: the facilitator records Repeatable, with why
    state = _consolidate(
        state, votes, practices[3], "repeatable", "The fix reviews are monthly since June; the room missed it"
    )
    state = _consolidate(state, votes, practices[6], "ad_hoc", "Two teams reward it in their bonus schemes")
    state = _closed(state, "2025-10-02T12:00:00Z")
    return build_report(build_results(state, votes), participants=10, reasons=reasons, generated_at=GENERATED_AT)


def stage_vote_framework():
    """Temkin's five levels, placed by the room's stage vote (whatever its file says today)."""
    data = framework_to_dict(FRAMEWORKS["temkin-five-levels"])
    data["placement"]["mode"] = STAGE_VOTE
    return framework_from_dict(data, "temkin-five-levels (stage vote)")


def stage_vote_report(*, override: bool = False):
    """The room votes Committed, the practice ratings suggest Invested; ``override``: the
    facilitator records Invested, with a note."""
    framework = stage_vote_framework()
    stages = [stage.id for stage in framework.stages]
    rated = [practice.id for practice in framework.rated_practices]
    votes = {}
    for index, practice in enumerate(rated):
        votes.update(_counts(practice, AGREED_REPEATABLE if index < 3 else LEANING_AD_HOC))
    votes.update(_counts(STAGE_VOTE_ID, {stages[0]: 1, stages[1]: 2, stages[2]: 5, "unknown": 1}))
    reasons = {
        (STAGE_VOTE_ID, 1): [
            (stages[1], "We run programmes, but nobody links them to profit"),
            (stages[2], "The board asks for the customer scores every quarter"),
            ("unknown", "I joined last month"),
        ],
        (rated[0], 1): [("repeatable", "It is on every team meeting's agenda")],
    }
    state = Assessment(
        code="VTE5LX",
        title="Where are we on Temkin's five levels?",
        organization="Contoso Energy",
        team=None,
        framework=framework,
        settings=Settings(),
        created_at="2025-05-20T09:00:00Z",
    )
    state = _open_and_reveal(state, [*rated, STAGE_VOTE_ID])
    for practice in rated:
        state = _consolidate(state, votes, practice)
    state = _consolidate(
        state,
        votes,
        STAGE_VOTE_ID,
        stages[1] if override else None,
        "Nobody can yet show the link to results that Committed needs" if override else None,
    )
    state = _closed(state, "2025-05-20T11:00:00Z")
    return build_report(build_results(state, votes), participants=9, reasons=reasons, generated_at=GENERATED_AT)


def profile_report():
    """Forrester's requirements in a framework whose source gives no progression rule."""
    data = framework_to_dict(FRAMEWORKS["forrester-path"])
    data["id"], data["name"] = "forrester-profile", "Forrester's requirements, as a profile"
    data["placement"] = {"mode": "profile"}
    framework = framework_from_dict(data, "forrester-profile")
    votes = {}
    for stage, patterns in zip(framework.stages, FORRESTER_PATTERNS, strict=False):
        for practice, pattern in zip(stage.practices, patterns, strict=False):
            votes.update(_counts(practice.id, pattern))
    state = Assessment(
        code="PRF2QS",
        title="CX profile",
        organization="Fabrikam",
        team=None,
        framework=framework,
        settings=Settings(),
        created_at="2025-06-01T09:00:00Z",
    )
    state = _open_and_reveal(state, [practice.id for practice in framework.rated_practices])
    state = _closed(state, "2025-06-01T11:00:00Z")
    return build_report(build_results(state, votes), participants=10, reasons={}, generated_at=GENERATED_AT)


def foundations_report():
    """Temkin's six stages, best fit Mobilize with Explore's practice below its bar: a foundation to check."""
    framework = FRAMEWORKS["temkin-six-stages"]
    patterns = {"explore": AGREED_MISSING, "mobilize": AGREED_REPEATABLE, "operationalize": LEANING_AD_HOC}
    votes = {}
    for stage in framework.stages:
        for practice in stage.practices if stage.id in patterns else ():
            votes.update(_counts(practice.id, patterns[stage.id]))
    state = Assessment(
        code="FNDT6S",
        title="Foundations",
        organization=None,
        framework=framework,
        settings=Settings(),
        created_at="2025-04-01T09:00:00Z",
    )
    state = _open_and_reveal(state, sorted({practice for practice, *_ in votes}))
    return build_report(build_results(state, votes), participants=10, reasons={}, generated_at=GENERATED_AT)


# --- pre-work ------------------------------------------------------------------------------------

PARIS = timezone(timedelta(hours=1))
PREWORK_DEADLINE = datetime(2025, 3, 14, 17, tzinfo=PARIS)
WORKSHOP = datetime(2025, 3, 17, 9, tzinfo=PARIS)
PREWORK_PATTERNS = (AGREED_REPEATABLE, AGREED_SYSTEMATIC, SPLIT, POLARISED, AGREED_MISSING, LEANING_AD_HOC)
REVOTE = {"ad_hoc": 9, "repeatable": 3}  # the room's round of a practice that divided pre-work: 12 people


def prework_report(*, newcomers: int = 3):
    """Forrester's thirteen requirements answered in pre-work by ten people (eight finished); in the
    room the agreed ones are accepted together, the split and polarised ones re-voted by nine of
    them and ``newcomers`` who did no pre-work, one of those recorded, and the session closed."""
    framework = FRAMEWORKS["forrester-path"]
    practices = [practice.id for practice in framework.practices]
    state = Assessment(
        code="PRW4RK",
        title="Pre-work, then the room",
        organization="Northwind Insurance",
        team="Claims",
        framework=framework,
        settings=Settings(),
        created_at="2025-03-10T08:00:00Z",
    )
    start = datetime(2025, 3, 10, 9, tzinfo=PARIS).timestamp()
    schedule = prework.Schedule(PREWORK_DEADLINE, WORKSHOP, workshop_given=True)
    state = prework.schedule_prework(state, schedule, start).assessment
    room = WORKSHOP.timestamp() + 300
    state = prework.close_prework_if_due(state, room).assessment
    state = rules.reveal(state, rules.ALL, now=room).assessment
    votes = {}
    for index, practice in enumerate(practices):
        votes.update(_counts(practice, PREWORK_PATTERNS[index % len(PREWORK_PATTERNS)]))
    results = build_results(state, votes)
    agreed = {view.practice.id: view.computed_level for view in prework.agreed_to_accept(results)}
    state = prework.accept_agreed(state, agreed, list(agreed)).assessment
    divided = [practices[2], practices[3]]
    for practice in divided:
        state = rules.revote(state, practice).assessment
        votes.update(_counts(practice, REVOTE, number=2))
        state = rules.reveal(state, practice, now=room).assessment
    state = _consolidate(state, votes, divided[0])
    state = _closed(state, "2025-03-17T10:00:00Z")
    answers = [(person, 1, 13 if person < 8 else 6) for person in range(10)]
    answers += [(person, 2, 2) for person in range(12 - newcomers)] + [(100 + n, 2, 2) for n in range(newcomers)]
    view = prework.view(state, answers, room)
    return build_report(
        build_results(state, votes),
        participants=10 + newcomers,
        reasons={(practices[2], 1): [("missing", "Nobody owns the fix list"), ("repeatable", "Claims has a board")]},
        generated_at=GENERATED_AT,
        prework_view=view,
        answers=answers,
    )
