"""The invitation to pre-work, ready to paste into an e-mail or a chat, and its calendar file.

Both are built from plain facts (the session, its pre-work, its join link); the calendar file is
RFC 5545: CRLF line ends, lines folded at 75 octets, text values escaped, a stable ``UID`` per
event and a ``SEQUENCE`` that grows with the session, so importing it again after the deadline
moved updates the events instead of adding new ones.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .assessment import Prework
from .wording import moment, plural

SECONDS_PER_PRACTICE = 40  # reading a statement and its four levels, choosing, sometimes a reason
PRODUCT = "-//CX maturity workshop//Pre-work//EN"
FOLD_AT = 75  # octets per line, the line break excluded (RFC 5545, 3.1)


@dataclass(frozen=True)
class Invitation:
    subject: str
    text: str

    def as_dict(self) -> dict:
        return {"subject": self.subject, "text": self.text}


def minutes_needed(practices: int) -> int:
    """Roughly how long pre-work takes, rounded up to five minutes."""
    return max(5, 5 * math.ceil(practices * SECONDS_PER_PRACTICE / 60 / 5))


def invitation(
    *, title: str, organization: str | None, framework_name: str, practices: int, prework: Prework, join_url: str
) -> Invitation:
    """The text a facilitator sends before the workshop: what it is, the link, the code, the deadline
    in words with its zone, and that answers are anonymous and hidden until the workshop."""
    deadline = moment(prework.deadline_moment)
    code = join_url.rstrip("/").rsplit("/", 1)[-1]
    base = join_url.rsplit("/join/", 1)[0]
    whose = f"{organization} performs" if organization else "we perform"
    meeting = (
        f"Before our workshop on {moment(datetime.fromisoformat(prework.workshop_at))}"
        if prework.workshop_at
        else "Before our workshop"
    )
    lines = [
        "Hello,",
        "",
        f"{meeting}, please answer a short questionnaire: for each of {plural(practices, 'practice')} "
        f"of {framework_name}, say how consistently {whose} it (Missing, Ad Hoc, Repeatable or Systematic; "
        "\u201cdon't know\u201d is a fine answer).",
        "",
        f"Open this link on any device: {join_url}",
        f"(or go to {base} and enter the code {code})",
        "",
        f"Please answer by {deadline}. The page shows the deadline in your own time zone.",
        f"It takes about {minutes_needed(practices)} minutes. You can stop and come back, switch devices "
        "(the page gives you your own link to continue), and change your answers until the deadline.",
        "",
        "Your answers are anonymous: nobody sees who answered what, and nobody, the facilitator included, "
        "sees any answer before the workshop. There the results are revealed together, and the time goes "
        "to the practices we see differently.",
        "",
        "Thank you!",
    ]
    return Invitation(subject=f"Pre-work for \u201c{title}\u201d: please answer by {deadline}", text="\n".join(lines))


# --- the calendar file ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """A content line folded at 75 octets (never inside a UTF-8 character); continuations start
    with one space."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = FOLD_AT if not pieces else FOLD_AT - 1  # a continuation's leading space is an octet
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return [pieces[0], *(" " + piece for piece in pieces[1:])]


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(uid: str, sequence: int, stamp: str, start: datetime, end: datetime, summary: str, description: str):
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        "TRANSP:TRANSPARENT" if end - start < timedelta(hours=1) else "TRANSP:OPAQUE",
    ]


def calendar(*, code: str, title: str, prework: Prework, join_url: str, host: str, sequence: int, now: float) -> str:
    """The pre-work deadline (a half-hour slot ending at it, with a reminder the day before) and,
    when its time is set, the workshop, as one iCalendar file."""
    stamp = utc(datetime.fromtimestamp(int(now), UTC))
    deadline = prework.deadline_moment
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    lines += _event(
        f"prework-deadline-{code}@{host}",
        sequence,
        stamp,
        deadline - timedelta(minutes=30),
        deadline,
        f"Pre-work due: {title}",
        f"Answer the pre-work for {title} before {moment(deadline)}: {join_url} (code {code}). "
        "Answers are anonymous and hidden until the workshop.",
    )
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER;RELATED=END:-P1D",
        f"DESCRIPTION:{escape(f'Pre-work for {title} closes tomorrow')}",
        "END:VALARM",
        "END:VEVENT",
    ]
    if prework.workshop_at:
        start = datetime.fromisoformat(prework.workshop_at)
        lines += _event(
            f"workshop-{code}@{host}",
            sequence,
            stamp,
            start,
            start + timedelta(minutes=prework.workshop_minutes),
            title,
            f"The CX maturity workshop: the pre-work results are revealed and discussed. Join: {join_url} "
            f"(code {code}).",
        )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in fold(line))
