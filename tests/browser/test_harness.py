"""The browser harness itself: the origin guard must catch what it is there to catch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


INNER_TEST = f"""
from playwright.sync_api import Page


def test_reaches_outside(page: Page) -> None:
    page.goto("/healthz")
    page.evaluate("fetch('{OUTSIDE}').catch(() => null)")  # the page itself copes
"""


def test_a_page_test_that_requests_anything_outside_the_origin_fails(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    (tmp_path / "conftest.py").write_text("from tests.browser.conftest import *  # noqa: F403\n")
    (tmp_path / "test_outside.py").write_text(INNER_TEST)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(pytestconfig.rootpath)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert f"GET {OUTSIDE}" in result.stdout
