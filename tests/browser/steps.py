"""What a person does in the console, as steps the page tests share."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.browser.harness import save_screenshot
from tests.factories.cases import IN_A001, report
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
