"""The dispatcher's day at the workbench: the queues and their counts, a case registered and
dispatched from its page, someone else acting first, filters that survive a reload, and another
street's case out of sight.

Cases are filed through the API, as an inspector's phone or the hotline would; the small world is
shared by the whole run, so counts are compared with what the API says at that moment.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.steps import (
    act_through_api,
    add_photo,
    api_headers,
    click_map_at,
    file_through_api,
    log_in,
    readme_screenshot,
    take,
    wait_for_map,
)
from tests.factories.cases import IN_A003, IN_B001, SHANGHAI

pytestmark = pytest.mark.usefixtures("small_world")

# Inside the small world's grids, away from the other tests' points.
IN_A002 = (121.4015, 31.2016)  # 华阳路街道, north row
IN_A004 = (121.4015, 31.2004)  # 华阳路街道, south row

# The counts refresh every 15 s; a change may take that long to show.
POLL_MS = 20_000


def queue_count(page: Page, who: str, queue: str) -> int:
    response = page.request.get("/cases/queues", headers=api_headers(page, who))
    assert response.ok, response.text()
    counts = {row["queue"]: row["count"] for row in response.json()["queues"]}
    return int(counts[queue])


def unique(text: str) -> str:
    return f"{text}（{uuid4().hex[:6]}）"


def at_the_workbench(page: Page, username: str) -> None:
    """A dispatcher logs in and lands on the workbench."""
    log_in(page, username)
    expect(page).to_have_url(re.compile(r"/console/dispatcher$"))


def queue_tab(page: Page, name: str) -> Locator:
    return page.get_by_role("tab", name=re.compile(f"^{name}"))


def shows_count(count: int, name: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{name}\s*{count}\s*$")


def case_row(page: Page, description: str) -> Locator:
    return page.get_by_role("row").filter(has_text=description)


def choose(page: Page, label: str, option: str) -> None:
    """Open a drop-down list by its label and pick an option."""
    # Element Plus draws the placeholder over the input; a person clicks through it.
    page.get_by_role("combobox", name=label).click(force=True)
    page.get_by_role("option", name=option).click()


def test_the_dispatcher_registers_and_dispatches_a_case_from_the_queue(page: Page) -> None:
    description = unique("人行道上有一堆暴露垃圾")
    case_id = file_through_api(page, "ins1", description=description)
    # Other work of the street, as the README's picture of the workbench shows it.
    file_through_api(page, "ins1", IN_A002, description=unique("沿街商铺门前堆放纸箱"))
    file_through_api(page, "ins1south", IN_A003, description=unique("绿化带内有垃圾"))
    waiting_to_dispatch = file_through_api(
        page, "ins1south", IN_A004, description=unique("井盖破损")
    )
    act_through_api(page, waiting_to_dispatch, "register", "disp1")
    waiting = queue_count(page, "disp1", "to_register")

    log_in(page, "disp1")

    expect(queue_tab(page, "待立案")).to_have_text(shows_count(waiting, "待立案"))
    expect(queue_tab(page, "待派遣")).not_to_have_text(shows_count(0, "待派遣"))
    expect(case_row(page, description)).to_be_visible()
    wait_for_map(page)
    expect(page.get_by_text(re.compile(r"视图内 \d+ 件"))).to_be_visible()
    readme_screenshot(page, "dispatcher")
    # Nothing below reloads the page: this mark would be gone.
    page.evaluate("() => { window.stillTheSamePage = true }")

    case_row(page, description).click()

    expect(page).to_have_url(re.compile(rf"/console/dispatcher/cases/{case_id}$"))
    expect(page.get_by_role("heading", name=re.compile(f"案件 {case_id}"))).to_be_visible()
    expect(page.get_by_text(description)).to_be_visible()
    take(page, "立案")
    expect(page.get_by_text("已立案", exact=True)).to_be_visible()

    page.get_by_role("button", name="派遣", exact=True).click()
    dialog = page.get_by_role("dialog", name="派遣")
    routing = dialog.get_by_role("region", name="路由建议")
    expect(routing).to_contain_text("310105001 绿化市容所")
    expect(routing).to_contain_text("无规则命中，按事项默认部门")
    expect(routing).to_contain_text("无生效规则集")
    dialog.get_by_role("button", name="确定").click()

    expect(page.get_by_text("已派遣", exact=True)).to_be_visible()
    offices = page.locator(".el-card").filter(has_text="承办单位")
    expect(offices).to_contain_text("310105001 绿化市容所")
    expect(offices).to_contain_text("主办")
    expect(page.get_by_text("当前没有您可执行的操作")).to_be_visible()

    page.get_by_role("button", name="返回工作台").click()

    waiting = queue_count(page, "disp1", "to_register")
    expect(queue_tab(page, "待立案")).to_have_text(shows_count(waiting, "待立案"))
    expect(case_row(page, description)).to_have_count(0)
    another = unique("井盖缺失")
    file_through_api(page, "ins1", description=another)
    expect(queue_tab(page, "待立案")).to_have_text(
        shows_count(waiting + 1, "待立案"), timeout=POLL_MS
    )
    expect(case_row(page, another)).to_be_visible()
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_someone_else_acting_first_is_said_and_shown(page: Page) -> None:
    description = unique("占道经营")
    case_id = file_through_api(page, "ins1", description=description)
    at_the_workbench(page, "disp1")
    page.goto(f"/console/dispatcher/cases/{case_id}")
    expect(page.get_by_role("button", name="立案", exact=True)).to_be_visible()

    act_through_api(page, case_id, "register", "disp1", {"note": "另一位派遣员已立案"})
    take(page, "立案")

    expect(page.get_by_role("alert").filter(has_text="该案件已被他人处理")).to_be_visible()
    expect(page.get_by_text("已立案", exact=True)).to_be_visible()
    expect(page.get_by_text("另一位派遣员已立案")).to_be_visible()
    expect(page.get_by_role("button", name="派遣", exact=True)).to_be_visible()


def test_the_queue_its_filters_and_its_order_survive_a_reload(page: Page) -> None:
    from_video = unique("视频发现乱堆物料")
    on_foot = unique("巡查发现乱堆物料")
    for description, source in ((from_video, "video"), (on_foot, "inspector")):
        act_through_api(
            page,
            file_through_api(page, "ins1", description=description, source=source),
            "register",
            "disp1",
        )
    at_the_workbench(page, "disp1")

    queue_tab(page, "待派遣").click()
    choose(page, "来源", "视频监控")
    # A click on the column's name (not on its arrows) sorts it, soonest first.
    page.get_by_role("columnheader", name="当前时限").click(position={"x": 16, "y": 16})

    expect(page).to_have_url(re.compile(r"queue=to_dispatch"))
    expect(page).to_have_url(re.compile(r"source=video"))
    expect(page).to_have_url(re.compile(r"sort=running_due_at"))
    expect(case_row(page, from_video)).to_be_visible()
    expect(case_row(page, on_foot)).to_have_count(0)
    shared_link = page.url

    page.reload()

    expect(page).to_have_url(shared_link)
    expect(queue_tab(page, "待派遣")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("search")).to_contain_text("视频监控")
    expect(page.get_by_role("columnheader", name="当前时限")).to_have_class(re.compile("ascending"))
    expect(case_row(page, from_video)).to_be_visible()
    expect(case_row(page, on_foot)).to_have_count(0)


def test_a_dispatcher_of_another_street_never_sees_the_case(page: Page) -> None:
    description = unique("华阳路的暴露垃圾")
    case_id = file_through_api(page, "ins1", description=description)
    file_through_api(page, "ins2", IN_B001, description=unique("江苏路的暴露垃圾"))
    at_the_workbench(page, "disp2")

    queue_tab(page, "全部").click()
    expect(page.get_by_role("row").filter(has_text="江苏路的暴露垃圾").first).to_be_visible()
    expect(case_row(page, description)).to_have_count(0)

    page.goto(f"/console/dispatcher/cases/{case_id}")

    expect(page.get_by_text("未找到该案件")).to_be_visible()
    expect(page.get_by_text(description)).to_have_count(0)


def on_case_page(page: Page, case_id: int) -> None:
    at_the_workbench(page, "disp1")
    page.goto(f"/console/dispatcher/cases/{case_id}")
    expect(page.get_by_role("heading", name=re.compile(f"案件 {case_id}"))).to_be_visible()


def test_dispatching_elsewhere_needs_a_reason_and_is_recorded(page: Page) -> None:
    case_id = file_through_api(page, "ins1", description=unique("绿地内堆放杂物"))
    add_photo(page, case_id, "before", "ins1")
    act_through_api(page, case_id, "register", "disp1")
    on_case_page(page, case_id)
    photos = page.locator(".el-card").filter(has_text="现场照片")
    expect(photos.get_by_role("img", name=re.compile(r"^处置前 \d+$"))).to_be_visible()

    page.get_by_role("button", name="派遣", exact=True).click()
    dialog = page.get_by_role("dialog", name="派遣")
    expect(dialog.get_by_role("region", name="路由建议")).to_contain_text("绿化市容所")
    dialog.get_by_text("改派其他单位").click()
    choose(page, "主办单位", "华阳路城管中队")
    dialog.get_by_role("button", name="确定").click()

    expect(dialog.get_by_text("请填写改派理由")).to_be_visible()
    dialog.get_by_label("改派理由").fill("杂物属违法堆放，由城管执法")
    dialog.get_by_role("button", name="确定").click()

    offices = page.locator(".el-card").filter(has_text="承办单位")
    expect(offices).to_contain_text("华阳路城管中队")
    expect(offices).not_to_contain_text("绿化市容所")
    expect(page.get_by_text("杂物属违法堆放，由城管执法")).to_be_visible()


def test_a_repeated_report_is_rejected_naming_its_original(page: Page) -> None:
    description = unique("路灯不亮")
    original = file_through_api(page, "ins1", (121.4016, 31.2013), description=description)
    repeat = file_through_api(page, "ins1", (121.4017, 31.2013), description=unique("路灯坏了"))
    on_case_page(page, repeat)
    duplicates = page.locator(".el-card").filter(has_text="疑似重复案件")
    expect(duplicates.get_by_role("link", name=f"案件 {original}")).to_be_visible()

    page.get_by_role("button", name="不予立案").click()
    dialog = page.get_by_role("dialog", name="不予立案")
    dialog.get_by_label("重复上报").check()
    choose(page, "原案件编号", f"{original} · {description}")
    dialog.get_by_role("button", name="确定").click()

    expect(page.get_by_text("不予立案", exact=True).first).to_be_visible()
    facts = page.locator(".el-card").filter(has_text="案件信息")
    expect(facts.get_by_role("link", name=str(original))).to_be_visible()
    expect(page.get_by_text("当前没有您可执行的操作")).to_be_visible()


def test_an_extension_request_waits_in_its_queue_and_is_approved(page: Page) -> None:
    description = unique("行道树倒伏")
    case_id = file_through_api(page, "ins1", description=description)
    act_through_api(page, case_id, "register", "disp1")
    act_through_api(page, case_id, "dispatch", "disp1")
    act_through_api(page, case_id, "accept", "lia1")
    until = (datetime.now(SHANGHAI) + timedelta(days=14)).replace(hour=17, minute=0, second=0)
    shown = until.strftime("%Y/%m/%d 17:00")
    act_through_api(
        page,
        case_id,
        "request_extension",
        "lia1",
        {"until": until.isoformat(), "reason": "需吊车配合"},
    )
    waiting = queue_count(page, "disp1", "to_approve")
    at_the_workbench(page, "disp1")

    expect(queue_tab(page, "待审批")).to_have_text(shows_count(waiting, "待审批"))
    queue_tab(page, "待审批").click()
    case_row(page, description).click()

    expect(page.get_by_text(f"延期申请待审批：申请将处置时限延至 {shown}")).to_be_visible()
    expect(page.get_by_text("理由：需吊车配合")).to_be_visible()
    take(page, "批准延期")

    expect(page.get_by_text("延期申请待审批")).to_have_count(0)
    deadlines = page.get_by_role("region", name="办理时限")
    expect(deadlines).to_contain_text(f"截止 {shown}")
    expect(page.get_by_role("button", name="批准延期")).to_have_count(0)


def test_a_whistle_summons_at_least_two_offices(page: Page) -> None:
    case_id = file_through_api(page, "ins1", description=unique("占道施工扰民"))
    act_through_api(page, case_id, "register", "disp1")
    on_case_page(page, case_id)

    page.get_by_role("button", name="吹哨").click()
    dialog = page.get_by_role("dialog", name="吹哨")
    choose(page, "吹哨单位", "华阳路城管中队")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.get_by_text("请至少选择两个单位")).to_be_visible()
    choose(page, "吹哨单位", "310105001 绿化市容所")
    dialog.get_by_role("button", name="确定").click()

    offices = page.locator(".el-card").filter(has_text="承办单位")
    expect(offices).to_contain_text("华阳路城管中队")
    expect(offices).to_contain_text("310105001 绿化市容所")
    expect(offices.get_by_text("主办")).to_have_count(1)
    expect(offices.get_by_text("协办")).to_have_count(1)


def test_a_case_on_the_map_opens_its_page(page: Page) -> None:
    # A lone case (its own item, a corner of the street), so the map draws it alone.
    at = (121.4019, 31.2001)
    case_id = file_through_api(page, "ins1south", at, item="C0101", description=unique("井盖缺失"))
    at_the_workbench(page, "disp1")
    page.goto("/console/dispatcher?item_code=C0101")
    page.wait_for_function("() => performance.getEntriesByName('gridloop:map-drawn').length > 0")

    click_map_at(page, *at)

    expect(page).to_have_url(re.compile(rf"/console/dispatcher/cases/{case_id}$"))


def test_a_case_filed_elsewhere_shows_at_once_through_the_event_stream(page: Page) -> None:
    at_the_workbench(page, "disp1")
    waiting = queue_count(page, "disp1", "to_register")
    expect(queue_tab(page, "待立案")).to_have_text(shows_count(waiting, "待立案"))
    page.evaluate("() => { window.stillTheSamePage = true }")
    # Let the stream open before the case is filed (it starts with the next event).
    page.wait_for_timeout(1_000)
    description = unique("路面有油污")
    file_through_api(page, "ins1", description=description)
    # Well before the 15 s poll: the stream brought it.
    expect(queue_tab(page, "待立案")).to_have_text(
        shows_count(waiting + 1, "待立案"), timeout=5_000
    )
    expect(case_row(page, description)).to_be_visible(timeout=5_000)
    assert page.evaluate("() => window.stillTheSamePage") is True
