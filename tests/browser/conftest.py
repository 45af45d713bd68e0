"""Fixtures of the browser tests: the live server, Chromium, a page (desktop or phone) that fails
its test on any request outside the server's origin, and screenshots (under
.pytest_cache/screenshots/; a failed test leaves one of its page, named in the failure).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from gridloop import console
from gridloop.calendar import seed as calendar_seed
from gridloop.calendar import service as calendar_service
from gridloop.calendar.models import CalendarSource
from gridloop.calendar.repository import DayRow
from tests.browser.harness import (
    CHROMIUM_ARGS,
    OriginGuard,
    Screenshot,
    chromium_path,
    save_screenshot,
)
from tests.browser.live_server import LiveServer, live_server
from tests.factories.cases import SHANGHAI
from tests.integration.cases.scratch import seed_small_world

# The machine is shared and small: a first /openapi.json alone can take seconds.
expect.set_options(timeout=20_000)

# A test may open several pages (a phone and a desktop): each is guarded and shot on failure.
GUARDS = pytest.StashKey[list[OriginGuard]]()
PAGES = pytest.StashKey[list[Page]]()
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=740)


def screenshot_folder(config: pytest.Config) -> Path:
    return config.rootpath / ".pytest_cache" / "screenshots"


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    return screenshot_folder(pytestconfig)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`gridloop serve` on a migrated scratch database, for the whole run."""
    with live_server(tmp_path_factory.mktemp("live-server"), "browser") as running:
        yield running


@pytest.fixture(scope="session")
def demo_data(server: LiveServer) -> LiveServer:
    """The server with the demo district and users (`gridloop seed demo`, once: about 45 s)."""
    seeded = server.gridloop("seed", "demo")
    assert seeded.returncode == 0, seeded.stderr
    return server


@pytest.fixture(scope="session")
def small_world(server: LiveServer) -> LiveServer:
    """The server with the tests' small world (two streets, one user of each role) and a built
    console: quicker than the demo district, and what the console's page tests point at."""
    assert (console.DIST / "index.html").is_file(), "the console is not built: run `make console`"
    engine = create_engine(server.database_url)
    try:
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        seed_small_world(sessions)
        with sessions.begin() as session:
            load_years_ahead(session)
    finally:
        engine.dispose()
    return server


def load_years_ahead(session: Session) -> None:
    """These pages run on the real clock: the years until next year's end that the package's
    official calendar does not know yet, as an admin would upload them (weekends only), so
    deadlines of late December still fall on a known year."""
    now = datetime.now(SHANGHAI)
    known = calendar_seed.package_years()
    ahead = (now.year, now.year + 1)
    missing: dict[int, list[DayRow]] = {year: [] for year in ahead if year not in known}
    calendar_service.load_years(session, years=missing, source=CalendarSource.UPLOAD, now=now)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, server: LiveServer) -> Iterator[Page]:
    """A fresh desktop page on the server (zh-CN, Shanghai time); any request elsewhere fails the
    test."""
    yield from _guarded_page(request, browser, server, phone=False)


@pytest.fixture
def phone_page(
    request: pytest.FixtureRequest, browser: Browser, server: LiveServer
) -> Iterator[Page]:
    """As `page`, on a 375 px wide touch screen."""
    yield from _guarded_page(request, browser, server, phone=True)


def _guarded_page(
    request: pytest.FixtureRequest, browser: Browser, server: LiveServer, *, phone: bool
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        service_workers="block",  # every request goes through the guard
    )
    guard = OriginGuard(server.url)
    guard.attach(context)
    opened = context.new_page()
    request.node.stash.setdefault(GUARDS, []).append(guard)
    request.node.stash.setdefault(PAGES, []).append(opened)
    yield opened
    context.close()


@pytest.fixture
def screenshot(page: Page, screenshot_dir: Path) -> Screenshot:
    """Save the page as `<name>.png`; the path, to look at."""
    return lambda name: save_screenshot(page, screenshot_dir, name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a page test that requested anything outside the origin, even if it passed."""
    guards: list[OriginGuard] = item.stash.get(GUARDS, [])
    pages: list[Page] = item.stash.get(PAGES, [])
    try:
        result = yield
    except BaseException as failure:
        for guard in guards:
            if guard.blocked:
                failure.add_note(guard.report())
        for number, page in enumerate(pages, start=1):
            name = f"{item.name}-failed" if number == 1 else f"{item.name}-failed-{number}"
            try:
                shot = save_screenshot(page, screenshot_folder(item.config), name)
                failure.add_note(f"screenshot of the page: {shot}")
            except Exception as error:  # a closed page: the failure itself matters more
                failure.add_note(f"no screenshot: {error}")
        raise
    for guard in guards:
        if guard.blocked:
            pytest.fail(guard.report(), pytrace=False)
    return result
