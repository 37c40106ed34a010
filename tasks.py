#!/usr/bin/env python3
"""Set-up in one command, with nothing but Python 3.11+:

    python3 tasks.py run     create .venv if needed, install, start the app (prints the URL)
    python3 tasks.py test    create .venv if needed, install with test tools, run every test

Extra arguments go to ``workshop serve`` or ``pytest``. Only the standard library is used here.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def python_in_venv(extras: str) -> Path:
    """Create the virtual environment and (re)install the project when its metadata changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"This app needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = BIN / "python"
    if not python.exists():
        print(f"Creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing dependencies (first run only) ...", flush=True)
        target = f".[{extras}]" if extras else "."
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "run":
        python = python_in_venv("")
        return subprocess.call([python, "-m", "workshop", "serve", *rest])
    python = python_in_venv("dev")
    return subprocess.call([python, "-m", "pytest", *rest])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
