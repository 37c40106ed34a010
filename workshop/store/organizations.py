"""Organisations: the name and key hash that group a client's assessments over time."""

from ..core import organizations as orgs
from ..core.errors import Forbidden, NotFound
from ..core.organizations import DEFAULT_REVIEW_MONTHS, Organization
from .database import Connection, Database
from .lookalikes import Lookalikes
from .tokens import hash_token, new_token, same_hash

_COLUMNS = "id, name, created_at, review_months"


def _organization(row) -> Organization:
    return Organization(id=row[0], name=row[1], created_at=row[2], review_months=row[3])


class Organizations:
    def __init__(self, db: Database):
        self.db = db
        self.lookalikes = Lookalikes()

    def claim(self, conn: Connection, name: str, key: str | None, created_at: str) -> tuple[int, str, str | None]:
        """(id, name as first registered, new key or None): create the organisation or check its key,
        inside the caller's transaction (the session that names it is created in the same one).

        A key given for an organisation that does not exist yet is ignored: the organisation is
        created with a new key (a browser may remember the key of a database since reset).
        """
        row = conn.execute(
            "SELECT id, name, key_hash FROM organizations WHERE name_key = ?", [orgs.name_key(name)]
        ).fetchone()
        if row is not None:
            organization_id, registered, key_hash = row
            if key is None:
                raise orgs.key_required(registered)
            if not same_hash(key_hash, key):
                raise orgs.wrong_key(registered)
            return organization_id, registered, None
        names = [existing for (existing,) in conn.execute("SELECT name FROM organizations")]
        similar = self.lookalikes.find(name, names)
        if similar is not None:
            raise Forbidden(
                f"the name {name} looks like the existing organisation {similar}: give {similar}'s "
                "organisation key to add to its history, or choose a name that does not look like it"
            )
        key = new_token()
        organization_id = conn.insert(
            "INSERT INTO organizations (name, name_key, key_hash, created_at, review_months) VALUES (?, ?, ?, ?, ?)",
            [name, orgs.name_key(name), hash_token(key), created_at, DEFAULT_REVIEW_MONTHS],
        )
        return organization_id, name, key

    def find(self, name: str) -> Organization | None:
        """The organisation of that name (any case or spacing), or None."""
        rows = self.db.query(f"SELECT {_COLUMNS} FROM organizations WHERE name_key = ?", [orgs.name_key(name)])
        return _organization(rows[0]) if rows else None

    def get(self, name: str) -> Organization:
        found = self.find(name)
        if found is None:
            raise NotFound(f"no organisation named {name}")
        return found

    def all(self) -> list[Organization]:
        return [_organization(row) for row in self.db.query(f"SELECT {_COLUMNS} FROM organizations ORDER BY name_key")]

    def check_key(self, name: str, key: str | None) -> Organization:
        """The organisation, if ``key`` opens it; Unauthorized without a key, Forbidden with a wrong one."""
        found = self.get(name)
        if not key:
            raise orgs.no_key(found.name)
        if not same_hash(self.db.scalar("SELECT key_hash FROM organizations WHERE id = ?", [found.id]), key):
            raise orgs.wrong_key(found.name)
        return found

    def codes(self, organization_id: int) -> list[str]:
        """The codes of an organisation's sessions, oldest first."""
        rows = self.db.query(
            "SELECT code FROM assessments WHERE organization_id = ? ORDER BY created_at, code", [organization_id]
        )
        return [row[0] for row in rows]

    def of_session(self, code: str) -> Organization | None:
        rows = self.db.query(
            """SELECT o.id, o.name, o.created_at, o.review_months FROM organizations o
               JOIN assessments a ON a.organization_id = o.id WHERE a.code = ?""",
            [code],
        )
        return _organization(rows[0]) if rows else None

    def set_review_months(self, organization_id: int, months: int) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE organizations SET review_months = ? WHERE id = ?",
                [orgs.check_review_months(months), organization_id],
            )

    def issue_key(self, name: str) -> tuple[Organization, str, int]:
        """Create the organisation or give it a new key (the old one stops working).

        For whoever runs the server (the command line): it also attaches the sessions named after
        the organisation that belong to none (created before organisations had keys). Returns the
        organisation, its new key and how many sessions were attached.
        """
        key = new_token()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT id FROM organizations WHERE name_key = ?", [orgs.name_key(name)]).fetchone()
            if row is None:
                organization_id = conn.insert(
                    "INSERT INTO organizations (name, name_key, key_hash, created_at, review_months) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name, orgs.name_key(name), hash_token(key), self.db.now_iso(), DEFAULT_REVIEW_MONTHS],
                )
            else:
                organization_id = row[0]
                conn.execute("UPDATE organizations SET key_hash = ? WHERE id = ?", [hash_token(key), organization_id])
            unattached = [
                assessment_id
                for assessment_id, organization in conn.execute(
                    "SELECT id, organization FROM assessments WHERE organization_id IS NULL AND organization IS NOT NULL"
                )
                if orgs.name_key(organization) == orgs.name_key(name)
            ]
            for assessment_id in unattached:
                conn.execute(
                    "UPDATE assessments SET organization_id = ? WHERE id = ?", [organization_id, assessment_id]
                )
        return self.get(name), key, len(unattached)
