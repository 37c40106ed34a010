"""Organisations over HTTP: their assessments over time (API and page), and the review interval.

Secrets travel as ``Authorization: Bearer``: the organisation key (the page keeps it in the URL
fragment and localStorage, never in a query).
"""

from urllib.parse import quote

from flask import Blueprint, render_template, request

from ..core import protocol
from ..core.errors import NotFound
from ..core.organizations import MAX_REVIEW_MONTHS, MIN_REVIEW_MONTHS
from ..core.protocol import MAX_ORGANIZATION, Payload
from .errors import bearer, json_body
from .extension import service

organizations_api = Blueprint("organizations_api", __name__, url_prefix="/api/orgs")
organizations_pages = Blueprint("organizations_pages", __name__)


def organization_name(name: str) -> str:
    name = protocol.clean_name(name)
    if not name or len(name) > MAX_ORGANIZATION:
        raise NotFound("no organisation by that name")
    return name


@organizations_api.get("/<path:name>")
def organization(name):
    """An organisation's assessments over time; ``?from=CODE&to=CODE`` adds their comparison."""
    return service().organizations.view(
        organization_name(name),
        bearer(),
        compare_from=request.args.get("from") or None,
        compare_to=request.args.get("to") or None,
    )


@organizations_api.patch("/<path:name>")
def update_organization(name):
    """Change the review interval: ``{"review_months": 1..60}``."""
    payload = Payload(json_body(), ("review_months",))
    months = payload.integer("review_months", MIN_REVIEW_MONTHS, MAX_REVIEW_MONTHS, required=True)
    updated = service().organizations.set_review_months(organization_name(name), bearer(), months)
    return {"name": updated.name, "created_at": updated.created_at, "review_months": updated.review_months}


@organizations_pages.get("/org/<path:name>")
def organization_page(name):
    """The organisation page; its data comes from /api/orgs/<name> with the key the page holds."""
    name = protocol.clean_name(name)[:MAX_ORGANIZATION]
    return render_template("org.html", name=name, api_url=f"/api/orgs/{quote(name, safe='')}")
