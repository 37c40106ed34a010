"""Real browsers (Playwright driving Chromium) against the real server in a subprocess.

Chromium is Debian's /usr/bin/chromium when present (CI installs it), else ``WORKSHOP_CHROMIUM``,
else Playwright's own browser. Without any, the tests are skipped with a message saying how to get
one, except in CI (``CI`` set), where a missing browser is a failure.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from ..live import start

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
IN_CI = bool(os.environ.get("CI"))
NO_BROWSER = (
    "no Chromium found: install Debian's chromium (sudo apt install chromium), set WORKSHOP_CHROMIUM "
    "to a Chromium binary, or run .venv/bin/playwright install chromium"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("WORKSHOP_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (python3 tasks.py test installs it)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright):
    path = chromium_path()
    try:
        launched = (
            playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            if path
            else playwright.chromium.launch(args=CHROMIUM_ARGS)
        )
    except Exception as error:  # no bundled browser either
        unavailable(f"{NO_BROWSER} ({str(error).splitlines()[0]})")
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start(tmp_path_factory.mktemp("browser-server"), "gevent")
    yield live
    live.stop()


class Pages:
    """Opens pages in their own browser contexts (own localStorage), records console errors."""

    def __init__(self, browser, playwright):
        self.browser = browser
        self.devices = playwright.devices
        self.contexts = []
        self.errors = []

    def open(self, url: str, *, device: str | None = None, viewport=None, color_scheme="light", **options):
        settings = dict(self.devices[device]) if device else {"viewport": viewport or {"width": 1366, "height": 900}}
        settings.update(options)
        context = self.browser.new_context(color_scheme=color_scheme, **settings)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{url}: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not self.expected(message.text)
                and self.errors.append(f"{url}: {message.text}")
            ),
        )
        page.goto(url)
        return page

    @staticmethod
    def expected(text: str) -> bool:
        """Network errors Chromium logs while a test has taken a phone offline on purpose."""
        return "ERR_INTERNET_DISCONNECTED" in text

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, playwright):
    opened = Pages(browser, playwright)
    yield opened
    opened.close()
    assert not opened.errors, "the pages logged errors:\n" + "\n".join(opened.errors)


def check_accessibility(page, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # served by the app itself, so the pages' Content-Security-Policy stays on during the tests
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in serious
    ]
    assert not serious, f"{name}: accessibility violations:\n" + "\n".join(details)


def screenshot(page, name: str) -> None:
    """Save a screenshot under screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def look():
    """Check accessibility and save a screenshot in one call."""

    def _look(page, name: str):
        check_accessibility(page, name)
        screenshot(page, name)

    return _look


def api(server, method: str, path: str, body=None, token=None):
    status, payload = server.request(method, path, body, token)
    assert status < 400, (status, payload)
    return payload


def dump(value) -> str:
    return json.dumps(value, indent=1)
