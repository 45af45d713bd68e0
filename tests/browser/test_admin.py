"""The admin's settings, each with an effect a person can check: a user created who then logs in
and is given another role, an item changed and retired, the offices' jurisdictions and coverage
gaps on the map, rule sets refused rule by rule then saved and compared, and a year of the
working calendar uploaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, text

from tests.browser.live_server import LiveServer
from tests.browser.steps import api_headers, log_in, readme_screenshot, wait_for_map
from tests.factories.cases import seed_items

pytestmark = pytest.mark.usefixtures("small_world")


def at_the_settings(page: Page, tab: str | None = None) -> None:
    log_in(page, "adm")
    expect(page).to_have_url(re.compile(r"/console/admin$"))
    if tab:
        page.get_by_role("tab", name=tab).click()


def choose(scope: Page | Locator, page: Page, label: str, search: str, option: str) -> None:
    """Open a searchable drop-down list by its label, type a part of the option and pick it."""
    field = scope.get_by_role("combobox", name=label)
    field.click(force=True)
    field.fill(search)
    page.get_by_role("option", name=option, exact=True).click()


def test_an_admin_creates_a_liaison_who_logs_in_then_moves_them_to_the_center(page: Page) -> None:
    username = f"lia-{uuid4().hex[:6]}"
    at_the_settings(page)
    form = page.get_by_role("form", name="新建用户")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("姓名").fill("新联络员")
    form.get_by_label("初始密码").fill("a-long-secret-1")
    form.get_by_role("radio", name="联络员").check(force=True)
    choose(form, page, "派出机构", "310105002", "310105002 绿化市容所")
    form.get_by_role("button", name="新建用户").click()

    expect(page.get_by_role("row").filter(has_text=username)).to_contain_text(
        "310105002 绿化市容所"
    )
    newcomer = page.context.new_page()
    log_in(newcomer, username, "a-long-secret-1")
    expect(newcomer).to_have_url(re.compile(r"/console/liaison$"))
    expect(newcomer.locator("header")).to_contain_text("新联络员 · 联络员")

    # Moved to the street center: another role, the scope it needs, and a workbench to match.
    page.get_by_role("button", name=f"修改角色 {username}").click()
    dialog = page.get_by_role("dialog", name=f"修改 {username} 的角色与范围")
    dialog.get_by_role("radio", name="派遣员").check(force=True)
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_contain_text("street_code")
    dialog.get_by_label("街道编码").fill("310105002")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("row").filter(has_text=username)).to_contain_text("派遣员")
    newcomer.reload()
    expect(newcomer).to_have_url(re.compile(r"/console/dispatcher$"))


def test_an_admin_changes_an_items_tier_and_limit_then_retires_it(page: Page) -> None:
    # An item of its own, so the other tests' items keep their limits.
    _, items = seed_items()
    base = next(item for item in items if item.code == "E0102")
    code = "E0199"
    body = base.model_dump(mode="json", exclude={"limits_source", "origin"}, by_alias=True)
    created = page.request.post(
        "/catalog/items",
        data={**body, "code": code, "small_class_code": "99", "name": "测试条目"},
        headers=api_headers(page, "adm"),
    )
    assert created.status == 201, created.text()

    at_the_settings(page, "管理条目")
    page.get_by_label("按编码或名称查找").fill(code)
    row = page.get_by_role("row").filter(has_text="测试条目")
    expect(row).to_have_count(1)
    row.get_by_role("button", name=f"修改 {code}").click()
    dialog = page.get_by_role("dialog", name=f"修改管理条目 {code}")
    dialog.get_by_role("radio", name="C", exact=True).check(force=True)
    dialog.get_by_role("spinbutton", name="处置", exact=True).fill("8")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("8 工作小时")

    row.get_by_role("button", name=f"停用 {code}").click()
    page.get_by_role("dialog").get_by_role("button", name="确定").click()
    expect(row).to_have_count(0)
    item = page.request.get(f"/catalog/items/{code}", headers=api_headers(page, "adm")).json()
    assert (item["tier"], item["limits"]["handle"]["value"]) == ("C", 8)
    assert item["retired_at"] is not None


def test_offices_jurisdictions_and_coverage_gaps_are_on_the_map(page: Page) -> None:
    at_the_settings(page, "派出机构")
    choose(page, page, "职能部门", "chengguan", "长宁区chengguan（1）")
    wait_for_map(page)

    expect(page.get_by_role("row").filter(has_text="华阳路城管中队")).to_contain_text("m²")
    gaps = page.get_by_role("region", name="辖区空白")
    # The squad covers the first street only: the second street's grids are the gap.
    expect(gaps).to_contain_text("未覆盖")
    expect(gaps).to_contain_text("310105002")
    expect(gaps).not_to_contain_text("310105001001")
    expect(page.get_by_role("listbox")).to_be_hidden()
    readme_screenshot(page, "admin")


def rule(rule_id: str, item_code: str, **then: Any) -> dict[str, Any]:
    # Only cases with this attribute match: the other tests' routing stays as it was.
    return {
        "id": rule_id,
        "priority": 100,
        "description": f"测试规则 {rule_id}",
        "when": {"item_codes": [item_code], "attributes": {"admin_test": True}},
        "then": then or {"lead_department": "lvhua"},
    }


def upload(page: Page, document: dict[str, Any]) -> None:
    page.get_by_role("textbox", name="上传新规则集").fill(json.dumps(document, ensure_ascii=False))
    page.get_by_role("button", name="校验并保存").click()


@pytest.fixture
def routing_as_before(server: LiveServer) -> Iterator[None]:
    """The other page tests route without a rule set: the ones saved here are put out of force
    afterwards (versions stay, as they always do)."""
    yield
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE routing_rule_set SET is_active = false"))
    finally:
        engine.dispose()


@pytest.mark.usefixtures("routing_as_before")
def test_a_rule_set_is_refused_rule_by_rule_then_saved_and_compared(page: Page) -> None:
    name = f"测试规则集 {uuid4().hex[:6]}"
    at_the_settings(page, "路由规则")

    good = rule("greening", "E0102")
    upload(page, {"name": name, "rules": [good, rule("nowhere", "E0999", lead_office="no-such")]})
    problems = page.get_by_role("region", name="规则集无效，未保存：")
    expect(problems).to_contain_text("规则 2（nowhere）")
    expect(problems).to_contain_text("rules[1].when.item_codes")
    expect(problems).to_contain_text("rules[1].then.lead_office")
    expect(problems).not_to_contain_text("规则 1（")

    upload(page, {"name": name, "rules": [good]})
    expect(page.get_by_text(re.compile(r"已保存并启用版本 \d+"))).to_be_visible()
    upload(
        page, {"name": name, "rules": [good, rule("squad", "E0104", lead_department="chengguan")]}
    )
    expect(page.get_by_role("cell", name=name)).to_have_count(2)

    diff = page.get_by_role("region", name="版本对比")
    expect(diff).to_contain_text("新增 squad")
    expect(diff).not_to_contain_text("greening")
    active = page.request.get("/routing/rulesets/active", headers=api_headers(page, "adm")).json()
    assert [r["id"] for r in active["rules"]] == ["greening", "squad"]


def test_a_year_of_the_calendar_is_uploaded_after_its_bad_rows_are_shown(page: Page) -> None:
    at_the_settings(page, "工作日历")
    year = page.get_by_role("spinbutton", name="年份")
    year.fill("2099")
    year.press("Enter")
    expect(page.get_by_text("该年尚无日历")).to_be_visible()
    box = page.get_by_role("textbox", name="上传该年日历")

    box.fill("2099-01-01 holiday 元旦\n2099-01-02 rest 元旦\n2099-01-03 sleep 调休")
    page.get_by_role("button", name="校验并上传").click()
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("days[1]")
    expect(refused).to_contain_text("days[2]")
    expect(refused).not_to_contain_text("days[0]")

    box.fill("2099-01-01 holiday 元旦\n2099-01-03 workday 元旦调休")
    page.get_by_role("button", name="校验并上传").click()
    expect(page.get_by_text("管理员上传")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="元旦调休")).to_contain_text("调休上班")
    days = page.request.get("/calendar/days?year=2099", headers=api_headers(page, "adm")).json()
    assert [(d["day"], d["kind"]) for d in days] == [
        ("2099-01-01", "holiday"),
        ("2099-01-03", "workday"),
    ]
