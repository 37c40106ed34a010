"""The ``workshop`` command (also ``python -m workshop``), with Click.

Imports stay inside the commands: ``serve`` must monkey-patch the standard library for gevent or
eventlet before Flask and the app are imported. Every option that has an environment variable
names it (``WORKSHOP_...``). Known problems end a command with one line on standard error and a
non-zero status, never a traceback.
"""

import json
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

DEFAULT_DB = "sessions/workshop.db"
FORMATS = ("md", "csv", "json", "html", "pdf")


class Stop(click.ClickException):
    """End a command with one line, ``workshop: <message>``, and an exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.exit_code = status

    def show(self, file=None) -> None:
        click.echo(f"workshop: {self.message}", err=True)


def database_option(function: Callable) -> Callable:
    return click.option(
        "--db", "database", default=DEFAULT_DB, envvar="WORKSHOP_DB", show_default=True, metavar="FILE|URL",
        help="SQLite database file, or postgresql://USER@HOST:PORT/NAME (or WORKSHOP_DB).",
    )(function)  # fmt: skip


def known_errors(function: Callable) -> Callable:
    """Turn the app's own errors into one line instead of a traceback."""

    @wraps(function)
    def run(*args, **kwargs):
        from .core.errors import WorkshopError
        from .store.database import DatabaseUnusable, engine_errors

        try:
            return function(*args, **kwargs)
        except WorkshopError as error:
            raise Stop(error.message) from None
        except DatabaseUnusable as error:
            raise Stop(str(error)) from None
        except engine_errors() as error:  # found while reading: a damaged file, a lost server
            text = " ".join(str(error).split())
            raise Stop(f"the database failed: {text}; if it is damaged, restore a backup into a new --db") from None

    return run


def open_store(path: str, *, create: bool = False, writes: bool = False):
    """The store at ``path`` (a file or a PostgreSQL URL); a missing, unreadable or foreign
    database is one clear line, and so is one that cannot be written when the command ``writes``."""
    from .store import open_store as opener
    from .store.database import DatabaseUnusable, is_postgres

    if not create and path != ":memory:" and not is_postgres(path) and not Path(path).is_file():
        hint = "it is a folder" if Path(path).is_dir() else "give --db or set WORKSHOP_DB"
        raise Stop(f"no database at {path} ({hint})")
    try:
        store = opener(path)
    except DatabaseUnusable as error:
        raise Stop(str(error)) from None
    if writes:
        try:
            store.database.check()
        except DatabaseUnusable as error:
            store.close()
            raise Stop(str(error)) from None
    return store


def service_of(store):
    from .service import Workshops

    return Workshops(store, {})  # the archive commands read each session's own copy of its framework


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A live workshop app for CX maturity assessments."""
    if hasattr(signal, "SIGPIPE") and click.get_current_context().invoked_subcommand != "serve":
        # `workshop sessions | head` ends quietly, like other command-line tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def rate_limits_from_environment() -> dict:
    """``WORKSHOP_JOINS_PER_ADDRESS=2000/second;10000/hour`` and the like: each limit of
    docs/deployment.md (checked when the app starts)."""
    import os

    from .config import LIMIT_SETTINGS

    return {name: os.environ[f"WORKSHOP_{name}"] for name in LIMIT_SETTINGS if os.environ.get(f"WORKSHOP_{name}")}


@cli.command()
@click.option(
    "--host",
    default="0.0.0.0",
    envvar="WORKSHOP_HOST",
    show_default=True,
    help="Interface to listen on (0.0.0.0: phones on the network can join).",
)
@click.option("--port", type=int, default=5000, envvar="WORKSHOP_PORT", show_default=True, help="Port.")
@database_option
@click.option(
    "--frameworks",
    "framework_dirs",
    multiple=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Also load every *.toml framework file of DIR (repeatable).",
)
@click.option(
    "--async-mode",
    type=click.Choice(["gevent", "eventlet", "threading"]),
    default="gevent",
    envvar="WORKSHOP_ASYNC_MODE",
    show_default=True,
    help="Async server.",
)
@click.option(
    "--public-url",
    envvar="WORKSHOP_PUBLIC_URL",
    help="Base URL phones use to join, for QR codes (default: this machine's LAN address).",
)
@click.option(
    "--message-queue",
    envvar="WORKSHOP_MESSAGE_QUEUE",
    metavar="URL",
    help="redis://HOST:PORT/DB to share sessions between several server processes.",
)
@click.option(
    "--message-queue-channel",
    default="cx-workshop",
    envvar="WORKSHOP_MESSAGE_QUEUE_CHANNEL",
    metavar="NAME",
    show_default=True,
    help="Pub/sub channel on the message queue (one per installation).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Extra origin allowed to open websockets (repeatable).",
)
@click.option(
    "--websocket-only/--allow-polling",
    default=False,
    envvar="WORKSHOP_WEBSOCKET_ONLY",
    help="Refuse the long-polling fallback (for several processes behind round-robin).",
)
@click.option(
    "--trusted-proxies",
    type=click.IntRange(0, 5),
    default=0,
    envvar="WORKSHOP_TRUSTED_PROXIES",
    show_default=True,
    help="Reverse proxies in front (nginx: 1); their X-Forwarded-For gives the client address for rate limits.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    envvar="WORKSHOP_ALLOWED_HOSTS",
    help="Another host name the server may be reached by, besides --public-url's and this machine's (repeatable).",
)
@click.option(
    "--connections-per-address",
    type=click.IntRange(min=0),
    default=5000,
    envvar="WORKSHOP_CONNECTIONS_PER_ADDRESS",
    show_default=True,
    help="Open connections one client address may hold (0: no cap; never more than half the open-files limit).",
)
@click.option(
    "--pdf-renders",
    type=click.IntRange(1, 16),
    default=1,
    envvar="WORKSHOP_PDF_RENDERS",
    show_default=True,
    help="PDF summaries rendered at once (each takes a core for seconds on a large session).",
)
@click.option(
    "--expire-empty-after",
    type=click.IntRange(min=0),
    default=7,
    envvar="WORKSHOP_EXPIRE_EMPTY_AFTER",
    show_default=True,
    metavar="DAYS",
    help="Delete sessions nobody joined after this many days, and organisations left with no session (0: never).",
)
@click.option("--access-log", is_flag=True, help="Log every HTTP request.")
@click.option("--log-level", default="INFO", envvar="WORKSHOP_LOG_LEVEL", show_default=True)
def serve(host, port, database, framework_dirs, async_mode, public_url, message_queue, message_queue_channel,
          cors_origins, websocket_only, trusted_proxies, allowed_hosts, connections_per_address, pdf_renders, expire_empty_after,
          access_log, log_level) -> None:  # fmt: skip
    """Run the web and websocket server."""
    import logging

    from . import serve as server
    from .config import ConfigError
    from .core.errors import FrameworkError
    from .store.database import DatabaseUnusable

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("engineio.server", "socketio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    server.configure_access_log(access_log)
    config = {
        "DATABASE": database,
        "FRAMEWORK_DIRS": list(framework_dirs),
        "PUBLIC_URL": public_url,
        "MESSAGE_QUEUE": message_queue,
        "MESSAGE_QUEUE_CHANNEL": message_queue_channel,
        "CORS_ORIGINS": list(cors_origins) or None,
        "WEBSOCKET_ONLY": websocket_only,
        "TRUSTED_PROXIES": trusted_proxies,
        "ALLOWED_HOSTS": list(allowed_hosts),
        "CONNECTIONS_PER_ADDRESS": connections_per_address,
        "PDF_RENDERS": pdf_renders,
        **rate_limits_from_environment(),
        "EXPIRE_EMPTY_AFTER": expire_empty_after,
    }
    try:
        server.run(config, host, port, async_mode, access_log=access_log)
    except FrameworkError as error:
        raise Stop(f"invalid framework file: {error}", status=2) from None
    except (server.StartError, DatabaseUnusable, ConfigError, OSError) as error:
        raise Stop(f"cannot start the server: {error}") from None


@cli.command("check-frameworks")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
def check_frameworks(paths) -> None:
    """Validate framework files (TOML files or directories; default: the shipped ones) and list them."""
    from .core.errors import FrameworkError
    from .frameworks import BUILTIN_DIRECTORY, load_framework_file

    files: list[Path] = []
    problems = 0
    for raw in paths or [str(BUILTIN_DIRECTORY)]:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            click.echo(f"invalid: {path}: does not exist", err=True)
            problems += 1
    defined: dict[str, Path] = {}
    for path in files:
        try:
            framework = load_framework_file(path)
        except FrameworkError as error:
            click.echo(f"invalid: {error}", err=True)
            problems += 1
            continue
        if framework.id in defined:
            click.echo(f"invalid: {path}: id: {framework.id!r} is already defined in {defined[framework.id]}", err=True)
            problems += 1
            continue
        defined[framework.id] = path
        stages = ", ".join(f"{stage.name} ({len(stage.practices)})" for stage in framework.stages)
        click.echo(f"ok  {framework.id}: {framework.name}; {len(framework.practices)} practices; {stages}")
    if problems:
        sys.exit(1)


# --- the archive: export, list, back up, restore, delete ------------------------------------------


@cli.command()
@click.argument("code")
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(FORMATS))
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="File to write ('-' for standard output; default: a name like "
    "cx-summary-acme-2025-03-14-K5JNA8.md in the current folder).",
)
@click.option(
    "--generated-at",
    metavar="ISO",
    help="Timestamp to print as the generation time (default now; fix it for reproducible files).",
)
@database_option
@known_errors
def export(code, fmt, output, generated_at, database) -> None:
    """Write a session's summary (md, csv, json, html or pdf)."""
    from .core import protocol

    store = open_store(database)
    try:
        exported = service_of(store).reports.export(protocol.normalise_code(code), fmt, generated_at=generated_at)
    finally:
        store.close()
    if output == "-":
        sys.stdout.buffer.write(exported.content)
        sys.stdout.flush()
        return
    target = Path(output or exported.filename)
    target.write_bytes(exported.content)
    click.echo(f"wrote {target} ({len(exported.content):,} bytes)", err=True)


@cli.command()
@click.option("--status", type=click.Choice(["running", "closed"]), help="Only running or only closed sessions.")
@database_option
@known_errors
def sessions(status, database) -> None:
    """List the sessions kept in the database (the archive)."""
    store = open_store(database)
    try:
        rows = store.archive.list(status=status)
    finally:
        store.close()
    if not rows:
        click.echo("no sessions" + (f" {status}" if status else ""))
        return
    click.echo(f"{'code':6}  {'created':10}  {'status':7}  {'people':>6}  {'votes':>5}  {'framework':26}  "
               "organisation / team: title")  # fmt: skip
    for row in rows:
        who = " / ".join(part for part in (row["organization"], row["team"]) if part)
        click.echo(
            f"{row['code']:6}  {(row['created_at'] or '')[:10]:10}  {row['status']:7}  {row['participants']:>6}  "
            f"{row['votes']:>5}  {row['framework_id'][:26]:26}  {who + ': ' if who else ''}{row['title']}"
        )


@cli.command()
@click.argument("file")
@database_option
@known_errors
def backup(file, database) -> None:
    """Write the whole database as one versioned JSON file ('-' for standard output)."""
    from .store.archive import dumps

    store = open_store(database)
    try:
        document = store.archive.backup()
    finally:
        store.close()
    text = dumps(document)
    if file == "-":
        sys.stdout.write(text)
        return
    Path(file).write_text(text, encoding="utf-8")
    counts = ", ".join(f"{count} {table}" for table, count in document["counts"].items())
    click.echo(f"wrote {file}: {counts}", err=True)


@cli.command()
@click.argument("file")
@database_option
@known_errors
def restore(file, database) -> None:
    """Add a backup's sessions and organisations to the database ('-' for standard input)."""
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        document = json.loads(raw)
    except OSError as error:
        raise Stop(f"cannot read {file}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Stop(f"{file} is not JSON: {error}") from None
    store = open_store(database, create=True, writes=True)
    try:
        restored = store.archive.restore(document)
    finally:
        store.close()
    counts = ", ".join(f"{count} {table}" for table, count in restored.counts.items())
    click.echo(f"restored into {database}: {counts}")
    if restored.merged_organizations:
        click.echo(f"sessions added to existing organisations: {', '.join(restored.merged_organizations)}")


@cli.command()
@click.argument("code")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@database_option
@known_errors
def delete(code, yes, database) -> None:
    """Delete a session and its votes and participants for good."""
    from .core import protocol

    code = protocol.normalise_code(code)
    store = open_store(database, writes=True)
    try:
        room = service_of(store).room
        preview = room.delete(code, dry_run=True)
        click.echo(
            f"Session {code} (\u201c{preview.title}\u201d) will be deleted for good with {preview.describe()}. "
            "This cannot be undone (only a backup made before can bring it back)."
        )
        if not yes:
            answer = click.prompt(f"Type the code {code} to delete it", default="", show_default=False)
            if protocol.clean_text(answer).upper() != code:
                raise Stop("nothing deleted")
        deleted = room.delete(code)
    finally:
        store.close()
    click.echo(f"deleted session {code} with {deleted.describe()}")


@cli.command("org")
@click.argument("name", required=False)
@click.option("--review-months", type=int, metavar="N", help="Months between assessments (1-60; default 6).")
@click.option(
    "--new-key",
    is_flag=True,
    help="Create the organisation or give it a new key (printed once; the old key stops working), "
    "and attach its sessions that belong to no organisation.",
)
@database_option
@known_errors
def organization(name, review_months, new_key, database) -> None:
    """List organisations, show one, set its review interval or key."""
    store = open_store(database, create=new_key, writes=new_key or review_months is not None)
    organizations = store.organizations
    try:
        if name is None:
            found = organizations.all()
            if not found:
                click.echo("no organisations")
            for item in found:
                count = len(organizations.codes(item.id))
                click.echo(f"{item.name}: {count} session{'s' if count != 1 else ''}, "
                           f"review every {item.review_months} months, since {item.created_at[:10]}")  # fmt: skip
            return
        if new_key:
            item, key, attached = organizations.issue_key(name)
            click.echo(f"organisation key of {item.name} (shown once; keep it safe): {key}")
            if attached:
                click.echo(f"attached {attached} earlier session{'s' if attached != 1 else ''} named {item.name}")
        item = organizations.get(name)
        if review_months is not None:
            organizations.set_review_months(item.id, review_months)
            item = organizations.get(name)
        codes = organizations.codes(item.id)
        click.echo(f"{item.name}: review every {item.review_months} months; "
                   f"{len(codes)} session{'s' if len(codes) != 1 else ''}: {', '.join(codes) or 'none yet'}")  # fmt: skip
        click.echo(f"page: /org/{item.name} (open it with #key=<organisation key> the first time)")
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (for ``python -m workshop``)."""
    try:
        cli.main(args=argv, prog_name="workshop", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
