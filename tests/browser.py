"""A real headless Chromium for the tests of what people read: it opens a page, prints it to PDF,
measures its layout as printed on A4, and says which fonts drew its text — over the DevTools
protocol on a pipe (`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4), so no
WebSocket client is needed.

Tests that need it take the `browser` fixture (tests/conftest.py), which skips, saying why, where
Debian's `chromium` is not installed (`make test` installs it through tools/system-deps.sh).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

# A4 at CSS's 96 px to the inch, less the 12 mm margins of the layout's @page.
A4_WIDTH_MM, A4_HEIGHT_MM, MARGIN_MM = 210, 297, 12
PX_PER_MM = 96 / 25.4
A4_CONTENT_PX = round((A4_WIDTH_MM - 2 * MARGIN_MM) * PX_PER_MM)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--remote-debugging-pipe"]


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, profile: Path) -> None:
        exe = executable()
        assert exe is not None
        to_chrome, self._in = os.pipe()
        self._out, from_chrome = os.pipe()

        def fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 writes answers
            a = fcntl.fcntl(to_chrome, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}",
                                         "about:blank"], preexec_fn=fds, pass_fds=(3, 4),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._in)
        os.close(self._out)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._out, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium exited")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 60) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._in, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_for(self, event: str, session: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for n, e in enumerate(self._events):
                if e.get("method") == event and e.get("sessionId") == session:
                    return self._events.pop(n)
            self._events.append(self._read(deadline))

    def open(self, path: Path) -> "Page":
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        page = Page(self, session, target)
        for domain in ("Page", "DOM", "CSS", "Runtime"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired", session)
        return page


class Page:
    def __init__(self, browser: Browser, session: str, target: str) -> None:
        self.browser, self.session, self.target = browser, session, target

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, self.session)

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target})

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def text(self) -> str:
        """What the page shows, as the browser laid it out."""
        return str(self.js("document.body.innerText"))

    def as_printed_on_a4(self) -> None:
        """Lay the page out as it prints: print media, an A4 sheet's width inside its margins."""
        self.call("Emulation.setEmulatedMedia", {"media": "print"})
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": A4_CONTENT_PX, "height": round((A4_HEIGHT_MM - 2 * MARGIN_MM) * PX_PER_MM),
            "deviceScaleFactor": 1, "mobile": False})

    def overflowing(self) -> list[str]:
        """Elements whose box runs past the page's right edge (none, on a page that fits)."""
        return list(self.js("""(() => {
            const width = document.documentElement.clientWidth, out = [];
            if (document.documentElement.scrollWidth > width) out.push('document: ' +
                document.documentElement.scrollWidth + ' > ' + width);
            for (const e of document.body.querySelectorAll('*')) {
                const r = e.getBoundingClientRect();
                if (r.width && r.right > width + 0.5)
                    out.push(e.tagName + ' ' + (e.textContent || '').slice(0, 40) + ': ' + r.right);
            }
            return out; })()"""))

    def fonts(self, selector: str) -> dict[str, int]:
        """The fonts the browser really drew `selector`'s text with: family -> glyphs."""
        root = self.call("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element matches {selector}"
        # The answer covers an element's own text nodes: ask it and each element inside it.
        elements = [node, *self.call("DOM.querySelectorAll", {"nodeId": node,
                                                              "selector": "*"})["nodeIds"]]
        fonts: dict[str, int] = {}
        for element in elements:
            for f in self.call("CSS.getPlatformFontsForNode", {"nodeId": element})["fonts"]:
                fonts[f["familyName"]] = fonts.get(f["familyName"], 0) + f["glyphCount"]
        return fonts

    def pdf(self) -> bytes:
        """The page printed as the browser prints it: A4 from the page's own @page rule."""
        result = self.call("Page.printToPDF", {"preferCSSPageSize": True,
                                               "printBackground": True})
        return base64.b64decode(result["data"])
