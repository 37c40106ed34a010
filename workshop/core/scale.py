"""The adoption scale participants rate practices on.

From the article "Customer Experience Maturity Part 2" (seed 002): a practice's adoption level
"reflects how consistently you perform each exercise, not necessarily how effectively you do it".
"Don't know" is an abstention: it is reported, never counted as Missing.
"""

from dataclasses import dataclass

from .errors import BadRequest


@dataclass(frozen=True)
class AdoptionLevel:
    """One point of the four-point adoption scale."""

    value: str  # wire value
    rank: int  # 1..4, the ordinal position used by every measure
    label: str
    tagline: str
    description: str
    colour: str  # Okabe-Ito (colour-blind safe), the one palette of the app, the exports and the charts
    on_colour: str  # text drawn on that colour


MISSING = AdoptionLevel(
    "missing",
    1,
    "Missing",
    "We don't do this at all",
    "The organisation does not engage in this practice at all: too few people think it is "
    "essential, or no one thought of doing it.",
    "#d55e00",
    "#000",
)
AD_HOC = AdoptionLevel(
    "ad_hoc",
    2,
    "Ad Hoc",
    "We do this sporadically",
    "Some people do it, at least sometimes, but no established procedure says who should do "
    "it, how or when; it comes down to an individual or an isolated minority.",
    "#e69f00",
    "#000",
)
REPEATABLE = AdoptionLevel(
    "repeatable",
    3,
    "Repeatable",
    "We have a process and generally follow it",
    "A process specifies when, how and who; it is generally followed, though some units skip "
    "it or everyone skips it sometimes because it is not yet part of the DNA.",
    "#56b4e9",
    "#000",
)
SYSTEMATIC = AdoptionLevel(
    "systematic",
    4,
    "Systematic",
    "We always follow a clear process",
    "A clear process says when, how and who, and the whole organisation consistently follows it.",
    "#0072b2",
    "#fff",
)

LEVELS: tuple[AdoptionLevel, ...] = (MISSING, AD_HOC, REPEATABLE, SYSTEMATIC)
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Don't know"
UNKNOWN_DESCRIPTION = "I can't judge this practice; my answer is not counted as Missing."
UNKNOWN_COLOUR = "#a3a3a3"  # drawn hatched: "don't know" is not a level
UNKNOWN_ON_COLOUR = "#000"

LEVEL_VALUES: tuple[str, ...] = tuple(level.value for level in LEVELS)
VOTE_VALUES: tuple[str, ...] = (*LEVEL_VALUES, UNKNOWN)
_BY_VALUE = {level.value: level for level in LEVELS}
_BY_RANK = {level.rank: level for level in LEVELS}


def level(value: str) -> AdoptionLevel:
    """Return the adoption level for a wire value such as ``"ad_hoc"``."""
    try:
        return _BY_VALUE[value]
    except (KeyError, TypeError):
        raise BadRequest(f"level must be one of {', '.join(LEVEL_VALUES)}, not {value!r}") from None


def level_at(rank: int) -> AdoptionLevel:
    """Return the adoption level at ordinal position ``rank`` (1..4)."""
    return _BY_RANK[rank]


def rank_of(value: str) -> int:
    """Return the ordinal position (1..4) of a wire value."""
    return level(value).rank


def colours() -> dict[str, tuple[str, str]]:
    """(colour, text colour) of every answer, "don't know" included."""
    found = {item.value: (item.colour, item.on_colour) for item in LEVELS}
    found[UNKNOWN] = (UNKNOWN_COLOUR, UNKNOWN_ON_COLOUR)
    return found


def css_variables() -> str:
    """The palette as CSS custom properties (``--level-<value>``, ``--on-level-<value>``), for the
    pages and the HTML/PDF summary, so the colours are written in one place."""
    pairs = [f"--level-{value}: {colour}; --on-level-{value}: {on}" for value, (colour, on) in colours().items()]
    return ":root { " + "; ".join(pairs) + "; }"


def scale_as_dict() -> dict:
    """The scale as plain data, for pages, the API and exports."""
    return {
        "levels": [
            {
                "value": item.value,
                "rank": item.rank,
                "label": item.label,
                "tagline": item.tagline,
                "description": item.description,
                "colour": item.colour,
            }
            for item in LEVELS
        ],
        "unknown": {
            "value": UNKNOWN, "label": UNKNOWN_LABEL, "description": UNKNOWN_DESCRIPTION, "colour": UNKNOWN_COLOUR,
        },
    }  # fmt: skip
