"""The console in a real browser: Debian's Chromium driven by Playwright, against the real app
served by uvicorn on a scratch database with the small world (its map and one user per role).

Every page is opened in a context that refuses any request leaving the service's origin, and
each test fails if a page tried one.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import Engine

from gridloop import console
from tests.integration.cases.scratch import ScratchWorld, scratch_world

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PHONE = ViewportSize(width=375, height=740)
DESKTOP = ViewportSize(width=1280, height=800)


@pytest.fixture(scope="session")
def world(engine: Engine) -> Iterator[ScratchWorld]:
    """The small world, committed; `engine` makes sure the database server is up."""
    with scratch_world("browser") as scratch:
        yield scratch


@pytest.fixture(scope="session")
def base_url(world: ScratchWorld) -> Iterator[str]:
    """The app on a free local port, for as long as the session's browser tests run."""
    assert (console.DIST / "index.html").is_file(), "the console is not built: run `make console`"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(world.app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Playwright's own browser download is out of reach; the bootstrap installs Debian's.
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: run scripts/bootstrap.sh"
    browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
    yield browser
    browser.close()


class Pages:
    """Opens pages on the service; remembers every request that tried to leave it."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.outside: list[str] = []
        self.contexts: list[BrowserContext] = []

    def open(self, *, phone: bool = False, locale: str = "zh-CN") -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale=locale,
        )
        context.route("**/*", self._guard)
        self.contexts.append(context)
        return context.new_page()

    def _guard(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.base_url + "/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, base_url: str) -> Iterator[Pages]:
    opened = Pages(browser, base_url)
    yield opened
    opened.close()
    assert opened.outside == [], "a page asked for something outside the service"


def log_in(page: Page, username: str, password: str = "gridloop-demo") -> None:
    """A person types their name and password on the login page and presses 登录."""
    page.goto("/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def wait_for_map(page: Page) -> None:
    """Until the map's canvas has drawn the grid (tiles fetched, decoded and painted)."""
    page.wait_for_function(
        """() => {
            const canvas = document.querySelector('.ol-layer canvas');
            if (!canvas || !canvas.width) return false;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let painted = 0;
            for (let i = 3; i < data.data.length; i += 4) if (data.data[i]) painted++;
            return painted > 1000;
        }""",
        timeout=15_000,
    )


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
