"""Dependencies point one way: the pure core imports no adapter, framework or server."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"
FORBIDDEN_IN_CORE = {
    "flask", "flask_socketio", "socketio", "engineio", "gevent", "eventlet", "sqlite3", "sqlite_utils",
    "werkzeug", "jinja2", "redis", "weasyprint", "segno",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module)
            elif node.level >= 2 or (node.level == 1 and path.parent.name == "core" and node.module
                                     and not (path.parent / f"{node.module.split('.')[0]}.py").exists()):
                found.add("workshop." + (node.module or ""))
    return found


def test_the_core_imports_only_the_standard_library_and_itself():
    for path in (PACKAGE / "core").glob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
            assert not name.startswith("workshop."), f"{path.name} reaches out of the core: {name}"


def test_only_the_serve_module_imports_an_async_server():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "serve.py":
            continue
        for name in imports(path):
            assert name.split(".")[0] not in {"gevent", "eventlet"}, f"{path} imports {name}"
