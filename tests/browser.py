"""A tiny Chrome DevTools Protocol client over ``--remote-debugging-pipe``: opens a page in
headless Chromium (Debian's ``chromium``, which ``make test`` installs), collects its console
errors, uncaught exceptions and failed loads, evaluates JavaScript in it and takes
screenshots at a chosen window width. No websocket, selenium or playwright: the protocol's
JSON messages go through two pipes (fd 3 in, fd 4 out, each message ended by NUL)."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One page in one headless Chromium; use as a context manager."""

    def __init__(self, width: int = 1200, height: int = 900, mobile: bool = False,
                 timeout: float = 60.0):
        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed (make test installs it: apt-get "
                               "install chromium)")
        self.timeout = timeout
        self.errors: list[str] = []
        self.events: list[dict] = []
        self._id = 0
        self._buf = b""
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds():  # the child reads commands on fd 3, writes replies on fd 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--no-first-run", "--disable-extensions",
             "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4),  # kept open after fds() set them
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": mobile}, session=True)

    # protocol ---------------------------------------------------------------------------
    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def _note(self, msg: dict) -> None:
        self.events.append(msg)
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console.error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + p["exceptionDetails"].get("text", ""))
        elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
            self.errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")

    def call(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._note(reply)

    def _wait_event(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self._note(self._read())

    # what a test does -------------------------------------------------------------------
    def open(self, path: str | Path) -> Page:
        """Load a file and wait for its load event (then a moment for late errors)."""
        self.events.clear()
        self.errors.clear()
        self.call("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=True)
        self._wait_event("Page.loadEventFired")
        self.evaluate("1")  # drains the events queued behind the load
        return self

    def evaluate(self, expression: str):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                      session=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression[:60]}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def media(self, kind: str) -> None:
        """Emulate a CSS media type ("print", "screen")."""
        self.call("Emulation.setEmulatedMedia", {"media": kind}, session=True)

    def pdf(self, path: str | Path) -> Path:
        """Print the page to PDF (what a reader's print dialog makes)."""
        data = self.call("Page.printToPDF", {"printBackground": True}, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def screenshot(self, path: str | Path, full_page: bool = True) -> Path:
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            w, h = self.evaluate("[document.documentElement.scrollWidth, "
                                 "document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        finally:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
