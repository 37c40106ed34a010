"""Use cases: the store and the pure core put together, for the Socket.IO, HTTP and CLI adapters.

- ``room``: running a session (create, join, vote, open, reveal, re-vote, consolidate, close).
- ``reports``: the summary, its exports and the benchmark.
- ``organizations``: organisations and progress over repeated assessments.

Nothing here knows about Flask or Socket.IO.
"""

from collections.abc import Mapping

from ..core.frameworks import Framework
from ..store import Participant, Store
from .organizations import Organizations
from .reports import Offload, RenderLimits, Reports
from .room import DEFAULT_EXPIRE_EMPTY_AFTER, Joined, Room


class Workshops:
    """The application service of one process: the room, the reports and the organisations."""

    def __init__(
        self,
        store: Store,
        frameworks: Mapping[str, Framework],
        offload: Offload | None = None,
        renders: RenderLimits = RenderLimits(),
        expire_empty_after: float = DEFAULT_EXPIRE_EMPTY_AFTER,
    ):
        self.store = store
        self.room = Room(store, frameworks, expire_empty_after)
        self.reports = Reports(store, self.room, offload, renders)
        self.organizations = Organizations(store, self.room)

    @property
    def frameworks(self) -> dict[str, Framework]:
        return self.room.frameworks

    def close(self) -> None:
        self.store.close()


__all__ = [
    "DEFAULT_EXPIRE_EMPTY_AFTER", "Joined", "Organizations", "Participant", "RenderLimits", "Reports", "Room",
    "Workshops",
]  # fmt: skip
