"""Organisations and their progress over repeated assessments."""

from datetime import UTC, date, datetime

from ..core import progress, protocol
from ..core.errors import BadRequest, NotFound
from ..core.organizations import Organization
from ..store import Store
from .room import Room


class Organizations:
    def __init__(self, store: Store, room: Room):
        self.store = store
        self.room = room

    def today(self) -> date:
        return datetime.fromtimestamp(self.store.database.now(), UTC).date()

    def snapshot(self, code: str) -> progress.Snapshot:
        return progress.snapshot(self.room.results(code), self.store.sessions.participant_count(code))

    def open(self, name: str, key: str | None) -> Organization:
        return self.store.organizations.check_key(name, key)

    def view(
        self, name: str, key: str | None, *, compare_from: str | None = None, compare_to: str | None = None
    ) -> dict:
        """Everything the organisation page shows: its sessions, trends, comparisons, due date."""
        organization = self.open(name, key)
        codes = self.store.organizations.codes(organization.id)
        snapshots = [self.snapshot(code) for code in codes]
        trends = progress.trends(snapshots)
        comparisons = []
        for trend in trends:
            pair = progress.default_pair(trend.sessions)
            if pair:
                comparisons.append(progress.compare(*pair).as_dict())
        requested = None
        if compare_from or compare_to:
            if not (compare_from and compare_to):
                raise BadRequest("give both from and to to compare two assessments")
            by_code = {item.code: item for item in snapshots}
            chosen = []
            for raw in (compare_from, compare_to):
                code = protocol.normalise_code(raw)
                if code not in by_code:
                    raise NotFound(f"session {code} is not an assessment of {organization.name}")
                chosen.append(by_code[code])
            requested = progress.compare(*chosen).as_dict()
        latest = snapshots[-1] if snapshots else None
        due = progress.next_due(latest.created_at if latest else None, organization.review_months, self.today())
        return {
            "organization": {
                "name": organization.name,
                "created_at": organization.created_at,
                "review_months": organization.review_months,
            },
            "sessions": [item.brief() for item in reversed(snapshots)],
            "trends": [trend.as_dict() for trend in trends],
            "comparisons": comparisons,
            "comparison": requested,
            "due": due.as_dict() if due else None,
            "next": {"from": latest.code, "url": f"/new?from={latest.code}"} if latest else None,
        }

    def set_review_months(self, name: str, key: str | None, months: int) -> Organization:
        organization = self.open(name, key)
        self.store.organizations.set_review_months(organization.id, months)
        return self.store.organizations.get(organization.name)
