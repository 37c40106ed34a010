"""The Flask application factory."""

from pathlib import Path

from flask import Flask

from . import web
from .config import DEFAULTS
from .frameworks import BUILTIN_DIRECTORY, load_frameworks
from .service import RenderLimits, Workshops
from .store import open_store

PACKAGE = Path(__file__).resolve().parent


def site_folder(name: str) -> str:
    """``templates``/``static`` beside the package (a checkout) or inside it (an installed wheel)."""
    for candidate in (PACKAGE.parent / name, PACKAGE / "_site" / name):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"cannot find the {name} folder next to {PACKAGE}")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: load and validate frameworks, open the store, attach the web adapter."""
    app = Flask(
        __name__,
        template_folder=site_folder("templates"),
        static_folder=site_folder("static"),
        static_url_path="/static",
    )
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.json.sort_keys = False

    frameworks = load_frameworks([BUILTIN_DIRECTORY, *map(Path, app.config["FRAMEWORK_DIRS"])])
    store = open_store(app.config["DATABASE"], now=app.config["CLOCK"])
    try:
        store.database.check()  # a read-only or damaged database stops the start, with the reason
    except Exception:
        store.close()
        raise
    config = app.config
    in_child = config["RENDER_IN_CHILD"]
    renders = RenderLimits(
        at_once=config["PDF_RENDERS"],
        waiting=config["PDF_QUEUE"],
        in_child=config["ASYNC_MODE"] != "threading" if in_child is None else in_child,
    )
    service = Workshops(
        store,
        frameworks,
        offload=config["OFFLOAD"],
        renders=renders,
        expire_empty_after=config["EXPIRE_EMPTY_AFTER"],
    )
    web.init_app(app, service)
    return app
