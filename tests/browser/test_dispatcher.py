"""The dispatcher's day at the workbench: the queues and their counts, a case registered and
dispatched from its page, someone else acting first, filters that survive a reload, and another
street's case out of sight.

Cases are filed through the API, as an inspector's phone or the hotline would; the small world is
shared by the whole run, so counts are compared with what the API says at that moment.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.steps import log_in, readme_screenshot, wait_for_map
from tests.factories.cases import IN_A001, IN_A003, IN_B001

pytestmark = pytest.mark.usefixtures("small_world")

# The counts refresh every 15 s; a change may take that long to show.
POLL_MS = 20_000


def api_login(page: Page, username: str) -> dict[str, str]:
    """The Authorization header of a user, logged in through the API."""
    response = page.request.post(
        "/auth/token", form={"username": username, "password": "gridloop-demo"}
    )
    assert response.ok, response.text()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def file_case(
    page: Page,
    description: str,
    *,
    who: str = "ins1",
    at: tuple[float, float] = IN_A001,
    **extra: Any,
) -> int:
    """An inspector files a case through the API (as their phone does); its id."""
    body = {
        "point": {"lon": at[0], "lat": at[1], "crs": "wgs84"},
        "item_code": "E0102",
        "description": description,
        **extra,
    }
    response = page.request.post("/cases", data=body, headers=api_login(page, who))
    assert response.status == 201, response.text()
    case_id: int = response.json()["case_id"]
    return case_id


def act(page: Page, case_id: int, action: str, who: str, body: dict[str, Any] | None = None) -> None:
    """Someone takes an action through the API, with the case's current ETag."""
    headers = api_login(page, who)
    etag = page.request.get(f"/cases/{case_id}", headers=headers).headers["etag"]
    response = page.request.post(
        f"/cases/{case_id}/actions/{action}",
        data=body or {},
        headers={**headers, "If-Match": etag},
    )
    assert response.ok, response.text()


def queue_count(page: Page, who: str, queue: str) -> int:
    response = page.request.get("/cases/queues", headers=api_login(page, who))
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


def take(page: Page, action: str) -> None:
    """Press an action's button, then 确定 in its form."""
    page.get_by_role("button", name=action, exact=True).click()
    dialog = page.get_by_role("dialog", name=action)
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_be_hidden()


def test_the_dispatcher_registers_and_dispatches_a_case_from_the_queue(page: Page) -> None:
    description = unique("人行道上有一堆暴露垃圾")
    case_id = file_case(page, description)
    file_case(page, unique("绿化带内有垃圾"), at=IN_A003, who="ins1south")
    waiting = queue_count(page, "disp1", "to_register")

    log_in(page, "disp1")

    expect(queue_tab(page, "待立案")).to_have_text(shows_count(waiting, "待立案"))
    expect(case_row(page, description)).to_be_visible()
    wait_for_map(page)
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
    file_case(page, another)
    expect(queue_tab(page, "待立案")).to_have_text(
        shows_count(waiting + 1, "待立案"), timeout=POLL_MS
    )
    expect(case_row(page, another)).to_be_visible()
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_someone_else_acting_first_is_said_and_shown(page: Page) -> None:
    description = unique("占道经营")
    case_id = file_case(page, description)
    at_the_workbench(page, "disp1")
    page.goto(f"/console/dispatcher/cases/{case_id}")
    expect(page.get_by_role("button", name="立案", exact=True)).to_be_visible()

    act(page, case_id, "register", "disp1", {"note": "另一位派遣员已立案"})
    take(page, "立案")

    expect(page.get_by_role("alert").filter(has_text="该案件已被他人处理")).to_be_visible()
    expect(page.get_by_text("已立案", exact=True)).to_be_visible()
    expect(page.get_by_text("另一位派遣员已立案")).to_be_visible()
    expect(page.get_by_role("button", name="派遣", exact=True)).to_be_visible()


def test_the_queue_its_filters_and_its_order_survive_a_reload(page: Page) -> None:
    from_video = unique("视频发现乱堆物料")
    on_foot = unique("巡查发现乱堆物料")
    for description, source in ((from_video, "video"), (on_foot, "inspector")):
        act(page, file_case(page, description, source=source), "register", "disp1")
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
    expect(page.get_by_role("columnheader", name="当前时限")).to_have_class(
        re.compile("ascending")
    )
    expect(case_row(page, from_video)).to_be_visible()
    expect(case_row(page, on_foot)).to_have_count(0)


def test_a_dispatcher_of_another_street_never_sees_the_case(page: Page) -> None:
    description = unique("华阳路的暴露垃圾")
    case_id = file_case(page, description)
    file_case(page, unique("江苏路的暴露垃圾"), who="ins2", at=IN_B001)
    at_the_workbench(page, "disp2")

    queue_tab(page, "全部").click()
    expect(page.get_by_role("row").filter(has_text="江苏路的暴露垃圾").first).to_be_visible()
    expect(case_row(page, description)).to_have_count(0)

    page.goto(f"/console/dispatcher/cases/{case_id}")

    expect(page.get_by_text("未找到该案件")).to_be_visible()
    expect(page.get_by_text(description)).to_have_count(0)
