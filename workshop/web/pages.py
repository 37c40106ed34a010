"""HTML pages: server-rendered shells; the live parts are vanilla ES modules in ``static/js``."""

import io

import segno
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from ..core import protocol, scale
from ..core.errors import WorkshopError
from ..core.snapshots import framework_view
from . import links
from .extension import service

pages = Blueprint("pages", __name__)


def known_code(code: str) -> str:
    """The canonical code of an existing session, or a 404 page."""
    try:
        code = protocol.normalise_code(code)
        service().room.load(code)
    except WorkshopError:
        abort(404)
    return code


@pages.get("/")
def landing():
    return render_template("landing.html")


@pages.get("/new")
def new_session():
    """The creation form; ``?from=CODE`` starts a follow-up with the same framework and segments."""
    frameworks = [framework_view(f) for f in service().frameworks.values()]
    previous = service().room.load(known_code(request.args["from"])) if request.args.get("from") else None
    if previous is not None and previous.framework.id not in service().frameworks:
        frameworks.append(framework_view(previous.framework))
    return render_template(
        "new.html",
        frameworks=frameworks,
        levels=scale.LEVELS,
        default_threshold=previous.settings.placement_threshold if previous else scale.REPEATABLE.value,
        previous=previous,
    )


def bootstrap(code: str) -> dict:
    """The page's JSON block: the session's framework, so no socket ack has to carry it."""
    try:
        framework = framework_view(service().room.load(code).framework)
    except WorkshopError:
        framework = None
    return {"framework": framework, "websocket_only": current_app.config["WEBSOCKET_ONLY"]}


@pages.get("/join")
def join_by_query():
    """The landing page's form without JavaScript: ``/join?code=k5j-na8`` goes to the session."""
    try:
        code = protocol.normalise_code(request.args.get("code", ""))
    except WorkshopError as error:
        return render_template("landing.html", error=error.message), 400
    return redirect(url_for("pages.join", code=code), code=303)


@pages.get("/join/<code>")
def join(code):
    try:
        code = protocol.normalise_code(code)
    except WorkshopError:
        abort(404)
    return render_template("participant.html", code=code, bootstrap=bootstrap(code))


@pages.get("/host/<code>")
def host(code):
    code = known_code(code)
    return render_template("facilitator.html", code=code, join_url=links.join_url(code), bootstrap=bootstrap(code))


@pages.get("/present/<code>")
def present(code):
    code = known_code(code)
    return render_template("presenter.html", code=code, join_url=links.join_url(code), bootstrap=bootstrap(code))


@pages.get("/qr/<code>.svg")
def qr_code(code):
    code = known_code(code)
    buffer = io.BytesIO()
    segno.make(links.join_url(code), error="m").save(
        buffer,
        kind="svg",
        scale=10,
        border=2,
        dark="#111",
        light="#fff",
        title=f"QR code to join session {code}",
    )
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
