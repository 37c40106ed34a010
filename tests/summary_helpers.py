"""Helpers for the summary, organisation and archive tests: run a small workshop through the protocol."""

import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "summary.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
GENERATED_AT = "2025-03-14T16:30:00Z"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def play(
    session,
    facilitator,
    join_participant,
    votes: dict,
    *,
    names=None,
    segments=None,
    consolidate=(),
    close=False,
    notes: dict | None = None,
):
    """Join one phone per answer, open, vote, reveal each practice of ``votes`` ({practice: [level]}).

    ``notes`` gives reasons: {practice: [note or None, ...]}; ``consolidate`` lists practices to
    consolidate at the computed level; ``close`` closes the session at the end.
    """
    host = facilitator(session)
    count = max(len(levels) for levels in votes.values())
    phones = []
    for index in range(count):
        fields = {}
        if names:
            fields["name"] = names[index % len(names)]
        if segments:
            fields["segment"] = segments[index % len(segments)]
        phones.append(join_participant(session, **fields))
    for practice, levels in votes.items():
        assert host.emit("open", {"practice": practice})["ok"]
        for index, (phone, level) in enumerate(zip(phones, levels)):
            payload = {"practice": practice, "level": level}
            note = (notes or {}).get(practice, [None] * count)[index] if notes and practice in notes else None
            if note:
                payload["note"] = note
            ack = phone.emit("vote", payload)
            assert ack["ok"], ack
        assert host.emit("reveal", {"practice": practice})["ok"]
    for practice in consolidate:
        assert host.emit("consolidate", {"practice": practice})["ok"]
    if close:
        assert host.emit("close", {})["ok"]
    return host, phones


def export(client, session, fmt: str, token: str | None = None):
    return client.get(
        f"/api/sessions/{session['code']}/export?format={fmt}",
        headers=auth(token or session["facilitator_token"]),
    )


def schema_errors(document) -> list[str]:
    return [f"{list(error.path)}: {error.message}" for error in VALIDATOR.iter_errors(document)]
