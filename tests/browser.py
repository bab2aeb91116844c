"""Headless Chromium for the tests of symcheck's HTML page, driven by Playwright.

Debian's ``chromium`` package is used (``/usr/bin/chromium``, or ``CHROMIUM``
in the environment), never a browser that Playwright downloads. Where it is
missing the browser tests skip with that reason, except under CI (``CI`` set),
where a missing browser is a failure: ``.ci/run`` installs it.

`open_page` loads a page from a file with every request routed: the page's
own file is served, anything else is recorded and refused, so a test can
assert that the page asked for nothing. Console errors and uncaught
exceptions are recorded too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> Optional[str]:
    """Debian's Chromium, if it is installed."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


def require_chromium() -> str:
    """The browser's path; skip (locally) or fail (in CI) without it."""
    path = chromium_path()
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium): the page's browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it (.ci/run does)")
        pytest.skip(reason)
    return path


def browser_context(*, width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A fresh headless Chromium profile (the body of a fixture: one per test module, since
    Playwright's synchronous API runs one at a time; pages emulate dark mode or print)."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=FLAGS,
            viewport={"width": width, "height": height}, color_scheme="light",
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class OpenPage:
    """A loaded page and what it did: every request it made, console errors, uncaught exceptions."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def current_step(self) -> int:
        return int(self.page.get_attribute("[data-current-step]", "data-current-step"))

    def grads(self) -> dict[str, float]:
        """Every drawn node's data-grad, as numbers."""
        pairs = self.page.eval_on_selector_all(
            "g[data-node]", "gs => gs.map(g => [g.getAttribute('data-node'), g.getAttribute('data-grad')])")
        return {name: float(grad) for name, grad in pairs}

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)


def open_page(context: Any, html: str, folder: Path, name: str = "page.html") -> OpenPage:
    """Write `html` into `folder` and open it, refusing (and recording) every other request."""
    path = folder / name
    path.write_text(html, encoding="utf-8")
    opened = OpenPage(context.new_page(), path.as_uri())

    def route(request_route: Any) -> None:
        url = request_route.request.url
        opened.requests.append(url)
        if url == opened.url:
            request_route.continue_()
        else:
            request_route.abort()

    opened.page.route("**/*", route)
    opened.page.on("console", lambda m: opened.errors.append(f"console {m.type}: {m.text}")
                   if m.type in ("error", "warning") else None)
    opened.page.on("pageerror", lambda e: opened.errors.append(f"uncaught: {e}"))
    opened.page.goto(opened.url, wait_until="load", timeout=60_000)
    opened.page.wait_for_selector("html[data-ready]", timeout=60_000)
    return opened
