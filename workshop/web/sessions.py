"""HTTP API of sessions: create one, its public facts, its framework, the facilitator's summary,
its exports and benchmark, and deleting it. JSON in and out (errors: ``web.errors``).

Secrets travel as ``Authorization: Bearer``: the facilitator token, or for the exports the key of
the session's organisation.
"""

from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from ..core import protocol
from ..core.errors import BadRequest
from ..core.snapshots import framework_view
from . import links
from .errors import bearer, json_body
from .extension import realtime, service

sessions = Blueprint("sessions", __name__, url_prefix="/api/sessions")


def facilitator_code(code: str) -> str:
    """Check the URL's code and the bearer token; return the canonical code."""
    code = protocol.normalise_code(code)
    service().room.check_facilitator(code, bearer())
    return code


def flag(name: str) -> bool:
    """A yes/no query parameter: absent is no; only documented spellings are accepted, because a
    safety flag read wrongly (``dry_run=on`` taken as "no") does what the caller meant to avoid."""
    raw = request.args.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    raise BadRequest(f"{name} must be true or false (1/0, yes/no), not {raw[:20]!r}")


@sessions.post("")
def create_session():
    command = protocol.parse_new_session(json_body())
    created = service().room.create(command)
    code = created.assessment.code
    body = {
        "code": code,
        "facilitator_token": created.facilitator_token,
        "presenter_token": created.presenter_token,
        "join_url": links.join_url(code),
        "facilitator_url": links.facilitator_url(code, created.facilitator_token),
        "presenter_url": links.presenter_url(code, created.presenter_token),
    }
    organization = created.assessment.organization
    if organization is not None:
        # the organisation's page; its key is given once, when this session created the organisation
        body["organization"] = organization
        body["organization_url"] = links.organization_url(organization)
        if created.organization_key:
            body["organization_key"] = created.organization_key
            body["organization_url"] += f"#key={created.organization_key}"
    return jsonify(body), 201


@sessions.get("/<code>")
def public_info(code):
    """What a phone needs before joining: title, organisation, segments, status, pre-work's deadline."""
    code = protocol.normalise_code(code)
    assessment = service().room.load(code)
    prework = service().room.prework_view(code, assessment)
    return {
        "code": code,
        "title": assessment.title,
        "organization": assessment.organization,
        "framework": {"id": assessment.framework.id, "name": assessment.framework.name},
        "segments": list(assessment.settings.segments),
        "status": assessment.status,
        "prework": prework.public_dict() if prework else None,
    }


@sessions.get("/<code>/framework")
def session_framework(code):
    """The session's copy of its framework (texts, stages, scale); it never changes, so it caches."""
    code = protocol.normalise_code(code)
    response = jsonify(framework_view(service().room.load(code).framework))
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@sessions.get("/<code>/summary")
def summary(code):
    return service().reports.summary(facilitator_code(code))


@sessions.get("/<code>/invitation")
def prework_invitation(code):
    """The invitation to pre-work, as text to paste into an e-mail or a chat."""
    code = facilitator_code(code)
    join_url = links.join_url(code)
    return {**service().room.invitation(code, join_url).as_dict(), "join_url": join_url}


@sessions.get("/<code>/prework.ics")
def prework_calendar(code):
    """The pre-work deadline and the workshop as a calendar file (RFC 5545)."""
    code = facilitator_code(code)
    response = Response(service().room.calendar(code, links.join_url(code)), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="cx-prework-{code}.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@sessions.get("/<code>/export")
def export_session(code):
    """The session summary as a download: ?format=md|csv|json|html|pdf."""
    code = protocol.normalise_code(code)
    service().reports.check_reader(code, bearer())
    exported = service().reports.export(code, request.args.get("format", ""))
    response = Response(exported.content, mimetype=exported.media_type.split(";")[0])
    response.headers["Content-Type"] = exported.media_type
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{exported.filename}\"; filename*=UTF-8''{quote(exported.filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@sessions.get("/<code>/benchmark")
def session_benchmark(code):
    return service().reports.benchmark(facilitator_code(code)).as_dict()


@sessions.delete("/<code>")
def delete_session(code):
    """Delete a session and its votes, participants, rounds, decisions and presence, for good.

    ``?dry_run=true`` only says what would be removed.
    """
    code = facilitator_code(code)
    dry_run = flag("dry_run")
    deleted = service().room.delete(code, dry_run=dry_run)
    if dry_run:
        message = f"Deleting session {code} would remove it for good with {deleted.describe()}. This cannot be undone."
        return {
            "deleted": False,
            "code": code,
            "title": deleted.title,
            "would_remove": deleted.as_dict(),
            "message": message,
        }
    realtime().forget(code)
    message = f"Session {code} was deleted for good with {deleted.describe()}."
    return {"deleted": True, "code": code, "title": deleted.title, "removed": deleted.as_dict(), "message": message}
