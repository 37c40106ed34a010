"""Organisations: who may add sessions to an organisation's history and read its progress.

Anyone on the venue's network can reach the server and create sessions, so an organisation is
protected by a key (192 random bits, shown once when the organisation is created by its first
session, stored only as a SHA-256 hash). Names are unique regardless of case and spacing.
"""

from dataclasses import dataclass

from .errors import BadRequest, Forbidden, Unauthorized

# Temkin (seed 003): "Repeat the self-test every six months to track your progress."
DEFAULT_REVIEW_MONTHS = 6
MIN_REVIEW_MONTHS = 1
MAX_REVIEW_MONTHS = 60


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    created_at: str
    review_months: int = DEFAULT_REVIEW_MONTHS


def name_key(name: str) -> str:
    """The form names are compared in: "ACME  Retail" and "acme retail" are one organisation."""
    return " ".join(name.split()).casefold()


def key_required(name: str) -> Forbidden:
    return Forbidden(f"organisation {name} already exists; give its organisation key, or use another name")


def wrong_key(name: str) -> Forbidden:
    return Forbidden(f"this organisation key does not open organisation {name}")


def no_key(name: str) -> Unauthorized:
    return Unauthorized(f"this needs the organisation key of {name}: send it as 'Authorization: Bearer <key>'")


def check_review_months(value) -> int:
    """Validate a review interval in months: the only place its bounds are checked."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("review_months must be a whole number of months")
    if not MIN_REVIEW_MONTHS <= value <= MAX_REVIEW_MONTHS:
        raise BadRequest(f"review_months must be between {MIN_REVIEW_MONTHS} and {MAX_REVIEW_MONTHS}, not {value}")
    return value
