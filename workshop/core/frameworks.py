"""Maturity frameworks as data: one TOML file each, validated on load.

A framework is an ordered list of stages; each stage has a description, optionally the key obstacle
to advancing beyond it, and the practices a group rates on the adoption scale. Every practice keeps
the sentence of its source article it comes from (``source``), so a facilitator can show where it
comes from. See ``docs/frameworks.md`` for the file format; ``workshop/frameworks`` reads the files.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from . import scale
from .errors import FrameworkError, NotFound

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_NAME = 120
MAX_TEXT = 400
MAX_LONG_TEXT = 2000
MAX_LIST = 12

# how a framework places an organisation in its stages (docs/frameworks.md#placement-modes)
PHASE = "phase"  # in the first phase whose requirements are not all in place (Forrester)
BEST_FIT = "best_fit"  # the highest stage most of whose practices meet that stage's own bar
STAGE_VOTE = "stage_vote"  # the room votes on the stage description that fits best
PROFILE = "profile"  # no stage verdict: the source gives no progression rule
STAGED = "staged"  # the highest stage whose practices and all earlier ones meet the threshold (CMMI)
PLACEMENT_MODES = (PHASE, BEST_FIT, STAGE_VOTE, PROFILE, STAGED)

PRACTICE = "practice"
STAGE_VOTE_ID = "stage-vote"  # the stage vote's item id; no practice may use it
DEFAULT_STAGE_QUESTION = "Which of these descriptions fits our organisation best today?"


@dataclass(frozen=True)
class Practice:
    """Something the room rates: a practice on the adoption scale, or the stage vote."""

    id: str
    text: str
    source: str
    hint: str | None = None  # for the facilitator: a term explained
    inferred: str | None = None  # why the practice is read into the article, where it does not state it
    kind: str = PRACTICE  # practice | stage_vote


@dataclass(frozen=True)
class Figure:
    """A figure the article gives (Forrester's "53 percent measure CX quality consistently")."""

    text: str
    source: str


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    description: str
    key_obstacle: str | None
    practices: tuple[Practice, ...]
    bar: str | None = None  # best fit: the level a practice needs to count toward this stage
    signs: tuple[str, ...] = ()  # what one sees in an organisation at this stage
    benefits: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    inferred: str | None = None  # the description is not the article's: why and from where


@dataclass(frozen=True)
class Reference:
    title: str
    author: str
    published: str
    seed: str | None
    url: str | None


@dataclass(frozen=True)
class PlacementRule:
    """How the framework places an organisation (``PLACEMENT_MODES``), with the article's sentence."""

    mode: str = STAGED
    source: str | None = None  # the sentence of the article that supports the mode
    reach_share: float = 0.5  # best fit: a stage is reached when more than this share meets its bar
    suggest: str = BEST_FIT  # stage vote: how the practice ratings suggest a stage (best_fit or phase)
    question: str = DEFAULT_STAGE_QUESTION  # stage vote: what the phones ask


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    summary: str
    reference: Reference
    stages: tuple[Stage, ...]
    notes: str | None = None
    placement: PlacementRule = PlacementRule()
    cautions: tuple[Figure, ...] = ()  # what the article warns about the model itself

    @cached_property
    def stage_vote(self) -> Practice | None:
        """The stage vote, an item the room answers with a stage (stage-vote frameworks only)."""
        if self.placement.mode != STAGE_VOTE:
            return None
        return Practice(
            STAGE_VOTE_ID, self.placement.question, self.placement.source or self.placement.question, kind=STAGE_VOTE
        )

    @cached_property
    def rated_practices(self) -> tuple[Practice, ...]:
        """The practices rated on the adoption scale, in framework order (stage by stage)."""
        return tuple(practice for stage in self.stages for practice in stage.practices)

    @cached_property
    def practices(self) -> tuple[Practice, ...]:
        """Everything the room answers, in order: the rated practices, then the stage vote if any."""
        return self.rated_practices + ((self.stage_vote,) if self.stage_vote else ())

    @cached_property
    def _stage_by_practice(self) -> dict[str, Stage]:
        return {practice.id: stage for stage in self.stages for practice in stage.practices}

    @cached_property
    def _practice_by_id(self) -> dict[str, Practice]:
        return {practice.id: practice for practice in self.practices}

    def practice(self, practice_id: str) -> Practice:
        """Return the practice with this id, or raise NotFound."""
        try:
            return self._practice_by_id[practice_id]
        except (KeyError, TypeError):
            raise NotFound(f"no practice {practice_id!r} in {self.name}") from None

    def stage_of(self, practice_id: str) -> Stage | None:
        """Return the stage a practice belongs to (None for the stage vote)."""
        self.practice(practice_id)
        return self._stage_by_practice.get(practice_id)

    def has_practice(self, practice_id: str) -> bool:
        return practice_id in self._practice_by_id

    def options(self, practice_id: str) -> tuple[str, ...]:
        """The answers a practice is rated with, lowest first ("don't know" aside)."""
        if self.practice(practice_id).kind == STAGE_VOTE:
            return tuple(stage.id for stage in self.stages)
        return scale.LEVEL_VALUES

    def option_names(self, practice_id: str) -> dict[str, str]:
        if self.practice(practice_id).kind == STAGE_VOTE:
            return {stage.id: stage.name for stage in self.stages}
        return {level.value: level.label for level in scale.LEVELS}

    def stage_index(self, stage_id: str | None) -> int:
        """1-based position of a stage; 0 for None."""
        for index, stage in enumerate(self.stages, start=1):
            if stage.id == stage_id:
                return index
        return 0


# --- validation ------------------------------------------------------------------------------


class _Checker:
    """Reads one table of a framework file, naming the file and the key path in every error."""

    def __init__(self, source: str, table: Mapping, path: str, allowed: Iterable[str]):
        self.source = source
        self.table = table
        self.path = path
        if not isinstance(table, Mapping):
            self.fail("", "must be a table")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            self.fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path and name else (self.path or name)

    def fail(self, name: str, problem: str):
        raise FrameworkError(self.source, self.key(name) or "(top level)", problem)

    def text(self, name: str, *, limit: int = MAX_TEXT, required: bool = True) -> str | None:
        value = self.table.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, str):
            self.fail(name, f"must be a string, not {type(value).__name__}")
        value = " ".join(value.split())
        if not value:
            self.fail(name, "must not be empty")
        if len(value) > limit:
            self.fail(name, f"is {len(value)} characters long; the limit is {limit}")
        return value

    def identifier(self, name: str) -> str:
        value = self.table.get(name)
        if value is None:
            self.fail(name, "is required")
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.fail(
                name,
                f"{value!r} is not a valid id (lowercase letters, digits, '-' or '_', "
                "starting with a letter or digit, at most 64 characters)",
            )
        return value

    def texts(self, name: str, *, limit: int = MAX_TEXT) -> tuple[str, ...]:
        """An optional array of short texts (signs, benefits)."""
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(name, "must be an array of strings")
        if len(value) > MAX_LIST:
            self.fail(name, f"has {len(value)} entries; the limit is {MAX_LIST}")
        cleaned = tuple(" ".join(item.split()) for item in value)
        for index, item in enumerate(cleaned):
            if not item:
                self.fail(f"{name}[{index}]", "must not be empty")
            if len(item) > limit:
                self.fail(f"{name}[{index}]", f"is {len(item)} characters long; the limit is {limit}")
        return cleaned

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.table.get(name, default)
        if value is not None and value not in options:
            self.fail(name, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def share(self, name: str, default: float) -> float:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            self.fail(name, f"must be a number between 0 and 1 (exclusive), not {value!r}")
        return float(value)

    def figures(self, name: str) -> tuple[Figure, ...]:
        found = []
        for index, item in enumerate(self.tables(name, required=False)):
            figure = _Checker(self.source, item, self.key(f"{name}[{index}]"), {"text", "source"})
            found.append(Figure(text=figure.text("text"), source=figure.text("source", limit=MAX_LONG_TEXT)))
        return tuple(found)

    def tables(self, name: str, *, required: bool = True) -> list:
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            self.fail(name, "must be an array of tables ([[...]])")
        if required and not value:
            self.fail(name, "must have at least one entry")
        return value


def framework_from_dict(data: Mapping, source: str = "<framework>") -> Framework:
    """Validate plain data (a parsed TOML file or a stored copy) and build a Framework."""
    top = _Checker(
        source,
        data,
        "",
        {"id", "name", "summary", "reference", "stages", "notes", "format", "placement", "cautions"},
    )
    if data.get("format", 1) != 1:
        top.fail("format", f"unsupported format {data.get('format')!r}; this version reads 1")
    framework_id = top.identifier("id")
    name = top.text("name", limit=MAX_NAME)
    summary = top.text("summary", limit=MAX_LONG_TEXT)
    notes = top.text("notes", limit=MAX_LONG_TEXT * 2, required=False)

    reference_data = data.get("reference")
    if reference_data is None:
        top.fail("reference", "is required (title, author, published; seed or url)")
    ref = _Checker(source, reference_data, "reference", {"title", "author", "published", "seed", "url"})
    reference = Reference(
        title=ref.text("title", limit=MAX_NAME * 2),
        author=ref.text("author", limit=MAX_NAME * 2),
        published=ref.text("published", limit=40),
        seed=ref.text("seed", limit=200, required=False),
        url=ref.text("url", limit=500, required=False),
    )
    placement = _placement_rule(source, data.get("placement", {}))

    stages: list[Stage] = []
    seen_ids: dict[str, str] = {}
    stage_keys = {
        "id", "name", "description", "key_obstacle", "practices", "bar", "signs", "benefits", "figures", "inferred",
    }  # fmt: skip
    for stage_index, stage_data in enumerate(top.tables("stages")):
        stage_path = f"stages[{stage_index}]"
        check = _Checker(source, stage_data, stage_path, stage_keys)
        stage_id = check.identifier("id")
        if stage_id in seen_ids:
            check.fail("id", f"{stage_id!r} is already used by {seen_ids[stage_id]}")
        seen_ids[stage_id] = stage_path
        practices: list[Practice] = []
        for practice_index, practice_data in enumerate(check.tables("practices", required=False)):
            practice_path = f"{stage_path}.practices[{practice_index}]"
            item = _Checker(source, practice_data, practice_path, {"id", "text", "source", "hint", "inferred"})
            practice_id = item.identifier("id")
            if practice_id == STAGE_VOTE_ID:
                item.fail("id", f"{STAGE_VOTE_ID!r} is reserved for the stage vote")
            if practice_id in seen_ids:
                item.fail("id", f"{practice_id!r} is already used by {seen_ids[practice_id]}")
            seen_ids[practice_id] = practice_path
            practices.append(
                Practice(
                    id=practice_id,
                    text=item.text("text"),
                    source=item.text("source", limit=MAX_LONG_TEXT),
                    hint=item.text("hint", required=False),
                    inferred=item.text("inferred", required=False),
                )
            )
        stages.append(
            Stage(
                id=stage_id,
                name=check.text("name", limit=MAX_NAME),
                description=check.text("description", limit=MAX_LONG_TEXT),
                key_obstacle=check.text("key_obstacle", required=False),
                practices=tuple(practices),
                bar=check.choice("bar", scale.LEVEL_VALUES),
                signs=check.texts("signs"),
                benefits=check.texts("benefits"),
                figures=check.figures("figures"),
                inferred=check.text("inferred", required=False),
            )
        )
    if not any(stage.practices for stage in stages):
        top.fail("stages", "no stage has any practice to rate")
    if placement.mode == BEST_FIT and any(not stage.practices for stage in stages[1:]):
        empty = next(index for index, stage in enumerate(stages) if index and not stage.practices)
        top.fail(f"stages[{empty}].practices", "in best-fit placement only the first stage may have no practices")
    if placement.mode in (STAGE_VOTE,) and len(stages) < 2:
        top.fail("stages", "a stage vote needs at least two stages to choose from")
    return Framework(
        id=framework_id,
        name=name,
        summary=summary,
        reference=reference,
        stages=tuple(stages),
        notes=notes,
        placement=placement,
        cautions=top.figures("cautions"),
    )


def _placement_rule(source: str, data) -> PlacementRule:
    check = _Checker(source, data, "placement", {"mode", "source", "reach_share", "suggest", "question"})
    mode = check.choice("mode", PLACEMENT_MODES, default=STAGED)
    return PlacementRule(
        mode=mode,
        source=check.text("source", limit=MAX_LONG_TEXT, required=False),
        reach_share=check.share("reach_share", 0.5),
        suggest=check.choice("suggest", (BEST_FIT, PHASE), default=BEST_FIT),
        question=check.text("question", required=False) or DEFAULT_STAGE_QUESTION,
    )


def _optional(**fields) -> dict:
    return {name: value for name, value in fields.items() if value not in (None, (), [])}


def framework_to_dict(framework: Framework) -> dict:
    """The inverse of ``framework_from_dict``: plain data to store beside a session."""
    reference = {key: value for key, value in vars(framework.reference).items() if value is not None}
    rule = framework.placement
    data = {
        "format": 1,
        "id": framework.id,
        "name": framework.name,
        "summary": framework.summary,
        "reference": reference,
        "placement": {
            "mode": rule.mode,
            **_optional(source=rule.source),
            "reach_share": rule.reach_share,
            "suggest": rule.suggest,
            "question": rule.question,
        },
        "stages": [
            {
                "id": stage.id,
                "name": stage.name,
                "description": stage.description,
                **_optional(
                    key_obstacle=stage.key_obstacle,
                    bar=stage.bar,
                    signs=list(stage.signs),
                    benefits=list(stage.benefits),
                    figures=[{"text": f.text, "source": f.source} for f in stage.figures],
                    inferred=stage.inferred,
                ),
                "practices": [
                    {"id": p.id, "text": p.text, "source": p.source, **_optional(hint=p.hint, inferred=p.inferred)}
                    for p in stage.practices
                ],
            }
            for stage in framework.stages
        ],
    }
    if framework.notes:
        data["notes"] = framework.notes
    if framework.cautions:
        data["cautions"] = [{"text": f.text, "source": f.source} for f in framework.cautions]
    return data


def get_framework(frameworks: Mapping[str, Framework], framework_id: str) -> Framework:
    """Return a framework by id, or raise NotFound."""
    try:
        return frameworks[framework_id]
    except (KeyError, TypeError):
        raise NotFound(f"no framework {framework_id!r}") from None
