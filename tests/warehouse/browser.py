"""A real headless browser for tests: Debian's chromium-headless-shell driven over the Chrome DevTools Protocol,
so a test sees what a reader's browser does with a page: the console's errors, every request it makes, the DOM
once the page's scripts have run."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.sync.client import connect

BROWSER = "chromium-headless-shell"
INSTALL = f"apt-get install -y --no-install-recommends {BROWSER}"
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


@dataclass
class Rendered:
    url: str
    errors: list[str] = field(default_factory=list)
    """Console errors, uncaught exceptions and failed loads, one line each."""
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for."""
    text: str = ""
    """The page's text as rendered (document.body.innerText)."""
    charts: int = 0
    """Chart places on the page (elements of class ``chart``)."""
    drawn: int = 0
    """Chart places holding the SVG Vega drew."""
    svg_text: str = ""
    """The text inside every drawn chart (axis labels, numbers)."""

    @property
    def remote(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def executable() -> str:
    """The browser's path; a missing browser fails the test, saying how to install it."""
    found = shutil.which(BROWSER) or next((p for p in (f"/usr/bin/{BROWSER}",) if Path(p).exists()), None)
    if found is None:
        pytest.fail(f"{BROWSER} is not installed; the site's browser test needs it: {INSTALL}", pytrace=False)
    return found


class Browser:
    """One browser process; ``render(path)`` opens a page in a fresh tab and waits until its charts are drawn."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="housekey-chromium-", ignore_cleanup_errors=True)
        log = Path(self._profile.name) / "stderr.log"  # a file, not a pipe: an unread pipe would stall the browser
        with log.open("w") as stderr:
            self._process = subprocess.Popen(
                [executable(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
                 f"--user-data-dir={self._profile.name}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
            )  # fmt: skip  # a group of its own: Debian's command is a shell script that does not exec the browser
        endpoint, deadline = None, time.monotonic() + 30
        while endpoint is None and time.monotonic() < deadline and self._process.poll() is None:
            if match := re.search(r"DevTools listening on (ws://\S+)", log.read_text(errors="replace")):
                endpoint = match.group(1)
            time.sleep(0.1)
        if endpoint is None:
            self.close()
            pytest.fail(f"{BROWSER} did not start its DevTools endpoint", pytrace=False)
        self._opened = ExitStack()  # websockets 17 wants its connection entered as a context, closed on leaving
        self._socket = self._opened.enter_context(connect(endpoint, max_size=None, open_timeout=30))
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    def _send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        message_id = next(self._ids)
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _evaluate(self, session: str, expression: str):
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result["result"].get("value")

    def render(self, page: Path, timeout: float = 60) -> Rendered:
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self._send(f"{domain}.enable", session=session)
        self._events.clear()
        url = page.resolve().as_uri()
        self._send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # loaded, and every chart place holds its SVG (vega-embed is async)
            state = self._evaluate(
                session,
                "[location.href, document.readyState, document.querySelectorAll('.chart').length,"
                " document.querySelectorAll('.chart svg.marks').length]",
            )
            if state and state[0] == url and state[1] == "complete" and state[2] == state[3]:
                break
            time.sleep(0.2)
        time.sleep(0.3)  # a last console message after drawing
        rendered = Rendered(url)
        rendered.text = self._evaluate(session, "document.body ? document.body.innerText : ''") or ""
        rendered.charts, rendered.drawn = self._evaluate(
            session,
            "[document.querySelectorAll('.chart').length, document.querySelectorAll('.chart svg.marks').length]",
        )
        rendered.svg_text = self._evaluate(
            session, "Array.from(document.querySelectorAll('.chart svg text')).map(t => t.textContent).join('\\n')"
        )
        self._send("Runtime.evaluate", {"expression": "1"}, session)  # flush the events sent meanwhile
        for event in self._events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert", "warning"):
                rendered.errors.append(f"console.{params['type']}: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]))  # fmt: skip
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                rendered.errors.append(f"exception: {details.get('exception', {}).get('description', details['text'])}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                rendered.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
            elif method == "Network.requestWillBeSent":
                rendered.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                rendered.errors.append(f"load failed: {params.get('errorText')}")
        self._send("Target.closeTarget", {"targetId": target})
        return rendered

    def close(self) -> None:
        if getattr(self, "_opened", None):
            self._opened.close()
        group = self._process.pid
        os.killpg(group, signal.SIGTERM)  # the browser and its helpers, not only the script that started them
        self._process.wait()
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                os.killpg(group, 0)  # raises once every process of the group has gone
                time.sleep(0.1)
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._profile.cleanup()
