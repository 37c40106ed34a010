"""The URLs a session is reached at: one place, for the API, the pages and the socket handlers."""

from urllib.parse import quote

from flask import current_app, request


def base_url() -> str:
    """PUBLIC_URL when configured (what phones can reach), else the address of this request."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def join_url(code: str) -> str:
    return f"{base_url()}/join/{code}"


def facilitator_url(code: str, token: str) -> str:
    # the secret travels in the fragment: browsers never send it to the server or its logs
    return f"{base_url()}/host/{code}#key={token}"


def presenter_url(code: str, token: str) -> str:
    return f"{base_url()}/present/{code}#key={token}"


def organization_url(name: str) -> str:
    return f"{base_url()}/org/{quote(name, safe='')}"
