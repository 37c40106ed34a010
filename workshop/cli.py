"""The ``workshop`` command (also ``python -m workshop``).

Imports stay inside the subcommands: ``serve`` must monkey-patch the standard library for gevent
or eventlet before Flask and the app are imported.
"""

import argparse
import os
import signal
import sys
from pathlib import Path

DEFAULT_DB = "sessions/workshop.db"


def _env(name: str, default=None):
    return os.environ.get(f"WORKSHOP_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workshop", description="A live workshop app for CX maturity assessments."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web and websocket server")
    serve.add_argument("--host", default=_env("HOST", "0.0.0.0"),
                       help="interface to listen on (default 0.0.0.0: phones on the network can join)")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "5000")), help="port (default 5000)")
    serve.add_argument("--db", default=_env("DB", DEFAULT_DB),
                       help=f"SQLite database file (default {DEFAULT_DB})")
    serve.add_argument("--frameworks", action="append", default=[], metavar="DIR",
                       help="also load every *.toml framework file of DIR (repeatable)")
    serve.add_argument("--async-mode", choices=("gevent", "eventlet", "threading"),
                       default=_env("ASYNC_MODE", "gevent"), help="async server (default gevent)")
    serve.add_argument("--public-url", default=_env("PUBLIC_URL"),
                       help="base URL phones use to join, for QR codes (default: this machine's LAN address)")
    serve.add_argument("--message-queue", default=_env("MESSAGE_QUEUE"), metavar="URL",
                       help="redis://HOST:PORT/DB to share sessions between several server processes")
    serve.add_argument("--message-queue-channel", default=_env("MESSAGE_QUEUE_CHANNEL", "cx-workshop"),
                       metavar="NAME", help="pub/sub channel on the message queue (one per installation)")
    serve.add_argument("--cors-origin", action="append", default=None, metavar="ORIGIN",
                       help="extra origin allowed to open websockets (repeatable)")
    serve.add_argument("--websocket-only", action="store_true",
                       default=_env("WEBSOCKET_ONLY", "") not in ("", "0", "false"),
                       help="refuse the long-polling fallback (for several processes behind round-robin)")
    serve.add_argument("--access-log", action="store_true", help="log every HTTP request")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))

    check = commands.add_parser("check-frameworks", help="validate framework files and list them")
    check.add_argument("paths", nargs="*", metavar="PATH", help="TOML files or directories (default: built-in)")

    def database_option(command):
        command.add_argument("--db", default=_env("DB", DEFAULT_DB),
                             help=f"SQLite database file (default {DEFAULT_DB}, or WORKSHOP_DB)")

    export = commands.add_parser("export", help="write a session's summary (md, csv, json, html or pdf)")
    export.add_argument("code", help="the session's code")
    export.add_argument("--format", "-f", required=True, choices=("md", "csv", "json", "html", "pdf"))
    export.add_argument("--output", "-o", metavar="FILE",
                        help="file to write ('-' for standard output; default: a name like "
                             "cx-summary-acme-2025-03-14-K5JNA8.md in the current folder)")
    export.add_argument("--generated-at", metavar="ISO", help="timestamp to print as the generation time "
                        "(default now; fix it for reproducible files)")
    database_option(export)

    sessions = commands.add_parser("sessions", help="list the sessions kept in the database (the archive)")
    sessions.add_argument("--status", choices=("running", "closed"), help="only running or only closed sessions")
    database_option(sessions)

    backup = commands.add_parser("backup", help="write the whole database as one versioned JSON file")
    backup.add_argument("file", help="backup file to write ('-' for standard output)")
    database_option(backup)

    restore = commands.add_parser("restore", help="add a backup's sessions and organisations to the database")
    restore.add_argument("file", help="backup file to read ('-' for standard input)")
    database_option(restore)

    delete = commands.add_parser("delete", help="delete a session and its votes and participants for good")
    delete.add_argument("code", help="the session's code")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    database_option(delete)

    organization = commands.add_parser("org", help="list organisations, show one, set its review interval or key")
    organization.add_argument("name", nargs="?", help="the organisation (default: list them all)")
    organization.add_argument("--review-months", type=int, metavar="N",
                              help="months between assessments (1-60; default 6)")
    organization.add_argument("--new-key", action="store_true",
                              help="create the organisation or give it a new key (printed once; the old key "
                                   "stops working), and attach its sessions that belong to no organisation")
    database_option(organization)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.command != "serve" and hasattr(signal, "SIGPIPE"):
        # `workshop sessions | head` ends quietly, like other command-line tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    handler = {
        "serve": cmd_serve,
        "check-frameworks": cmd_check_frameworks,
        "export": cmd_export,
        "sessions": cmd_sessions,
        "backup": cmd_backup,
        "restore": cmd_restore,
        "delete": cmd_delete,
        "org": cmd_org,
    }[options.command]
    return handler(options) or 0


def cmd_serve(options) -> int:
    import logging

    from . import serve
    from .core.errors import FrameworkError

    logging.basicConfig(level=options.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("engineio.server", "socketio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    config = {
        "DATABASE": options.db,
        "FRAMEWORK_DIRS": options.frameworks,
        "PUBLIC_URL": options.public_url,
        "MESSAGE_QUEUE": options.message_queue,
        "MESSAGE_QUEUE_CHANNEL": options.message_queue_channel,
        "CORS_ORIGINS": options.cors_origin,
        "WEBSOCKET_ONLY": options.websocket_only,
    }
    try:
        serve.run(config, options.host, options.port, options.async_mode, access_log=options.access_log)
    except FrameworkError as error:
        print(f"workshop: invalid framework file: {error}", file=sys.stderr)
        return 2
    except serve.StartError as error:
        print(f"workshop: cannot start the server: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"workshop: cannot start the server: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_check_frameworks(options) -> int:
    """Validate every framework file named (or every file of a directory) and report them all."""
    from .core.errors import FrameworkError
    from .core.frameworks import BUILTIN_DIRECTORY, load_framework_file

    files: list[Path] = []
    problems = 0
    for raw in options.paths or [str(BUILTIN_DIRECTORY)]:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            print(f"invalid: {path}: does not exist", file=sys.stderr)
            problems += 1
    defined: dict[str, Path] = {}
    for path in files:
        try:
            framework = load_framework_file(path)
        except FrameworkError as error:
            print(f"invalid: {error}", file=sys.stderr)
            problems += 1
            continue
        if framework.id in defined:
            print(f"invalid: {path}: id: {framework.id!r} is already defined in {defined[framework.id]}",
                  file=sys.stderr)
            problems += 1
            continue
        defined[framework.id] = path
        stages = ", ".join(f"{stage.name} ({len(stage.practices)})" for stage in framework.stages)
        print(f"ok  {framework.id}: {framework.name}; {len(framework.practices)} practices; {stages}")
    return 1 if problems else 0


# --- the archive: export, list, back up, restore, delete ------------------------------------------


class _Stop(Exception):
    """End a command with a message on standard error and an exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def _open_store(path: str, *, create: bool = False):
    from .store import Store

    if not create and path != ":memory:" and not Path(path).is_file():
        raise _Stop(f"no database at {path} (give --db or set WORKSHOP_DB)")
    return Store(path)


def _archive_command(function):
    """Run an archive command: known errors become one line on standard error."""

    def run(options) -> int:
        from .core.errors import WorkshopError

        try:
            return function(options) or 0
        except _Stop as stop:
            print(f"workshop: {stop}", file=sys.stderr)
            return stop.status
        except WorkshopError as error:
            print(f"workshop: {error.message}", file=sys.stderr)
            return 1

    run.__name__ = function.__name__
    return run


def _service(store):
    from .service import Workshops

    return Workshops(store, {})  # exports read each session's own copy of its framework


@_archive_command
def cmd_export(options) -> int:
    from .core import protocol

    store = _open_store(options.db)
    try:
        code = protocol.normalise_code(options.code)
        exported = _service(store).export(code, options.format, generated_at=options.generated_at)
    finally:
        store.close()
    if options.output == "-":
        sys.stdout.buffer.write(exported.content)
        sys.stdout.flush()
        return 0
    target = Path(options.output or exported.filename)
    target.write_bytes(exported.content)
    print(f"wrote {target} ({len(exported.content):,} bytes)", file=sys.stderr)
    return 0


@_archive_command
def cmd_sessions(options) -> int:
    store = _open_store(options.db)
    try:
        rows = store.sessions(status=options.status)
    finally:
        store.close()
    if not rows:
        print("no sessions" + (f" {options.status}" if options.status else ""))
        return 0
    print(f"{'code':6}  {'created':10}  {'status':7}  {'people':>6}  {'votes':>5}  {'framework':26}  organisation / team: title")
    for row in rows:
        who = " / ".join(part for part in (row["organization"], row["team"]) if part)
        print(
            f"{row['code']:6}  {(row['created_at'] or '')[:10]:10}  {row['status']:7}  {row['participants']:>6}  "
            f"{row['votes']:>5}  {row['framework_id'][:26]:26}  {who + ': ' if who else ''}{row['title']}"
        )
    return 0


@_archive_command
def cmd_backup(options) -> int:
    from . import archive

    store = _open_store(options.db)
    try:
        document = archive.backup(store)
    finally:
        store.close()
    text = archive.dumps(document)
    if options.file == "-":
        sys.stdout.write(text)
    else:
        Path(options.file).write_text(text, encoding="utf-8")
        counts = ", ".join(f"{count} {table}" for table, count in document["counts"].items())
        print(f"wrote {options.file}: {counts}", file=sys.stderr)
    return 0


@_archive_command
def cmd_restore(options) -> int:
    import json

    from . import archive

    try:
        raw = sys.stdin.read() if options.file == "-" else Path(options.file).read_text(encoding="utf-8")
        document = json.loads(raw)
    except OSError as error:
        raise _Stop(f"cannot read {options.file}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise _Stop(f"{options.file} is not JSON: {error}") from None
    store = _open_store(options.db, create=True)
    try:
        restored = archive.restore(store, document)
    finally:
        store.close()
    counts = ", ".join(f"{count} {table}" for table, count in restored.counts.items())
    print(f"restored into {options.db}: {counts}")
    if restored.merged_organizations:
        print(f"sessions added to existing organisations: {', '.join(restored.merged_organizations)}")
    return 0


@_archive_command
def cmd_delete(options) -> int:
    from .core import protocol

    code = protocol.normalise_code(options.code)
    store = _open_store(options.db)
    try:
        service = _service(store)
        preview = service.delete(code, dry_run=True)
        print(
            f"Session {code} (\u201c{preview.title}\u201d) will be deleted for good with {preview.describe()}. "
            "This cannot be undone (only a backup made before can bring it back)."
        )
        if not options.yes:
            try:
                answer = input(f"Type the code {code} to delete it: ")
            except EOFError:
                answer = ""
            if protocol.clean_text(answer).upper() != code:
                raise _Stop("nothing deleted", status=1)
        deleted = service.delete(code)
    finally:
        store.close()
    print(f"deleted session {code} with {deleted.describe()}")
    return 0


@_archive_command
def cmd_org(options) -> int:
    store = _open_store(options.db, create=options.new_key)
    try:
        if options.name is None:
            organizations = store.organizations()
            if not organizations:
                print("no organisations")
            for organization in organizations:
                count = len(store.organization_codes(organization.id))
                print(f"{organization.name}: {count} session{'s' if count != 1 else ''}, "
                      f"review every {organization.review_months} months, since {organization.created_at[:10]}")
            return 0
        if options.new_key:
            organization, key, attached = store.issue_organization_key(options.name)
            print(f"organisation key of {organization.name} (shown once; keep it safe): {key}")
            if attached:
                print(f"attached {attached} earlier session{'s' if attached != 1 else ''} named {organization.name}")
        organization = store.organization(options.name)
        if options.review_months is not None:
            store.set_review_months(organization.id, options.review_months)
            organization = store.organization(options.name)
        codes = store.organization_codes(organization.id)
        print(f"{organization.name}: review every {organization.review_months} months; "
              f"{len(codes)} session{'s' if len(codes) != 1 else ''}: {', '.join(codes) or 'none yet'}")
        print(f"page: /org/{organization.name} (open it with #key=<organisation key> the first time)")
    finally:
        store.close()
    return 0
