"""Docs that mirror code stay in step with it (as Datasette's test_docs.py does): the Socket.IO event
names in Python, in JavaScript and in docs/protocol.md, and the CSV export's columns in
docs/export.md."""

import re
from pathlib import Path

import pytest

from workshop.core import protocol
from workshop.export.csv import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SERVER_SECTION = "Server to clients"


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def section(markdown: str, heading: str, level: int) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    marks = "#" * level
    match = re.search(rf"^{marks} {re.escape(heading)}\s*$(.*?)(?=^#{{1,{level}}} |\Z)", markdown, re.M | re.S)
    assert match, f"no {marks} {heading} section: the doc changed shape and this test no longer reads it"
    return match.group(1)


def subsections(markdown: str, level: int) -> dict[str, str]:
    marks = "#" * level
    parts = re.split(rf"^{marks} (.+?)\s*$", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


# An event is documented where its description starts: a line that opens with its backticked name
# followed by its payload, a colon or a parenthesis (`vote` `{...}`, `state`: ..., `tally` (...)),
# or the first cell of a table row (| `open` | ...). A field named at the start of a sentence
# (`votes` holds ...) is not an event.
DOCUMENTED_EVENT = re.compile(r"^(?:`([a-z_]+)`(?= `\{|:| \()|\| `([a-z_]+)` \|)", re.M)


def documented_events(text: str) -> list[str]:
    return [first or second for first, second in DOCUMENTED_EVENT.findall(text)]


@pytest.fixture(scope="module")
def protocol_doc():
    """The event names docs/protocol.md documents, by direction."""
    socketio = subsections(section(read("docs/protocol.md"), "Socket.IO", level=2), level=3)
    assert SERVER_SECTION in socketio, sorted(socketio)
    client = [
        name for heading, text in socketio.items() if heading != SERVER_SECTION for name in documented_events(text)
    ]
    return {"client": client, "server": documented_events(socketio[SERVER_SECTION])}


@pytest.fixture(scope="module")
def javascript_events():
    """The ``EVENTS`` object of static/js/protocol.js, as {constant name: event name}."""
    match = re.search(r"export const EVENTS = Object\.freeze\(\{(.*?)\}\);", read("static/js/protocol.js"), re.S)
    assert match, "static/js/protocol.js has no `export const EVENTS = Object.freeze({...});`"
    return dict(re.findall(r"([A-Z_]+):\s*\"([a-z_]+)\"", match.group(1)))


def test_the_javascript_events_mirror_the_python_ones(javascript_events):
    assert sorted(javascript_events.values()) == sorted(protocol.CLIENT_EVENTS + protocol.SERVER_EVENTS)
    for constant, name in javascript_events.items():
        assert getattr(protocol, constant, None) == name, f"protocol.js has {constant}: {name!r}, protocol.py does not"


def test_event_names_are_defined_once_each():
    events = protocol.CLIENT_EVENTS + protocol.SERVER_EVENTS
    assert len(set(events)) == len(events)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in events)


@pytest.mark.parametrize("event", protocol.CLIENT_EVENTS)
def test_every_client_event_is_documented(protocol_doc, event):
    assert event in protocol_doc["client"], f"docs/protocol.md does not document the client event `{event}`"


@pytest.mark.parametrize("event", protocol.SERVER_EVENTS)
def test_every_server_event_is_documented(protocol_doc, event):
    assert event in protocol_doc["server"], f"docs/protocol.md does not document the server event `{event}`"


def test_the_protocol_doc_documents_only_events_the_server_has(protocol_doc):
    assert sorted(set(protocol_doc["client"])) == sorted(protocol.CLIENT_EVENTS)
    assert sorted(set(protocol_doc["server"])) == sorted(protocol.SERVER_EVENTS)
    for direction, names in protocol_doc.items():
        assert len(names) == len(set(names)), f"a {direction} event is documented twice: {names}"


def documented_columns() -> list[str]:
    """The CSV columns docs/export.md lists, in order (a table row may name several)."""
    table = section(read("docs/export.md"), "The CSV columns", level=3)
    columns = []
    for row in re.findall(r"^\| (.+?) \|", table, re.M):
        names = re.findall(r"`([a-z_]+)`", row)
        if names and re.fullmatch(r"`[a-z_]+`(, `[a-z_]+`)*", row):
            columns.extend(names)
    return columns


def test_the_csv_columns_are_documented_in_order():
    assert documented_columns() == list(COLUMNS)
