"""The browser harness itself: the origin guard must catch what it is there to catch."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.harness import OriginGuard
from tests.browser.live_server import LiveServer

# A reserved name (RFC 2606): even a request that slipped past the guard could go nowhere.
OUTSIDE = "https://cdn.example.invalid/swagger-ui-bundle.js"


def test_the_guard_blocks_and_reports_requests_outside_the_origin(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(base_url=server.url)
    guard = OriginGuard(server.url)
    guard.attach(context)
    page = context.new_page()

    page.goto("/healthz")
    fetched = page.evaluate(f"fetch('{OUTSIDE}').then(() => 'fetched', () => 'refused')")
    own = page.evaluate("fetch('/healthz').then(response => response.status)")
    context.close()

    assert fetched == "refused"
    assert own == 200
    assert guard.blocked == [f"GET {OUTSIDE}"]
    assert OUTSIDE in guard.report()
