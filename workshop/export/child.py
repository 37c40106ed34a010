"""Render a summary in a child process, so a long PDF never competes with the room for the event
loop or the GIL (WeasyPrint is pure Python: a 2,000-reason PDF takes seconds of CPU).

The parent pickles the ``Report`` to the child's stdin and reads the rendered bytes from its
stdout; the child is this module run with ``python -m``. Only the server's own process writes the
pickle, so nothing untrusted is ever unpickled.
"""

import pickle
import subprocess
import sys

from ..core.errors import Internal
from ..core.report import Report

TIMEOUT_SECONDS = 300


def render(report: Report, name: str) -> bytes:
    """``export.render(report, name)``, computed by a child process."""
    try:
        finished = subprocess.run(
            [sys.executable, "-m", __name__, name],
            input=pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Internal(f"rendering the {name} took longer than {TIMEOUT_SECONDS} s") from None
    if finished.returncode != 0:
        last = (finished.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise Internal(f"rendering the {name} failed: {last[:200]}")
    return finished.stdout


def main() -> int:
    from . import render as render_here

    report = pickle.loads(sys.stdin.buffer.read())  # written by our own parent process
    sys.stdout.buffer.write(render_here(report, sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
