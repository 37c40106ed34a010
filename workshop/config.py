"""The app's configuration: every key ``create_app`` reads, with its default.

Standard library only: the command line reads it (rate limits from the environment) before
``workshop serve`` monkey-patches the standard library for gevent or eventlet, which must come
before Flask, Redis or ``limits`` are imported.
"""

import time


class ConfigError(ValueError):
    """A configuration value the app cannot use; the message names the key and what is wrong."""


# The rate limits (``limits`` rate strings, every window applies), used by web/limits.py and
# listed with why each default is what it is in docs/deployment.md. Each can be set with an
# environment variable of the same name prefixed WORKSHOP_.
LIMIT_SETTINGS = {
    # new participants (not resumed ones) from one client address, and into one session (per
    # second generously: a room arriving at 200 a second reaches a busy server in bursts)
    "JOINS_PER_ADDRESS": "1000/second;5000/hour",
    "JOINS_PER_SESSION": "1000/second",
    # joins refused (no such session, a token of another session): a mistyped code is fine, a
    # script walking through codes is slowed to a crawl
    "FAILED_JOINS_PER_ADDRESS": "120/minute",
    "FAILED_JOINS_PER_CONNECTION": "10/minute",
    # sessions (and with them organisations) created from one address
    "SESSIONS_PER_ADDRESS": "30/minute;300/day",
}

DEFAULTS = {
    "DATABASE": "sessions/workshop.db",
    "FRAMEWORK_DIRS": [],
    "PUBLIC_URL": None,
    "ASYNC_MODE": "threading",
    "MESSAGE_QUEUE": None,
    "MESSAGE_QUEUE_CHANNEL": "cx-workshop",
    "CORS_ORIGINS": None,
    # behind a round-robin proxy with several processes, long-polling would need sticky sessions
    "WEBSOCKET_ONLY": False,
    "TALLY_INTERVAL": 0.1,
    "BACKGROUND_TICKER": True,
    "MAX_PAYLOAD_BYTES": 64 * 1024,
    # open connections one client address may hold (a room of 2,000 phones behind one NAT holds
    # about 2,000); 0 means no cap. Off behind --trusted-proxies: the proxy's limit_conn applies.
    "CONNECTIONS_PER_ADDRESS": 5000,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "CLOCK": time.time,  # epoch seconds; tests pass a clock they can move
    "OFFLOAD": None,  # runs CPU-heavy work off the event loop (serve.py sets it for gevent/eventlet)
    "PDF_RENDERS": 1,  # PDFs rendered at once; each takes a core for seconds on a large session
    "PDF_QUEUE": 4,  # PDFs that wait their turn; the next request is answered 503 "busy"
    "RENDER_IN_CHILD": None,  # render PDFs in a child process; None: yes under gevent and eventlet
    "ALLOWED_HOSTS": [],  # host names besides PUBLIC_URL's, loopback and this machine's addresses
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For gives the client's address
    "RATE_LIMITS": True,
    "RATE_LIMIT_STORAGE": None,  # limits' storage URI; None: the Redis message queue, else memory
    "EXPIRE_EMPTY_AFTER": 7,  # days before a session nobody joined is deleted; 0: never (service.room)
    **LIMIT_SETTINGS,
}
