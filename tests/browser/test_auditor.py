"""The auditor at the workbench: the dashboard shows what `GET /reports/indicators` says, the
indicator map has one area per group with its value and drills down, a case shows no actions,
and the end of the loop: a closed case's follow-up visit recorded with one click, then found
counted in its street's row for this month, the number leading to it.

Cases reach `closed` through the API, as the other workbenches would take them there.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.steps import act_through_api, add_photo, api_headers, file_through_api, log_in
from tests.factories.cases import SHANGHAI

pytestmark = pytest.mark.usefixtures("small_world")

RATES = [
    "closure_rate",
    "on_time_closure_rate",
    "on_time_handling_rate",
    "rework_rate",
    "accurate_dispatch_rate",
    "satisfaction_rate",
]
COUNTS = [
    "reported",
    "registered",
    "should_close",
    "closed",
    "closed_on_time",
    "reworks",
    "evaluated",
]
STREET = "华阳路街道"  # 310105001 of the small map


def percent(value: float | None) -> str:
    """A rate as the dashboard shows it (rounded half up, as JavaScript's toFixed)."""
    if value is None:
        return "—"
    return f"{Decimal(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def this_month() -> str:
    return datetime.now(SHANGHAI).strftime("%Y-%m")


def month_days(month: str) -> dict[str, str]:
    """The first and last day of a month, as the report's `from` and `to`."""
    year, number = (int(part) for part in month.split("-"))
    return {"from": f"{month}-01", "to": f"{month}-{calendar.monthrange(year, number)[1]:02d}"}


def at_the_dashboard(page: Page) -> None:
    log_in(page, "aud")
    expect(page).to_have_url(re.compile(r"/console/auditor$"))


def report(page: Page, **params: str | float | bool) -> dict[str, Any]:
    response = page.request.get(
        "/reports/indicators", params=params, headers=api_headers(page, "aud")
    )
    assert response.ok, response.text()
    answer: dict[str, Any] = response.json()
    return answer


def body_rows(region: Locator) -> Locator:
    """The rows of a table under its header."""
    return region.get_by_role("row").filter(has_not=region.page.get_by_role("columnheader"))


def table_row(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name="指标表").get_by_role("row").filter(has_text=name)


# Where the map paints an area's fill (a legend colour, no border or label within 4 px): the
# middle-most such point, in CSS pixels from the map's corner.
AREA_PIXEL_JS = """
(colours) => {
  const canvas = document.querySelector('[data-features] canvas');
  const scale = canvas.getBoundingClientRect().width / canvas.width;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const wanted = new Set(colours.map((hex) => parseInt(hex.slice(1), 16)));
  const at = (x, y) => {
    const i = (y * canvas.width + x) * 4;
    return pixels[i + 3] === 255 ? (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2] : -1;
  };
  let best = null;
  for (let y = 4; y < canvas.height - 4; y += 3) {
    for (let x = 4; x < canvas.width - 4; x += 3) {
      const colour = at(x, y);
      if (!wanted.has(colour)) continue;
      let even = true;
      for (let dy = -4; dy <= 4 && even; dy += 2)
        for (let dx = -4; dx <= 4 && even; dx += 2) even = at(x + dx, y + dy) === colour;
      const off = Math.hypot(x - canvas.width / 2, y - canvas.height / 2);
      if (even && (!best || off < best.off)) best = { x: x * scale, y: y * scale, off };
    }
  }
  return best;
}
"""
AREA_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#d9dde3"]


def click_inside_an_area(page: Page, the_map: Locator) -> None:
    """Click the map where it paints an area, away from its borders and labels."""
    box = the_map.bounding_box()
    spot = page.evaluate(AREA_PIXEL_JS, AREA_COLOURS)
    assert box is not None
    assert spot is not None, "no area painted on the map"
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])


def closed_case(page: Page, description: str) -> int:
    """A case filed in 华阳路街道 and taken round the loop to `closed` through the API."""
    case_id = file_through_api(page, "ins1", description=description)
    act_through_api(page, case_id, "register", "disp1")
    act_through_api(page, case_id, "dispatch", "disp1")
    act_through_api(page, case_id, "accept", "lia1")
    add_photo(page, case_id, "after", "lia1")
    act_through_api(page, case_id, "report_handled", "lia1", {"result": "已清理完毕"})
    add_photo(page, case_id, "verification", "ins1")
    act_through_api(page, case_id, "verify", "ins1", {"passed": True})
    act_through_api(page, case_id, "close", "disp1")
    return case_id


def test_the_dashboard_shows_the_numbers_of_the_report(page: Page) -> None:
    file_through_api(page, "ins1", description=f"井盖缺失（{uuid4().hex[:6]}）")
    at_the_dashboard(page)
    month = this_month()
    expect(page.get_by_role("region", name="指标表").get_by_role("row")).not_to_have_count(0)
    expect(table_row(page, STREET)).to_have_count(1)

    # The same query the page makes by default: by street, by month, twelve months, compared.
    shown = page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => e.name)"
        ".find((name) => name.includes('/reports/indicators?'))"
    )
    query = dict(part.split("=", 1) for part in shown.split("?", 1)[1].split("&"))
    assert query["group_by"] == "street"
    assert query["period"] == "month"
    assert query["to"].startswith(month)
    assert query["compare"] == "true"
    rows = [row for row in report(page, **query)["rows"] if row["period_start"].startswith(month)]
    assert rows

    for row in rows:
        cells = table_row(page, row["name"]).get_by_role("cell").all_inner_texts()
        assert cells[0].strip() == row["name"]
        assert [cell.strip() for cell in cells[1:8]] == [str(row["counts"][c]) for c in COUNTS]
        assert [cell.split("\n")[0].strip() for cell in cells[8:14]] == [
            percent(row["indicators"][code]) for code in RATES
        ]
        # 同比 and 环比 beside each rate.
        assert all("同比" in cell and "环比" in cell for cell in cells[8:14])

    # The table as the API's CSV and Excel exports of the same query, the trend as a picture.
    for button, extension in (("下载 CSV", "csv"), ("下载 Excel", "xlsx")):
        with page.expect_download() as download:
            page.get_by_role("button", name=button).click()
        assert download.value.suggested_filename == (
            f"indicators-street-{query['from']}-{query['to']}.{extension}"
        )
    with page.expect_download() as picture:
        page.get_by_role("button", name="下载图片").first.click()
    assert picture.value.suggested_filename.endswith(".png")


def test_the_indicator_map_has_an_area_per_group_with_its_value_and_drills_down(
    page: Page,
) -> None:
    file_through_api(page, "ins1", description=f"道路破损（{uuid4().hex[:6]}）")
    at_the_dashboard(page)
    month = this_month()
    page.get_by_role("tab", name="专题图").click()
    streets = report(
        page,
        group_by="street",
        period="month",
        format="geojson",
        **month_days(month),
    )["features"]
    areas = body_rows(page.get_by_role("region", name="指标专题图 街道"))

    the_map = page.get_by_role("region", name=re.compile("^指标专题图 · 结案率 · 街道"))
    expect(the_map).to_have_attribute("data-features", str(len(streets)))
    expect(areas).to_have_count(len(streets))
    for feature in streets:
        values = feature["properties"]
        expect(areas.filter(has_text=values["name"])).to_contain_text(
            percent(values["closure_rate"])
        )
    expect(page.get_by_role("region", name="图例")).to_contain_text("结案率")

    # A click on an area of the map: that street's communities.
    click_inside_an_area(page, the_map)
    community_map = page.get_by_role("region", name=re.compile("^指标专题图 · 结案率 · 社区"))
    expect(community_map).to_be_visible()
    path = page.get_by_role("navigation", name="当前范围")
    [clicked] = [street for street in streets if street["properties"]["name"] in path.inner_text()]
    communities = report(
        page,
        group_by="community",
        period="month",
        street_code=clicked["properties"]["key"],
        format="geojson",
        **month_days(month),
    )["features"]
    rows = body_rows(page.get_by_role("region", name="指标专题图 社区"))
    expect(rows).to_have_count(len(communities))
    expect(community_map).to_have_attribute("data-features", str(len(communities)))


def test_an_auditor_sees_no_action_buttons_on_a_case(page: Page) -> None:
    description = f"广告牌破损（{uuid4().hex[:6]}）"
    case_id = file_through_api(page, "ins1", description=description)
    at_the_dashboard(page)
    page.goto(f"/console/auditor/cases/{case_id}")

    expect(page.get_by_text(description)).to_be_visible()
    expect(page.get_by_text("当前没有您可执行的操作")).to_be_visible()
    for action in ("立案", "不予立案", "派遣", "吹哨", "结案", "评价"):
        expect(page.get_by_role("button", name=action, exact=True)).to_have_count(0)

    # Nor the dispatcher's workbench: it leads back to the auditor's.
    page.goto(f"/console/dispatcher/cases/{case_id}")
    expect(page).to_have_url(re.compile(r"/console/auditor$"))


def test_the_auditor_records_the_follow_up_and_finds_the_case_counted(page: Page) -> None:
    description = f"绿化带垃圾堆积（{uuid4().hex[:6]}）"
    case_id = closed_case(page, description)
    at_the_dashboard(page)

    # 回访 · one click: the reporter was contacted, it is solved, they are satisfied.
    page.get_by_role("tab", name="回访").click()
    visit = page.get_by_role("group", name=f"案件 {case_id}")
    visit.get_by_role("button", name="满意", exact=True).click()
    expect(page.get_by_text(f"案件 {case_id} 的回访已记录：满意")).to_be_visible()
    expect(page.get_by_role("group", name=f"案件 {case_id}")).to_have_count(0)
    evaluated = page.request.get(f"/cases/{case_id}", headers=api_headers(page, "aud")).json()
    assert evaluated["status"] == "evaluated"
    assert evaluated["satisfaction"] == "satisfied"

    # The street's row of this month counts it; its number of follow-ups leads to it.
    page.get_by_role("tab", name="指标").click()
    row = table_row(page, STREET)
    link = row.get_by_role("link", name=re.compile("^有效回访数："))
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/console/auditor/cases\?"))
    listed = (
        page.get_by_role("region", name="统计明细").get_by_role("row").filter(has_text=description)
    )
    expect(listed).to_have_count(1)
    listed.get_by_role("link", name=str(case_id)).click()
    expect(page).to_have_url(re.compile(rf"/console/auditor/cases/{case_id}$"))
    expect(page.get_by_text("已评价", exact=True)).to_be_visible()
