"""Phone browsers besides Chromium for the browser tests: WebKit (Safari's engine) and Firefox.

Both are Debian packages and both run offline; neither needs Playwright's own browser builds.

**WebKit** is WebKitGTK, the Linux port of the engine inside Safari. Debian's ``webkit2gtk-driver``
ships ``/usr/bin/WebKitWebDriver``, a W3C WebDriver server, which starts WebKitGTK's MiniBrowser
(``/usr/lib/<arch>/webkit2gtk-4.1/MiniBrowser``, from ``libwebkit2gtk-4.1-0``) with
``--automation``; Selenium's ``webdriver.WebKitGTK`` talks to it. MiniBrowser has no headless
mode, so it opens its window on a private X server: :class:`VirtualDisplay` starts Xvfb (Debian's
``xvfb``) with ``-displayfd``, which picks a free display number, and only the driver gets that
``DISPLAY``. MiniBrowser's toolbar cannot be narrower than 447 px; ``--full-screen`` hides it
(without a window manager the window keeps its size), so the window, and the page, can then be
resized to exactly 390 x 844. WebDriver classic has no console log, so the page's errors are
recorded by a small listener installed after each load.

**Firefox** is Debian's ``firefox-esr``, started with ``--headless --remote-debugging-port=0``:
it speaks WebDriver BiDi itself, so no geckodriver is needed. :class:`BiDi` is a small client over
the ``websockets`` package: ``session.new``, ``browsingContext.setViewport`` for the phone's size,
``browsingContext.navigate`` and ``reload``, ``script.callFunction`` to read the page, and
``input.performActions`` for real pointer clicks and key presses. Console errors and uncaught
exceptions arrive as ``log.entryAdded`` events.

Both browsers sit behind :class:`PhoneBrowser`, which selects elements by CSS selector (the tests
use ``data-*`` attributes only) and waits for what a person would see. :class:`Proxy` is the
phone's network: a TCP proxy between the browser and the server that can be cut and restored, so
"going offline" is the same on every engine (a closed connection, then refused ones).
"""

import base64
import contextlib
import glob
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Collection
from pathlib import Path

PHONE_SIZE = (390, 844)  # an iPhone 13/14's screen in CSS pixels, portrait
ENGINES = ("webkit", "firefox")

# Reads one element in the page; the result comes back as a JSON string so both protocols return
# the same plain value.
PROBE = """(selector, attribute) => {
  const element = document.querySelector(selector);
  if (!element) return JSON.stringify(null);
  const visible = typeof element.checkVisibility === "function"
    ? element.checkVisibility() : element.getClientRects().length > 0;
  return JSON.stringify({
    visible,
    enabled: !element.disabled,
    value: attribute ? element.getAttribute(attribute) : null,
  });
}"""

# WebDriver classic has no console log, and MiniBrowser does not pass console messages on to the
# driver: after each page load WebKitPhone installs this recorder of errors and uncaught exceptions
# (an error while the page first runs its scripts is missed, but it also breaks the flow tested).
RECORD_ERRORS = """() => {
  if (!window.__phoneErrors) {
    const errors = (window.__phoneErrors = []);
    window.addEventListener("error", (event) => errors.push(`uncaught: ${event.message}`));
    window.addEventListener("unhandledrejection", (event) =>
      errors.push(`unhandled rejection: ${event.reason && event.reason.message || event.reason}`));
    const original = console.error;
    console.error = function (...parts) {
      errors.push(parts.map(String).join(" "));
      return original.apply(this, parts);
    };
  }
  return JSON.stringify(true);
}"""
READ_ERRORS = """() => JSON.stringify((window.__phoneErrors || []).splice(0))"""

# What the page shows, for failure messages.
DESCRIBE = """() => JSON.stringify({
  url: location.href,
  views: [...document.querySelectorAll("[data-view]")].map((element) => element.dataset.view),
  text: (document.querySelector("main") || document.body || {innerText: ""}).innerText.slice(0, 300),
})"""


def xvfb_path() -> str | None:
    return shutil.which("Xvfb")


def webkit_driver_path() -> str | None:
    return os.environ.get("WORKSHOP_WEBKIT_DRIVER") or shutil.which("WebKitWebDriver")


def minibrowser_path() -> str | None:
    for pattern in (
        "/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
        "/usr/libexec/webkit2gtk-4.1/MiniBrowser",
        "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
        "/usr/libexec/webkit2gtk-4.0/MiniBrowser",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def firefox_path() -> str | None:
    for candidate in (os.environ.get("WORKSHOP_FIREFOX"), shutil.which("firefox-esr"), shutil.which("firefox")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def missing(engine: str) -> str | None:
    """What to install before ``engine`` can run here, or None when nothing is missing."""
    if engine == "webkit":
        needs = []
        try:
            import selenium.webdriver  # noqa: F401
        except ImportError:
            needs.append("the selenium package (python3 tasks.py test installs it)")
        if not webkit_driver_path() or not minibrowser_path():
            needs.append("WebKitWebDriver and MiniBrowser (sudo apt install webkit2gtk-driver)")
        if not xvfb_path():
            needs.append("Xvfb, as MiniBrowser has no headless mode (sudo apt install xvfb)")
        return f"the WebKit phone tests need {'; '.join(needs)}" if needs else None
    if engine == "firefox":
        needs = []
        try:
            import websockets.sync.client  # noqa: F401
        except ImportError:
            needs.append("the websockets package (python3 tasks.py test installs it)")
        if not firefox_path():
            needs.append("Firefox 128 or newer (sudo apt install firefox-esr, or set WORKSHOP_FIREFOX to its binary)")
        return f"the Firefox phone tests need {'; '.join(needs)}" if needs else None
    raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")


class BrowserError(RuntimeError):
    """The browser or its driver refused a command or did not start."""


class PhoneBrowser:
    """One phone: a browser window with its own storage, driven by selectors and waits.

    Subclasses provide the protocol: ``open``, ``reload``, ``call`` (run a JavaScript function in
    the page and return its result), ``press`` (a real click on an element), ``type_into``,
    ``screenshot``, ``close`` and ``errors``.
    """

    engine = "?"
    timeout = 10.0

    # --- the protocol ----------------------------------------------------------------------------
    def open(self, url: str) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def call(self, function: str, *arguments: str | None) -> str:
        raise NotImplementedError

    def press(self, selector: str) -> None:
        raise NotImplementedError

    def type_into(self, selector: str, text: str) -> None:
        raise NotImplementedError

    def screenshot(self, path: Path) -> None:
        raise NotImplementedError

    def errors(self) -> list[str]:
        """Errors the pages logged (console errors, uncaught exceptions) that a test did not expect."""
        return []

    def close(self) -> None:
        raise NotImplementedError

    # --- what the tests use ------------------------------------------------------------------------
    def probe(self, selector: str, attribute: str | None = None) -> dict | None:
        return json.loads(self.call(PROBE, selector, attribute))

    def viewport(self) -> tuple[int, int]:
        return tuple(json.loads(self.call("() => JSON.stringify([window.innerWidth, window.innerHeight])")))

    def describe(self) -> str:
        try:
            return self.call(DESCRIBE)
        except Exception as error:
            return f"(the page cannot be read: {error})"

    def wait_for(self, what: str, check: Callable[[], object], timeout: float | None = None):
        """Poll ``check`` until it returns something truthy; fail saying what was expected and what the page shows."""
        deadline = time.monotonic() + (timeout or self.timeout)
        problem = None
        while True:
            try:
                value = check()
                if value:
                    return value
                problem = None
            except BrowserError as error:  # e.g. the page is between two documents during a reload
                problem = error
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        because = f" (last error: {problem})" if problem else ""
        raise AssertionError(
            f"{self.engine}: {what} not seen within {timeout or self.timeout} s{because}; the page: {self.describe()}"
        )

    def expect_visible(self, selector: str, timeout: float | None = None) -> None:
        self.wait_for(f"{selector} visible", lambda: (self.probe(selector) or {}).get("visible"), timeout)

    def expect_attribute(
        self, selector: str, attribute: str, expected: str | Collection[str], timeout: float | None = None
    ) -> str:
        """Wait until the attribute has the value (or one of the values) expected; return it."""
        allowed = {expected} if isinstance(expected, str) else set(expected)

        def check():
            found = self.probe(selector, attribute)
            return found and found["value"] in allowed and found["value"]

        return self.wait_for(f"{selector} with {attribute} in {sorted(allowed)}", check, timeout)

    def attribute(self, selector: str, attribute: str) -> str | None:
        found = self.probe(selector, attribute)
        return found and found["value"]

    def values(self, selector: str, attribute: str) -> list[str | None]:
        """The attribute of every element the selector matches, in document order."""
        return json.loads(
            self.call(
                "(selector, attribute) => JSON.stringify([...document.querySelectorAll(selector)]"
                ".map((element) => element.getAttribute(attribute)))",
                selector,
                attribute,
            )
        )

    def click(self, selector: str, timeout: float | None = None) -> None:
        """A real click (pointer down and up) on the element, once it is visible and enabled."""

        def ready():
            found = self.probe(selector)
            return found and found["visible"] and found["enabled"]

        self.wait_for(f"{selector} visible and enabled", ready, timeout)
        self.press(selector)

    def fill(self, selector: str, text: str) -> None:
        self.expect_visible(selector)
        self.type_into(selector, text)


# --- WebKit ----------------------------------------------------------------------------------------


class VirtualDisplay:
    """Xvfb on a free display number (``-displayfd``), for browsers without a headless mode."""

    def __init__(self):
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [xvfb_path() or "Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        try:
            number = self._read_number(read)
        finally:
            os.close(read)
        self.display = f":{number}"

    def _read_number(self, read: int) -> str:
        deadline = time.monotonic() + 20
        data = b""
        while not data.endswith(b"\n"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise BrowserError("Xvfb did not start")
            chunk = os.read(read, 16)
            if not chunk:
                self.stop()
                raise BrowserError(f"Xvfb exited with {self.process.wait()}")
            data += chunk
        return data.decode().strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class WebKitPhone(PhoneBrowser):
    """WebKitGTK's MiniBrowser through WebKitWebDriver and Selenium, on a virtual display."""

    engine = "webkit"

    def __init__(self, display: VirtualDisplay, log: Path, size: tuple[int, int] = PHONE_SIZE):
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self._webdriver_error = WebDriverException
        self._earlier_errors: list[str] = []
        options = Options()
        options.binary_location = minibrowser_path()
        options.add_argument("--automation")
        options.add_argument("--full-screen")  # hides the toolbar, which is wider than a phone
        self.log = log
        environment = {**os.environ, "DISPLAY": display.display, "NO_AT_BRIDGE": "1"}
        service = Service(executable_path=webkit_driver_path(), env=environment, log_output=str(log))
        try:
            with warnings.catch_warnings():  # Selenium's own use of a deprecated argument, not ours
                warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
                self.driver = webdriver.WebKitGTK(options=options, service=service)
        except WebDriverException as error:
            log_text = log.read_text(errors="replace") if log.exists() else ""
            raise BrowserError(f"WebKitWebDriver did not start MiniBrowser: {error.msg}\n{log_text}") from error
        self.driver.set_window_rect(x=0, y=0, width=size[0], height=size[1])

    def _run(self, action, *arguments):
        try:
            return action(*arguments)
        except self._webdriver_error as error:
            raise BrowserError(f"{action.__name__}: {error.msg}") from error

    def open(self, url: str) -> None:
        self._keep_errors()
        self._run(self.driver.get, url)
        self.call(RECORD_ERRORS)

    def reload(self) -> None:
        self._keep_errors()
        self._run(self.driver.refresh)
        self.call(RECORD_ERRORS)

    def _keep_errors(self) -> None:
        """Collect what the recorder saw before the document goes away."""
        with contextlib.suppress(BrowserError):
            self._earlier_errors += json.loads(self.call(READ_ERRORS))

    def call(self, function: str, *arguments: str | None) -> str:
        return self._run(self.driver.execute_script, f"return ({function}).apply(null, arguments)", *arguments)

    def _element(self, selector: str):
        from selenium.webdriver.common.by import By

        return self._run(self.driver.find_element, By.CSS_SELECTOR, selector)

    def press(self, selector: str) -> None:
        # WebDriver's element click scrolls the element into view and sends real mouse events; a
        # re-render between finding and clicking makes the element stale: find it again
        for attempt in range(3):
            try:
                self._run(self._element(selector).click)
                return
            except BrowserError as error:
                if "stale" not in str(error).lower() or attempt == 2:
                    raise

    def type_into(self, selector: str, text: str) -> None:
        element = self._element(selector)
        self._run(element.clear)
        self._run(element.send_keys, text)

    def screenshot(self, path: Path) -> None:
        self._run(self.driver.save_screenshot, str(path))

    def errors(self) -> list[str]:
        self._keep_errors()
        return [text for text in self._earlier_errors if not expected_while_offline(text)]

    def close(self) -> None:
        try:
            self.driver.quit()
        except Exception:  # the browser is gone already; quit() also stops the driver
            self.driver.service.stop()


# --- Firefox ---------------------------------------------------------------------------------------

FIREFOX_PREFERENCES = {
    # no first-run pages, updates, telemetry or other requests to the internet during the tests
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "app.update.disabledForTesting": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.normandy.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
}


class BiDi:
    """A WebDriver BiDi connection: one command at a time; events are kept in ``events``."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self._stack = contextlib.ExitStack()
        self.socket = self._stack.enter_context(connect(url, max_size=64 * 1024 * 1024, open_timeout=10))
        self.events: list[dict] = []
        self._last_id = 0

    def command(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        self._last_id += 1
        identifier = self._last_id
        self.socket.send(json.dumps({"id": identifier, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"{method}: no answer within {timeout} s")
            try:
                message = json.loads(self.socket.recv(timeout=remaining))
            except TimeoutError:
                continue
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == identifier:
                if message.get("type") == "error":
                    raise BrowserError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def close(self) -> None:
        self._stack.close()


class FirefoxPhone(PhoneBrowser):
    """Firefox, headless, over WebDriver BiDi: no geckodriver."""

    engine = "firefox"

    def __init__(self, log: Path, size: tuple[int, int] = PHONE_SIZE):
        self.profile = Path(tempfile.mkdtemp(prefix="workshop-firefox-"))
        (self.profile / "user.js").write_text(
            "".join(f'user_pref("{name}", {json.dumps(value)});\n' for name, value in FIREFOX_PREFERENCES.items())
        )
        self.log = log
        environment = {**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_HEADLESS": "1"}
        self.process = subprocess.Popen(
            [
                firefox_path() or "firefox",
                "--headless",
                "--no-remote",
                "--profile",
                str(self.profile),
                "--remote-debugging-port=0",  # a free port, written to the log
                "about:blank",
            ],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            env=environment,
        )
        try:
            self.bidi = BiDi(self._endpoint() + "/session")
            self.bidi.command("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": False}}})
            tree = self.bidi.command("browsingContext.getTree", {"maxDepth": 0})
            self.context = tree["contexts"][0]["context"]
            self.bidi.command(
                "browsingContext.setViewport",
                {"context": self.context, "viewport": {"width": size[0], "height": size[1]}, "devicePixelRatio": 3},
            )
            self.bidi.command("session.subscribe", {"events": ["log.entryAdded"]})
        except Exception:
            self._stop_process()
            raise

    def _endpoint(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", self.log.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise BrowserError(f"Firefox did not open WebDriver BiDi:\n{self.log.read_text(errors='replace')}")

    def open(self, url: str) -> None:
        self.bidi.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def reload(self) -> None:
        self.bidi.command("browsingContext.reload", {"context": self.context, "wait": "complete"})

    def _call(self, function: str, *arguments: str | None) -> dict:
        answer = self.bidi.command(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": [
                    {"type": "null"} if value is None else {"type": "string", "value": value} for value in arguments
                ],
                "target": {"context": self.context},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
        )
        if answer["type"] == "exception":
            raise BrowserError(f"script error: {answer['exceptionDetails'].get('text')}")
        return answer["result"]

    def call(self, function: str, *arguments: str | None) -> str:
        result = self._call(function, *arguments)
        if result.get("type") != "string":
            raise BrowserError(f"expected a string from the page, got {result}")
        return result["value"]

    def _pointer_at(self, selector: str) -> list[dict]:
        node = self._call(
            "(selector) => { const element = document.querySelector(selector);"
            " if (element) element.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'}); return element; }",
            selector,
        )
        if node.get("type") != "node":
            raise BrowserError(f"no element matches {selector}")
        origin = {"type": "element", "element": {"sharedId": node["sharedId"]}}
        return [
            {"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ]

    def _perform(self, *sources: dict) -> None:
        self.bidi.command("input.performActions", {"context": self.context, "actions": list(sources)})
        self.bidi.command("input.releaseActions", {"context": self.context})

    def press(self, selector: str) -> None:
        pointer = {"type": "pointer", "id": "finger", "parameters": {"pointerType": "mouse"}}
        self._perform({**pointer, "actions": self._pointer_at(selector)})

    def type_into(self, selector: str, text: str) -> None:
        self.press(selector)  # focus it as a person would, then clear it and type key by key
        self._call("(selector) => { document.querySelector(selector).select(); }", selector)
        keys = [{"type": "keyDown", "value": "\ue003"}, {"type": "keyUp", "value": "\ue003"}]  # Backspace
        for character in text:
            keys += [{"type": "keyDown", "value": character}, {"type": "keyUp", "value": character}]
        self._perform({"type": "key", "id": "keyboard", "actions": keys})

    def screenshot(self, path: Path) -> None:
        answer = self.bidi.command("browsingContext.captureScreenshot", {"context": self.context})
        path.write_bytes(base64.b64decode(answer["data"]))

    def errors(self) -> list[str]:
        self.bidi.command(
            "script.evaluate", {"expression": "1", "target": {"context": self.context}, "awaitPromise": False}
        )
        found = []
        for event in self.bidi.events:
            if event.get("method") != "log.entryAdded" or event["params"].get("level") != "error":
                continue
            text = event["params"].get("text") or ""
            if not expected_while_offline(text):
                found.append(f"{event['params'].get('type')}: {text}")
        return found

    def close(self) -> None:
        try:
            self.bidi.command("browser.close", timeout=10)
        except Exception:  # the connection may close before the answer; the process is stopped below
            pass
        finally:
            self.bidi.close()
            self._stop_process()

    def _stop_process(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def expected_while_offline(text: str) -> bool:
    """Firefox's notices of a websocket ended by a reload or refused while the network is cut.

    They come from the network layer, not from the page's code, which handles both.
    """
    return bool(
        re.search(r"was interrupted while the page was loading|can.t establish a connection to the server", text)
    )


def launch(engine: str, log: Path, display: VirtualDisplay | None = None) -> PhoneBrowser:
    """A phone-sized window of ``engine`` with fresh storage; ``display`` is needed for WebKit."""
    if engine == "webkit":
        if display is None:
            raise ValueError("WebKit needs a VirtualDisplay")
        return WebKitPhone(display, log)
    if engine == "firefox":
        return FirefoxPhone(log)
    raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")


# --- the phone's network ---------------------------------------------------------------------------


class Proxy:
    """A TCP proxy on a free local port in front of ``target``: the phone's network.

    ``cut()`` resets every open connection and then resets new ones as soon as they are accepted,
    as when a phone loses the venue's Wi-Fi (the browser sees its websocket drop and every attempt
    to reconnect fail); ``restore()`` lets connections through again.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.offline = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()

    @classmethod
    def to(cls, url: str) -> "Proxy":
        host, port = url.removeprefix("http://").split("/")[0].rsplit(":", 1)
        return cls(host, int(port))

    def cut(self) -> None:
        with self._lock:
            self.offline = True
            doomed, self._open = self._open, set()
        for connection in doomed:
            _reset(connection)

    def restore(self) -> None:
        with self._lock:
            self.offline = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (closing alone does not)
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.offline:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                if self.offline:  # cut while this one was being connected
                    _reset(client)
                    _reset(upstream)
                    continue
                self._open.update((client, upstream))
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            # one side finished: the whole connection ends, as on a real network
            with self._lock:
                self._open.discard(source)
                self._open.discard(destination)
            for end in (source, destination):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset (linger 0), so the other side learns at once that the connection is gone."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RD)  # wakes the thread blocked reading it, without a FIN
    except OSError:
        pass
    connection.close()
