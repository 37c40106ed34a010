"""The wire protocol: event names and the validation of every payload before it reaches the rules.

Event names are defined here once and mirrored once in ``static/js/protocol.js``; they are documented
with examples in ``docs/protocol.md``. Each ``parse_*`` function takes the raw JSON value a client
sent and returns a frozen command, or raises ``BadRequest`` naming the field and the problem. Handlers
never index raw dicts.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from . import analysis, prework, scale
from .assessment import ALL, Settings
from .errors import BadRequest

# client -> server
JOIN = "join"
VOTE = "vote"
HOST = "host"
WATCH = "watch"
OPEN = "open"
REVEAL = "reveal"
REVOTE = "revote"
CONSOLIDATE = "consolidate"
CLOSE = "close"
REASONS = "reasons"
TIMER = "timer"
SPOTLIGHT = "spotlight"
SETTINGS = "settings"
NOTES = "notes"
ROSTER = "roster"
PREWORK = "prework"
ACCEPT_AGREED = "accept_agreed"
# server -> client
STATE = "state"
TALLY = "tally"

CLIENT_EVENTS = (
    JOIN, VOTE, HOST, WATCH, OPEN, REVEAL, REVOTE, CONSOLIDATE, CLOSE, REASONS, TIMER, SPOTLIGHT,
    SETTINGS, NOTES, ROSTER, PREWORK, ACCEPT_AGREED,
)  # fmt: skip
SERVER_EVENTS = (STATE, TALLY)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: unambiguous when read aloud
CODE_LENGTH = 6
MAX_NAME = 40
MAX_NOTE = 280
MAX_PARTICIPANTS = 10_000  # the largest room a facilitator may allow (docs/performance.md measures 2,000)
MAX_TITLE = 120
MAX_ORGANIZATION = 120
MAX_TOKEN = 128
MAX_SEGMENTS = 8
MAX_SEGMENT_NAME = 40
MAX_SESSION_NOTES = 4000
MAX_TIMER_SECONDS = 3600
MAX_ACCEPTED = 200  # practices accepted together at most (a framework has far fewer)

_CODE_PATTERN = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Payload:
    """Reads one JSON object field by field; every problem names the field."""

    def __init__(self, data, allowed: tuple[str, ...], what: str = "payload"):
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise BadRequest(f"{what} must be a JSON object, not {_json_type(data)}")
        unknown = sorted(str(key) for key in data if key not in allowed)
        if unknown:
            expected = ", ".join(allowed) if allowed else "no fields"
            raise BadRequest(f"unknown field {unknown[0]!r} (expected: {expected})")
        self.data = data

    def raw(self, name: str, required: bool):
        value = self.data.get(name)
        if value is None and required:
            raise BadRequest(f"{name} is required")
        return value

    def text(
        self, name: str, limit: int, *, required: bool = False, multiline: bool = False, is_name: bool = False
    ) -> str | None:
        """A text field, cleaned (``clean_name`` for names that identify something)."""
        value = self.raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string, not {_json_type(value)}")
        value = clean_name(value) if is_name else clean_text(value, multiline=multiline)
        if len(value) > limit:
            raise BadRequest(f"{name} is {len(value)} characters long; the limit is {limit}")
        if not value:
            if required:
                raise BadRequest(f"{name} must not be empty")
            return None
        return value

    def code(self, name: str = "code") -> str:
        value = self.raw(name, True)
        return normalise_code(value)

    def token(self, name: str, *, required: bool = True) -> str | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not _TOKEN_PATTERN.match(value):
            raise BadRequest(f"{name} is not a valid token")
        return value

    def identifier(self, name: str, *, allow_all: bool = False, required: bool = True) -> str | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if allow_all and value == ALL:
            return ALL
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            suffix = " or '*'" if allow_all else ""
            raise BadRequest(f"{name} must be a practice id{suffix}, not {_short(value)}")
        return value

    def choice(self, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            raise BadRequest(f"{name} must be one of {', '.join(options)}, not {_short(value)}")
        return value

    def answer(self, name: str, *, required: bool = False) -> str | None:
        """An answer's wire value: a level (``ad_hoc``), a stage id for the stage vote, or
        ``unknown``; the core checks it against the practice's options."""
        value = self.raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            raise BadRequest(
                f"{name} must be one of {', '.join(scale.VOTE_VALUES)} (or a stage id), not {_short(value)}"
            )
        return value

    def integer(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"{name} must be an integer, not {_json_type(value)}")
        if not low <= value <= high:
            raise BadRequest(f"{name} must be between {low} and {high}, not {value}")
        return value

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self.raw(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequest(f"{name} must be a number, not {_json_type(value)}")
        if not low <= value <= high:
            raise BadRequest(f"{name} must be between {low} and {high}, not {value}")
        return float(value)

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name, False)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise BadRequest(f"{name} must be true or false, not {_json_type(value)}")
        return value


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _short(value) -> str:
    if isinstance(value, str):
        return repr(value[:40] + ("…" if len(value) > 40 else ""))
    return _json_type(value)


def clean_text(value: str, multiline: bool = False) -> str:
    """Normalise user text: NFC, no control characters, collapsed spaces (lines kept if multiline)."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(
        char for char in value if char in "\n\t" or unicodedata.category(char)[0] != "C" or char in "\u200d"
    )
    if multiline:
        lines = [" ".join(line.split()) for line in value.splitlines()]
        return "\n".join(lines).strip()
    return " ".join(value.split())


def clean_name(value: str) -> str:
    """A name that identifies something (an organisation), in the one form it displays and compares
    in: NFKC (full-width "Ａｃｍｅ" is "Acme"), without invisible characters (a trailing zero-width
    joiner, bidirectional controls), spaces collapsed. Look-alikes from other scripts (a Cyrillic
    "і") are caught where names are compared (``store.lookalikes``)."""
    value = unicodedata.normalize("NFKC", value)
    value = "".join(char for char in value if unicodedata.category(char)[0] != "C")
    return " ".join(value.split())


def normalise_code(value) -> str:
    """Accept a join code typed in any case, with spaces or a dash; return its canonical form."""
    if not isinstance(value, str):
        raise BadRequest(f"code must be a string, not {_json_type(value)}")
    code = re.sub(r"[\s-]", "", value).upper()
    if not _CODE_PATTERN.match(code):
        raise BadRequest(f"{_short(value)} is not a session code: codes have {CODE_LENGTH} letters and digits")
    return code


# --- commands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    code: str
    participant_token: str | None
    name: str | None
    segment: str | None


@dataclass(frozen=True)
class Vote:
    practice: str
    level: str
    note: str | None
    round: int | None


@dataclass(frozen=True)
class Host:
    code: str
    token: str


@dataclass(frozen=True)
class Target:
    practice: str


@dataclass(frozen=True)
class Consolidate:
    practice: str
    level: str | None
    note: str | None


@dataclass(frozen=True)
class Reasons:
    practice: str
    round: int | None


@dataclass(frozen=True)
class Timer:
    seconds: int | None  # None stops the timer


@dataclass(frozen=True)
class Spotlight:
    practice: str | None
    show_reasons: bool
    show_segments: bool = False


@dataclass(frozen=True)
class NewSession:
    framework: str
    title: str
    organization: str | None
    team: str | None
    settings: Settings
    previous: str | None = None
    organization_key: str | None = None  # needed when the organisation already exists


def parse_join(data) -> Join:
    payload = Payload(data, ("code", "participant_token", "name", "segment"))
    return Join(
        code=payload.code(),
        participant_token=payload.token("participant_token", required=False),
        name=payload.text("name", MAX_NAME),
        segment=payload.text("segment", MAX_SEGMENT_NAME),
    )


def parse_vote(data) -> Vote:
    payload = Payload(data, ("practice", "level", "note", "round"))
    return Vote(
        practice=payload.identifier("practice"),
        level=payload.answer("level", required=True),
        note=payload.text("note", MAX_NOTE),
        round=payload.integer("round", 1, 1000),
    )


def parse_host(data) -> Host:
    payload = Payload(data, ("code", "facilitator_token"))
    return Host(code=payload.code(), token=payload.token("facilitator_token"))


def parse_watch(data) -> Host:
    payload = Payload(data, ("code", "presenter_token"))
    return Host(code=payload.code(), token=payload.token("presenter_token"))


def parse_target(data, *, allow_all: bool = True) -> Target:
    payload = Payload(data, ("practice",))
    return Target(practice=payload.identifier("practice", allow_all=allow_all))


def parse_consolidate(data) -> Consolidate:
    payload = Payload(data, ("practice", "level", "note"))
    return Consolidate(
        practice=payload.identifier("practice"),
        level=payload.answer("level"),
        note=payload.text("note", MAX_NOTE),
    )


def parse_empty(data) -> None:
    """Events that take no fields (close, roster): nothing, or an empty object."""
    Payload(data, ())


def parse_reasons(data) -> Reasons:
    payload = Payload(data, ("practice", "round"))
    return Reasons(practice=payload.identifier("practice"), round=payload.integer("round", 1, 1000))


def parse_timer(data) -> Timer:
    payload = Payload(data, ("seconds",))
    return Timer(seconds=payload.integer("seconds", 5, MAX_TIMER_SECONDS))


def parse_spotlight(data) -> Spotlight:
    payload = Payload(data, ("practice", "show_reasons", "show_segments"))
    spotlight = Spotlight(
        practice=payload.identifier("practice", required=False),
        show_reasons=bool(payload.boolean("show_reasons")),
        show_segments=bool(payload.boolean("show_segments")),
    )
    if spotlight.show_reasons and spotlight.show_segments:
        raise BadRequest("the projector shows the reasons or the segments, not both: choose one")
    return spotlight


def parse_notes(data) -> str | None:
    """The facilitator's notes on the session (several lines; empty clears them)."""
    payload = Payload(data, ("notes",))
    if not isinstance(payload.raw("notes", True), str):
        raise BadRequest("notes must be a string")
    return payload.text("notes", MAX_SESSION_NOTES, multiline=True)


def parse_prework(data) -> prework.Schedule:
    """``{"deadline": ISO 8601 with offset | null, "workshop_at"?: ISO | null, "workshop_minutes"?}``:
    a deadline starts or moves pre-work, null closes it now; ``workshop_at`` left out keeps the
    workshop time already set, null clears it."""
    payload = Payload(data, ("deadline", "workshop_at", "workshop_minutes"))
    if "deadline" not in payload.data:
        raise BadRequest("deadline is required: a date and time with its offset, or null to close pre-work now")
    raw_deadline = payload.raw("deadline", False)
    raw_workshop = payload.raw("workshop_at", False)
    return prework.Schedule(
        deadline=None if raw_deadline is None else prework.parse_moment(raw_deadline, "deadline"),
        workshop_at=None if raw_workshop is None else prework.parse_moment(raw_workshop, "workshop_at"),
        workshop_given="workshop_at" in payload.data,
        workshop_minutes=payload.integer(
            "workshop_minutes", prework.MIN_WORKSHOP_MINUTES, prework.MAX_WORKSHOP_MINUTES
        ),
    )


def parse_accept_agreed(data) -> tuple[str, ...]:
    """``{"practices": [id, ...]}``: the agreed practices the facilitator confirmed, to record at
    their computed level."""
    payload = Payload(data, ("practices",))
    value = payload.raw("practices", True)
    if not isinstance(value, list):
        raise BadRequest(f"practices must be an array of practice ids, not {_json_type(value)}")
    if not value or len(value) > MAX_ACCEPTED:
        raise BadRequest(f"practices must list between 1 and {MAX_ACCEPTED} practice ids, not {len(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _ID_PATTERN.match(item):
            raise BadRequest(f"practices[{index}] must be a practice id, not {_short(item)}")
    return tuple(value)


SETTING_FIELDS = tuple(Settings.__dataclass_fields__)
SHARE_SETTINGS = (
    "agreed_share",
    "agreed_rwg",
    "leaning_pair_share",
    "majority_share",
    "polarised_share",
    "unclear_share",
)


def _setting_changes(payload: Payload) -> dict:
    """The settings a payload gives, validated; fields it leaves out are not in the result."""
    changes: dict = {}
    threshold = payload.choice("placement_threshold", scale.LEVEL_VALUES)
    if threshold is not None:
        changes["placement_threshold"] = threshold
    auto_reveal = payload.boolean("auto_reveal")
    if auto_reveal is not None:
        changes["auto_reveal"] = auto_reveal
    for name, low, high in (
        ("min_voters", 2, 1000),
        ("min_segment_size", 3, 1000),
        ("max_participants", 1, MAX_PARTICIPANTS),
    ):
        value = payload.integer(name, low, high)
        if value is not None:
            changes[name] = value
    for name in SHARE_SETTINGS:
        value = payload.number(name, 0.05, 1.0)
        if value is not None:
            changes[name] = value
    segments = payload.raw("segments", False)
    if segments is not None:
        changes["segments"] = parse_segments(segments)
    return changes


def parse_settings(data) -> Settings:
    """A new session's settings; fields not given keep their documented defaults."""
    return Settings().updated(_setting_changes(Payload(data, SETTING_FIELDS, what="settings")))


@dataclass(frozen=True)
class SettingsUpdate:
    """Settings a facilitator changes during a session (never the segments: people chose theirs)."""

    changes: Mapping[str, object]


def parse_settings_update(data) -> SettingsUpdate:
    fields = tuple(name for name in SETTING_FIELDS if name != "segments")
    return SettingsUpdate(_setting_changes(Payload(data, fields, what="settings")))


def parse_segments(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BadRequest(f"segments must be an array of names, not {_json_type(value)}")
    if len(value) > MAX_SEGMENTS:
        raise BadRequest(f"at most {MAX_SEGMENTS} segments, not {len(value)}")
    names: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise BadRequest(f"segments[{index}] must be a string, not {_json_type(item)}")
        name = clean_text(item)
        if not name:
            continue
        if len(name) > MAX_SEGMENT_NAME:
            raise BadRequest(f"segments[{index}] is longer than {MAX_SEGMENT_NAME} characters")
        if name.casefold() in (existing.casefold() for existing in names):
            raise BadRequest(f"segment {name!r} is listed twice")
        names.append(name)
    return tuple(names)


def parse_new_session(data) -> NewSession:
    payload = Payload(data, ("framework", "title", "organization", "team", "settings", "previous", "organization_key"))
    framework = payload.raw("framework", True)
    if not isinstance(framework, str) or not _ID_PATTERN.match(framework):
        raise BadRequest(f"framework must be a framework id, not {_short(framework)}")
    previous = payload.raw("previous", False)
    return NewSession(
        framework=framework,
        title=payload.text("title", MAX_TITLE, required=True),
        organization=payload.text("organization", MAX_ORGANIZATION, is_name=True),
        team=payload.text("team", MAX_ORGANIZATION),
        settings=parse_settings(payload.raw("settings", False)),
        previous=normalise_code(previous) if previous is not None else None,
        organization_key=payload.token("organization_key", required=False),
    )


def client_constants() -> dict:
    """What the browser needs to know of the protocol and the vocabulary, sent in every page so
    that JavaScript never mirrors a Python constant by hand: the scale, the agreement labels, the
    length limits and the join code's alphabet."""
    return {
        "scale": scale.scale_as_dict(),
        "labels": {
            label: {
                "text": analysis.LABEL_TEXT[label],
                "meaning": analysis.LABEL_MEANING[label],
                "icon": analysis.LABEL_ICONS[label],
            }
            for label in analysis.LABELS
        },
        "limits": {
            "name": MAX_NAME,
            "note": MAX_NOTE,
            "title": MAX_TITLE,
            "organization": MAX_ORGANIZATION,
            "token": MAX_TOKEN,
            "segments": MAX_SEGMENTS,
            "segment_name": MAX_SEGMENT_NAME,
            "session_notes": MAX_SESSION_NOTES,
            "timer_seconds": MAX_TIMER_SECONDS,
            "max_participants": MAX_PARTICIPANTS,
        },
        "code": {"alphabet": CODE_ALPHABET, "length": CODE_LENGTH},
    }
