"""Placement: the staged rule on every framework, the profile, the action plan, the explanation."""

import pytest

from workshop.core.errors import BadRequest
from workshop.core.frameworks import framework_from_dict
from workshop.core.placement import PracticeLevel, place
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


# --- the staged rule ------------------------------------------------------------------------------

STAGES = [
    (framework_id, index)
    for framework_id, framework in sorted(FRAMEWORKS.items())
    for index in range(len(framework.stages))
]


@pytest.mark.parametrize("framework_id, reached", STAGES, ids=[f"{f}-{i}" for f, i in STAGES])
def test_the_stage_reached_is_the_highest_with_it_and_every_earlier_stage_met(framework_id, reached):
    framework = FRAMEWORKS[framework_id]
    placement = place(framework, up_to(framework, reached))
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
    placement = place(framework, levels)
    before = framework.stages[: framework.stages.index(first_rated)]
    assert placement.stage_id == (before[-1].id if before else None)
    assert placement.next_stage_id == first_rated.id
    assert [p.met for p in placement.profile][len(before) + 1 :] == [True] * (len(framework.stages) - len(before) - 1)


@pytest.mark.parametrize("framework_id", sorted(FRAMEWORKS))
def test_nothing_rated_reaches_only_stages_without_practices(framework_id):
    framework = FRAMEWORKS[framework_id]
    placement = place(framework, {})
    assert placement.unassessed == len(framework.practices)
    assert placement.stage_id == ("ignore" if framework_id == "temkin-six-stages" else None)
    assert all(item.level is None and item.gap == 3 for item in placement.action_plan)


def test_an_empty_stage_is_met_trivially():
    placement = place(TEMKIN_SIX, {})
    ignore = placement.profile[0]
    assert (ignore.stage_id, ignore.practices, ignore.met, ignore.share) == ("ignore", 0, True, None)
    assert placement.stage_id == "ignore" and placement.next_stage_id == "explore"
    # An empty stage in the middle is crossed as soon as the stage before it is met.
    placement = place(CUSTOM, rated(CUSTOM.stages[0].practices, "repeatable"))
    assert placement.stage_id == "b" and placement.next_stage_id == "c"


def test_the_threshold_is_configurable():
    levels = rated(FORRESTER.practices, "repeatable")
    assert place(FORRESTER, levels).stage_id == "differentiate"
    assert place(FORRESTER, levels, "systematic").stage_id is None
    assert place(FORRESTER, rated(FORRESTER.practices, "ad_hoc"), "ad_hoc").stage_id == "differentiate"
    missing = rated(FORRESTER.practices, "missing")
    assert place(FORRESTER, missing, "missing").stage_id == "differentiate"
    del missing["repair-measure"]
    assert place(FORRESTER, missing, "missing").stage_id is None  # unrated never meets even Missing
    assert place(FORRESTER, levels, "systematic").threshold == "systematic"
    with pytest.raises(BadRequest):
        place(FORRESTER, levels, "excellent")


def test_unassessed_practices_are_not_met():
    levels = rated(FORRESTER.stages[0].practices, "systematic")
    levels["repair-measure"] = PracticeLevel("repair-measure", None)  # revealed, only "don't know"
    placement = place(FORRESTER, levels)
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
    placement = place(FORRESTER, levels)
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
    repair = place(FORRESTER, levels).profile[0]
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
    }


def test_provisional_levels_are_counted_once_and_only_for_the_framework():
    levels = rated(FORRESTER.stages[0].practices, "repeatable", provisional=True)
    levels["not-in-this-framework"] = PracticeLevel("not-in-this-framework", "systematic", True)
    placement = place(FORRESTER, levels)
    assert placement.stage_id == "repair"
    assert placement.provisional == 4
    assert "Four levels are provisional: computed from the votes, not yet consolidated." in (placement.explanation)


# --- key obstacle ---------------------------------------------------------------------------------


def test_the_key_obstacle_is_the_reached_stages_obstacle_to_advancing():
    placement = place(TEMKIN_SIX, up_to(TEMKIN_SIX, 2))
    assert placement.stage_id == "mobilize"
    assert placement.key_obstacle == "Making trade-offs against other competing priorities."
    assert placement.explanation.endswith(
        "The key obstacle to advancing from Mobilize: making trade-offs against other competing priorities."
    )
    assert place(FORRESTER, {}).key_obstacle is None
    assert place(CUSTOM, {}).key_obstacle is None  # Alpha's obstacle applies only once in Alpha


# --- the explanation ------------------------------------------------------------------------------


def test_explanation_when_nothing_is_reached():
    levels = rated(FORRESTER.practices, "repeatable")
    levels["repair-coordinate"] = PracticeLevel("repair-coordinate", "ad_hoc")
    assert place(FORRESTER, levels).explanation == (
        "Not yet placed in Repair, the first stage. Of the four Repair practices, one is not yet "
        "Repeatable or better: \u201cWe coordinate the implementation of fixes across the teams "
        "involved\u201d (Ad Hoc)."
    )


def test_explanation_of_a_middle_stage():
    levels = up_to(FORRESTER, 1, below="systematic")
    levels["optimize-design-practice"] = PracticeLevel("optimize-design-practice", "missing", True)
    levels["optimize-employee-skills"] = PracticeLevel("optimize-employee-skills", "ad_hoc")
    assert place(FORRESTER, levels).explanation == (
        "Placed in Elevate: all four Repair practices and all four Elevate practices are Repeatable "
        "or better. Of the three Optimize practices, two are not yet Repeatable or better: "
        "\u201cWe follow a strong experience design practice when we create or change "
        "experiences\u201d (Missing, provisional); \u201cWe sharpen our employees' customer "
        "experience skills\u201d (Ad Hoc). One level is provisional: computed from the votes, not "
        "yet consolidated."
    )


def test_explanation_of_the_final_stage_without_key_obstacle():
    explanation = place(FORRESTER, rated(FORRESTER.practices, "systematic")).explanation
    assert explanation == (
        "Placed in Differentiate, the final stage: all four Repair practices, all four Elevate "
        "practices, all three Optimize practices and both Differentiate practices are Repeatable "
        "or better."
    )


def test_explanation_of_the_final_stage_with_key_obstacle():
    explanation = place(TEMKIN_SIX, rated(TEMKIN_SIX.practices, "repeatable")).explanation
    assert explanation.startswith("Placed in Embed, the final stage: both Explore practices, all four Mobilize")
    assert explanation.endswith(
        "The key obstacle in Embed: maintaining and renewing the brand identity as the company evolves."
    )


def test_explanation_with_single_practice_stages():
    assert place(TEMKIN_FIVE, {}).explanation == (
        "Not yet placed in Interested, the first stage. The Interested practice is not yet "
        "Repeatable or better: \u201cPeople here treat customer experience as important\u201d (not "
        "rated). Eight practices have not been rated yet and count as not met."
    )
    levels = up_to(TEMKIN_FIVE, 0)
    assert place(TEMKIN_FIVE, levels).explanation.startswith(
        "Placed in Interested: the Interested practice is Repeatable or better. Neither Invested "
        "practice is Repeatable or better yet: "
    )
    levels = up_to(TEMKIN_FIVE, 3)
    assert place(TEMKIN_FIVE, levels).explanation.endswith(
        "are Repeatable or better. The Embedded practice is not yet Repeatable or better: "
        "\u201cCustomer experience shapes everything and anything the company does\u201d (Ad Hoc)."
    )


def test_explanation_of_a_starting_stage_without_practices_and_its_key_obstacle():
    assert place(TEMKIN_SIX, {}).explanation.startswith(
        "Placed in Ignore: Ignore is the starting stage and has no practices to rate. Neither "
        "Explore practice is Repeatable or better yet: "
    )
    assert "The key obstacle to advancing from Ignore: generating awareness and interest." in (
        place(TEMKIN_SIX, {}).explanation
    )


def test_explanation_of_a_custom_framework_with_an_empty_middle_stage():
    levels = rated(CUSTOM.stages[0].practices, "repeatable")
    assert place(CUSTOM, levels).explanation == (
        "Placed in Bravo: both Alpha practices are Repeatable or better, and Bravo has no "
        "practices of its own to rate. The Charlie practice is not yet Repeatable or better: "
        "\u201cWe do c1\u201d (not rated). Four practices have not been rated yet and count as "
        "not met."
    )
    levels.update(rated(CUSTOM.stages[2].practices, "systematic"))
    levels.update(rated(CUSTOM.stages[3].practices, "repeatable"))
    levels["d2"] = PracticeLevel("d2", "missing")
    assert place(CUSTOM, levels).explanation == (
        "Placed in Charlie: both Alpha practices and the Charlie practice are Repeatable or better. "
        "Of the three Delta practices, one is not yet Repeatable or better: \u201cWe do d2\u201d "
        "(Missing)."
    )


def test_the_placement_as_data():
    data = place(TEMKIN_SIX, up_to(TEMKIN_SIX, 1)).as_dict()
    assert set(data) == {
        "stage",
        "stage_name",
        "stage_index",
        "stages",
        "next_stage",
        "next_stage_name",
        "threshold",
        "profile",
        "action_plan",
        "key_obstacle",
        "explanation",
        "provisional",
        "unassessed",
    }
    assert (data["stage"], data["stage_name"], data["next_stage"]) == ("explore", "Explore", "mobilize")
    assert data["stage_index"] == 2 and data["stages"][1] == {"id": "explore", "name": "Explore"}
    assert data["action_plan"][0] == {
        "practice": "mobilize-cx-executive",
        "text": TEMKIN_SIX.stages[2].practices[0].text,
        "stage": "mobilize",
        "level": "ad_hoc",
        "gap": 1,
        "provisional": False,
    }
