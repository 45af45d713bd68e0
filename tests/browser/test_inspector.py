"""The inspector on a phone: filing a case with a photo where they stand, being told why a point
is refused, seeing duplicate candidates before sending, and verifying a handled case."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.browser.live_server import LiveServer
from tests.browser.steps import (
    camera_photo,
    choose_item,
    log_in,
    readme_screenshot,
    stand_at,
    wait_for_map,
)
from tests.factories.cases import Clock, World, act, file_case, ok, to_handled, upload
from tests.factories.web import login

# Points of the small world (tests/integration/small_map.py) in ins1's responsibility grid
# 31010500101, over 50 m from each other and from IN_A001, where the API files its cases.
WHERE_FILED = (121.4015, 31.2017)  # unit grid 310105001001002
WHERE_DUPLICATED = (121.4016, 31.2012)


@pytest.fixture
def people(small_world: LiveServer) -> Iterator[World]:
    """The small world's inspector, dispatcher, liaison and auditor, acting through the live
    API."""
    with httpx2.Client(base_url=small_world.url, timeout=30) as client:
        world = World(client=client, clock=Clock())
        for who in ("ins1", "disp1", "lia1", "aud"):
            world.headers[who] = login(client, who)
        yield world


def whole_page_screenshot(page: Page, name: str) -> None:
    """The README's picture of the page: the phone's width, tall enough for the whole form."""
    phone = page.viewport_size
    assert phone is not None
    page.set_viewport_size({"width": phone["width"], "height": 1060})
    readme_screenshot(page, name)
    page.set_viewport_size(phone)


def test_an_inspector_files_a_case_with_a_photo_where_they_stand(
    phone_page: Page, people: World
) -> None:
    page = phone_page
    stand_at(page, WHERE_FILED)
    log_in(page, "ins1")
    expect(page).to_have_url(re.compile(r"/console/inspector$"))
    wait_for_map(page)

    page.get_by_role("button", name="使用当前位置").click()
    expect(page.get_by_text("310105001001002")).to_be_visible()
    expect(page.get_by_text("华阳路第1责任网格")).to_be_visible()
    choose_item(page, "不洁", "道路不洁（E0104）")
    page.get_by_label("问题描述").fill("人行道上满是泥浆和落叶")
    page.get_by_label("拍照 / 选择照片").set_input_files(camera_photo())
    expect(page.get_by_role("img", name="照片 1")).to_be_visible()
    whole_page_screenshot(page, "inspector")
    page.get_by_role("button", name="上报", exact=True).click()

    expect(page).to_have_url(re.compile(r"/console/inspector/mine$"))
    card = page.get_by_role("link").filter(has_text="人行道上满是泥浆")
    expect(card).to_contain_text("上报")
    expect(card).to_contain_text("道路不洁")
    case_id = int(re.findall(r"案件 (\d+)", card.inner_text())[0])
    filed = people.client.get(f"/cases/{case_id}", headers=people["ins1"]).json()
    assert filed["unit_grid_code"] == "310105001001002"
    assert filed["input"]["crs"] == "wgs84"
    photos = people.client.get(f"/cases/{case_id}/photos", headers=people["ins1"]).json()
    # Made small in the browser before the upload: 1600 px on the longest side.
    assert [(p["step"], p["width"], p["height"]) for p in photos] == [("before", 1600, 1200)]


# Holds every picked photo the page starts to make small until the test lets them go (the map's
# own pictures pass).
HOLD_PHOTOS = """
const makeBitmap = window.createImageBitmap.bind(window);
const held = new Promise((release) => { window.releasePhotos = release; });
window.createImageBitmap = async (source, ...rest) => {
  if (source instanceof File) await held;
  return makeBitmap(source, ...rest);
};
"""


@pytest.mark.usefixtures("small_world")
def test_report_waits_for_a_photo_still_being_made_small(phone_page: Page) -> None:
    page = phone_page
    page.add_init_script(HOLD_PHOTOS)
    stand_at(page, WHERE_FILED)
    log_in(page, "ins1")
    wait_for_map(page)
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.get_by_text("310105001001002")).to_be_visible()
    # An item no other test files near here, so that no duplicate candidate takes the button's
    # place.
    choose_item(page, "井盖", "上水井盖（C0101）")
    page.get_by_label("问题描述").fill("井盖松动")
    page.get_by_label("拍照 / 选择照片").set_input_files(camera_photo())

    # Sending now would file the case without the photo.
    waiting = page.get_by_role("button", name="正在处理照片…")
    expect(waiting).to_be_disabled()
    page.evaluate("window.releasePhotos()")
    expect(page.get_by_role("img", name="照片 1")).to_be_visible()
    expect(page.get_by_role("button", name="上报", exact=True)).to_be_enabled()


def test_without_a_position_a_point_tapped_outside_the_grids_is_refused_with_the_reason(
    phone_page: Page, people: World
) -> None:
    page = phone_page
    log_in(page, "ins1")
    wait_for_map(page)
    before = people.client.get("/cases", headers=people["disp1"]).json()["items"]
    # No permission to locate the phone: the page says so and points to the map.
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.get_by_role("alert")).to_contain_text("定位权限被拒绝")
    expect(page.get_by_role("alert")).to_contain_text("在地图上点选位置")

    # The map opens on the whole small world: unit grid A003, the south-west one of 华阳路街道
    # (ins1south's grid, not ins1's), lies left of the middle and below it.
    box = page.get_by_role("region", name="图层").bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] * 0.17, box["y"] + box["height"] * 0.7)
    expect(page.get_by_text("310105001001003")).to_be_visible()
    expect(page.get_by_text("华阳路第2责任网格")).to_be_visible()
    choose_item(page, "暴露", "暴露垃圾（E0102）")
    page.get_by_label("问题描述").fill("这一点不在我的网格里")

    expect(page.get_by_role("alert")).to_contain_text("该位置不在您的责任网格内，不能在此上报")
    expect(page.get_by_role("button", name="上报", exact=True)).to_be_disabled()
    after = people.client.get("/cases", headers=people["disp1"]).json()["items"]
    assert after == before


def test_duplicate_candidates_are_shown_before_sending_and_the_inspector_can_stop(
    phone_page: Page, people: World
) -> None:
    earlier = file_case(people, "ins1", WHERE_DUPLICATED, description="垃圾桶旁散落垃圾")
    photo = camera_photo(size=(320, 240))
    uploaded = upload(people, earlier["case_id"], "before", "ins1", ("a.jpg", photo["buffer"]))
    assert uploaded.status_code == 201, uploaded.text
    page = phone_page
    # About 20 m east of the earlier case.
    stand_at(page, (WHERE_DUPLICATED[0] + 0.0002, WHERE_DUPLICATED[1]))
    log_in(page, "ins1")

    page.get_by_role("button", name="使用当前位置").click()
    choose_item(page, "暴露", "暴露垃圾（E0102）")
    page.get_by_label("问题描述").fill("路边有一堆垃圾")

    nearby = page.get_by_role("region", name="附近已有相同问题的案件")
    expect(nearby).to_contain_text(f"案件 {earlier['case_id']}")
    expect(nearby).to_contain_text("垃圾桶旁散落垃圾")
    expect(nearby).to_contain_text("距此 19 米")
    expect(nearby.get_by_role("img", name=f"案件 {earlier['case_id']}")).to_be_visible()
    expect(nearby.get_by_role("button", name="不是同一问题，继续上报")).to_be_visible()
    expect(page.get_by_role("button", name="上报", exact=True)).to_have_count(0)

    nearby.get_by_role("button", name="放弃").click()

    expect(page.get_by_text("已放弃上报")).to_be_visible()
    expect(page.get_by_label("问题描述")).to_have_value("")
    mine = people.client.get("/cases", headers=people["ins1"]).json()["items"]
    assert [case["description"] for case in mine].count("路边有一堆垃圾") == 0


def test_the_inspector_verifies_a_handled_case_with_a_photo(
    phone_page: Page, people: World
) -> None:
    case_id = to_handled(people)
    page = phone_page
    log_in(page, "ins1")

    page.get_by_role("link", name="待核查").click()
    page.get_by_role("link").filter(has_text=f"案件 {case_id}").click()
    expect(page.get_by_role("region", name="处置照片").get_by_role("img")).to_have_count(1)
    page.get_by_label("拍照 / 选择照片").set_input_files(camera_photo("check.jpg"))
    page.get_by_role("radio", name="通过", exact=True).check()
    page.get_by_label("核查意见").fill("垃圾已清运，路面干净")
    page.get_by_role("button", name="提交核查").click()

    expect(page.get_by_text("本轮核查结果：通过")).to_be_visible()
    expect(page.get_by_role("button", name="提交核查")).to_have_count(0)
    verified = people.client.get(f"/cases/{case_id}", headers=people["disp1"]).json()
    assert verified["verification"] == "passed"
    assert "close" in verified["allowed_actions"]
    photos = people.client.get(f"/cases/{case_id}/photos", headers=people["ins1"]).json()
    assert [p["step"] for p in photos] == ["after", "verification"]
    page.get_by_role("link", name="待核查").click()
    expect(page.get_by_role("link").filter(has_text=f"案件 {case_id}")).to_have_count(0)


def test_a_case_verified_meanwhile_elsewhere_is_reloaded_with_the_reason(
    phone_page: Page, people: World
) -> None:
    case_id = to_handled(people)
    page = phone_page
    log_in(page, "ins1")
    expect(page).to_have_url(re.compile(r"/console/inspector$"))
    page.goto(f"/console/inspector/cases/{case_id}")
    expect(page.get_by_role("button", name="提交核查")).to_be_visible()
    # The same inspector, from another phone, verifies first.
    photo = camera_photo(size=(320, 240))["buffer"]
    assert upload(people, case_id, "verification", "ins1", ("v.jpg", photo)).status_code == 201
    ok(act(people, case_id, "verify", "ins1", {"passed": False, "note": "仍有垃圾"}))

    page.get_by_label("拍照 / 选择照片").set_input_files(camera_photo("check.jpg"))
    page.get_by_role("radio", name="通过", exact=True).check()
    page.get_by_role("button", name="提交核查").click()

    expect(page.get_by_text("案件已被他人处理，已刷新为最新状态").first).to_be_visible()
    expect(page.get_by_text("本轮核查结果：不通过")).to_be_visible()
    expect(page.get_by_role("button", name="提交核查")).to_have_count(0)
    assert (
        people.client.get(f"/cases/{case_id}", headers=people["ins1"]).json()["verification"]
        == "failed"
    )
