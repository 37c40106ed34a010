"""Wording shared by every sentence the app writes, so the screens and the summaries say it the same way."""

NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip


def number(count: int) -> str:
    """A count as a word up to twenty ("three"), as digits beyond."""
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else str(count)


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """ "one practice", "two practices" ("no practices" for zero)."""
    return f"{number(count)} {word if count == 1 else plural_form or word + 's'}"


def is_are(count: int) -> str:
    return "is" if count == 1 else "are"


def join_words(items: list[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def all_of(count: int) -> str:
    """ "the" one, "both", "all four"."""
    return "the" if count == 1 else "both" if count == 2 else f"all {number(count)}"


def sentence_case(text: str) -> str:
    """Lower-case the first letter to continue a sentence, unless the word is an acronym (CX)."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def capitalised(text: str) -> str:
    """The first letter upper-cased, the rest left alone ("two practices" -> "Two practices")."""
    return text[:1].upper() + text[1:]


def utc_offset(moment) -> str:
    """A moment's offset from UTC as people write it: "UTC", "UTC+01:00", "UTC-05:30"."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def moment(value) -> str:
    """A date and time in words, in its own offset: "Friday 14 March 2025 at 17:00 (UTC+01:00)"."""
    return f"{value:%A} {value.day} {value:%B %Y} at {value:%H:%M} ({utc_offset(value)})"
