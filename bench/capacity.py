"""Capacity benchmark: thousands of phones join one session, vote in a burst, then the reveal.

    .venv/bin/python bench/capacity.py                      # 2,000 phones, one server process
    .venv/bin/python bench/capacity.py --phones 500         # a quicker run
    .venv/bin/python bench/capacity.py --processes 2 --message-queue redis://127.0.0.1:6379/15
    .venv/bin/python bench/capacity.py --db postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/capacity.py --side-by-side      # SQLite, PostgreSQL, 2 x PostgreSQL + Redis

The server (``workshop serve``, gevent by default) is pinned to CPU 0 and this generator to CPU 1
(``--no-pin`` to disable). It reports joins, vote acknowledgements, the delay from a vote to the
facilitator's screen, the reveal reaching every phone, the server's memory per phone and CPU, the
generator's own CPU and event-loop lag (a saturated generator invalidates the latencies: it says
so), and lost votes (acknowledged minus stored; must be 0). Output: a table, and JSON with --json.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Client

ROOT = Path(__file__).resolve().parents[1]
PRACTICE = "repair-identify"
LEVELS = ("missing", "ad_hoc", "repeatable", "systematic", "unknown")


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values):
    values_ms = [value * 1000 for value in values]
    return {
        "count": len(values_ms),
        "p50": percentile(values_ms, 0.50),
        "p95": percentile(values_ms, 0.95),
        "p99": percentile(values_ms, 0.99),
        "max": max(values_ms) if values_ms else None,
    }


def http(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_servers(options, workdir: Path):
    servers = []
    database = getattr(options, "db", None) or workdir / "capacity.db"
    for index in range(options.processes):
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "workshop",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(database),
            "--async-mode",
            options.async_mode,
            "--log-level",
            "WARNING",
        ]
        if options.message_queue:
            command += ["--message-queue", options.message_queue]
        if options.pin:
            cpu = "0" if options.processes == 1 else str(index % os.cpu_count())
            command = ["taskset", "-c", cpu, *command]
        log = open(workdir / f"server-{index}.log", "w")  # noqa: SIM115 - open while the server runs
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        servers.append({"process": process, "url": f"http://127.0.0.1:{port}", "log": workdir / f"server-{index}.log"})
    for server in servers:
        deadline = time.monotonic() + 30
        while True:
            try:
                http("GET", server["url"] + "/api/frameworks")
                break
            except OSError:
                if time.monotonic() > deadline or server["process"].poll() is not None:
                    raise RuntimeError(f"server did not start: {server['log'].read_text()[-2000:]}") from None
                time.sleep(0.1)
        server["ps"] = psutil.Process(server["process"].pid)  # taskset execs: the same pid
    return servers


def rss(servers):
    return sum(server["ps"].memory_info().rss for server in servers)


def cpu_seconds(servers):
    return sum(sum(server["ps"].cpu_times()[:2]) for server in servers)


class LoopLag:
    """Measures how late this generator's event loop wakes up: a saturated generator lags."""

    def __init__(self):
        self.samples = []
        self.task = None

    async def run(self):
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.02)
            self.samples.append(time.perf_counter() - start - 0.02)

    def start(self):
        self.task = asyncio.create_task(self.run())

    def stop(self):
        self.task.cancel()


async def benchmark(options):
    workdir = Path(tempfile.mkdtemp(prefix="capacity-"))
    servers = start_servers(options, workdir)
    generator = psutil.Process()
    if options.pin and options.processes == 1:
        os.sched_setaffinity(0, {1 % os.cpu_count()})
    report = {
        "config": {
            "phones": options.phones,
            "join_rate": options.join_rate,
            "vote_window_s": options.vote_window,
            "processes": options.processes,
            "async_mode": options.async_mode,
            "database": "postgresql" if str(getattr(options, "db", None) or "").startswith("postgresql") else "sqlite",
            "message_queue": bool(options.message_queue),
            "pinned": options.pin,
        }
    }
    try:
        session = http(
            "POST",
            servers[0]["url"] + "/api/sessions",
            {
                "framework": "forrester-path",
                "title": "Capacity benchmark",
                # a room this size is one its facilitator made room for (the default is 1,000)
                "settings": {"max_participants": max(1000, options.phones)},
            },
        )
        code = session["code"]
        host = Client(servers[0]["url"])
        tallies = []  # (time, votes on the practice, present)
        host.on(
            "tally",
            lambda data, at: tallies.append((at, data["votes"].get(PRACTICE, 0), data["participants"]["present"])),
        )
        await host.connect()
        ack, _ = await host.call("host", {"code": code, "facilitator_token": session["facilitator_token"]})
        assert ack["ok"], ack
        ack, _ = await host.call("open", {"practice": PRACTICE})
        assert ack["ok"], ack
        await asyncio.sleep(0.5)
        baseline_rss = rss(servers)
        lag = LoopLag()
        lag.start()

        # --- joins, at a steady rate ----------------------------------------------------------------
        phones: list[Client] = []
        join_latencies, join_failures = [], []
        revealed_at: dict[int, float] = {}

        async def join(index):
            await asyncio.sleep(index / options.join_rate)
            client = Client(servers[index % len(servers)]["url"])

            def on_state(data, at, index=index):
                if index not in revealed_at and any(
                    p["id"] == PRACTICE and p["status"] == "revealed" for p in data["practices"]
                ):
                    revealed_at[index] = at

            client.on("state", on_state)
            started = time.perf_counter()
            try:
                await client.connect()
                answer, arrived = await client.call("join", {"code": code})
                if not answer.get("ok"):
                    raise RuntimeError(answer)
                join_latencies.append(arrived - started)
                phones.append(client)
            except Exception as error:  # counted, not fatal
                join_failures.append(repr(error)[:200])

        cpu_before, wall_before, generator_before = cpu_seconds(servers), time.perf_counter(), generator.cpu_times()
        await asyncio.gather(*(join(index) for index in range(options.phones)))
        join_wall = time.perf_counter() - wall_before
        join_cpu = cpu_seconds(servers) - cpu_before
        await asyncio.sleep(1.0)
        joined_rss = rss(servers)
        report["joins"] = {
            **summary_ms(join_latencies),
            "failures": len(join_failures),
            "failure_examples": join_failures[:3],
            "wall_s": round(join_wall, 2),
            "achieved_rate": round(len(join_latencies) / join_wall, 1),
            "server_cpu_percent": round(100 * join_cpu / join_wall, 1),
        }
        report["memory"] = {
            "server_rss_baseline_mb": round(baseline_rss / 2**20, 1),
            "server_rss_joined_mb": round(joined_rss / 2**20, 1),
            "per_phone_kb": round((joined_rss - baseline_rss) / max(1, len(phones)) / 1024, 1),
        }

        # --- a burst of votes --------------------------------------------------------------------------
        vote_sent, vote_acked, vote_errors = {}, {}, []

        async def vote(index, client):
            await asyncio.sleep(options.vote_window * index / max(1, len(phones)))
            level = LEVELS[index % len(LEVELS)]
            vote_sent[index] = time.perf_counter()
            try:
                answer, arrived = await client.call("vote", {"practice": PRACTICE, "level": level})
                if answer.get("ok"):
                    vote_acked[index] = arrived
                else:
                    vote_errors.append(answer)
            except Exception as error:
                vote_errors.append(repr(error)[:200])

        tallies.clear()
        cpu_before, wall_before = cpu_seconds(servers), time.perf_counter()
        await asyncio.gather(*(vote(index, client) for index, client in enumerate(phones)))
        deadline = time.perf_counter() + 10
        while (not tallies or tallies[-1][1] < len(vote_acked)) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        vote_wall = time.perf_counter() - wall_before
        vote_cpu = cpu_seconds(servers) - cpu_before
        ack_latencies = [vote_acked[i] - vote_sent[i] for i in vote_acked]
        # the k-th acknowledged vote is on the facilitator's screen at the first tally counting >= k
        to_screen = []
        by_ack = sorted(vote_acked, key=vote_acked.get)
        tally_index = 0
        for rank, index in enumerate(by_ack, start=1):
            while tally_index < len(tallies) and tallies[tally_index][1] < rank:
                tally_index += 1
            if tally_index < len(tallies):
                to_screen.append(tallies[tally_index][0] - vote_sent[index])
        report["votes"] = {
            "ack": summary_ms(ack_latencies),
            "errors": len(vote_errors),
            "error_examples": vote_errors[:3],
            "to_facilitator": summary_ms(to_screen),
            "tallies_received": len(tallies),
            "tally_rate_per_s": round(len(tallies) / vote_wall, 1),
            "server_cpu_percent": round(100 * vote_cpu / vote_wall, 1),
        }

        # --- the reveal ------------------------------------------------------------------------------------
        cpu_before = cpu_seconds(servers)
        reveal_started = time.perf_counter()
        ack, _ = await host.call("reveal", {"practice": PRACTICE})
        assert ack["ok"], ack
        deadline = time.perf_counter() + 15
        while len(revealed_at) < len(phones) and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)
        reveal_wall = time.perf_counter() - reveal_started
        delays = [revealed_at[index] - reveal_started for index in revealed_at]
        report["reveal"] = {
            **summary_ms(delays),
            "phones_reached": len(revealed_at),
            "phones": len(phones),
            "server_cpu_s": round(cpu_seconds(servers) - cpu_before, 2),
        }
        lag.stop()

        # --- durability: acknowledged votes are all in the database ----------------------------------
        summary = http("GET", f"{servers[0]['url']}/api/sessions/{code}/summary", token=session["facilitator_token"])
        stored = next(row for row in summary["practices"] if row["id"] == PRACTICE)["rounds"][0]["votes"]
        report["lost_votes"] = len(vote_acked) - stored
        report["stored_votes"] = stored
        generator_after = generator.cpu_times()
        total_wall = join_wall + vote_wall + reveal_wall
        generator_cpu = generator_after.user + generator_after.system - generator_before.user - generator_before.system
        report["generator"] = {
            "cpu_percent": round(100 * generator_cpu / total_wall, 1),
            "loop_lag_ms_p99": round(1000 * percentile(lag.samples, 0.99), 1) if lag.samples else None,
            "loop_lag_ms_max": round(1000 * max(lag.samples), 1) if lag.samples else None,
        }
        report["generator"]["saturated"] = (
            report["generator"]["cpu_percent"] > 90 or (report["generator"]["loop_lag_ms_p99"] or 0) > 50
        )
        await asyncio.gather(*(phone.close() for phone in phones), host.close(), return_exceptions=True)
    finally:
        for server in servers:
            server["process"].terminate()
            try:
                server["process"].wait(timeout=10)
            except subprocess.TimeoutExpired:
                server["process"].kill()
    report["machine"] = machine()
    return report


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "commit": commit,
    }


def fmt(value, unit="ms"):
    return "–" if value is None else f"{value:.0f} {unit}" if unit == "ms" else f"{value} {unit}"


def table(report):
    config, joins, votes, reveal = report["config"], report["joins"], report["votes"], report["reveal"]
    lines = [
        f"Capacity: {config['phones']} phones, {config['processes']} server process(es), {config['async_mode']}"
        f"{' + redis' if config['message_queue'] else ''}, {'pinned' if config['pinned'] else 'not pinned'}",
        f"  joins    p50 {fmt(joins['p50'])}  p95 {fmt(joins['p95'])}  p99 {fmt(joins['p99'])}  failures {joins['failures']}"
        f"  rate {joins['achieved_rate']}/s (asked {config['join_rate']}/s)  server CPU {joins['server_cpu_percent']}%",
        f"  vote ack p50 {fmt(votes['ack']['p50'])}  p95 {fmt(votes['ack']['p95'])}  p99 {fmt(votes['ack']['p99'])}"
        f"  errors {votes['errors']}  server CPU {votes['server_cpu_percent']}%",
        f"  vote to facilitator p50 {fmt(votes['to_facilitator']['p50'])}  p95 {fmt(votes['to_facilitator']['p95'])}"
        f"  ({votes['tallies_received']} tallies, {votes['tally_rate_per_s']}/s)",
        f"  reveal   p50 {fmt(reveal['p50'])}  p95 {fmt(reveal['p95'])}  max {fmt(reveal['max'])}"
        f"  reached {reveal['phones_reached']}/{reveal['phones']}",
        f"  memory   {report['memory']['per_phone_kb']} KB per phone  (RSS {report['memory']['server_rss_baseline_mb']}"
        f" -> {report['memory']['server_rss_joined_mb']} MB)",
        f"  lost votes {report['lost_votes']} (stored {report['stored_votes']})",
        f"  generator CPU {report['generator']['cpu_percent']}%  loop lag p99 {report['generator']['loop_lag_ms_p99']} ms"
        f"  max {report['generator']['loop_lag_ms_max']} ms",
    ]
    if report["generator"]["saturated"]:
        lines.append("  WARNING: the generator was saturated; the latencies above are not valid.")
    machine_info = report["machine"]
    lines.append(
        f"  machine  {machine_info['cpu']} x{machine_info['cpus']}, {machine_info['memory_gb']} GB, "
        f"Python {machine_info['python']}, commit {machine_info['commit']}"
    )
    return "\n".join(lines)


class PostgresDatabase:
    """A new, empty database on a PostgreSQL server for one run (dropped afterwards)."""

    def __init__(self, admin_url: str):
        import uuid

        import psycopg

        self.psycopg, self.admin_url = psycopg, admin_url
        self.name = f"cx_capacity_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def drop(self):
        with self.psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def side_by_side(options) -> list[dict]:
    """The same load on one process on SQLite, one on PostgreSQL, and two on PostgreSQL with Redis."""
    modes = [
        ("1 x SQLite", {"processes": 1, "db": None, "message_queue": None}),
        ("1 x PostgreSQL", {"processes": 1, "db": "postgres", "message_queue": None}),
        ("2 x PostgreSQL + Redis", {"processes": 2, "db": "postgres", "message_queue": options.redis}),
    ]
    reports = []
    for name, mode in modes:
        database = PostgresDatabase(options.postgres) if mode["db"] == "postgres" else None
        try:
            run = argparse.Namespace(**{**vars(options), **mode, "db": database.url if database else None})
            print(f"{name} ...", flush=True)
            report = asyncio.run(benchmark(run))
        finally:
            if database:
                database.drop()
        report["mode"] = name
        reports.append(report)
    return reports


def comparison(reports) -> str:
    def cell(value, unit=" ms"):
        return "–" if value is None else f"{value:.0f}{unit}"

    rows = [
        ("joins (ok / asked)", lambda r: f"{r['joins']['count']} / {r['config']['phones']}"),
        ("join p99", lambda r: cell(r["joins"]["p99"])),
        ("vote ack p50", lambda r: cell(r["votes"]["ack"]["p50"])),
        ("vote ack p99", lambda r: cell(r["votes"]["ack"]["p99"])),
        ("vote to facilitator p95", lambda r: cell(r["votes"]["to_facilitator"]["p95"])),
        ("reveal to every phone p95", lambda r: cell(r["reveal"]["p95"])),
        ("reveal reached", lambda r: f"{r['reveal']['phones_reached']}/{r['reveal']['phones']}"),
        ("memory per phone", lambda r: f"{r['memory']['per_phone_kb']} KB"),
        ("lost votes", lambda r: str(r["lost_votes"])),
        ("generator saturated", lambda r: "yes" if r["generator"]["saturated"] else "no"),
    ]
    width = 26
    lines = [f"{'':{width}}" + "".join(f"{r['mode']:>24}" for r in reports)]
    for label, value in rows:
        lines.append(f"{label:{width}}" + "".join(f"{value(r):>24}" for r in reports))
    info = reports[0]["machine"]
    lines.append(
        f"machine: {info['cpu']} x{info['cpus']}, {info['memory_gb']} GB, Python {info['python']}, commit {info['commit']}"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--join-rate", type=float, default=200.0, help="joins per second")
    parser.add_argument("--vote-window", type=float, default=10.0, help="seconds over which all phones vote")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2, 3, 4))
    parser.add_argument("--message-queue", default=None, help="redis://... (needed with --processes > 1)")
    parser.add_argument("--async-mode", default="gevent", choices=("gevent", "eventlet"))
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin server/generator to CPUs")
    parser.add_argument("--db", default=None, help="the server's --db (default: a new SQLite file)")
    parser.add_argument("--side-by-side", action="store_true", help="SQLite, PostgreSQL, 2 x PostgreSQL + Redis")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="message queue for --side-by-side")
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    options = parser.parse_args(argv)
    if options.side_by_side:
        reports = side_by_side(options)
        print(comparison(reports))
        if options.json:
            Path(options.json).write_text(json.dumps(reports, indent=2))
        return 0
    if options.processes > 1 and not options.message_queue:
        parser.error("--processes > 1 needs --message-queue redis://HOST:PORT/DB")
    report = asyncio.run(benchmark(options))
    print(table(report))
    if options.json:
        Path(options.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
