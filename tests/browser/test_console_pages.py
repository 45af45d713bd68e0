"""A person's first minutes in the console: logging in, landing on their workbench, the map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import log_in, readme_screenshot, wait_for_map

# Every test here logs in as one of the small world's users.
pytestmark = pytest.mark.usefixtures("small_world")


def test_the_root_leads_to_the_login_page_in_chinese(page: Page) -> None:
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/console/login$"))
    expect(page.get_by_role("heading", name="网格化城市管理")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    readme_screenshot(page, "login")


def test_a_wrong_password_is_refused_with_the_reason(page: Page) -> None:
    log_in(page, "disp1", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/console/login$"))


def test_a_dispatcher_lands_on_the_workbench_with_the_grid_map(page: Page) -> None:
    log_in(page, "disp1")

    expect(page).to_have_url(re.compile(r"/console/dispatcher$"))
    expect(page.locator("header")).to_contain_text("派遣员工作台")
    wait_for_map(page)
    # West of the map's middle and north of it: unit grid 310105001001002 of 华阳路街道. The
    # small map is wider than tall: it fills the map's width, halfway down.
    box = page.locator(".grid-map").bounding_box()
    assert box is not None
    page.mouse.click(
        box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2 - box["width"] * 0.1
    )
    picked = page.locator(".picked")
    expect(picked).to_contain_text("华阳路街道")
    expect(picked).to_contain_text("华阳路第1责任网格")
    expect(picked).to_contain_text("310105001001002")


def test_an_inspector_lands_on_the_phone_page(phone_page: Page) -> None:
    page = phone_page
    log_in(page, "ins1")

    expect(page).to_have_url(re.compile(r"/console/inspector$"))
    expect(page.locator("header")).to_contain_text("监督员")
    wait_for_map(page)
    # One thumb: the header's controls and the map's zoom buttons are big enough to hit.
    for control in (
        page.get_by_role("button", name="退出登录"),
        page.get_by_text("English", exact=True),
        page.get_by_role("button", name="放大"),
    ):
        box = control.bounding_box()
        assert box is not None
        assert box["height"] >= 44, control


def test_a_role_cannot_open_another_roles_workbench(page: Page) -> None:
    log_in(page, "adm")
    expect(page).to_have_url(re.compile(r"/console/admin$"))

    page.goto("/console/dispatcher")

    expect(page).to_have_url(re.compile(r"/console/admin$"))
    expect(page.get_by_role("tab", name="用户")).to_be_visible()


def test_logging_out_revokes_the_token(page: Page) -> None:
    log_in(page, "disp2")
    expect(page).to_have_url(re.compile(r"/console/dispatcher$"))
    token = page.evaluate("() => sessionStorage.getItem('gridloop.token')")

    page.get_by_role("button", name="退出登录").click()

    expect(page).to_have_url(re.compile(r"/console/login$"))
    assert page.evaluate("() => sessionStorage.getItem('gridloop.token')") is None
    me = page.request.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 401


def test_a_page_asked_for_before_login_opens_after_it(page: Page) -> None:
    page.goto("/console/dispatcher")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))

    page.get_by_label("用户名").fill("disp1")
    page.get_by_label("密码").fill("gridloop-demo")
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/console/dispatcher$"))


def test_english_is_one_switch_away_and_stays(page: Page) -> None:
    page.goto("/console/login")

    page.get_by_text("English").click()

    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Username")).to_be_visible()
