"""A database the app cannot use is one clear line and a non-zero exit, for the server and every
command that reads it: a read-only file or folder, a text file, a folder, random bytes, a damaged
table, a backup with a row the database refuses, a PostgreSQL server that does not answer or a
database it does not have. Nothing is written then, and no traceback is shown."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.databases import ON_POSTGRES, with_database
from tests.live import free_port
from workshop.core import assessment as rules
from workshop.core.assessment import Settings
from workshop.frameworks import BUILTIN_DIRECTORY, load_frameworks
from workshop.store import open_store

FRAMEWORK = load_frameworks([BUILTIN_DIRECTORY])["forrester-path"]
NOBODY = 65534


def one_line(text: str) -> str:
    """The message, checked to be one line of the workshop command, without a traceback."""
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("workshop: "), text
    return lines[0]


def serve(database, *, user: int | None = None) -> subprocess.CompletedProcess:
    """``workshop serve`` in its own process: it must stop at once (a server that started would
    run until the timeout, which fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "workshop", "serve", "--async-mode", "threading", "--port", "0", "--db", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
        user=user,
        cwd=Path(__file__).resolve().parents[2],
    )


def make_database(path: Path, votes: int = 40) -> None:
    store = open_store(path)
    try:
        created = store.sessions.create(FRAMEWORK, "Kept", None, None, Settings())
        code = created.assessment.code
        practice = FRAMEWORK.practices[0].id
        store.sessions.apply(code, rules.open_practice(store.sessions.load(code), practice))
        for _ in range(votes):
            participant, _ = store.sessions.add_participant(code, None, None)
            store.sessions.cast_vote(code, participant, practice, "ad_hoc", "a reason " * 20, None)
    finally:
        store.close()
    Path(f"{path}.lock").unlink(missing_ok=True)


def damage_table(path: Path, table: str) -> None:
    """Overwrite the first page of a table and of its indexes with garbage: the file still opens,
    reading that table fails."""
    connection = sqlite3.connect(path)
    roots = [root for (root,) in connection.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = ?", [table])]
    (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with open(path, "r+b") as handle:
        for root in roots:
            handle.seek((root - 1) * page_size)
            handle.write(b"\x07" * page_size)


@pytest.fixture
def shared_folder():
    """A folder another user can reach (pytest's own is private to its user), removed after."""
    folder = Path(tempfile.mkdtemp(prefix="workshop-unusable-"))
    folder.chmod(0o777)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


def reader() -> int | None:
    """Who runs the server in the read-only tests: root writes whatever the permissions say, so
    as root it runs as nobody; otherwise as this user. Skipped when nobody cannot run this Python
    (a checkout inside a private folder, such as one made by ``mktemp -d``)."""
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run([sys.executable, "-c", "import workshop"], user=NOBODY, check=True, capture_output=True,
                       cwd=Path(__file__).resolve().parents[2], timeout=60)  # fmt: skip
    except (PermissionError, subprocess.CalledProcessError) as error:
        pytest.skip(f"user nobody cannot run {sys.executable} from this checkout ({error}); "
                    "as root, a read-only file is only read-only to another user")  # fmt: skip
    return NOBODY


def test_the_server_refuses_a_read_only_database_file(shared_folder):
    database = shared_folder / "workshop.db"
    make_database(database)
    database.chmod(0o444)
    done = serve(database, user=reader())
    assert done.returncode == 1
    assert "read-only" in one_line(done.stderr)


def test_the_server_refuses_a_database_in_a_read_only_folder(shared_folder):
    database = shared_folder / "workshop.db"
    make_database(database)
    database.chmod(0o666)
    shared_folder.chmod(0o555)
    done = serve(database, user=reader())
    assert done.returncode == 1
    assert "its folder" in one_line(done.stderr)


def unusable(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "text file":
        path.write_text("these are my notes, not a database\n")
    elif kind == "folder":
        path.mkdir()
    elif kind == "random bytes":
        path.write_bytes(os.urandom(8192))
    else:  # a damaged table: the file opens, its votes cannot be read
        make_database(path)
        damage_table(path, "votes")
    return path


KINDS = ["text file", "folder", "random bytes", "damaged table"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_server_refuses_an_unusable_database(tmp_path, kind):
    done = serve(unusable(kind, tmp_path))
    assert done.returncode == 1
    one_line(done.stderr)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["sessions", "backup", "export", "restore"])
def test_every_command_refuses_an_unusable_database_in_one_line(tmp_path, cli, kind, command):
    database = unusable(kind, tmp_path)
    backup = tmp_path / "backup.json"
    backup.write_text(json.dumps({"format": "cx-workshop-backup", "version": 1, "migrations": [], "tables": {}}))
    arguments = {
        "sessions": ["sessions"],
        "backup": ["backup", tmp_path / "out.json"],
        "export": ["export", "K5JNA8", "--format", "md", "-o", tmp_path / "out.md"],
        "restore": ["restore", backup],
    }[command]
    if command == "export":  # the code of the damaged database's session, so its votes are read
        arguments[1] = existing_code(database) or "K5JNA8"
    result = cli(*arguments, "--db", database)
    assert result.exit_code == 1, result.output
    one_line(result.stderr)
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "out.md").exists()


def existing_code(database: Path) -> str | None:
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(database)
        row = connection.execute("SELECT code FROM assessments").fetchone()
        connection.close()
        return row[0] if row else None
    except sqlite3.DatabaseError:
        return None


def test_a_backup_with_a_row_the_database_refuses_restores_nothing(tmp_path, cli, new_database):
    source = tmp_path / "source.db"
    make_database(source, votes=3)
    backup = tmp_path / "backup.json"
    assert cli("backup", backup, "--db", source).exit_code == 0
    document = json.loads(backup.read_text())
    document["tables"]["votes"][-1]["level"] = None  # a vote without its level: the schema refuses it
    backup.write_text(json.dumps(document))

    target = new_database("target")
    result = cli("restore", backup, "--db", target)
    assert result.exit_code == 1
    assert "nothing was restored" in one_line(result.stderr)
    store = open_store(target)
    try:  # not a row of it stayed behind, not even the session or its participants
        for table in ("organizations", "assessments", "participants", "rounds", "votes", "decisions"):
            assert store.database.count(table) == 0, table
        assert store.archive.list() == []
    finally:
        store.close()


@pytest.mark.parametrize("command", ["serve", "sessions", "backup"])
def test_a_postgresql_server_that_does_not_answer_is_one_line(tmp_path, cli, command):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/workshop"
    if command == "serve":
        done = serve(url)
        assert done.returncode == 1
        message = one_line(done.stderr)
    else:
        arguments = ["sessions"] if command == "sessions" else ["backup", tmp_path / "out.json"]
        result = cli(*arguments, "--db", url)
        assert result.exit_code == 1
        message = one_line(result.stderr)
    assert "PostgreSQL" in message and "refused" in message and "running" in message


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (WORKSHOP_TEST_DATABASE)")
def test_a_postgresql_database_the_server_does_not_have_is_one_line(cli):
    url = with_database(os.environ["WORKSHOP_TEST_DATABASE"], "workshop_no_such_database")
    result = cli("sessions", "--db", url)
    assert result.exit_code == 1
    assert 'database "workshop_no_such_database" does not exist' in one_line(result.stderr)
    done = serve(url)
    assert done.returncode == 1 and "createdb" in one_line(done.stderr)
