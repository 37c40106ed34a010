"""Any sequence of facilitator actions and votes keeps the session's promises: a hypothesis state
machine drives the real service on a fresh SQLite file (or, on PostgreSQL, a database shared by the
examples: each has a session of its own) and checks it against a small model.

What must hold after every step: phones see a result only for revealed rounds, and only the latest
revealed round's counts, which are everyone's last vote in it; the version never goes back; a
consolidated level belongs to a practice whose latest round is revealed; once closed, everything
is refused; and a refused action changes nothing.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.databases import ON_POSTGRES
from workshop.core import protocol, scale
from workshop.core.assessment import ALL
from workshop.core.errors import BadRequest, Closed, NotOpen, NotRevealed
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks
from workshop.service import Workshops
from workshop.store import open_store

FRAMEWORKS = load_frameworks([BUILTIN_DIRECTORY])
FRAMEWORK = min(FRAMEWORKS.values(), key=lambda framework: (len(framework.practices), framework.id))
EVERY_PRACTICE = [practice.id for practice in FRAMEWORK.practices]
# the practices the machine acts on, rated on the adoption scale; "*" reaches the others too
PRACTICES = [practice.id for stage in FRAMEWORK.stages for practice in stage.practices][:3]
PEOPLE = 3
ACTIONS_BEFORE_CLOSING = 15  # closing early would leave most runs checking nothing but refusals
NOW = 1_741_941_000.0

# None stands for the practice the room is on: most actions of a real session are about it
practices = st.none() | st.sampled_from(PRACTICES)
practices_or_all = st.sampled_from([*PRACTICES, ALL])
revealable = st.none() | practices_or_all
# a consolidation accepts the computed level (None) or overrides it, with a note or without
levels = st.none() | st.sampled_from(scale.LEVEL_VALUES)
notes = st.none() | st.just("We discussed it and know better")
# what each person votes in one step (None: that person does not vote this time)
room_levels = st.lists(st.none() | st.sampled_from(scale.VOTE_VALUES), min_size=PEOPLE, max_size=PEOPLE)


class SessionMachine(RuleBasedStateMachine):
    shared_database: str | None = None

    def __init__(self):
        super().__init__()
        self.directory = tempfile.mkdtemp(prefix="session-machine-")
        self.store = open_store(self.shared_database or Path(self.directory) / "workshop.db", now=lambda: NOW)
        self.service = Workshops(self.store, FRAMEWORKS)
        self.room = self.service.room
        created = self.room.create(protocol.parse_new_session({"framework": FRAMEWORK.id, "title": "Machine"}))
        self.code = created.assessment.code
        self.people = [self.room.join(protocol.parse_join({"code": self.code})).participant for _ in range(PEOPLE)]
        # the model
        self.closed = False
        self.current = None
        self.rounds: dict[str, list] = {}  # practice -> [latest round's number, revealed]
        self.votes: dict[tuple[str, int], dict[int, str]] = {}  # (practice, round) -> {person: last level}
        self.decisions: dict[str, tuple[int, str]] = {}  # practice -> (round, level)
        self.version = 0
        self.actions = 0

    def teardown(self):
        self.store.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- the model's reading of a practice ---------------------------------------------------------

    def practice(self, practice_id: str | None) -> str:
        return practice_id or self.current or PRACTICES[0]

    def latest_revealed(self, practice_id: str) -> int | None:
        latest = self.rounds.get(practice_id)
        if latest is None:
            return None
        number = latest[0] if latest[1] else latest[0] - 1
        return number or None

    def counts(self, practice_id: str, number: int) -> dict[str, int]:
        found = dict.fromkeys(scale.VOTE_VALUES, 0)
        for level in self.votes.get((practice_id, number), {}).values():
            found[level] += 1
        return found

    def computed_level(self, practice_id: str, number: int) -> str | None:
        """The lower median of the round's rated votes."""
        ranks = sorted(
            scale.rank_of(level)
            for level in self.votes.get((practice_id, number), {}).values()
            if level != scale.UNKNOWN
        )
        return scale.level_at(ranks[(len(ranks) - 1) // 2]).value if ranks else None

    def attempt(self, action, refusal: type[Exception] | None):
        """Run ``action``; if the model says it is refused, check it is, and that nothing changed."""
        self.actions += 1
        if refusal is None:
            return action()
        before = self.service.reports.summary(self.code)
        with pytest.raises(refusal):
            action()
        assert self.service.reports.summary(self.code) == before
        return None

    # --- the rules ------------------------------------------------------------------------------------

    @initialize(levels=room_levels)
    def the_room_starts_voting_on_the_first_practice(self, levels):
        self.open_practice(PRACTICES[0])
        self.votes_come_in(PRACTICES[0], levels, None)

    @rule(which=practices_or_all)
    def open_practice(self, which):
        refusal = Closed if self.closed else None
        self.attempt(lambda: self.room.open(self.code, which), refusal)
        if refusal is None:
            for practice_id in EVERY_PRACTICE if which == ALL else [which]:
                self.rounds.setdefault(practice_id, [1, False])
            self.current = None if which == ALL else which

    @rule(
        practice_id=practices,
        levels=room_levels,
        number=st.none() | st.integers(1, 3),
    )
    def votes_come_in(self, practice_id, levels, number):
        practice_id = self.practice(practice_id)
        for person, level in enumerate(levels):
            if level is not None:
                self.vote(person, practice_id, level, number)

    def voted_in_the_open_round(self) -> list[int]:
        """Who has voted in the open round of the practice the room is on."""
        latest = self.rounds.get(self.practice(None))
        if self.closed or latest is None or latest[1]:
            return []
        return sorted(self.votes.get((self.practice(None), latest[0]), {}))

    @precondition(lambda self: self.voted_in_the_open_round())
    @rule(data=st.data(), step=st.integers(1, len(scale.VOTE_VALUES) - 1))
    def someone_changes_their_vote(self, data, step):
        person = data.draw(st.sampled_from(self.voted_in_the_open_round()), label="person")
        practice_id = self.practice(None)
        before = self.votes[(practice_id, self.rounds[practice_id][0])][person]
        level = scale.VOTE_VALUES[(scale.VOTE_VALUES.index(before) + step) % len(scale.VOTE_VALUES)]
        self.vote(person, practice_id, level, None)

    def vote(self, person, practice_id, level, number):
        latest = self.rounds.get(practice_id)
        if self.closed:
            refusal = Closed
        elif latest is None or latest[1] or (number is not None and number != latest[0]):
            refusal = NotOpen  # a vote for a round that is not the open one is never counted elsewhere
        else:
            refusal = None
        payload = {"practice": practice_id, "level": level, **({"round": number} if number else {})}
        cast = self.attempt(
            lambda: self.room.vote(self.code, self.people[person], protocol.parse_vote(payload)), refusal
        )
        if refusal is None:
            assert cast.number == latest[0]
            self.votes.setdefault((practice_id, latest[0]), {})[person] = level

    @rule(which=revealable)
    def reveal(self, which):
        which = which or self.practice(None)
        if self.closed:
            refusal = Closed
        elif which != ALL and which not in self.rounds:
            refusal = NotOpen
        else:
            refusal = None
        self.attempt(lambda: self.room.reveal(self.code, which), refusal)
        if refusal is None:
            for practice_id in self.rounds if which == ALL else [which]:
                self.rounds[practice_id][1] = True

    @rule(practice_id=practices)
    def revote(self, practice_id):
        practice_id = self.practice(practice_id)
        latest = self.rounds.get(practice_id)
        if self.closed:
            refusal = Closed
        elif latest is None:
            refusal = NotOpen
        elif not latest[1]:
            refusal = NotRevealed
        else:
            refusal = None
        self.attempt(lambda: self.room.revote(self.code, practice_id), refusal)
        if refusal is None:
            self.rounds[practice_id] = [latest[0] + 1, False]
            self.current = practice_id

    @rule(level=levels, note=notes)
    def the_room_reveals_and_consolidates(self, level, note):
        """The usual end of a discussion, one step rather than two chance ones."""
        self.reveal(None)
        self.consolidate(None, level, note)

    @rule(practice_id=practices, level=levels, note=notes)
    def consolidate(self, practice_id, level, note):
        practice_id = self.practice(practice_id)
        latest = self.rounds.get(practice_id)
        chosen = None
        if self.closed:
            refusal = Closed
        elif latest is None:
            refusal = NotOpen
        elif not latest[1]:
            refusal = NotRevealed
        else:
            computed = self.computed_level(practice_id, latest[0])
            chosen = level or computed
            refusal = BadRequest if chosen is None or (chosen != computed and not note) else None
        self.attempt(lambda: self.room.consolidate(self.code, practice_id, level, note), refusal)
        if refusal is None:
            self.decisions[practice_id] = (latest[0], chosen)

    @precondition(lambda self: self.actions >= ACTIONS_BEFORE_CLOSING)
    @rule()
    def close(self):
        refusal = Closed if self.closed else None
        self.attempt(lambda: self.room.close(self.code), refusal)
        if refusal is None:
            for latest in self.rounds.values():
                latest[1] = True
            self.closed, self.current = True, None

    # --- what must always hold ---------------------------------------------------------------------

    @invariant()
    def phones_see_only_the_latest_revealed_counts(self):
        state = self.room.state(self.code, "participant")
        assert state["version"] >= self.version, "the session's version went back"
        self.version = state["version"]
        assert state["status"] == ("closed" if self.closed else "running")
        assert state["current"] == self.current
        for item in state["practices"]:
            latest = self.rounds.get(item["id"])
            assert item["status"] == ("pending" if latest is None else "revealed" if latest[1] else "open")
            assert item["round"] == (latest[0] if latest else 0)
            assert "votes" not in item and "rounds" not in item  # no count of an open round on a phone
            shown = self.latest_revealed(item["id"])
            if shown is None:
                assert item["result"] is None, item
            elif item["id"] in PRACTICES:
                assert item["result"]["round"] == shown
                assert item["result"]["counts"] == self.counts(item["id"], shown)
            else:  # opened with "*" and revealed, never voted on
                assert item["result"]["round"] == shown and not any(item["result"]["counts"].values())

    @invariant()
    def a_consolidated_level_belongs_to_a_revealed_latest_round(self):
        for item in self.service.reports.summary(self.code)["practices"]:
            latest = self.rounds.get(item["id"])
            if item["consolidated_level"] is not None:
                assert latest is not None and latest[1], item
                assert item["decision"]["round"] == latest[0]
            decision = self.decisions.get(item["id"])
            current = decision is not None and latest is not None and decision[0] == latest[0]
            assert item["consolidated_level"] == (decision[1] if current else None)


def test_any_sequence_of_actions_keeps_the_sessions_promises(new_database):
    SessionMachine.shared_database = new_database("machine") if ON_POSTGRES else None
    run_state_machine_as_test(SessionMachine, settings=settings(max_examples=30, stateful_step_count=40, deadline=None))
