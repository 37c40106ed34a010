"""The message queue between server processes: python-socketio's Redis manager, plus a resync when
Redis comes back.

While Redis is down (restarted, failed over), what one process broadcasts never reaches the phones
connected to the others: python-socketio logs "Cannot publish to redis... giving up" and moves on,
and its listener retries with a growing pause. Votes are not at risk (they are committed to the
database before the ack), but a phone on another process may have missed a reveal. So once the
listener has subscribed again, ``on_resubscribed`` runs: the realtime adapter sends every session
connected through this process its current state (``Realtime.resync``); states carry the session's
version, and clients ignore one they already have.
"""

import time
from collections.abc import Callable, Iterator

import socketio

MAX_RETRY_SECONDS = 10  # python-socketio backs off to 60 s; a room should not wait that long


class ResyncingRedisManager(socketio.RedisManager):
    """``socketio.RedisManager`` whose listener calls ``on_resubscribed`` after it reconnects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_resubscribed: Callable[[], None] | None = None

    def _redis_listen_with_retries(self) -> Iterator[dict]:  # the same loop as the parent's, plus the hook
        retry_sleep = 1
        subscribed_before = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                retry_sleep = 1
                if subscribed_before and self.on_resubscribed is not None:
                    self._get_logger().warning("subscribed to redis again: resending the rooms' states")
                    self.on_resubscribed()
                subscribed_before = True
                yield from self.pubsub.listen()
            except Exception as exc:  # any failure of the connection: retry, as the parent does
                self._get_logger().error(
                    f"Cannot receive from redis... retrying in {retry_sleep} secs",
                    extra={"redis_exception": str(exc)},
                )
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, MAX_RETRY_SECONDS)
