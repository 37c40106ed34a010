"""Rate limits a real room never meets and a flood always does, for HTTP and Socket.IO.

A venue's phones usually share one NAT address, so a limit per address must let a whole room in
at once: 2,000 phones joining at 200 a second through one address is a real room, and passes. What
a flood does that a room does not is to keep going (thousands of new participants an hour from one
address, one session), to fail (a script guessing codes fails nearly every time), or to create
sessions by the thousand. Each limit is a ``limits`` rate string ("1000/second;5000/hour") in the
app's config (``workshop.config.LIMIT_SETTINGS``), listed with its default in docs/deployment.md.

The counters live in memory (one process), or in Redis when the processes share a message queue
on Redis, so several processes count together. HTTP routes are limited with Flask-Limiter (the same
``limits`` library underneath); Socket.IO events, which Flask-Limiter does not see, with
``SocketLimits``.
"""

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..config import ConfigError
from ..core.errors import RateLimited


def storage_uri(config) -> str:
    """Where the counters live: ``RATE_LIMIT_STORAGE``, else the Redis message queue, else memory."""
    if config.get("RATE_LIMIT_STORAGE"):
        return config["RATE_LIMIT_STORAGE"]
    queue = config.get("MESSAGE_QUEUE") or ""
    return queue if queue.startswith(("redis://", "rediss://")) else "memory://"


def client_address() -> str:
    """The client's address; behind ``TRUSTED_PROXIES`` proxies it comes from X-Forwarded-For
    (``web.init_app`` installs Werkzeug's ProxyFix for exactly that many hops)."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Rule:
    """One configured limit: its name (for the message) and its windows."""

    name: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def from_config(cls, config, name: str) -> "Rule":
        try:
            return cls(name, tuple(parse_many(config[name])))
        except ValueError:
            raise ConfigError(f"{name} is {config[name]!r}, not a rate such as 1000/second;5000/hour") from None


class SocketLimits:
    """The Socket.IO side: joins per address, per session and failed joins."""

    def __init__(self, config):
        self.enabled = config.get("RATE_LIMITS", True)
        self.window = MovingWindowRateLimiter(storage_from_string(storage_uri(config)))
        self.joins_per_address = Rule.from_config(config, "JOINS_PER_ADDRESS")
        self.joins_per_session = Rule.from_config(config, "JOINS_PER_SESSION")
        self.failures_per_address = Rule.from_config(config, "FAILED_JOINS_PER_ADDRESS")
        self.failures_per_connection = Rule.from_config(config, "FAILED_JOINS_PER_CONNECTION")

    def _hit(self, rule: Rule, key: str, message: str) -> None:
        if not self.enabled:
            return
        for item in rule.items:
            if not self.window.hit(item, rule.name, key):
                raise RateLimited(f"{message} (at most {item}); wait a little and try again")

    def _within(self, rule: Rule, key: str, message: str) -> None:
        if not self.enabled:
            return
        for item in rule.items:
            if not self.window.test(item, rule.name, key):
                raise RateLimited(f"{message}; wait a minute and try again")

    def before_join(self, connection: str, address: str) -> None:
        """Refuse a join from a place that has failed too often lately (checked, not counted)."""
        self._within(self.failures_per_connection, connection, "too many joins with a wrong code or link")
        self._within(self.failures_per_address, address, "too many joins with a wrong code from this network")

    def new_participant(self, address: str, code: str) -> None:
        """Count a new participant; refuse it if its address or its session takes in too many."""
        self._hit(self.joins_per_address, address, "too many people joined from this network just now")
        self._hit(self.joins_per_session, code, "too many people are joining this session at once")

    def failed_join(self, connection: str, address: str) -> None:
        for rule, key in ((self.failures_per_connection, connection), (self.failures_per_address, address)):
            for item in rule.items:
                self.window.hit(item, rule.name, key)


SESSIONS_MESSAGE = "too many sessions were created from this network just now; wait a little and try again"


def http_limiter(app: Flask) -> Limiter:
    """Flask-Limiter for the HTTP routes, on the same counters; a refusal is the app's JSON 429."""
    return Limiter(
        key_func=client_address,
        app=app,
        storage_uri=storage_uri(app.config),
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="http",
        enabled=app.config.get("RATE_LIMITS", True),
    )


def sessions_per_address() -> str:
    return current_app.config["SESSIONS_PER_ADDRESS"]
