"""The HTTP API: JSON in and out; errors are ``{"error": code, "message": text}`` with a 4xx status."""

from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, request

from . import links
from .jsonapi import bearer, json_errors
from .core import protocol
from .core.errors import BadRequest
from .core.snapshots import framework_view


api = json_errors(Blueprint("api", __name__, url_prefix="/api"))


def service():
    return current_app.extensions["workshop.service"]


def json_body() -> dict:
    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body is not valid JSON")
    return data


def facilitator_code(code: str) -> str:
    """Check the URL's code and the bearer token; return the canonical code."""
    code = protocol.normalise_code(code)
    service().check_facilitator(code, bearer())
    return code


@api.get("/frameworks")
def frameworks():
    return {"frameworks": [framework_view(framework) for framework in service().frameworks.values()]}


@api.post("/sessions")
def create_session():
    command = protocol.parse_new_session(json_body())
    created = service().create(command)
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
        body["organization_url"] = f"{links.base_url()}/org/{quote(organization, safe='')}"
        if created.organization_key:
            body["organization_key"] = created.organization_key
            body["organization_url"] += f"#key={created.organization_key}"
    return jsonify(body), 201


@api.get("/sessions/<code>/summary")
def summary(code):
    return service().summary(facilitator_code(code))


@api.get("/sessions/<code>/framework")
def session_framework(code):
    """The session's copy of its framework (texts, stages, scale); it never changes, so it caches."""
    code = protocol.normalise_code(code)
    response = jsonify(framework_view(service().load(code).framework))
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@api.get("/sessions/<code>")
def public_info(code):
    """What a phone needs before joining: title, organisation, segments, status."""
    code = protocol.normalise_code(code)
    assessment = service().load(code)
    return {
        "code": code,
        "title": assessment.title,
        "organization": assessment.organization,
        "framework": {"id": assessment.framework.id, "name": assessment.framework.name},
        "segments": list(assessment.settings.segments),
        "status": assessment.status,
    }
