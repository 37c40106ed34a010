"""Every shipped framework loads and validates; a broken file gives a precise error."""

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


@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_each_shipped_framework_is_complete(frameworks, framework_id):
    framework = frameworks[framework_id]
    assert framework.reference.seed and framework.summary
    for stage in framework.stages:
        assert stage.description
        for practice in stage.practices:
            assert practice.text.endswith(".") and len(practice.text) <= 160
            assert practice.source
    assert len({p.id for p in framework.practices}) == len(framework.practices)


def normalise(text: str) -> str:
    """Whitespace, curly apostrophes and the seeds' mangled non-breaking spaces ("money?double")."""
    text = re.sub(r"(?<=\w)\?(?=\w)", " ", text.replace("\u2019", "'").replace("\u00a0", " "))
    return " ".join(text.split()).lower()


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed articles are not at {SEEDS}")
@pytest.mark.parametrize("framework_id", sorted(SHIPPED))
def test_every_source_quote_comes_from_the_seed_article(frameworks, framework_id):
    """Each practice's source is quoted from its seed; fragments are separated by '...'."""
    framework = frameworks[framework_id]
    article = normalise((SEEDS / framework.reference.seed).read_text(encoding="utf-8"))
    for practice in framework.practices:
        fragments = [normalise(part).strip(" .,;:") for part in practice.source.split("...")]
        for fragment in fragments:
            fragment = re.sub(r"^[a-z]+: ", "", fragment)  # a level label such as "Interested:"
            if len(fragment) >= 12:
                assert fragment in article, (practice.id, fragment)


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
