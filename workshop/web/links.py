"""The URLs a session is reached at: one place, for the API, the pages and the socket handlers.

They are built on ``PUBLIC_URL`` (given, or the address ``workshop serve`` detected), never on the
``Host`` header a client sends: a forged ``Host: evil.example`` would otherwise put its own address
in join links and QR codes. ``trusted_hosts`` is what the server answers to (Flask refuses other
``Host`` headers with a 400).
"""

import socket
from urllib.parse import quote, urlsplit

from flask import current_app, request

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def base_url() -> str:
    """PUBLIC_URL when configured (what phones can reach); an app made without one (the tests'
    and the CLI's) uses the address of the request."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def trusted_hosts(public_url: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The host names the server may be reached by: the public URL's, loopback, this machine's own
    addresses (a laptop on two networks) and any the deployment names."""
    names = [urlsplit(public_url).hostname or "", *LOOPBACK, *extra]
    try:
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
        names.append(socket.gethostname())
    except OSError:
        pass
    return list(dict.fromkeys(name for name in names if name))


def join_url(code: str) -> str:
    return f"{base_url()}/join/{code}"


def facilitator_url(code: str, token: str) -> str:
    # the secret travels in the fragment: browsers never send it to the server or its logs
    return f"{base_url()}/host/{code}#key={token}"


def presenter_url(code: str, token: str) -> str:
    return f"{base_url()}/present/{code}#key={token}"


def organization_url(name: str) -> str:
    return f"{base_url()}/org/{quote(name, safe='')}"
