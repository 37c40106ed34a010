"""The session summary model: what it holds, what it never holds, and its JSON shape."""

from tests.sample_session import FORMULA_REASON, FRAMEWORKS, GENERATED_AT, sample_report
from tests.summary_helpers import schema_errors
from workshop.core import analysis
from workshop.core.assessment import Assessment, Settings
from workshop.core.report import build_report
from workshop.core.results import build_results


def test_the_summary_places_the_organisation_and_keeps_the_explanation():
    report = sample_report()
    # Temkin's six stages place by best fit: Explore's practice meets Explore's own bar (Ad Hoc)
    assert report.placement.mode == "best_fit"
    assert report.placement.stage_id == "explore" and report.placement.stage_index == 2
    assert report.placement.next_stage_id == "mobilize"
    assert report.placement.key_obstacle == "Gaining alignment of key executives across the organization."
    assert report.placement.headline.startswith("Best fit: Explore.")
    assert report.placement.explanation.startswith(report.placement.headline)
    assert [item.practice_id for item in report.placement.action_plan][0] == "mobilize-journey-maps"
    assert [stage_id for stage_id, _ in report.placement.stages][:2] == ["ignore", "explore"]


def test_each_practice_row_has_rounds_levels_decision_and_reasons():
    report = sample_report()
    assert [row.ref.position for row in report.practices] == list(range(1, 11))
    working_group = report.practice("explore-working-group")
    assert [r.number for r in working_group.rounds] == [1, 2]
    assert working_group.computed_level == "ad_hoc" and working_group.level == "repeatable"
    assert working_group.overridden and "guild" in working_group.decision.note
    assert working_group.shift.kind == analysis.STILL_DIVIDED
    # reasons are anonymous and sorted by round, level and text: answer order does not survive
    assert [(r.round, r.level) for r in report.reasons_of(working_group)] == [
        (1, "missing"),
        (1, "ad_hoc"),
        (1, "repeatable"),
        (2, "repeatable"),
    ]
    assert FORMULA_REASON in [r.note for r in report.reasons_of(working_group)]
    provisional = report.practice("operationalize-engage-workforce")
    assert provisional.provisional and provisional.level == "ad_hoc" and provisional.decision is None


def test_an_open_round_shows_only_its_number_of_votes_never_its_counts_or_reasons():
    report = sample_report(closed=False)
    row = report.practice("mobilize-voice-of-customer")
    assert row.status == "open" and row.result is None and row.level is None
    assert row.rounds[0].revealed is False and row.rounds[0].votes == 4 and row.rounds[0].result is None
    assert report.reasons_of(row) == ()
    assert report.data_quality.open_rounds == 1
    data = report.to_dict()["practices"][2]
    assert data["id"] == "mobilize-voice-of-customer"
    assert data["rounds"] == [{"number": 1, "revealed": False, "votes": 4, "result": None}]
    # the same practice once the session is closed: revealed, with its reason
    closed = sample_report().practice("mobilize-voice-of-customer")
    closed_report = sample_report()
    assert closed.result.voters == 4
    assert [r.note for r in closed_report.reasons_of(closed)] == ["Surveys go out, nobody reads them"]


def test_agreement_lists_are_ordered_and_only_hold_revealed_practices():
    agreement = sample_report().agreement
    assert [entry.ref.id for entry in agreement.agreed] == ["operationalize-process-redesign"]
    divided = [entry.ref.id for entry in agreement.divided]
    assert divided[0] == "operationalize-engage-workforce"  # polarised first
    assert "mobilize-journey-maps" not in divided  # unclear is not a disagreement
    assert dict(agreement.labels)["unclear"] == 1


def test_segment_gaps_use_only_the_segments_results_show():
    report = sample_report()
    gaps = {entry.ref.id: entry for entry in report.segment_gaps}
    # a unanimous segment would tell each member's vote: Frontline's three Ad Hoc on the working
    # group, and both segments on the CX team, are hidden, and their gaps with them
    assert set(gaps) == {"operationalize-cx-metrics"}
    assert "Frontline" in report.practice("explore-working-group").latest_revealed.hidden_segments
    # Support alone is not unanimous, but showing it would tell that everyone else chose Ad Hoc
    assert report.practice("operationalize-process-redesign").latest_revealed.segments == {}
    assert gaps["operationalize-cx-metrics"].highest == "Leadership"
    assert [entry.gap for entry in report.segment_gaps] == sorted((e.gap for e in report.segment_gaps), reverse=True)
    # engaging the workforce: Frontline is unanimous and Support has one rated vote, so only
    # Leadership is shown: no gap
    executive = report.practice("operationalize-engage-workforce")
    assert list(executive.rounds[0].segments) == ["Leadership"]
    assert executive.gap is None


def test_data_quality_counts_abstentions_unrated_and_provisional_levels():
    quality = sample_report().data_quality
    assert quality.participants == 10 and quality.practices == 10 and quality.rated == 6
    assert len(quality.never_rated) == 4 and len(quality.provisional) == 3
    assert quality.abstaining == 8 and quality.answers == 51
    assert {ref.id for ref in quality.many_unknown} == {"operationalize-engage-workforce", "mobilize-journey-maps"}
    assert quality.overrides == 1
    assert any("don't know" in note for note in quality.notes)


def test_an_empty_session_has_a_summary_too():
    assessment = Assessment(
        code="ABCDEF", title="Empty", organization=None, framework=FRAMEWORKS["forrester-path"], settings=Settings()
    )
    report = build_report(build_results(assessment, {}), participants=0, reasons={}, generated_at=GENERATED_AT)
    assert report.placement.stage_index == 0 and report.placement.stage_id is None
    assert report.data_quality.rated == 0 and report.shifts == () and report.segment_gaps == ()
    assert report.data_quality.notes == ("No practice has been rated yet: there is nothing to summarise so far.",)
    assert schema_errors(report.to_dict()) == []


def test_the_json_document_is_versioned_and_matches_its_schema():
    for closed in (True, False):
        document = sample_report(closed=closed).to_dict()
        assert document["schema_version"] == 3 and document["generated_at"] == GENERATED_AT
        assert schema_errors(document) == []
    document = sample_report().to_dict()
    document["practices"][0]["participant"] = "Alice"
    assert schema_errors(document), "the schema must refuse fields it does not describe"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from workshop.core import assessment as rules  # noqa: E402

ANSWERS = ("missing", "ad_hoc", "repeatable", "systematic", "unknown")
PRACTICES = tuple(p.id for p in FRAMEWORKS["three-levels"].rated_practices)  # rated on the adoption scale


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(PRACTICES),
        st.lists(st.sampled_from(ANSWERS), max_size=12),
        max_size=len(PRACTICES),
    )
)
def test_any_session_gives_a_summary_that_matches_its_schema_and_its_counts(votes):
    state = Assessment(
        code="ABCDEF",
        title="Any",
        organization=None,
        framework=FRAMEWORKS["three-levels"],
        settings=Settings(segments=("A", "B")),
    )
    counts = {}
    for practice, answers in votes.items():
        state = rules.reveal(rules.open_practice(state, practice).assessment, practice).assessment
        for index, answer in enumerate(answers):
            key = (practice, 1, ("A", "B")[index % 2], answer)
            counts[key] = counts.get(key, 0) + 1
    report = build_report(build_results(state, counts), participants=12, reasons={}, generated_at=GENERATED_AT)
    assert schema_errors(report.to_dict()) == []
    assert report.data_quality.answers == sum(len(answers) for answers in votes.values())
    assert report.data_quality.abstaining == sum(answers.count("unknown") for answers in votes.values())
    rated = {p for p, answers in votes.items() if any(a != "unknown" for a in answers)}
    assert {row.ref.id for row in report.practices if row.level is not None} == rated
