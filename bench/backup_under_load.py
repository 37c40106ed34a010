"""Phones' vote-ack latency while ``workshop backup`` and ``workshop restore`` run beside the server.

    .venv/bin/python bench/backup_under_load.py                      # 500,000 votes, SQLite
    .venv/bin/python bench/backup_under_load.py --votes 100000       # a quicker run
    .venv/bin/python bench/backup_under_load.py --db postgresql://postgres@127.0.0.1:5432/bench

It generates a large database (``--votes`` votes in sessions of 200 participants and 10 revealed
practices each, written straight into the tables), starts ``workshop serve`` (gevent) on it, and
lets ``--phones`` phones vote over real websockets in a live session, one vote every
``--interval`` seconds each, timing every acknowledgement. Meanwhile it runs, in turn, nothing (the
baseline), ``workshop backup`` of the whole database, and ``workshop restore`` of that backup
(with new codes and tokens, so it adds a copy of every session) into the same database. It prints
the ack latency (p50, p99, max, in ms) of each phase, the votes that failed, the time each command
took, and the machine. Target (issue 12): a legitimate phone's p99 under 250 ms in every phase.
"""

import argparse
import json
import multiprocessing
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workshop.core import assessment as rules  # noqa: E402
from workshop.core.assessment import Settings  # noqa: E402
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks  # noqa: E402
from workshop.store import open_store  # noqa: E402
from workshop.store.tokens import hash_token, new_code  # noqa: E402

FRAMEWORK = load_frameworks([BUILTIN_DIRECTORY])["forrester-path"]
PRACTICES = [practice.id for practice in FRAMEWORK.practices][:10]
PEOPLE = 200
LEVELS = ("missing", "ad_hoc", "repeatable", "systematic", "unknown")


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def generate(location: str, votes: int) -> None:
    """Sessions of PEOPLE participants who voted on every one of PRACTICES, written in bulk."""
    store = open_store(location)
    database = store.database
    sessions = max(1, votes // (PEOPLE * len(PRACTICES)))
    stamp = database.now_iso()
    for number in range(sessions):
        created = store.sessions.create(FRAMEWORK, f"Generated {number}", None, None, Settings())
        assessment_id = store.sessions.assessment_id(created.assessment.code)
        with database.transaction() as conn:
            conn.execute_many(
                "INSERT INTO participants (assessment_id, token_hash, name, segment, joined_at) VALUES (?, ?, ?, ?, ?)",
                [[assessment_id, secrets.token_hex(32), None, None, stamp] for _ in range(PEOPLE)],
            )
            people = [
                row[0] for row in conn.execute("SELECT id FROM participants WHERE assessment_id = ?", [assessment_id])
            ]
            conn.execute_many(
                "INSERT INTO rounds (assessment_id, practice_id, number, opened_at, revealed_at) VALUES (?, ?, 1, ?, ?)",
                [[assessment_id, practice, stamp, stamp] for practice in PRACTICES],
            )
            conn.execute_many(
                "INSERT INTO votes (assessment_id, practice_id, round, participant_id, level, note, cast_at) "
                "VALUES (?, ?, 1, ?, ?, ?, ?)",
                [
                    [
                        assessment_id,
                        practice,
                        person,
                        LEVELS[(person + index) % 5],
                        None if person % 4 else "a reason",
                        stamp,
                    ]
                    for index, practice in enumerate(PRACTICES)
                    for person in people
                ],
            )
        if number % 50 == 0:
            print(f"  generated {number + 1}/{sessions} sessions", flush=True)
    store.close()


def live_session(location: str) -> str:
    """The session the phones vote in, its first practice open."""
    store = open_store(location)
    created = store.sessions.create(FRAMEWORK, "Live", None, None, Settings())
    code = created.assessment.code
    store.sessions.apply(code, rules.open_practice(store.sessions.load(code), PRACTICES[0]))
    store.close()
    return code


class Phone:
    """One phone: joins, then votes every ``interval`` seconds, timing each acknowledgement."""

    def __init__(self, url: str, code: str, interval: float, phase: list[str], results: dict, stop: threading.Event):
        self.client = socketio.Client(reconnection=False)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        ack = self.client.call("join", {"code": code}, timeout=10)
        assert ack.get("ok"), ack
        self.code, self.interval, self.phase, self.results, self.stop = code, interval, phase, results, stop
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        count = 0
        while not self.stop.is_set():
            count += 1
            phase = self.phase[0]
            started = time.perf_counter()
            try:
                ack = self.client.call("vote", {"practice": PRACTICES[0], "level": LEVELS[count % 5]}, timeout=30)
                ok = bool(ack and ack.get("ok"))
            except Exception:
                ok = False
            elapsed = time.perf_counter() - started
            self.results.setdefault(phase, {"acks": [], "failed": 0})
            if ok:
                self.results[phase]["acks"].append(elapsed)
            else:
                self.results[phase]["failed"] += 1
            time.sleep(max(0.0, self.interval - elapsed))


def workshop(code: Path, *arguments: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workshop", *arguments], check=True, cwd=code, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def renamed(backup: Path, target: Path) -> None:
    """The backup with new session codes and participant tokens: a restore adds every session again."""
    document = json.loads(backup.read_text())
    for row in document["tables"]["assessments"]:
        row["code"] = new_code()
        row["facilitator_token_hash"] = hash_token(secrets.token_urlsafe(24))
    for row in document["tables"]["participants"]:
        row["token_hash"] = secrets.token_hex(32)
    target.write_text(json.dumps(document))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--phones", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between a phone's votes")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of voting with nothing else running")
    parser.add_argument("--db", help="a postgresql:// URL of an empty database (default: a new SQLite file)")
    parser.add_argument("--port", type=int, default=5391)
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="run the server and the commands from this checkout (an earlier commit)"
    )
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    location = options.db or str(folder / "large.db")
    print(f"generating {options.votes:,} votes in {location} ...", flush=True)
    started = time.perf_counter()
    generate(location, options.votes)
    code = live_session(location)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    if not options.db:
        print(f"  database file: {os.path.getsize(location) / 1e6:.0f} MB", flush=True)

    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "workshop", "serve", "--host", "127.0.0.1", "--port", str(options.port),
         "--db", location, "--async-mode", "gevent"],
        cwd=options.code, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{options.port}"
    phase, results, stop = ["baseline"], {}, threading.Event()
    durations = {}
    try:
        time.sleep(3)
        phones = [Phone(url, code, options.interval, phase, results, stop) for _ in range(options.phones)]
        for phone in phones:
            phone.thread.start()
        time.sleep(options.baseline)
        backup = folder / "backup.json"
        phase[0] = "backup"
        durations["backup"] = workshop(options.code, "backup", str(backup), "--db", location)
        phase[0] = "between"
        # in another process: parsing a large backup here would hold this process's GIL, and
        # the phones' threads with it, which would show as the server's latency
        renaming = multiprocessing.get_context("spawn").Process(target=renamed, args=(backup, folder / "copy.json"))
        renaming.start()
        renaming.join()
        time.sleep(2)
        phase[0] = "restore"
        durations["restore"] = workshop(options.code, "restore", str(folder / "copy.json"), "--db", location)
        phase[0] = "after"
        time.sleep(2)
        stop.set()
        for phone in phones:
            phone.thread.join(timeout=40)
            phone.client.disconnect()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print()
    print(f"machine: {' '.join(platform.uname())}; {os.cpu_count()} CPUs; Python {platform.python_version()}")
    print(f"code: {options.code}; database: {'PostgreSQL' if options.db else 'SQLite'}, {options.votes:,} votes generated; "
          f"{options.phones} phones, one vote each every {options.interval * 1000:.0f} ms")  # fmt: skip
    print(f"{'phase':10} {'acks':>6} {'failed':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'took s':>7}")
    for name in ("baseline", "backup", "restore"):
        figures = results.get(name, {"acks": [], "failed": 0})
        acks = [value * 1000 for value in figures["acks"]]
        cells = [percentile(acks, 0.5), percentile(acks, 0.99), max(acks) if acks else None]
        shown = " ".join(f"{value:8.1f}" if value is not None else f"{'-':>8}" for value in cells)
        took = f"{durations[name]:7.1f}" if name in durations else f"{'':7}"
        print(f"{name:10} {len(acks):6} {figures['failed']:6} {shown} {took}")


if __name__ == "__main__":
    main()
