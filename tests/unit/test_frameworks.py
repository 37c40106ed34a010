"""Every shipped framework loads and validates and quotes its article exactly; a broken file gives a precise
error."""

import os
import re
from pathlib import Path

import pytest

from workshop.core.errors import FrameworkError, NotFound
from workshop.core.frameworks import framework_from_dict, framework_to_dict
from workshop.frameworks import BUILTIN_DIRECTORY, load_framework_file, load_frameworks

SEEDS = Path(os.environ.get("WORKSHOP_SEEDS", Path(__file__).resolve().parents[3] / "shared" / "seeds"))
SHIPPED = {
    "forrester-path": ["Repair", "Elevate", "Optimize", "Differentiate"],
    "temkin-five-levels": ["Interested", "Invested", "Committed", "Engaged", "Embedded"],
    "improve-transform-sustain": ["Improve", "Transform", "Sustain"],
    "temkin-six-stages": ["Ignore", "Explore", "Mobilize", "Operationalize", "Align", "Embed"],
    "three-levels": ["Operational", "Optimized", "Strategic"],
}


@pytest.fixture(scope="module")
def frameworks():
    return load_frameworks([BUILTIN_DIRECTORY])


def test_all_five_models_ship_with_their_stages_in_order(frameworks):
    assert {fid: [stage.name for stage in f.stages] for fid, f in frameworks.items()} == SHIPPED


# The adoption scale measures how often and how consistently: a statement that says it already ("we
# routinely ...", "everyone ...") contradicts a rating of Ad Hoc.
FREQUENCY_WORDS = re.compile(
    r"\b(routinely|consistently|regularly|always|usually|often|sometimes|never|continuous(ly)?|constantly"
    r"|every|everyone|everybody|everything|every time|the same way)\b",
    re.I,
)


@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_each_shipped_framework_is_complete(frameworks, framework_id):
    framework = frameworks[framework_id]
    assert framework.reference.seed and framework.summary and framework.notes
    for stage in framework.stages:
        assert stage.description
        for practice in stage.practices:
            assert practice.text.endswith(".") and len(practice.text) <= 160
            assert practice.source
    assert len({p.id for p in framework.practices}) == len(framework.practices)


@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_every_practice_is_one_activity_a_room_can_rate(frameworks, framework_id):
    """Each practice says what "we" do, without the frequency the adoption scale supplies."""
    for practice in frameworks[framework_id].rated_practices:
        assert practice.text.startswith("We "), (practice.id, practice.text)
        assert not FREQUENCY_WORDS.search(practice.text), (practice.id, practice.text)
        assert practice.hint is None or practice.hint.strip(), practice.id


def squeeze(text: str) -> str:
    """Runs of whitespace become one space; nothing else changes (no case folding, no repaired typos)."""
    return " ".join(text.split())


def quoted(source: str) -> str:
    """The quoted text: one leading and one trailing "..." (marking a cut) and the spaces around them removed."""
    text = source.strip()
    if text.startswith("..."):
        text = text[3:].strip()
    if text.endswith("..."):
        text = text[:-3].strip()
    return squeeze(text)


def quotes(framework):
    """Every quote of the file: (where, source) for practices, the placement, figures and cautions."""
    found = [(f"practice {p.id}", p.source) for p in framework.rated_practices]
    if framework.placement.source:
        found.append(("placement", framework.placement.source))
    for stage in framework.stages:
        found += [(f"figure of {stage.id}", figure.source) for figure in stage.figures]
    found += [("caution", caution.source) for caution in framework.cautions]
    return found


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed articles are not at {SEEDS}")
@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_every_quote_is_an_exact_substring_of_the_seed_article(frameworks, framework_id):
    """Practices, the placement, figures and cautions quote their article exactly, whitespace aside: no
    inserted level labels, no repaired typos, no two places joined by "..." (only a cut at either end)."""
    framework = frameworks[framework_id]
    article = squeeze((SEEDS / framework.reference.seed).read_text(encoding="utf-8"))
    wrong = []
    for where, source in quotes(framework):
        text = quoted(source)
        if len(text) < 12 or text not in article:
            wrong.append((where, source))
    assert not wrong, "not quoted exactly from the article:\n" + "\n".join(f"{w}: {s!r}" for w, s in wrong)


def test_the_quote_check_is_exact():
    article = squeeze("In this phase, Burns says to share customer insights routinely, measure thoughtfully.")
    assert quoted("... share customer insights routinely, ...") in article
    assert quoted("In this phase, Burns   says\nto share") in article
    assert quoted("Interested: share customer insights") not in article  # an inserted label
    assert quoted("share customer insights ... measure thoughtfully") not in article  # two places joined
    assert quoted("Share customer insights routinely") not in article  # case matters


def test_temkin_six_stages_keeps_the_key_obstacles(frameworks):
    obstacles = {stage.name: stage.key_obstacle for stage in frameworks["temkin-six-stages"].stages}
    assert obstacles["Ignore"] == "Generating awareness and interest."
    assert obstacles["Operationalize"] == "Overcoming inertia of middle managers."
    assert all(obstacles.values())
    assert frameworks["temkin-six-stages"].stages[0].practices == ()


def test_forrester_requirements_per_phase_are_the_practices(frameworks):
    counts = [len(stage.practices) for stage in frameworks["forrester-path"].stages]
    assert counts == [4, 4, 3, 2]
    assert len(frameworks["forrester-path"].practices) == 13


# --- placement: each file's mode and the article's sentence for it -----------------------------------

MODES = {
    "forrester-path": ("phase", "the four requirements necessary to advance each phase"),
    "temkin-six-stages": ("best_fit", "companies often invest in customer journey maps"),
    "temkin-five-levels": ("stage_vote", "So where does your organisation rank?"),
    "three-levels": ("stage_vote", "The designer is just an implementer"),
    "improve-transform-sustain": ("profile", "a realistic assessment of your current adoption level"),
}


@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_each_framework_names_its_placement_mode_with_the_articles_sentence(frameworks, framework_id):
    mode, words = MODES[framework_id]
    placement = frameworks[framework_id].placement
    assert placement.mode == mode
    assert words in placement.source


def test_the_stage_votes_suggest_by_best_fit_and_ask_which_description_fits(frameworks):
    for framework_id in ("temkin-five-levels", "three-levels"):
        framework = frameworks[framework_id]
        assert framework.placement.suggest == "best_fit"
        assert "fits" in framework.placement.question and framework.placement.question.endswith("?")
        assert framework.stage_vote is not None and framework.practices[-1].id == "stage-vote"
        assert all(stage.description for stage in framework.stages)
    assert frameworks["temkin-five-levels"].stages[0].description == (
        "Customer experience is important, but funding and upper-level support is minimal."
    )


def test_the_docs_give_each_shipped_mode_with_its_sentence(frameworks):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "frameworks.md").read_text(encoding="utf-8")
    for framework_id, framework in frameworks.items():
        (row,) = [line for line in docs.splitlines() if line.startswith(f"| `{framework_id}.toml` | `")]
        assert f"`{framework.placement.mode}`" in row and framework.placement.source in row, framework_id


def test_temkin_six_stages_sets_each_stages_own_bar(frameworks):
    bars = {stage.id: stage.bar for stage in frameworks["temkin-six-stages"].stages}
    assert bars == {
        "ignore": None,
        "explore": "ad_hoc",
        "mobilize": None,
        "operationalize": None,
        "align": "systematic",
        "embed": "systematic",
    }
    assert frameworks["temkin-six-stages"].placement.reach_share == 0.5


def test_temkin_six_stages_notes_say_where_the_six_month_review_comes_from(frameworks):
    assert "Repeat the self-test every six months to track your progress." in frameworks["temkin-six-stages"].notes


# --- what is read into an article, and what the articles offer beside practices ---------------------


@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_inferred_is_a_reason_where_present(frameworks, framework_id):
    framework = frameworks[framework_id]
    marked = [p.inferred for p in framework.rated_practices if p.inferred is not None]
    marked += [stage.inferred for stage in framework.stages if stage.inferred is not None]
    for reason in marked:
        assert len(reason.split()) >= 5 and reason.endswith("."), reason


def test_the_known_inferred_practices_carry_their_reason(frameworks):
    assert frameworks["temkin-five-levels"].practice("invested-funding").inferred
    assert frameworks["three-levels"].practice("optimized-systematic-approach").inferred


def test_improve_and_transform_descriptions_are_marked_as_not_the_articles(frameworks):
    stages = {stage.id: stage for stage in frameworks["improve-transform-sustain"].stages}
    assert "part 1" in stages["improve"].inferred and "part 1" in stages["transform"].inferred
    assert stages["sustain"].inferred is None
    assert "part 1" in frameworks["improve-transform-sustain"].notes


def test_sustain_lists_the_benefits_the_article_gives(frameworks):
    sustain = frameworks["improve-transform-sustain"].stages[-1]
    benefits = " ".join(sustain.benefits).lower()
    for words in ("service costs", "longer", "future purchases", "defection", "word of mouth", "support"):
        assert words in benefits, words
    assert not any("support" in p.text.lower() for p in sustain.practices)  # a benefit is not a practice


def test_the_articles_figures_are_kept_with_their_stage(frameworks):
    def figures(framework_id, stage_id):
        stage = next(s for s in frameworks[framework_id].stages if s.id == stage_id)
        return " ".join(figure.source for figure in stage.figures)

    assert "53 percent measure CX quality consistently" in figures("forrester-path", "elevate")
    assert "Only 15 percent follow a design process" in figures("forrester-path", "optimize")
    assert "only 4% of the 206 companies" in figures("temkin-six-stages", "embed")


def test_the_three_levels_article_warns_that_process_is_not_usability(frameworks):
    (caution,) = frameworks["three-levels"].cautions
    assert "as such do not guarantee any level of usability" in caution.source


def test_yes_or_no_facts_are_signs_not_practices(frameworks):
    signs = {stage.id: " ".join(stage.signs).lower() for framework in frameworks.values() for stage in framework.stages}
    assert "senior executive has been appointed" in signs["mobilize"]
    assert "full-time customer experience staff" in signs["mobilize"]
    assert "cross-functional governance" in signs["operationalize"]
    assert "strategy is in place" in signs["improve"]
    gone = {"mobilize-cx-executive", "mobilize-cx-team", "operationalize-governance", "improve-cx-strategy"}
    gone |= {"optimized-design-in-teams", "sustain-support"}
    assert not any(framework.has_practice(pid) for framework in frameworks.values() for pid in gone)


def test_a_framework_survives_the_round_trip_to_plain_data(frameworks):
    for framework in frameworks.values():
        assert framework_from_dict(framework_to_dict(framework)) == framework


def test_lookup_of_an_unknown_practice_raises_not_found(frameworks):
    with pytest.raises(NotFound):
        frameworks["three-levels"].practice("nope")


VALID = """
format = 1
id = "mine"
name = "My model"
summary = "A test model."
[reference]
title = "T"
author = "A"
published = "2026"
[[stages]]
id = "one"
name = "One"
description = "First."
  [[stages.practices]]
  id = "p1"
  text = "We do the thing."
  source = "our own"
"""


def write(tmp_path, text, name="mine.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, key, problem",
    [
        (lambda t: t.replace('id = "mine"', 'id = "Mine Model"'), "id", "not a valid id"),
        (lambda t: t.replace('name = "My model"\n', ""), "name", "is required"),
        (
            lambda t: t.replace('text = "We do the thing."', "text = 42"),
            "stages[0].practices[0].text",
            "must be a string",
        ),
        (
            lambda t: t.replace('text = "We do the thing."', 'text = "   "'),
            "stages[0].practices[0].text",
            "must not be empty",
        ),
        (
            lambda t: t.replace('source = "our own"', 'source = "our own"\nweight = 2'),
            "stages[0].practices[0].weight",
            "unknown key",
        ),
        (lambda t: t.replace('id = "p1"', 'id = "one"'), "stages[0].practices[0].id", "already used"),
        (lambda t: t.replace("[reference]", "[reference_]"), "reference_", "unknown key"),
        (lambda t: t.replace("format = 1", "format = 2"), "format", "unsupported format"),
        (
            lambda t: t.replace('description = "First."', 'description = "' + "x" * 2001 + '"'),
            "stages[0].description",
            "limit is 2000",
        ),
        (lambda t: t[: t.index("  [[stages.practices]]")], "stages", "no stage has any practice"),
        (lambda t: "stages = 3\n" + t[: t.index("[[stages]]")], "stages", "must be an array of tables"),
    ],
)
def test_a_broken_framework_file_names_the_file_the_key_and_the_problem(tmp_path, change, key, problem):
    path = write(tmp_path, change(VALID))
    with pytest.raises(FrameworkError) as raised:
        load_framework_file(path)
    assert raised.value.source == str(path)
    assert raised.value.key.endswith(key) or raised.value.key == key, raised.value
    assert problem in raised.value.problem
    assert str(path) in str(raised.value)


def test_invalid_toml_is_reported_with_its_file(tmp_path):
    path = write(tmp_path, "id = [unclosed")
    with pytest.raises(FrameworkError, match="is not valid TOML") as raised:
        load_framework_file(path)
    assert raised.value.source == str(path)


def test_custom_frameworks_load_beside_the_shipped_ones_but_ids_must_be_unique(tmp_path):
    write(tmp_path, VALID)
    loaded = load_frameworks([BUILTIN_DIRECTORY, tmp_path])
    assert "mine" in loaded and len(loaded) == 6
    write(tmp_path, VALID.replace('id = "mine"', 'id = "three-levels"'), "clash.toml")
    with pytest.raises(FrameworkError, match="already defined"):
        load_frameworks([BUILTIN_DIRECTORY, tmp_path])


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(FrameworkError, match="does not exist"):
        load_frameworks([tmp_path / "nope"])
