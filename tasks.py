#!/usr/bin/env python3
"""Set-up in one command, with nothing but Python 3.11+:

    python3 tasks.py run     create .venv if needed, install, start the app (prints the URL)
    python3 tasks.py test    create .venv if needed, install with test tools, run every test (then the
                             suites that touch the store again on PostgreSQL, when one answers)
    python3 tasks.py lint    ruff: lint and check the formatting (CI runs it after the tests)
    python3 tasks.py lock    resolve the newest versions again and rewrite constraints.txt

Extra arguments go to ``workshop serve`` or ``pytest``. Installs are pinned by constraints.txt
(every package at the version the tests passed with), so a machine set up next year runs what was
tested; ``lock`` is the one command that moves the pins. Only the standard library is used here.

The store runs on SQLite or PostgreSQL. ``test`` without arguments runs the whole suite on SQLite,
then the suites that touch the store (``POSTGRES_SUITES``) again on a PostgreSQL server: the one
``WORKSHOP_TEST_DATABASE`` names, or 127.0.0.1:5432 as user postgres. Without a server that answers
the second pass is skipped, with the reason, except in CI (``CI`` set), where that is a failure.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "constraints.txt"
SCRIPTS = "Scripts" if os.name == "nt" else "bin"
BIN = VENV / SCRIPTS
DEFAULT_TEST_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_SUITES = ["tests/integration", "tests/e2e"]


def check_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"This app needs Python 3.11 or newer; this is {sys.version.split()[0]}.")


def python_in_venv(extras: str) -> Path:
    """Create the virtual environment and (re)install the project when its metadata or pins changed."""
    check_python()
    python = BIN / "python"
    if not python.exists():
        print(f"Creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.create(VENV, with_pip=True)
    pins = CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pins + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing dependencies (first run only) ...", flush=True)
        target = f".[{extras}]" if extras else "."
        constraints = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *constraints, "-e", target], check=True, cwd=ROOT)
        stamp.write_text(digest)
    return python


def lock() -> int:
    """Install the project with its test tools in a throwaway environment, newest versions allowed,
    and write what was installed to constraints.txt. Review the diff, run the tests, commit."""
    check_python()
    with tempfile.TemporaryDirectory() as folder:
        environment = Path(folder) / "venv"
        venv.create(environment, with_pip=True)
        python = environment / SCRIPTS / "python"
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", ".[dev]"], check=True, cwd=ROOT)
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude-editable"], check=True, capture_output=True, text=True
        ).stdout
    pins = sorted(
        (line for line in frozen.splitlines() if line and not line.startswith(("#", "cx-workshop"))),
        key=str.casefold,
    )
    header = (
        "# Every package at the version the test suite passed with; tasks.py installs with these pins.\n"
        f"# Made by `python3 tasks.py lock` on Python {sys.version.split()[0]}; run it again to move them.\n"
    )
    CONSTRAINTS.write_text(header + "\n".join(pins) + "\n")
    print(f"wrote {CONSTRAINTS.name}: {len(pins)} packages")
    return 0


def postgres_answers(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3):
            return True
    except OSError:
        return False


def test(python: Path, rest: list[str]) -> int:
    """pytest with ``rest``; with no arguments, the whole suite on SQLite, then the PostgreSQL pass."""
    if rest:
        return subprocess.call([python, "-m", "pytest", *rest])
    server = os.environ.get("WORKSHOP_TEST_DATABASE") or DEFAULT_TEST_SERVER
    on_sqlite = {name: value for name, value in os.environ.items() if name != "WORKSHOP_TEST_DATABASE"}
    status = subprocess.call([python, "-m", "pytest"], env=on_sqlite)
    if status:
        return status
    if not postgres_answers(server):
        reason = f"no PostgreSQL server answers at {urllib.parse.urlsplit(server).netloc}"
        if os.environ.get("CI"):
            print(f"FAILED: the PostgreSQL pass cannot run: {reason}", flush=True)
            return 1
        print(f"Skipping the PostgreSQL pass: {reason} (set WORKSHOP_TEST_DATABASE to use another)", flush=True)
        return 0
    print(f"\nThe suites that touch the store, again on PostgreSQL ({server}):", flush=True)
    environment = {**os.environ, "WORKSHOP_TEST_DATABASE": server}
    return subprocess.call([python, "-m", "pytest", *POSTGRES_SUITES], env=environment)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "lint", "lock"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "lock":
        return lock()
    if command == "run":
        python = python_in_venv("")
        print("(The tests: python3 tasks.py test)", flush=True)
        return subprocess.call([python, "-m", "workshop", "serve", *rest])
    python = python_in_venv("dev")
    if command == "lint":
        ruff = shutil.which("ruff", path=str(BIN)) or str(BIN / "ruff")
        return subprocess.call([ruff, "check", ".", *rest]) or subprocess.call([ruff, "format", "--check", "."])
    return test(python, rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
