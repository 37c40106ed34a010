"""Errors the core raises; each carries the wire code the adapters send back.

Adapters turn a ``WorkshopError`` into ``{"ok": false, "error": code, "message": message}`` (socket
acks) or ``{"error": code, "message": message}`` with ``http_status`` (HTTP). Anything else that
escapes is a bug, logged and answered as ``internal``.
"""


class WorkshopError(Exception):
    """A request the product refuses, with a stable code and a message for humans."""

    code = "internal"
    http_status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict:
        return {"error": self.code, "message": self.message}


class BadRequest(WorkshopError):
    """The payload is malformed: wrong type, missing field, unknown value, too long."""

    code = "bad_request"
    http_status = 400


class Unauthorized(WorkshopError):
    """No credentials were given where they are required."""

    code = "unauthorized"
    http_status = 401


class Forbidden(WorkshopError):
    """The caller's token does not grant this action."""

    code = "forbidden"
    http_status = 403


class NotFound(WorkshopError):
    """No session, practice or participant by that name."""

    code = "not_found"
    http_status = 404


class NotOpen(WorkshopError):
    """The practice (or round) is not open for votes, or not open yet for this action."""

    code = "not_open"
    http_status = 409


class NotRevealed(WorkshopError):
    """The action needs a revealed round (re-vote, consolidate)."""

    code = "not_revealed"
    http_status = 409


class Conflict(WorkshopError):
    """The action does not fit the session's stage: revealing while pre-work is open, or changing
    pre-work once its results are revealed."""

    code = "conflict"
    http_status = 409


class Closed(WorkshopError):
    """The session is closed and read-only."""

    code = "closed"
    http_status = 409


class Unavailable(WorkshopError):
    """A capability is missing on this installation (for example PDF rendering)."""

    code = "unavailable"
    http_status = 503


class Busy(WorkshopError):
    """The server is doing as much of this work as it will at once; try again shortly."""

    code = "busy"
    http_status = 503


class RateLimited(WorkshopError):
    """Too many requests of this kind from one place in a short time."""

    code = "rate_limited"
    http_status = 429


class Full(WorkshopError):
    """The session has as many participants as its facilitator allows."""

    code = "full"
    http_status = 409


class Internal(WorkshopError):
    """An unexpected failure; details are logged on the server, never sent."""

    code = "internal"
    http_status = 500


class FrameworkError(Exception):
    """A framework file is invalid. The message names the file, the key and the problem."""

    def __init__(self, source: str, key: str, problem: str):
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem
