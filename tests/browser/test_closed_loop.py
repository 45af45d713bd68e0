"""The six-step loop in the console: an inspector files on the phone, the street center registers
and dispatches, the office's liaison accepts and reports it handled with an after-photo at their
workbench, the inspector verifies and the center closes. A dispatcher of the other street never
sees the case."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import (
    api_headers,
    camera_photo,
    choose_item,
    log_in,
    stand_at,
    take,
    wait_for_map,
)

pytestmark = pytest.mark.usefixtures("small_world")

# In ins1's responsibility grid 31010500101 (unit grid 310105001001001), over 50 m from where the
# inspector's tests file the same item: no duplicate candidates stand in the way.
WHERE_FOUND = (121.4003, 31.2018)


def test_a_case_goes_round_the_whole_loop_in_the_console(page: Page, phone_page: Page) -> None:
    description = f"人行道上洒满油污（{uuid4().hex[:6]}）"

    # 发现 · the inspector files it from the phone, with a photo, where they stand.
    phone = phone_page
    stand_at(phone, WHERE_FOUND)
    log_in(phone, "ins1")
    wait_for_map(phone)
    phone.get_by_role("button", name="使用当前位置").click()
    expect(phone.get_by_text("310105001001001")).to_be_visible()
    choose_item(phone, "不洁", "道路不洁（E0104）")
    phone.get_by_label("问题描述").fill(description)
    phone.get_by_label("拍照 / 选择照片").set_input_files(camera_photo("oil.jpg"))
    phone.get_by_role("button", name="上报", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/console/inspector/mine$"))
    card = phone.get_by_role("link").filter(has_text=description)
    expect(card).to_contain_text("上报")
    case_id = int(re.findall(r"案件 (\d+)", card.inner_text())[0])

    # 立案 · 派遣 · the dispatcher finds it in 待立案, registers it, reads routing's advice and
    # dispatches as advised.
    log_in(page, "disp1")
    page.get_by_role("tab", name=re.compile("^待立案")).click()
    page.get_by_role("row").filter(has_text=description).click()
    expect(page).to_have_url(re.compile(rf"/console/dispatcher/cases/{case_id}$"))
    expect(page.get_by_role("img", name=re.compile("^处置前 "))).to_have_count(1)
    take(page, "立案")
    expect(page.get_by_text("已立案", exact=True)).to_be_visible()
    page.get_by_role("button", name="派遣", exact=True).click()
    dialog = page.get_by_role("dialog", name="派遣")
    advice = dialog.get_by_role("region", name="路由建议")
    expect(advice).to_contain_text("主办")
    advised = advice.inner_text()
    dialog.get_by_role("button", name="确定").click()
    expect(page.get_by_text("已派遣", exact=True)).to_be_visible()
    dispatcher = api_headers(page, "disp1")
    dispatched = page.request.get(f"/cases/{case_id}", headers=dispatcher).json()
    lead = next(office for office in dispatched["offices"] if office["role"] == "lead")
    assert lead["office_code"] in advised

    # 处置 · the office's liaison finds it in 待接单, accepts, photographs the result on the spot
    # and reports it handled (in a tab of its own: each tab logs in for itself).
    liaison = page.context.new_page()
    log_in(liaison, "lia1")
    expect(liaison).to_have_url(re.compile(r"/console/liaison$"))
    liaison.get_by_role("row").filter(has_text=description).click()
    expect(liaison).to_have_url(re.compile(rf"/console/liaison/cases/{case_id}$"))
    take(liaison, "接单")
    liaison.get_by_role("button", name="处置完毕", exact=True).click()
    report = liaison.get_by_role("dialog", name="处置完毕")
    report.get_by_label("处置结果").fill("已冲洗路面，油污清除")
    report.get_by_label("拍照 / 选择照片").set_input_files(camera_photo("washed.jpg"))
    expect(report.get_by_role("img", name="照片 1")).to_be_visible()
    report.get_by_role("button", name="确定").click()
    expect(report).to_be_hidden()
    expect(liaison.get_by_role("img", name=re.compile("^处置后 "))).to_have_count(1)
    liaison.close()

    # 核查 · the inspector checks on the spot and verifies it with a photo.
    phone.get_by_role("link", name="待核查").click()
    phone.get_by_role("link").filter(has_text=f"案件 {case_id}").click()
    phone.get_by_label("拍照 / 选择照片").set_input_files(camera_photo("checked.jpg"))
    phone.get_by_role("radio", name="通过", exact=True).check()
    phone.get_by_label("核查意见").fill("油污已清除，人行道干净")
    phone.get_by_role("button", name="提交核查").click()
    expect(phone.get_by_text("本轮核查结果：通过")).to_be_visible()

    # 结案 · the dispatcher finds it in 待结案, sees before and after, and closes it.
    page.get_by_role("button", name="返回工作台").click()
    page.get_by_role("tab", name=re.compile("^待结案")).click()
    page.get_by_role("row").filter(has_text=description).click()
    expect(page.get_by_role("img", name=re.compile("^处置后 "))).to_have_count(1)
    take(page, "结案")
    expect(page.get_by_text("已结案", exact=True)).to_be_visible()
    expect(page.get_by_text("当前没有您可执行的操作")).to_be_visible()
    closed = page.request.get(f"/cases/{case_id}", headers=dispatcher).json()
    assert closed["status"] == "closed"
    events = page.request.get(f"/cases/{case_id}/events", headers=dispatcher).json()
    assert [event["action"] for event in events] == [
        "file",
        "register",
        "dispatch",
        "accept",
        "report_handled",
        "verify",
        "close",
    ]

    # The other street's dispatcher: not in any list, and the case page says not found.
    other = page.context.new_page()
    log_in(other, "disp2")
    expect(other).to_have_url(re.compile(r"/console/dispatcher$"))
    expect(other.get_by_role("row").filter(has_text=description)).to_have_count(0)
    other.goto(f"/console/dispatcher/cases/{case_id}")
    expect(other.get_by_text("未找到该案件")).to_be_visible()
    elsewhere = api_headers(other, "disp2")
    assert other.request.get(f"/cases/{case_id}", headers=elsewhere).status == 404
