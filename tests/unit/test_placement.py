"""Placement: each mode on crafted rating profiles of every shipped framework; the staged rule (the default
for custom files) on every framework; the profile, the action plan, the explanation."""

import pytest

from workshop.core.errors import BadRequest
from workshop.core.frameworks import STAGED, framework_from_dict
from workshop.core.placement import PracticeLevel, StageVote, place
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
FORRESTER = FRAMEWORKS["forrester-path"]
TEMKIN_FIVE = FRAMEWORKS["temkin-five-levels"]
TEMKIN_SIX = FRAMEWORKS["temkin-six-stages"]


def rated(practices, level, provisional=False):
    """Levels for these practices, all at ``level``."""
    return {p.id: PracticeLevel(p.id, level, provisional) for p in practices}


def up_to(framework, reached, below="ad_hoc", at="repeatable"):
    """Stages up to index ``reached`` at ``at``, every later stage at ``below``."""
    levels = {}
    for index, stage in enumerate(framework.stages):
        levels.update(rated(stage.practices, at if index <= reached else below))
    return levels


def custom_framework():
    """Four stages: two practices with a key obstacle, no practices, one practice, three."""
    practice = lambda pid: {"id": pid, "text": f"We do {pid}.", "source": f"Source of {pid}."}  # noqa: E731
    return framework_from_dict(
        {
            "id": "custom",
            "name": "Custom",
            "summary": "A test framework.",
            "reference": {"title": "T", "author": "A", "published": "2024"},
            "stages": [
                {
                    "id": "a",
                    "name": "Alpha",
                    "description": "d",
                    "key_obstacle": "Getting started.",
                    "practices": [practice("a1"), practice("a2")],
                },
                {"id": "b", "name": "Bravo", "description": "d"},
                {"id": "c", "name": "Charlie", "description": "d", "practices": [practice("c1")]},
                {
                    "id": "d",
                    "name": "Delta",
                    "description": "d",
                    "practices": [practice("d1"), practice("d2"), practice("d3")],
                },
            ],
        }
    )


CUSTOM = custom_framework()


def staged(framework, levels, threshold="repeatable"):
    """The staged rule (CMMI's), whatever mode the framework's file chooses."""
    return place(framework, levels, threshold, mode=STAGED)


# --- the staged rule ------------------------------------------------------------------------------

STAGES = [
    (framework_id, index)
    for framework_id, framework in sorted(FRAMEWORKS.items())
    for index in range(len(framework.stages))
]


@pytest.mark.parametrize("framework_id, reached", STAGES, ids=[f"{f}-{i}" for f, i in STAGES])
def test_the_stage_reached_is_the_highest_with_it_and_every_earlier_stage_met(framework_id, reached):
    framework = FRAMEWORKS[framework_id]
    placement = staged(framework, up_to(framework, reached))
    assert placement.stage_id == framework.stages[reached].id
    following = framework.stages[reached + 1] if reached + 1 < len(framework.stages) else None
    assert placement.next_stage_id == (following.id if following else None)
    assert [item.practice_id for item in placement.action_plan] == (
        [p.id for p in following.practices] if following else []
    )
    assert [p.met for p in placement.profile] == [i <= reached for i in range(len(framework.stages))]
    assert placement.unassessed == 0 and placement.provisional == 0


@pytest.mark.parametrize("framework_id", sorted(FRAMEWORKS))
def test_a_gap_in_an_early_stage_caps_the_placement_whatever_comes_later(framework_id):
    framework = FRAMEWORKS[framework_id]
    levels = rated(framework.practices, "systematic")
    first_rated = next(stage for stage in framework.stages if stage.practices)
    levels[first_rated.practices[-1].id] = PracticeLevel(first_rated.practices[-1].id, "ad_hoc")
    placement = staged(framework, levels)
    before = framework.stages[: framework.stages.index(first_rated)]
    assert placement.stage_id == (before[-1].id if before else None)
    assert placement.next_stage_id == first_rated.id
    assert [p.met for p in placement.profile][len(before) + 1 :] == [True] * (len(framework.stages) - len(before) - 1)


@pytest.mark.parametrize("framework_id", sorted(FRAMEWORKS))
def test_nothing_rated_reaches_only_stages_without_practices(framework_id):
    framework = FRAMEWORKS[framework_id]
    placement = staged(framework, {})
    assert placement.unassessed == len(framework.rated_practices)
    assert placement.stage_id == ("ignore" if framework_id == "temkin-six-stages" else None)
    assert all(item.level is None and item.gap == 3 for item in placement.action_plan)


def test_an_empty_stage_is_met_trivially():
    placement = staged(TEMKIN_SIX, {})
    ignore = placement.profile[0]
    assert (ignore.stage_id, ignore.practices, ignore.met, ignore.share) == ("ignore", 0, True, None)
    assert placement.stage_id == "ignore" and placement.next_stage_id == "explore"
    # An empty stage in the middle is crossed as soon as the stage before it is met.
    placement = staged(CUSTOM, rated(CUSTOM.stages[0].practices, "repeatable"))
    assert placement.stage_id == "b" and placement.next_stage_id == "c"


def test_the_threshold_is_configurable():
    levels = rated(FORRESTER.practices, "repeatable")
    assert staged(FORRESTER, levels).stage_id == "differentiate"
    assert staged(FORRESTER, levels, "systematic").stage_id is None
    assert staged(FORRESTER, rated(FORRESTER.practices, "ad_hoc"), "ad_hoc").stage_id == "differentiate"
    missing = rated(FORRESTER.practices, "missing")
    assert staged(FORRESTER, missing, "missing").stage_id == "differentiate"
    del missing["repair-measure"]
    assert staged(FORRESTER, missing, "missing").stage_id is None  # unrated never meets even Missing
    assert staged(FORRESTER, levels, "systematic").threshold == "systematic"
    with pytest.raises(BadRequest):
        staged(FORRESTER, levels, "excellent")


def test_unassessed_practices_are_not_met():
    levels = rated(FORRESTER.stages[0].practices, "systematic")
    levels["repair-measure"] = PracticeLevel("repair-measure", None)  # revealed, only "don't know"
    placement = staged(FORRESTER, levels)
    assert placement.stage_id is None
    assert placement.unassessed == len(FORRESTER.practices) - 3
    assert [(item.practice_id, item.level, item.gap) for item in placement.action_plan] == [("repair-measure", None, 3)]
    assert placement.profile[0].assessed == 3 and placement.profile[0].at_or_above == 3


def test_the_action_plan_is_ordered_by_gap_then_framework_order():
    levels = rated(FORRESTER.stages[0].practices, "repeatable")
    levels.update(
        {
            "elevate-share-insights": PracticeLevel("elevate-share-insights", "ad_hoc"),
            "elevate-measure": PracticeLevel("elevate-measure", "missing", provisional=True),
            "elevate-reward": PracticeLevel("elevate-reward", "ad_hoc"),
            # elevate-standardise is not rated: the largest gap
        }
    )
    placement = staged(FORRESTER, levels)
    assert [(item.practice_id, item.gap, item.provisional) for item in placement.action_plan] == [
        ("elevate-standardise", 3, False),
        ("elevate-measure", 2, True),
        ("elevate-share-insights", 1, False),
        ("elevate-reward", 1, False),
    ]


def test_the_profile_gives_each_stage_its_share_and_mean_level():
    levels = {
        "repair-identify": PracticeLevel("repair-identify", "systematic"),
        "repair-prioritise": PracticeLevel("repair-prioritise", "repeatable", provisional=True),
        "repair-coordinate": PracticeLevel("repair-coordinate", "ad_hoc"),
    }
    repair = staged(FORRESTER, levels).profile[0]
    assert (repair.practices, repair.assessed, repair.at_or_above) == (4, 3, 2)
    assert repair.share == 0.5 and repair.mean_level == 3.0
    assert repair.provisional == 1 and not repair.met
    assert repair.as_dict() == {
        "stage": "repair",
        "name": "Repair",
        "practices": 4,
        "assessed": 3,
        "at_or_above": 2,
        "share": 0.5,
        "mean_level": 3.0,
        "met": False,
        "provisional": 1,
        "bar": "repeatable",
    }


def test_provisional_levels_are_counted_once_and_only_for_the_framework():
    levels = rated(FORRESTER.stages[0].practices, "repeatable", provisional=True)
    levels["not-in-this-framework"] = PracticeLevel("not-in-this-framework", "systematic", True)
    placement = staged(FORRESTER, levels)
    assert placement.stage_id == "repair"
    assert placement.provisional == 4
    assert "Four levels are provisional: computed from the votes, not yet consolidated." in (placement.explanation)


# --- key obstacle ---------------------------------------------------------------------------------


def test_the_key_obstacle_is_the_reached_stages_obstacle_to_advancing():
    placement = staged(TEMKIN_SIX, up_to(TEMKIN_SIX, 2))
    assert placement.stage_id == "mobilize"
    assert placement.key_obstacle == "Making trade-offs against other competing priorities."
    assert placement.explanation.endswith(
        "The key obstacle to advancing from Mobilize: making trade-offs against other competing priorities."
    )
    assert staged(FORRESTER, {}).key_obstacle is None
    assert staged(CUSTOM, {}).key_obstacle is None  # Alpha's obstacle applies only once in Alpha


# --- the explanation ------------------------------------------------------------------------------


def quoted(practice) -> str:
    return f"\u201c{practice.text.rstrip('.')}\u201d"


def test_explanation_when_nothing_is_reached():
    levels = rated(FORRESTER.rated_practices, "repeatable")
    coordinate = FORRESTER.practice("repair-coordinate")
    levels[coordinate.id] = PracticeLevel(coordinate.id, "ad_hoc")
    assert staged(FORRESTER, levels).explanation == (
        "Not yet placed in Repair, the first stage. Of the four Repair practices, one is not yet "
        f"Repeatable or better: {quoted(coordinate)} (Ad Hoc)."
    )


def test_explanation_of_a_middle_stage():
    levels = up_to(FORRESTER, 1, below="systematic")
    design, skills = FORRESTER.practice("optimize-design-practice"), FORRESTER.practice("optimize-employee-skills")
    levels[design.id] = PracticeLevel(design.id, "missing", True)
    levels[skills.id] = PracticeLevel(skills.id, "ad_hoc")
    assert staged(FORRESTER, levels).explanation == (
        "Placed in Elevate: all four Repair practices and all four Elevate practices are Repeatable "
        "or better. Of the three Optimize practices, two are not yet Repeatable or better: "
        f"{quoted(design)} (Missing, provisional); {quoted(skills)} (Ad Hoc). One level is provisional: "
        "computed from the votes, not yet consolidated."
    )


def test_explanation_of_the_final_stage_without_key_obstacle():
    explanation = staged(FORRESTER, rated(FORRESTER.rated_practices, "systematic")).explanation
    assert explanation == (
        "Placed in Differentiate, the final stage: all four Repair practices, all four Elevate "
        "practices, all three Optimize practices and both Differentiate practices are Repeatable "
        "or better."
    )


def test_explanation_of_the_final_stage_with_key_obstacle():
    explanation = staged(TEMKIN_SIX, rated(TEMKIN_SIX.rated_practices, "repeatable")).explanation
    assert explanation.startswith("Placed in Embed, the final stage: the Explore practice, both Mobilize practices")
    assert explanation.endswith(
        "The key obstacle in Embed: maintaining and renewing the brand identity as the company evolves."
    )


def test_explanation_with_single_practice_stages():
    (interested,) = TEMKIN_FIVE.stages[0].practices
    assert staged(TEMKIN_FIVE, {}).explanation == (
        "Not yet placed in Interested, the first stage. The Interested practice is not yet "
        f"Repeatable or better: {quoted(interested)} (not rated). Eight practices have not been rated yet "
        "and count as not met."
    )
    levels = up_to(TEMKIN_FIVE, 0)
    assert staged(TEMKIN_FIVE, levels).explanation.startswith(
        "Placed in Interested: the Interested practice is Repeatable or better. "
    )
    levels = up_to(TEMKIN_FIVE, 3)
    (embedded,) = TEMKIN_FIVE.stages[-1].practices
    assert staged(TEMKIN_FIVE, levels).explanation.endswith(
        f"are Repeatable or better. The Embedded practice is not yet Repeatable or better: {quoted(embedded)} (Ad Hoc)."
    )


def test_explanation_of_a_starting_stage_without_practices_and_its_key_obstacle():
    assert staged(TEMKIN_SIX, {}).explanation.startswith(
        "Placed in Ignore: Ignore is the starting stage and has no practices to rate. The Explore practice is "
        "not yet Repeatable or better: "
    )
    assert "The key obstacle to advancing from Ignore: generating awareness and interest." in (
        staged(TEMKIN_SIX, {}).explanation
    )


def test_explanation_of_a_custom_framework_with_an_empty_middle_stage():
    levels = rated(CUSTOM.stages[0].practices, "repeatable")
    assert staged(CUSTOM, levels).explanation == (
        "Placed in Bravo: both Alpha practices are Repeatable or better, and Bravo has no "
        "practices of its own to rate. The Charlie practice is not yet Repeatable or better: "
        "\u201cWe do c1\u201d (not rated). Four practices have not been rated yet and count as "
        "not met."
    )
    levels.update(rated(CUSTOM.stages[2].practices, "systematic"))
    levels.update(rated(CUSTOM.stages[3].practices, "repeatable"))
    levels["d2"] = PracticeLevel("d2", "missing")
    assert staged(CUSTOM, levels).explanation == (
        "Placed in Charlie: both Alpha practices and the Charlie practice are Repeatable or better. "
        "Of the three Delta practices, one is not yet Repeatable or better: \u201cWe do d2\u201d "
        "(Missing)."
    )


def test_the_placement_as_data():
    data = staged(TEMKIN_SIX, up_to(TEMKIN_SIX, 1)).as_dict()
    assert set(data) == {
        "mode", "stage", "stage_name", "stage_index", "stages", "next_stage", "next_stage_name", "threshold",
        "headline", "profile", "action_plan", "foundations", "key_obstacle", "explanation", "provisional",
        "unassessed", "suggested_stage", "suggested_stage_name", "vote", "complete",
    }  # fmt: skip
    assert (data["stage"], data["stage_name"], data["next_stage"]) == ("explore", "Explore", "mobilize")
    assert data["stage_index"] == 2 and data["stages"][1] == {"id": "explore", "name": "Explore"}
    assert data["action_plan"][0] == {
        "practice": TEMKIN_SIX.stages[2].practices[0].id,
        "text": TEMKIN_SIX.stages[2].practices[0].text,
        "stage": "mobilize",
        "level": "ad_hoc",
        "gap": 1,
        "provisional": False,
    }


# --- each framework's own mode, on crafted rating profiles ---------------------------------------------

from workshop.core.wording import number  # noqa: E402

ITS = FRAMEWORKS["improve-transform-sustain"]
THREE = FRAMEWORKS["three-levels"]


def profile(framework, *levels_by_stage, default=None):
    """Levels stage by stage (``None``: not rated); stages beyond the list get ``default``."""
    levels = {}
    for index, stage in enumerate(framework.stages):
        level = levels_by_stage[index] if index < len(levels_by_stage) else default
        if level is not None:
            levels.update(rated(stage.practices, level))
    return levels


def own(framework, levels, vote=None):
    return place(framework, levels, stage_vote=vote)


def test_each_shipped_framework_names_its_mode():
    assert {framework_id: framework.placement.mode for framework_id, framework in FRAMEWORKS.items()} == {
        "forrester-path": "phase",
        "temkin-six-stages": "best_fit",
        "temkin-five-levels": "stage_vote",
        "three-levels": "stage_vote",
        "improve-transform-sustain": "profile",
    }
    for framework in FRAMEWORKS.values():
        assert framework.placement.source, f"{framework.id}: the mode needs the article's sentence"


class TestForresterPhases:
    """An organisation is in the first phase whose requirements are not all in place."""

    def test_nothing_rated_is_not_assessed_yet(self):
        placement = own(FORRESTER, {})
        assert placement.stage_id is None and placement.headline.startswith("Not assessed yet")

    def test_nothing_in_place_is_in_repair_never_not_placed(self):
        placement = own(FORRESTER, profile(FORRESTER, default="missing"))
        assert placement.stage_id == "repair" and placement.next_stage_id == "elevate"
        total = number(len(FORRESTER.stages[0].practices))
        assert placement.headline == f"In Repair: none of the {total} Repair requirements is in place yet."
        assert "Not yet placed" not in placement.explanation

    def test_repair_practices_at_ad_hoc_are_in_repair(self):
        placement = own(FORRESTER, profile(FORRESTER, "ad_hoc", default="missing"))
        assert placement.stage_id == "repair"
        assert {item.practice_id for item in placement.action_plan} == {p.id for p in FORRESTER.stages[0].practices}

    def test_repair_done_is_working_on_elevate(self):
        placement = own(FORRESTER, profile(FORRESTER, "repeatable", default="ad_hoc"))
        repair, elevate = (number(len(stage.practices)) for stage in FORRESTER.stages[:2])
        assert placement.stage_id == "elevate" and placement.next_stage_id == "optimize"
        assert placement.headline == (
            f"In Elevate: all {repair} Repair requirements are in place, none of the {elevate} Elevate requirements."
        )

    def test_one_elevate_requirement_in_place_is_counted(self):
        levels = profile(FORRESTER, "repeatable", "missing")
        first = FORRESTER.stages[1].practices[0]
        levels[first.id] = PracticeLevel(first.id, "systematic")
        elevate = number(len(FORRESTER.stages[1].practices))
        assert own(FORRESTER, levels).headline.endswith(f", one of {elevate} Elevate requirements.")

    def test_a_later_phase_in_place_does_not_skip_an_open_one(self):
        placement = own(FORRESTER, profile(FORRESTER, "repeatable", "ad_hoc", "systematic", "systematic"))
        assert placement.stage_id == "elevate"

    def test_everything_in_place_says_so(self):
        placement = own(FORRESTER, profile(FORRESTER, default="systematic"))
        assert placement.complete and placement.stage_id == "differentiate" and placement.next_stage_id is None
        assert placement.headline.startswith("Every requirement is in place") and placement.action_plan == ()

    def test_an_unrated_requirement_is_not_in_place(self):
        levels = profile(FORRESTER, "repeatable")
        del levels[FORRESTER.stages[0].practices[-1].id]
        assert own(FORRESTER, levels).stage_id == "repair"


class TestTemkinSixBestFit:
    """Each stage has its own bar; the best fit is the highest stage most of whose practices meet it."""

    def test_nothing_rated_is_not_assessed_yet(self):
        assert own(TEMKIN_SIX, {}).stage_id is None

    def test_nothing_in_place_is_ignore_the_starting_state(self):
        placement = own(TEMKIN_SIX, profile(TEMKIN_SIX, default="missing"))
        assert placement.stage_id == "ignore" and placement.next_stage_id == "explore"

    def test_a_textbook_explore_organisation_is_in_explore(self):
        # Explore "usually starts with the establishment of an ad-hoc group": Ad Hoc meets its bar
        placement = own(TEMKIN_SIX, profile(TEMKIN_SIX, None, "ad_hoc", default="missing"))
        assert placement.stage_id == "explore" and placement.key_obstacle.startswith("Gaining alignment")
        assert placement.headline.startswith("Best fit: Explore.")

    def test_one_ad_hoc_practice_does_not_cap_a_systematic_organisation(self):
        levels = profile(TEMKIN_SIX, default="systematic")
        mobilize = TEMKIN_SIX.stages[2].practices[-1]
        levels[mobilize.id] = PracticeLevel(mobilize.id, "ad_hoc")
        placement = own(TEMKIN_SIX, levels)
        assert placement.stage_id == "embed" and placement.next_stage_id is None
        # the shortfall is a foundation to check, not a blocker
        assert [item.practice_id for item in placement.foundations] == [mobilize.id]
        assert "Foundations to check" in placement.explanation

    def test_most_of_a_stage_at_its_bar_reaches_it(self):
        levels = profile(TEMKIN_SIX, None, "ad_hoc", "missing", "missing")
        mobilize = TEMKIN_SIX.stages[2].practices
        for practice in mobilize[: len(mobilize) // 2 + 1]:
            levels[practice.id] = PracticeLevel(practice.id, "repeatable")
        placement = own(TEMKIN_SIX, levels)
        assert placement.stage_id == "mobilize"
        assert {item.stage_id for item in placement.action_plan} == {"operationalize"}

    def test_everything_in_place_is_embed(self):
        placement = own(TEMKIN_SIX, profile(TEMKIN_SIX, default="systematic"))
        assert placement.stage_id == "embed" and placement.foundations == () and placement.action_plan == ()

    def test_each_stage_shows_its_own_bar(self):
        bars = {row.stage_id: row.bar for row in own(TEMKIN_SIX, profile(TEMKIN_SIX, default="missing")).profile}
        assert bars["explore"] == "ad_hoc" and bars["align"] == "systematic" and bars["mobilize"] == "repeatable"


class TestStageVote:
    """Temkin's five levels and the three levels: the room's vote, beside what the ratings suggest."""

    @pytest.mark.parametrize("framework", [TEMKIN_FIVE, THREE], ids=["temkin-five", "three-levels"])
    def test_without_a_vote_there_is_no_verdict_yet(self, framework):
        placement = own(framework, profile(framework, default="repeatable"))
        assert placement.stage_id is None and "has not chosen its stage" in placement.headline
        assert placement.suggested_stage_id is not None

    def test_the_vote_places_and_a_gap_with_the_ratings_is_pointed_out(self):
        levels = profile(TEMKIN_FIVE, "repeatable", "repeatable", default="missing")
        vote = StageVote("engaged", provisional=False, label="agreed", voters=8)
        placement = own(TEMKIN_FIVE, levels, vote)
        assert placement.stage_id == "engaged" and placement.next_stage_id == "embedded"
        assert placement.headline == "In Engaged, by the room's own vote."
        assert placement.suggested_stage_id == "invested"
        assert "suggest Invested, two stages lower: talk about the gap" in placement.explanation

    def test_a_vote_matching_the_ratings_says_so(self):
        levels = profile(TEMKIN_FIVE, "repeatable", default="missing")
        placement = own(TEMKIN_FIVE, levels, StageVote("interested", provisional=True, label="leaning", voters=5))
        assert placement.stage_id == "interested" and "provisional" in placement.headline
        assert "suggest the same stage" in placement.explanation

    def test_the_three_levels_place_by_vote_too(self):
        placement = own(THREE, profile(THREE, default="systematic"), StageVote("strategic", False, "agreed", 6))
        assert placement.stage_id == "strategic" and placement.next_stage_id is None


class TestImproveTransformSustainProfile:
    """No progression rule in the source: no stage verdict, only the profile."""

    @pytest.mark.parametrize("level", [None, "missing", "ad_hoc", "systematic"])
    def test_no_stage_verdict_whatever_the_ratings(self, level):
        placement = own(ITS, profile(ITS, default=level))
        assert placement.stage_id is None and placement.stage_index == 0 and placement.next_stage_id is None
        assert placement.headline.startswith("No stage verdict")

    def test_the_practices_below_the_threshold_are_listed(self):
        placement = own(ITS, profile(ITS, "systematic", "ad_hoc", "missing"))
        assert {item.stage_id for item in placement.action_plan} == {"transform", "sustain"}
        assert placement.action_plan[0].stage_id == "sustain"  # the largest gap first
