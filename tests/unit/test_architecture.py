"""Dependencies point one way: the pure core imports only the standard library and itself; the store,
the service and the exports know nothing of Flask or Socket.IO; only ``serve`` picks an async server."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"
WEB = {"flask", "flask_socketio", "socketio", "engineio", "werkzeug", "simple_websocket", "geventwebsocket"}
ASYNC_SERVERS = {"gevent", "eventlet"}
ROOMS = ("core", "store", "service", "web", "export", "frameworks")


def modules(room: str) -> list[Path]:
    """The Python files of one room of the package; a room without files is a broken test."""
    found = sorted((PACKAGE / room).rglob("*.py")) if room else sorted(PACKAGE.rglob("*.py"))
    assert found, f"no Python files under {PACKAGE / room}: the layout changed and this test no longer checks it"
    return found


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, with relative imports resolved to ``workshop.``..."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add(node.module)
            else:
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
    return found


def test_the_layout_shows_the_architecture():
    for room in ROOMS:
        assert (PACKAGE / room / "__init__.py").is_file(), room
    for module in ("app.py", "cli.py", "serve.py"):
        assert (PACKAGE / module).is_file(), module


def test_the_core_imports_only_the_standard_library_and_itself():
    for path in modules("core"):
        for name in imports(path):
            top = name.split(".")[0]
            if top == "workshop":
                assert name.startswith("workshop.core"), f"{path.name} reaches out of the core: {name}"
            else:
                assert top in sys.stdlib_module_names, f"{path.name} imports {name}, which is not the standard library"


@pytest.mark.parametrize("room", ["store", "service", "export", "frameworks"])
def test_the_store_service_and_exports_know_nothing_of_the_web(room):
    for path in modules(room):
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in WEB | ASYNC_SERVERS, f"{path} imports {name}"
            assert not name.startswith("workshop.web"), f"{path} imports the web adapter ({name})"


def test_adapters_depend_on_the_core_never_the_reverse():
    for path in modules("store") + modules("service") + modules("export"):
        assert not any(name.startswith(("workshop.cli", "workshop.app")) for name in imports(path)), path


def test_the_web_adapter_talks_to_the_service_only():
    for path in modules("web"):
        source = path.read_text(encoding="utf-8")
        assert not any(name.startswith("workshop.store") for name in imports(path)), f"{path} imports the store"
        assert ".store." not in source and ".store)" not in source, f"{path} reaches through the service to its store"


def test_only_the_serve_module_imports_an_async_server():
    for path in modules(""):
        if path.name == "serve.py" and path.parent == PACKAGE:
            continue
        for name in imports(path):
            assert name.split(".")[0] not in ASYNC_SERVERS, f"{path} imports {name}"


def test_nothing_creates_a_socketio_server_at_import_time():
    for path in modules(""):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                called = ast.unparse(node.value.func)
                assert called not in {"SocketIO", "Flask", "open_store"}, f"{path}: {ast.unparse(node)}"


def test_the_configuration_module_imports_only_the_standard_library():
    """The command line reads it before ``serve`` monkey-patches the standard library for gevent."""
    import ast
    import sys
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "workshop" / "config.py"
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
