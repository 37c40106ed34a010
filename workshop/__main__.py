"""``python -m workshop`` is the ``workshop`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
