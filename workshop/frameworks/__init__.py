"""The shipped framework files (``*.toml`` here) and the loader for them and for custom ones.

Reading a file is I/O, so it lives here beside the files; the model and its validation
(``framework_from_dict``) are pure and live in ``workshop.core.frameworks``.
"""

import tomllib
from collections.abc import Iterable
from pathlib import Path

from ..core.errors import FrameworkError
from ..core.frameworks import Framework, framework_from_dict

BUILTIN_DIRECTORY = Path(__file__).resolve().parent


def load_framework_file(path: Path) -> Framework:
    """Read and validate one framework file."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise FrameworkError(str(path), "(file)", f"is not valid TOML: {error}") from None
    except OSError as error:
        raise FrameworkError(str(path), "(file)", f"cannot be read: {error.strerror}") from None
    return framework_from_dict(data, str(path))


def load_frameworks(directories: Iterable[Path]) -> dict[str, Framework]:
    """Load every ``*.toml`` file of the directories, in order; ids must be unique across all."""
    frameworks: dict[str, Framework] = {}
    origin: dict[str, Path] = {}
    for directory in directories:
        directory = Path(directory)
        if not directory.is_dir():
            raise FrameworkError(str(directory), "(directory)", "does not exist or is not a directory")
        for path in sorted(directory.glob("*.toml")):
            framework = load_framework_file(path)
            if framework.id in frameworks:
                raise FrameworkError(str(path), "id", f"{framework.id!r} is already defined in {origin[framework.id]}")
            frameworks[framework.id] = framework
            origin[framework.id] = path
    return frameworks
