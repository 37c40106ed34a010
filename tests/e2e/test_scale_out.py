"""Scale-out: two server processes on one Redis share the sessions of one SQLite database.

Uses the Redis on 127.0.0.1:6379 when one answers, else starts ``redis-server`` on a free port.
Without either the test is skipped (outside CI) with the reason; in CI that is a failure.
"""

import os
import shutil
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..live import free_port, wait_for

pytestmark = pytest.mark.e2e


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(port: int, folder) -> subprocess.Popen:
    """A throwaway ``redis-server`` on ``port`` that keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "no redis-server to start (apt install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not answers(port):
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    return process


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if answers(6379):
        yield "redis://127.0.0.1:6379/0"
        return
    port = free_port()
    process = start_redis(port, tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_two_processes_share_votes_and_reveals_through_redis(start_server, phones, redis_url, new_database):
    database = new_database("shared")
    channel = f"cx-workshop-test-{uuid.uuid4().hex[:8]}"  # pub/sub channels are global to a Redis
    options = ("--message-queue", redis_url, "--message-queue-channel", channel)
    # started together on a new database: both find its schema to create, only one may do it
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: start_server("gevent", database, *options), range(2))

    session = first.new_session()
    host = phones(first.url)
    assert host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["ok"]
    on_first = [phones(first.url) for _ in range(2)]
    on_second = [phones(second.url) for _ in range(3)]
    for phone in on_first + on_second:
        assert phone.call("join", {"code": session["code"]})["ok"]

    # a facilitator action on the first process reaches phones on the second
    assert host.call("open", {"practice": "repair-identify"})["ok"]
    wait_for(lambda: all(p.states and p.states[-1]["current"] == "repair-identify" for p in on_second))

    # votes cast on the second process show on the facilitator's screen, connected to the first
    for phone in on_second:
        assert phone.call("vote", {"practice": "repair-identify", "level": "systematic"})["ok"]
    wait_for(lambda: host.tallies and host.tallies[-1]["votes"].get("repair-identify") == 3, timeout=10)
    for phone in on_first:
        assert phone.call("vote", {"practice": "repair-identify", "level": "ad_hoc"})["ok"]
    wait_for(lambda: host.tallies[-1]["votes"].get("repair-identify") == 5, timeout=10)
    wait_for(lambda: host.tallies[-1]["participants"]["present"] == 5, timeout=10)

    # the reveal reaches the phones on both processes
    assert host.call("reveal", {"practice": "repair-identify"})["ok"]

    def revealed(phone):
        practice = next(p for p in phone.states[-1]["practices"] if p["id"] == "repair-identify")
        return practice["status"] == "revealed" and practice["result"]["counts"]["systematic"] == 3

    wait_for(lambda: all(revealed(phone) for phone in on_first + on_second), timeout=10)
    summary = second.summary(session)
    assert summary["practices"][0]["result"]["counts"] == {
        "missing": 0,
        "ad_hoc": 2,
        "repeatable": 0,
        "systematic": 3,
        "unknown": 0,
    }


def test_after_redis_restarts_every_phone_gets_the_state_it_missed_and_no_vote_is_lost(start_server, phones, tmp_path):
    port = free_port()
    redis = start_redis(port, tmp_path)
    try:
        options = ("--message-queue", f"redis://127.0.0.1:{port}/0")
        database = tmp_path / "shared.db"
        first = start_server("gevent", database, *options)
        second = start_server("gevent", database, *options)
        session = first.new_session()
        host = phones(first.url)
        assert host.call("host", {"code": session["code"], "facilitator_token": session["facilitator_token"]})["ok"]
        room = [phones(first.url) for _ in range(3)] + [phones(second.url) for _ in range(3)]
        for phone in room:
            assert phone.call("join", {"code": session["code"]})["ok"]
        assert host.call("open", {"practice": "*"})["ok"]
        wait_for(lambda: all(p.states and p.states[-1]["practices"][0]["status"] == "open" for p in room), timeout=10)
        for phone in room:
            assert phone.call("vote", {"practice": "repair-identify", "level": "repeatable"})["ok"]

        redis.kill()  # Redis goes away: nothing published now reaches anyone
        redis.wait(timeout=10)
        for phone in room:  # votes are still acknowledged: they go to the database
            assert phone.call("vote", {"practice": "repair-measure", "level": "ad_hoc"})["ok"]
        assert host.call("reveal", {"practice": "repair-identify"})["ok"]
        time.sleep(1)

        redis = start_redis(port, tmp_path)  # back on the same address

        def revealed(phone):
            practice = next(p for p in phone.states[-1]["practices"] if p["id"] == "repair-identify")
            return practice["status"] == "revealed"

        wait_for(lambda: all(revealed(phone) for phone in room), timeout=30)
        summary = second.summary(session)
        counts = {row["id"]: row["rounds"][-1]["votes"] for row in summary["practices"]}
        assert counts["repair-identify"] == 6 and counts["repair-measure"] == 6
    finally:
        redis.terminate()
        redis.wait(timeout=10)
