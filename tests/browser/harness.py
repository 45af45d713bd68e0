"""Browser pieces shared by the page tests: Debian's Chromium under Playwright, a guard that
blocks and reports every request leaving the service's origin, and screenshots.

Playwright's own browser download is not reachable from every machine that runs the tests, so
Playwright drives the system's Chromium (scripts/bootstrap.sh installs it with the CJK fonts).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route, WebSocketRoute

# Saves the page under a name; the path of the PNG.
Screenshot = Callable[[str], Path]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """The system's Chromium; an error saying how to install it when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium is not installed: `make install` (apt-get install chromium)")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class OriginGuard:
    """Lets a context reach `origin` only: anything else is aborted and remembered."""

    origin: str
    blocked: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.route_web_socket(re.compile(".*"), self._web_socket)

    def _route(self, route: Route) -> None:
        request = route.request
        if origin_of(request.url) == self.origin:
            route.continue_()
        else:
            self.blocked.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")

    def _web_socket(self, socket: WebSocketRoute) -> None:
        own = origin_of(socket.url).replace("ws", "http", 1)
        if own == self.origin:
            socket.connect_to_server()
        else:
            self.blocked.append(f"WebSocket {socket.url}")
            socket.close()

    def report(self) -> str:
        return "requests outside the service's origin (blocked):\n  " + "\n  ".join(self.blocked)


def save_screenshot(page: Page, folder: Path, name: str, *, full_page: bool = False) -> Path:
    """The page as `folder/<name>.png` (what the window shows, or all of it), to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=path, full_page=full_page)
    return path
