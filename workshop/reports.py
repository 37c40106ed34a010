"""HTTP adapters for what outlives the workshop: the summary's exports, the benchmark, organisation
pages (progress over repeated assessments) and deleting a session.

JSON errors as in ``api.py``: ``{"error": code, "message": text}`` with the error's status.
Secrets travel as ``Authorization: Bearer``: the facilitator token for a session, the organisation
key for an organisation (pages keep it in the URL fragment and localStorage, never in a query).
"""

from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request

from .core import protocol
from .jsonapi import bearer, json_errors
from .core.errors import NotFound
from .core.protocol import MAX_ORGANIZATION, Payload


reports_api = json_errors(Blueprint("reports_api", __name__, url_prefix="/api"))
reports_pages = Blueprint("reports_pages", __name__)


def service():
    return current_app.extensions["workshop.service"]


def organization_name(name: str) -> str:
    name = protocol.clean_text(name)
    if not name or len(name) > MAX_ORGANIZATION:
        raise NotFound("no organisation by that name")
    return name


# --- session summary exports, benchmark, deletion ------------------------------------------------


@reports_api.get("/sessions/<code>/export")
def export_session(code):
    """The session summary as a download: ?format=md|csv|json|html|pdf."""
    code = protocol.normalise_code(code)
    service().check_reader(code, bearer())
    exported = service().export(code, request.args.get("format", ""))
    response = Response(exported.content, mimetype=exported.media_type.split(";")[0])
    response.headers["Content-Type"] = exported.media_type
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exported.filename}"; filename*=UTF-8\'\'{quote(exported.filename)}'
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@reports_api.get("/sessions/<code>/benchmark")
def session_benchmark(code):
    code = protocol.normalise_code(code)
    service().check_facilitator(code, bearer())
    return service().benchmark(code).as_dict()


@reports_api.delete("/sessions/<code>")
def delete_session(code):
    """Delete a session and its votes, participants, rounds, decisions and presence, for good.

    ``?dry_run=true`` only says what would be removed.
    """
    code = protocol.normalise_code(code)
    service().check_facilitator(code, bearer())
    dry_run = request.args.get("dry_run", "").lower() in {"1", "true", "yes"}
    deleted = service().delete(code, dry_run=dry_run)
    if dry_run:
        message = f"Deleting session {code} would remove it for good with {deleted.describe()}. This cannot be undone."
        return {"deleted": False, "code": code, "title": deleted.title, "would_remove": deleted.as_dict(), "message": message}
    current_app.extensions["workshop.realtime"].forget(code)
    message = f"Session {code} was deleted for good with {deleted.describe()}."
    return {"deleted": True, "code": code, "title": deleted.title, "removed": deleted.as_dict(), "message": message}


# --- organisations ----------------------------------------------------------------------------------


@reports_api.get("/orgs/<path:name>")
def organization(name):
    """An organisation's assessments over time; ``?from=CODE&to=CODE`` adds their comparison."""
    return service().organization_view(
        organization_name(name),
        bearer(),
        compare_from=request.args.get("from") or None,
        compare_to=request.args.get("to") or None,
    )


@reports_api.patch("/orgs/<path:name>")
def update_organization(name):
    """Change the review interval: ``{"review_months": 1..60}``."""
    data = request.get_json(silent=True)
    payload = Payload(data if data is not None else {}, ("review_months",))
    months = payload.integer("review_months", 1, 60, required=True)
    updated = service().set_review_months(organization_name(name), bearer(), months)
    return {"name": updated.name, "created_at": updated.created_at, "review_months": updated.review_months}


@reports_pages.get("/org/<path:name>")
def organization_page(name):
    """The organisation page; its data comes from /api/orgs/<name> with the key the page holds."""
    name = protocol.clean_text(name)[:MAX_ORGANIZATION]
    return render_template("org.html", name=name, api_url=f"/api/orgs/{quote(name, safe='')}")
