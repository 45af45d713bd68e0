"""The office's liaison at their workbench: an order returned with a reason, an extension asked
for, a whistle answered by an assisting office that has no other button, and another office's
liaison who never sees the case.

Cases are filed, registered and dispatched through the API, as the phone and the center do; the
pages show what the liaison does.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.steps import (
    act_through_api,
    api_headers,
    file_through_api,
    log_in,
    readme_screenshot,
    take,
    wait_for_map,
)
from tests.factories.cases import SHANGHAI

pytestmark = pytest.mark.usefixtures("small_world")

# In street 1, away from the points of the other page tests.
IN_A005 = (121.4008, 31.2011)
IN_A006 = (121.4011, 31.2019)


def unique(text: str) -> str:
    return f"{text}（{uuid4().hex[:6]}）"


def dispatched_case(page: Page, description: str, lon_lat: tuple[float, float] = IN_A005) -> int:
    """A case filed by the inspector, registered and dispatched as routing advises (to the
    street's 绿化市容所, lia1's office)."""
    case_id = file_through_api(page, "ins1", lon_lat, description=description)
    act_through_api(page, case_id, "register", "disp1")
    act_through_api(page, case_id, "dispatch", "disp1")
    return case_id


def at_the_workbench(page: Page, username: str) -> None:
    log_in(page, username)
    expect(page).to_have_url(re.compile(r"/console/liaison$"))


def open_from_queue(page: Page, queue: str, description: str, case_id: int) -> None:
    page.get_by_role("tab", name=re.compile(f"^{queue}")).click()
    page.get_by_role("row").filter(has_text=description).click()
    expect(page).to_have_url(re.compile(rf"/console/liaison/cases/{case_id}$"))


def case_read(page: Page, case_id: int, who: str) -> dict[str, Any]:
    response = page.request.get(f"/cases/{case_id}", headers=api_headers(page, who))
    assert response.ok, response.text()
    body: dict[str, Any] = response.json()
    return body


def test_the_liaison_returns_an_order_that_is_not_theirs_with_a_reason(page: Page) -> None:
    description = unique("绿地内有废弃家具")
    case_id = dispatched_case(page, description)
    at_the_workbench(page, "lia1")
    wait_for_map(page)
    readme_screenshot(page, "liaison")

    open_from_queue(page, "待接单", description, case_id)
    page.get_by_role("button", name="退回", exact=True).click()
    dialog = page.get_by_role("dialog", name="退回")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.get_by_text("请填写理由")).to_be_visible()
    dialog.get_by_label("理由").fill("家具在小区内，属物业管理")
    dialog.get_by_role("button", name="确定").click()

    # Back at the center: the office no longer sees it.
    expect(page.get_by_text("未找到该案件")).to_be_visible()
    returned = case_read(page, case_id, "disp1")
    assert returned["status"] == "registered"
    events = page.request.get(f"/cases/{case_id}/events", headers=api_headers(page, "disp1"))
    last = events.json()[-1]
    assert (last["action"], last["payload"]["reason"]) == ("return", "家具在小区内，属物业管理")


def test_the_liaison_accepts_and_asks_for_an_extension_until_a_day_with_a_reason(
    page: Page,
) -> None:
    description = unique("行道树倒伏压住绿篱")
    case_id = dispatched_case(page, description, IN_A006)
    at_the_workbench(page, "lia1")
    open_from_queue(page, "待接单", description, case_id)
    take(page, "接单")

    until = (datetime.now(SHANGHAI) + timedelta(days=10)).replace(hour=17, minute=0, second=0)
    page.get_by_role("button", name="申请延期", exact=True).click()
    dialog = page.get_by_role("dialog", name="申请延期")
    field = dialog.get_by_role("combobox", name="延期至")
    field.fill(until.strftime("%Y-%m-%d %H:%M:%S"))
    field.press("Enter")
    dialog.get_by_label("理由").fill("需等待园林部门吊车")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_be_hidden()

    expect(page.get_by_text(re.compile("延期申请"))).to_be_visible()
    asked = case_read(page, case_id, "lia1")
    assert asked["status"] == "handling"
    assert asked["pending_request"] == "extension"
    assert datetime.fromisoformat(asked["requested_due_at"]) == until.replace(microsecond=0)
    # Waiting for the center: no second request meanwhile.
    expect(page.get_by_role("button", name="申请挂账", exact=True)).to_have_count(0)


def test_an_assisting_office_reports_in_after_a_whistle_and_has_no_other_button(
    page: Page,
) -> None:
    description = unique("绿化带内违章搭建")
    case_id = file_through_api(page, "ins1", IN_A005, description=description)
    act_through_api(page, case_id, "register", "disp1")
    offices = ["310105001-lvhua", "310105001-chengguan"]
    act_through_api(page, case_id, "whistle", "disp1", {"office_codes": offices})

    at_the_workbench(page, "lia1cg")
    expect(page.get_by_role("tab", name=re.compile(r"^待报到\s*[1-9]"))).to_be_visible()
    open_from_queue(page, "待报到", description, case_id)
    whistle = page.get_by_role("region", name="吹哨报到")
    expect(whistle).to_contain_text("报到时限")
    expect(whistle.get_by_text("待报到")).to_have_count(2)
    # The lead office's buttons are not the assisting office's.
    for lead_only in ("接单", "退回", "申请延期", "申请挂账", "处置完毕"):
        expect(page.get_by_role("button", name=lead_only, exact=True)).to_have_count(0)

    take(page, "报到")

    expect(whistle.get_by_text("按时")).to_be_visible()
    expect(page.get_by_text("当前没有您可执行的操作")).to_be_visible()


def test_another_offices_liaison_never_sees_the_case_on_their_phone(phone_page: Page) -> None:
    page = phone_page
    description = unique("花坛被车辆碾压")
    case_id = dispatched_case(page, description)
    drawn: list[int] = []

    def on_response(response: Response) -> None:
        if "format=geojson" in response.url and response.ok:
            drawn.extend(
                feature["properties"]["case_id"] for feature in response.json()["features"]
            )

    page.on("response", on_response)
    with page.expect_response(lambda response: "format=geojson" in response.url):
        at_the_workbench(page, "lia2")
    wait_for_map(page)

    # The phone: the queues, the list and then the map under it, nothing cut off at the side.
    for queue in ("待接单", "处置中", "超期", "待报到"):
        expect(page.get_by_role("tab", name=re.compile(f"^{queue}"))).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("row").filter(has_text=description)).to_have_count(0)
    assert case_id not in drawn
    page.goto(f"/console/liaison/cases/{case_id}")
    expect(page.get_by_text("未找到该案件")).to_be_visible()
    assert page.request.get(f"/cases/{case_id}", headers=api_headers(page, "lia2")).status == 404


def test_an_order_dispatched_meanwhile_shows_at_once_through_the_event_stream(page: Page) -> None:
    at_the_workbench(page, "lia1")  # on 待接单, the first queue
    # Let the stream open before the case is dispatched (it starts with the next event).
    page.wait_for_timeout(1_000)
    description = unique("绿地边堆放建筑垃圾")
    dispatched_case(page, description, IN_A006)
    # Well before the 15 s poll: the stream brought it.
    expect(page.get_by_role("row").filter(has_text=description)).to_be_visible(timeout=5_000)
