"""The API docs in a real browser with no way out: what an intranet user sees at /docs."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import Screenshot


def test_the_api_docs_list_their_operations_with_every_outside_request_blocked(
    page: Page, screenshot: Screenshot
) -> None:
    page.goto("/docs")

    expect(page).to_have_title("gridloop 接口文档 / API docs")
    description = page.get_by_text("网格化城市管理派遣服务 / Grid-based urban incident dispatch")
    expect(description).to_be_visible()
    login = page.get_by_role("button", name="POST /auth/token Login")
    expect(login).to_be_visible()
    expect(page.get_by_role("button", name="GET /cases/{case_id} Read Case")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()

    login.click()  # the operation opens: Swagger UI's script runs, not just its markup
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    expect(page.get_by_role("heading", name="Request body")).to_be_visible()
    assert screenshot("api-docs").stat().st_size > 0
