"""The dispatcher's map (一张图): the street's cases with their deadline lights, a grid's details
on a click, and nothing of another street's cases.

A case is filed through the API by the small world's inspector of 华阳路街道's north row
(grid A001); the map on the workbench shows what `GET /cases?format=geojson` gives the
dispatcher who opens it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.steps import click_map_at, file_through_api, log_in
from tests.factories.cases import IN_A001

pytestmark = pytest.mark.usefixtures("small_world")

A001 = "310105001001001"
IN_A002 = (121.4012, 31.2018)  # 华阳路街道, north row, east of A001
IN_B001 = (121.4030, 31.2015)  # 江苏路街道


def is_cases_layer(response: Response) -> bool:
    return "/cases?" in response.url and "format=geojson" in response.url


def features_of(response: Response) -> list[dict[str, Any]]:
    assert response.status == 200, response.text()
    features: list[dict[str, Any]] = response.json()["features"]
    return features


def open_workbench(page: Page, username: str) -> list[dict[str, Any]]:
    """Log in to the workbench and wait for its map to draw; the cases the map was given."""
    with page.expect_response(is_cases_layer) as loaded:
        log_in(page, username)
    page.wait_for_function("() => performance.getEntriesByName('gridloop:map-drawn').length > 0")
    return features_of(loaded.value)


def test_the_dispatcher_sees_a_case_filed_in_the_street_with_its_light(page: Page) -> None:
    case_id = file_through_api(page, "ins1", IN_A001)

    features = open_workbench(page, "disp1")

    mine = next(f for f in features if f["id"] == case_id)
    assert mine["properties"]["status"] == "reported"
    legend = page.get_by_role("group", name="图例")
    expect(legend).to_contain_text(re.compile(r"视图内 [1-9]\d* 件"))
    # Just filed, with an hour to register it: on time, 正常 (green), counted in the legend.
    on_time = legend.get_by_role("list", name="时限灯").get_by_role("listitem").first
    expect(on_time).to_have_text(re.compile(r"正常\s*[1-9]"))


def test_clicking_a_grid_shows_its_places_inspector_and_open_cases(page: Page) -> None:
    file_through_api(page, "ins1", IN_A001)
    open_workbench(page, "disp1")

    click_map_at(page, *IN_A002)

    details = page.get_by_role("region", name="网格详情")
    expect(details).to_contain_text("310105001001002")
    expect(details).to_contain_text("华一居委会")
    expect(details).to_contain_text("华阳路第1责任网格")
    expect(details).to_contain_text(re.compile(r"监督员\s*ins1"))


def test_a_dispatcher_of_another_street_sees_none_of_its_cases(page: Page) -> None:
    case_id = file_through_api(page, "ins1", IN_A001)
    file_through_api(page, "ins2", IN_B001)

    features = open_workbench(page, "disp2")

    assert case_id not in [f["id"] for f in features]
    assert {f["properties"]["street_code"] for f in features} == {"310105002"}
    # Its grid is on the map for everyone, its cases are not.
    click_map_at(page, 121.4002, 31.2018)
    details = page.get_by_role("region", name="网格详情")
    expect(details).to_contain_text(A001)
    expect(details).to_contain_text(re.compile(r"未结案件\s*0 件"))
