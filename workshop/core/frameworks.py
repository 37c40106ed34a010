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

from .errors import FrameworkError, NotFound

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_NAME = 120
MAX_TEXT = 400
MAX_LONG_TEXT = 2000


@dataclass(frozen=True)
class Practice:
    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    description: str
    key_obstacle: str | None
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class Reference:
    title: str
    author: str
    published: str
    seed: str | None
    url: str | None


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    summary: str
    reference: Reference
    stages: tuple[Stage, ...]
    notes: str | None = None

    @cached_property
    def practices(self) -> tuple[Practice, ...]:
        """Every practice in framework order (stage by stage)."""
        return tuple(practice for stage in self.stages for practice in stage.practices)

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

    def stage_of(self, practice_id: str) -> Stage:
        """Return the stage a practice belongs to."""
        self.practice(practice_id)
        return self._stage_by_practice[practice_id]

    def has_practice(self, practice_id: str) -> bool:
        return practice_id in self._practice_by_id


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

    def tables(self, name: str, *, required: bool = True) -> list:
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            self.fail(name, "must be an array of tables ([[...]])")
        if required and not value:
            self.fail(name, "must have at least one entry")
        return value


def framework_from_dict(data: Mapping, source: str = "<framework>") -> Framework:
    """Validate plain data (a parsed TOML file or a stored copy) and build a Framework."""
    top = _Checker(source, data, "", {"id", "name", "summary", "reference", "stages", "notes", "format"})
    if data.get("format", 1) != 1:
        top.fail("format", f"unsupported format {data.get('format')!r}; this version reads 1")
    framework_id = top.identifier("id")
    name = top.text("name", limit=MAX_NAME)
    summary = top.text("summary", limit=MAX_LONG_TEXT)
    notes = top.text("notes", limit=MAX_LONG_TEXT, required=False)

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

    stages: list[Stage] = []
    seen_ids: dict[str, str] = {}
    for stage_index, stage_data in enumerate(top.tables("stages")):
        stage_path = f"stages[{stage_index}]"
        check = _Checker(source, stage_data, stage_path, {"id", "name", "description", "key_obstacle", "practices"})
        stage_id = check.identifier("id")
        if stage_id in seen_ids:
            check.fail("id", f"{stage_id!r} is already used by {seen_ids[stage_id]}")
        seen_ids[stage_id] = stage_path
        practices: list[Practice] = []
        for practice_index, practice_data in enumerate(check.tables("practices", required=False)):
            practice_path = f"{stage_path}.practices[{practice_index}]"
            item = _Checker(source, practice_data, practice_path, {"id", "text", "source"})
            practice_id = item.identifier("id")
            if practice_id in seen_ids:
                item.fail("id", f"{practice_id!r} is already used by {seen_ids[practice_id]}")
            seen_ids[practice_id] = practice_path
            practices.append(Practice(id=practice_id, text=item.text("text"), source=item.text("source")))
        stages.append(
            Stage(
                id=stage_id,
                name=check.text("name", limit=MAX_NAME),
                description=check.text("description", limit=MAX_LONG_TEXT),
                key_obstacle=check.text("key_obstacle", required=False),
                practices=tuple(practices),
            )
        )
    if not any(stage.practices for stage in stages):
        top.fail("stages", "no stage has any practice to rate")
    return Framework(
        id=framework_id,
        name=name,
        summary=summary,
        reference=reference,
        stages=tuple(stages),
        notes=notes,
    )


def framework_to_dict(framework: Framework) -> dict:
    """The inverse of ``framework_from_dict``: plain data to store beside a session."""
    reference = {key: value for key, value in vars(framework.reference).items() if value is not None}
    data = {
        "format": 1,
        "id": framework.id,
        "name": framework.name,
        "summary": framework.summary,
        "reference": reference,
        "stages": [
            {
                "id": stage.id,
                "name": stage.name,
                "description": stage.description,
                **({"key_obstacle": stage.key_obstacle} if stage.key_obstacle else {}),
                "practices": [{"id": p.id, "text": p.text, "source": p.source} for p in stage.practices],
            }
            for stage in framework.stages
        ],
    }
    if framework.notes:
        data["notes"] = framework.notes
    return data


def get_framework(frameworks: Mapping[str, Framework], framework_id: str) -> Framework:
    """Return a framework by id, or raise NotFound."""
    try:
        return frameworks[framework_id]
    except (KeyError, TypeError):
        raise NotFound(f"no framework {framework_id!r}") from None
