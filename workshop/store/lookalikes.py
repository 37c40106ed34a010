"""Organisation names that display alike but are different strings.

An organisation's history is opened with its key, and its name is what people see: "Acme" written
with a Cyrillic "а" would otherwise be a second organisation that looks like the first, a place to
collect a careless facilitator's sessions. Names are compared by their skeletons (Unicode TR39's
idea: each character replaced by the ASCII character it is confused with), from the confusables
data of the ``confusables`` package. NFKC and invisible characters are dealt with before, when the
name is read (``core.protocol.clean_name``).
"""

import unicodedata

from confusables import normalize

MAX_FORMS = 32  # a name with many ambiguous characters has many skeletons; a few suffice to compare


def skeletons(name: str) -> frozenset[str]:
    """The ASCII forms a name may be read as, casefolded and with spaces collapsed."""
    text = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return frozenset(normalize(text, prioritize_alpha=True)[:MAX_FORMS])


class Lookalikes:
    """Finds an existing name that a new one would be mistaken for; skeletons are remembered (a
    name never changes), so a check costs one read of the names and set lookups."""

    def __init__(self):
        self._known: dict[str, frozenset[str]] = {}

    def _of(self, name: str) -> frozenset[str]:
        found = self._known.get(name)
        if found is None:
            found = self._known[name] = skeletons(name)
        return found

    def find(self, name: str, existing: list[str]) -> str | None:
        """The first of ``existing`` that ``name`` looks like, or None."""
        wanted = self._of(name)
        for other in existing:
            if other != name and not wanted.isdisjoint(self._of(other)):
                return other
        return None
