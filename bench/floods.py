"""Floods one device can send, and what a legitimate phone feels meanwhile (issue: no single device
can take the room down).

    .venv/bin/python bench/floods.py            # every scenario, about four minutes
    .venv/bin/python bench/floods.py --json

One server (``workshop serve``, gevent, default limits) on CPU 0, this generator on CPU 1. A
legitimate phone in a session with its facilitator votes every 100 ms throughout; for each
scenario the table gives that phone's vote-ack latency (p50, p99, max) and what the attack
achieved:

- baseline: nothing else happens;
- join flood: new connections join the phone's session as fast as they can for 30 s, from one
  address (what landed, what was refused);
- code guessing: joins with wrong codes for 20 s;
- session flood: ``POST /api/sessions`` from eight threads for 20 s;
- PDF renders: six PDFs of a 2,000-participant session with a 280-character reason each, asked for
  at once (one renders at a time, four wait, the sixth is told ``busy``);
- large frames: websocket messages announcing 20 MB, one after another for 10 s (each is closed
  from its header; before, each froze the server for 8 to 11 s);
- oversized POSTs: long-polling POSTs announcing 100 KB with no body, 40 at a time for 10 s (each
  is answered 413; before, none was and their sockets leaked);
- binary attachments: a binary event announcing 999,999 attachments, then 60 KB binary frames for
  10 s (refused, never buffered: the server's memory afterwards);
- half-open requests: 1,000 connections sending a header a byte at a time (closed after 10 s);
- idle sessions (a second server with the session limit raised): 400 sessions whose facilitator's
  page is open and nothing happens, the server's CPU over 20 s (the tick follows activity).
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from capacity import http, machine, start_servers, summary_ms
from loadgen import Client

from tests.live import frame_header, open_websocket, raw, read_response

PRACTICE = "repair-identify"
REASON = "x" * 280


class Probe:
    """The legitimate phone: votes every 100 ms and keeps each ack's latency, by scenario."""

    def __init__(self, phone: Client):
        self.phone = phone
        self.samples: list[float] = []
        self.failures = 0
        self.task = None

    async def run(self):
        levels = ("missing", "ad_hoc", "repeatable", "systematic")
        for turn in range(10**9):
            start = time.perf_counter()
            try:
                ack, arrived = await self.phone.call("vote", {"practice": PRACTICE, "level": levels[turn % 4]}, 30)
                if ack.get("ok"):
                    self.samples.append(arrived - start)
                else:
                    self.failures += 1
            except Exception:
                self.failures += 1
            await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - start)))

    def take(self) -> dict:
        samples, failures = self.samples, self.failures
        self.samples, self.failures = [], 0
        return {**summary_ms(samples), "failed": failures}


async def connect(url: str) -> Client:
    client = Client(url)
    await client.connect()
    return client


async def host(url: str, session: dict) -> Client:
    facilitator = await connect(url)
    ack, _ = await facilitator.call(
        "host", {"code": session["code"], "facilitator_token": session["facilitator_token"]}
    )
    assert ack["ok"], ack
    return facilitator


async def join_flood(url: str, code: str, seconds: float, concurrency: int = 40) -> dict:
    outcome: dict[str, int] = {}
    deadline = time.monotonic() + seconds

    async def attacker():
        while time.monotonic() < deadline:
            try:
                client = await connect(url)
                ack, _ = await client.call("join", {"code": code}, 30)
                key = "joined" if ack.get("ok") else ack.get("error", "?")
                await client.close()
            except Exception:
                key = "connection failed"
            outcome[key] = outcome.get(key, 0) + 1

    await asyncio.gather(*(attacker() for _ in range(concurrency)))
    return outcome


async def code_guessing(url: str, seconds: float, concurrency: int = 20) -> dict:
    outcome: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

    async def guesser():
        client = await connect(url)
        while time.monotonic() < deadline:
            code = "".join(random.choice(alphabet) for _ in range(6))
            try:
                ack, _ = await client.call("join", {"code": code}, 30)
                key = ack.get("error", "joined")
            except Exception:
                key = "connection failed"
                client = await connect(url)
            outcome[key] = outcome.get(key, 0) + 1
        await client.close()

    await asyncio.gather(*(guesser() for _ in range(concurrency)))
    return outcome


def large_frames(server, seconds: float) -> dict:
    outcome = {"frames": 0, "closed before the payload": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection = open_websocket(server)
        connection.recv(65536)
        outcome["frames"] += 1
        try:
            connection.sendall(frame_header(20 * 1024 * 1024))
            for _ in range(20):  # the payload, a megabyte at a time, until the server hangs up
                connection.sendall(b"x" * (1024 * 1024))
        except OSError:
            outcome["closed before the payload"] += 1
        connection.close()
    return outcome


def oversized_posts(server, seconds: float, concurrency: int = 40) -> dict:
    outcome: dict[str, int] = {}
    deadline = time.monotonic() + seconds

    def worker(_):
        while time.monotonic() < deadline:
            try:
                connection = raw(server, timeout=10)
                connection.sendall(
                    b"POST /socket.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
                )
                status = read_response(connection)[9:12].decode() or "no answer"
                connection.close()
            except OSError:
                status = "no answer"
            outcome[status] = outcome.get(status, 0) + 1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return outcome


def binary_attachments(server, seconds: float, ps) -> dict:
    connection = open_websocket(server)
    connection.recv(65536)
    connection.sendall(frame_header(2) + b"40")
    connection.recv(65536)
    before = ps.memory_info().rss
    event = b'45999999-1["vote",{"_placeholder":true,"num":0}]'
    connection.sendall(frame_header(len(event)) + event)
    attachment = b"x" * 60_000
    frames, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.sendall(frame_header(len(attachment), opcode=0x2) + attachment)
        frames += 1
    time.sleep(1)
    grown = ps.memory_info().rss - before
    connection.close()
    return {"frames": frames, "server memory grown MB": round(grown / 2**20, 1)}


def half_open(server, count: int = 1000, seconds: float = 15) -> dict:
    held, closed = [], 0
    for _ in range(count):
        connection = raw(server, timeout=seconds + 5)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        held.append(connection)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(1)
        for connection in held:
            with contextlib.suppress(OSError):
                connection.send(b"a")  # a byte at a time
    for connection in held:
        connection.settimeout(0.2)
        try:
            connection.recv(1024)  # b"" or a 400: the server let go of it
            closed += 1
        except TimeoutError:
            pass  # still held open
        except OSError:
            closed += 1
        connection.close()
    return {"connections": count, f"closed by the server within {seconds:.0f} s": closed}


def status_of(method: str, url: str, body=None, token=None, timeout: float = 300) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def session_flood(url: str, seconds: float, threads: int = 8) -> dict:
    deadline = time.monotonic() + seconds
    body = {"framework": "forrester-path", "title": "flood", "organization": None}

    def worker(index: int) -> dict:
        counts: dict[int, int] = {}
        n = 0
        while time.monotonic() < deadline:
            n += 1
            status = status_of("POST", f"{url}/api/sessions", {**body, "organization": f"Flood {index}-{n}"})
            counts[status] = counts.get(status, 0) + 1
        return counts

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(threads) as pool:
        results = await asyncio.gather(*(loop.run_in_executor(pool, worker, index) for index in range(threads)))
    total: dict[str, int] = {}
    for counts in results:
        for status, count in counts.items():
            total[str(status)] = total.get(str(status), 0) + count
    return total


async def large_session(url: str, people: int) -> dict:
    """A closed session of ``people`` who each gave a 280-character reason on two practices."""
    session = http(
        "POST",
        f"{url}/api/sessions",
        {"framework": "forrester-path", "title": "Large", "settings": {"max_participants": people}},
    )
    facilitator = await host(url, session)
    for practice in (PRACTICE, "repair-prioritise"):
        await facilitator.call("open", {"practice": practice})
    semaphore = asyncio.Semaphore(100)

    async def person(index):
        async with semaphore:
            await asyncio.sleep(index / 200)  # 200 joins a second
            client = await connect(url)
            ack, _ = await client.call("join", {"code": session["code"]}, 60)
            assert ack["ok"], ack
            for practice in (PRACTICE, "repair-prioritise"):
                await client.call(
                    "vote",
                    {"practice": practice, "level": random.choice(("missing", "systematic")), "note": REASON},
                    60,
                )
            await client.close()

    await asyncio.gather(*(person(index) for index in range(people)))
    await facilitator.call("reveal", {"practice": "*"})
    await facilitator.call("close", {})
    await facilitator.close()
    return session


async def pdf_renders(url: str, session: dict, at_once: int = 6) -> dict:
    loop = asyncio.get_running_loop()
    target = f"{url}/api/sessions/{session['code']}/export?format=pdf"

    def one(index: int) -> tuple[int, float]:
        time.sleep(index * 0.05)
        start = time.perf_counter()
        return status_of("GET", target, token=session["facilitator_token"]), time.perf_counter() - start

    with ThreadPoolExecutor(at_once) as pool:
        results = await asyncio.gather(*(loop.run_in_executor(pool, one, index) for index in range(at_once)))
    return {"statuses": [status for status, _ in results], "seconds": [round(took, 1) for _, took in results]}


async def scenario(name, probe, work, report):
    probe.take()
    started = time.monotonic()
    achieved = await work()
    report["scenarios"].append(
        {"name": name, "seconds": round(time.monotonic() - started, 1), "ack_ms": probe.take(), "attack": achieved}
    )
    print(f"  {name}: done", flush=True)


async def idle_sessions(options, workdir) -> dict:
    os.environ["WORKSHOP_SESSIONS_PER_ADDRESS"] = "100000/minute"
    try:
        servers = start_servers(options, workdir / "idle")
    finally:
        del os.environ["WORKSHOP_SESSIONS_PER_ADDRESS"]
    server = servers[0]
    try:
        ps = server["ps"]

        def cpu_over(seconds):
            before = ps.cpu_times()
            time.sleep(seconds)
            after = ps.cpu_times()
            return round(100 * ((after.user + after.system) - (before.user + before.system)) / seconds, 1)

        empty = await asyncio.to_thread(cpu_over, 10)
        facilitators = []
        for _ in range(options.idle_sessions):
            session = http("POST", server["url"] + "/api/sessions", {"framework": "forrester-path", "title": "idle"})
            facilitators.append(await host(server["url"], session))
        await asyncio.sleep(6)  # past the first sweep
        busy = await asyncio.to_thread(cpu_over, 20)
        for client in facilitators:
            await client.close()
        return {"sessions": options.idle_sessions, "server_cpu_percent_without": empty, "server_cpu_percent_with": busy}
    finally:
        server["process"].terminate()
        server["process"].wait(10)


async def main_async(options) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="floods-"))
    (workdir / "idle").mkdir()
    if options.pin:
        os.sched_setaffinity(0, {1 % os.cpu_count()})
    servers = start_servers(options, workdir)
    url = servers[0]["url"]
    report = {"machine": machine(), "scenarios": []}
    try:
        print("preparing a 2,000-person session for the PDF scenario ...", flush=True)
        large = await large_session(url, options.pdf_people)
        victim = http("POST", f"{url}/api/sessions", {"framework": "forrester-path", "title": "Victim"})
        facilitator = await host(url, victim)
        await facilitator.call("open", {"practice": PRACTICE})
        phone = await connect(url)
        ack, _ = await phone.call("join", {"code": victim["code"]})
        assert ack["ok"], ack
        probe = Probe(phone)
        probe.task = asyncio.create_task(probe.run())
        await scenario("baseline", probe, lambda: asyncio.sleep(10), report)
        await scenario("join flood", probe, lambda: join_flood(url, victim["code"], 30), report)
        await scenario("code guessing", probe, lambda: code_guessing(url, 20), report)
        await scenario("session flood", probe, lambda: session_flood(url, 20), report)
        await scenario("PDF renders", probe, lambda: pdf_renders(url, large), report)
        target = SimpleNamespace(url=url)
        await scenario("large frames", probe, lambda: asyncio.to_thread(large_frames, target, 10), report)
        await scenario("oversized POSTs", probe, lambda: asyncio.to_thread(oversized_posts, target, 10), report)
        await scenario(
            "binary attachments",
            probe,
            lambda: asyncio.to_thread(binary_attachments, target, 10, servers[0]["ps"]),
            report,
        )
        await scenario("half-open", probe, lambda: asyncio.to_thread(half_open, target), report)
        probe.task.cancel()
        roster, _ = await facilitator.call("roster", {})
        report["victim_joined"] = roster["joined"]
    finally:
        for server in servers:
            server["process"].terminate()
            server["process"].wait(10)
    print("idle sessions ...", flush=True)
    report["idle"] = await idle_sessions(options, workdir)
    return report


def table(report) -> str:
    lines = [
        f"machine: {report['machine']}",
        "",
        f"{'scenario':16} {'ack p50':>8} {'p99':>8} {'max':>8} {'failed':>6}  attack",
    ]
    for item in report["scenarios"]:
        ack = item["ack_ms"]

        def ms(value):
            return "-" if value is None else f"{value:.1f}"

        lines.append(
            f"{item['name']:16} {ms(ack['p50']):>8} {ms(ack['p99']):>8} {ms(ack['max']):>8} {ack['failed']:>6}  "
            f"{json.dumps(item['attack'])}"
        )
    lines.append(
        f"participants in the flooded session afterwards: {report['victim_joined']} (cap 1,000, plus the probe)"
    )
    idle = report["idle"]
    lines.append(
        f"idle: server CPU {idle['server_cpu_percent_without']}% with no session, "
        f"{idle['server_cpu_percent_with']}% with {idle['sessions']} watched idle sessions"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf-people", type=int, default=2000)
    parser.add_argument("--idle-sessions", type=int, default=400)
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    options = SimpleNamespace(processes=1, async_mode="gevent", message_queue=None, **vars(args))
    report = asyncio.run(main_async(options))
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
