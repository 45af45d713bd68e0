"""What a person does in the console, as steps the page tests share."""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.harness import save_screenshot
from tests.factories.cases import IN_A001, image, report
from tests.integration.small_map import FAR_EAST, NORTH, SOUTH, WEST

# The README shows these; the tests that reach each screen save it again.
README_SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def log_in(page: Page, username: str, password: str = "gridloop-demo") -> None:
    """A person types their name and password on the login page and presses 登录."""
    page.goto("/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def wait_for_map(page: Page) -> None:
    """Until the map's canvas has drawn the grid (tiles fetched, decoded and painted)."""
    page.wait_for_function(
        """() => {
            const canvas = document.querySelector('.ol-layer canvas');
            if (!canvas || !canvas.width) return false;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let painted = 0;
            for (let i = 3; i < data.data.length; i += 4) if (data.data[i]) painted++;
            return painted > 1000;
        }""",
        timeout=15_000,
    )


def click_map_at(page: Page, lon: float, lat: float) -> None:
    """Click where a WGS-84 point lies on the map, which opens fitted to the small world."""
    box = page.get_by_role("region", name="图层").bounding_box()
    assert box is not None

    def mercator(lon: float, lat: float) -> tuple[float, float]:
        return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    (west, south), (east, north) = mercator(WEST, SOUTH), mercator(FAR_EAST, NORTH)
    padding = 24
    scale = min(
        (box["width"] - 2 * padding) / (east - west),
        (box["height"] - 2 * padding) / (north - south),
    )
    x, y = mercator(lon, lat)
    centre_x, centre_y = (west + east) / 2, (south + north) / 2
    page.mouse.click(
        box["x"] + box["width"] / 2 + (x - centre_x) * scale,
        box["y"] + box["height"] / 2 - (y - centre_y) * scale,
    )


def readme_screenshot(page: Page, name: str) -> Path:
    """The page as docs/screenshots/<name>.png, the picture the README shows."""
    return save_screenshot(page, README_SCREENSHOTS, name)


def api_headers(page: Page, username: str, password: str = "gridloop-demo") -> dict[str, str]:
    """The Authorization header of a user logged in through the API (another device, say)."""
    response = page.request.post("/auth/token", form={"username": username, "password": password})
    assert response.ok, response.text()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def file_through_api(
    page: Page, username: str, lon_lat: tuple[float, float] = IN_A001, **extra: Any
) -> int:
    """An inspector files a case through the API, as their phone does; its id."""
    filed = page.request.post(
        "/cases", data=report(lon_lat, **extra), headers=api_headers(page, username)
    )
    assert filed.status == 201, filed.text()
    case_id: int = filed.json()["case_id"]
    return case_id


def camera_photo(name: str = "street.jpg", size: tuple[int, int] = (2400, 1800)) -> FilePayload:
    """A photo as large as a phone camera's (in pixels), as the file input receives it: sky,
    pavement and a brown heap on it."""
    width, height = size
    picture = Image.new("RGB", size, (150, 190, 225))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, height * 0.45, width, height), fill=(140, 140, 135))
    draw.ellipse((width * 0.3, height * 0.55, width * 0.75, height * 0.85), fill=(120, 85, 50))
    output = BytesIO()
    picture.save(output, format="JPEG", quality=70)
    return {"name": name, "mimeType": "image/jpeg", "buffer": output.getvalue()}


def stand_at(page: Page, lon_lat: tuple[float, float]) -> None:
    """The phone's position (GPS, WGS-84), allowed to the page."""
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon_lat[0], "latitude": lon_lat[1], "accuracy": 8})


def choose_item(page: Page, search: str, option: str) -> None:
    """The inspector searches the catalog and taps the item."""
    picker = page.get_by_role("combobox", name="问题类型（管理条目）")
    picker.click()
    picker.fill(search)
    page.get_by_role("option", name=option).click()


def act_through_api(
    page: Page, case_id: int, action: str, who: str, body: dict[str, Any] | None = None
) -> None:
    """Someone takes an action through the API, with the case's current ETag."""
    headers = api_headers(page, who)
    etag = page.request.get(f"/cases/{case_id}", headers=headers).headers["etag"]
    response = page.request.post(
        f"/cases/{case_id}/actions/{action}",
        data=body or {},
        headers={**headers, "If-Match": etag},
    )
    assert response.ok, response.text()


def take(page: Page, action: str) -> None:
    """Press an action's button, then 确定 in its form."""
    page.get_by_role("button", name=action, exact=True).click()
    dialog = page.get_by_role("dialog", name=action)
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_be_hidden()


def add_photo(page: Page, case_id: int, step: str, who: str) -> None:
    """A photo of a step uploaded through the API, as a phone does."""
    picture: FilePayload = {
        "name": "photo.jpg",
        "mimeType": "image/jpeg",
        "buffer": image(size=(320, 240)),
    }
    response = page.request.post(
        f"/cases/{case_id}/photos?step={step}",
        multipart={"files": picture},
        headers=api_headers(page, who),
    )
    assert response.status == 201, response.text()
