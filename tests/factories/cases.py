"""The case tests' world: the small map, the 2026 calendar, the seeded catalog, 绿化市容
offices for both streets, a user of each role, a 12345 API key and a clock that stands still.

The map is `tests/integration/small_map.py`: street 310105001 (grids A001–A004; responsibility
grid 31010500101 is the north row, 31010500102 the south row) and street 310105002 (B001, B002;
responsibility grid 31010500201). Filing, actions and photos go through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
from PIL import Image
from sqlalchemy.orm import Session

from gridloop.auth.models import Role
from gridloop.auth.passwords import hash_password
from gridloop.catalog import seed as catalog_seed
from gridloop.catalog import service as catalog_service
from gridloop.catalog.schemas import ItemCreate
from gridloop.config import get_settings
from gridloop.org import service as org_service
from tests.factories.web import DEMO_PASSWORD
from tests.integration.small_map import EAST, FAR_EAST, NORTH, SOUTH, WEST, box

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday in March 2026: a working day, 10:00 in Shanghai.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
# Points inside the grids of the small map (WGS-84).
IN_A001 = (121.4005, 31.2015)  # street 1, responsibility grid 31010500101
IN_A003 = (121.4005, 31.2005)  # street 1, responsibility grid 31010500102
IN_B001 = (121.4030, 31.2015)  # street 2, responsibility grid 31010500201
ITEM = "E0102"  # 暴露垃圾: 绿化市容, tier B, register 1 h, dispatch 1 h, handle 4 h, verify 0.5 h
# Argon2 costs 0.3 s a user: users that never log in with a password get this hash.
CHEAP_HASH = hash_password(DEMO_PASSWORD)


@dataclass
class Clock:
    now: datetime = T0


@dataclass
class World:
    # The app in process (TestClient), or a live server over HTTP (the browser tests).
    client: httpx2.Client
    clock: Clock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getitem__(self, who: str) -> dict[str, str]:
        return self.headers[who]


# The items the tests use, from the catalog seed (all of it takes 0.6 s a test to load).
ITEMS = ("E0102", "E0104", "C0101")


@cache
def seed_items() -> tuple[list[Any], list[catalog_seed.SeedItem]]:
    seed = catalog_seed.read_seed(get_settings().seeds_dir / "catalog" / "items.yaml")
    return seed.big_classes, [item for item in seed.items if item.code in ITEMS]


def load_case_catalog(session: Session) -> None:
    """The items of ITEMS and their big classes, from the catalog seed."""
    big_classes, items = seed_items()
    for row in big_classes:
        catalog_service.ensure_big_class(session, kind=row.kind, code=row.code, name=row.name)
    for item in items:
        catalog_service.create_item(
            session,
            item=ItemCreate.model_validate(item.model_dump(exclude={"limits_source", "origin"})),
        )


def load_case_offices(session: Session) -> None:
    """绿化市容 offices for both streets and a 城管 office for the first."""
    for kind in ("lvhua", "chengguan"):
        org_service.save_department(
            session,
            code=f"310105-{kind}",
            name=f"长宁区{kind}",
            department_type=kind,
            district_code="310105",
        )
    for street, bounds in (
        ("310105001", (WEST, SOUTH, EAST, NORTH)),
        ("310105002", (EAST, SOUTH, FAR_EAST, NORTH)),
    ):
        org_service.create_office(
            session,
            code=f"{street}-lvhua",
            name=f"{street} 绿化市容所",
            department_code="310105-lvhua",
            street_code=street,
            jurisdiction=box(*bounds),
        )
    org_service.create_office(
        session,
        code="310105001-chengguan",
        name="华阳路城管中队",
        department_code="310105-chengguan",
        street_code="310105001",
        jurisdiction=box(WEST, SOUTH, EAST, NORTH),
    )


USERS: dict[str, tuple[Role, dict[str, Any]]] = {
    "ins1": (Role.INSPECTOR, {"responsibility_grid_codes": ["31010500101"]}),
    "ins1south": (Role.INSPECTOR, {"responsibility_grid_codes": ["31010500102"]}),
    "ins2": (Role.INSPECTOR, {"responsibility_grid_codes": ["31010500201"]}),
    "disp1": (Role.DISPATCHER, {"street_code": "310105001"}),
    "disp2": (Role.DISPATCHER, {"street_code": "310105002"}),
    "lia1": (Role.LIAISON, {"office_code": "310105001-lvhua"}),
    "lia1cg": (Role.LIAISON, {"office_code": "310105001-chengguan"}),
    "lia2": (Role.LIAISON, {"office_code": "310105002-lvhua"}),
    "aud": (Role.AUDITOR, {}),
    "adm": (Role.ADMIN, {}),
}


def report(
    lon_lat: tuple[float, float] = IN_A001, item: str | None = ITEM, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "point": {"lon": lon_lat[0], "lat": lon_lat[1], "crs": "wgs84"},
        "description": "路边有一堆暴露垃圾",
        **extra,
    }
    if item is not None:
        body["item_code"] = item
    return body


def file_case(
    world: World, who: str = "ins1", lon_lat: tuple[float, float] = IN_A001, **extra: Any
) -> dict[str, Any]:
    response = world.client.post("/cases", json=report(lon_lat, **extra), headers=world[who])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def etag(world: World, case_id: int, who: str = "aud") -> str:
    response = world.client.get(f"/cases/{case_id}", headers=world[who])
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def act(
    world: World, case_id: int, action: str, who: str, body: dict[str, Any] | None = None
) -> httpx2.Response:
    """Take an action with the case's current ETag."""
    headers = {**world[who], "If-Match": etag(world, case_id)}
    return world.client.post(f"/cases/{case_id}/actions/{action}", json=body or {}, headers=headers)


def ok(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def image(kind: str = "JPEG", *, exif: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small image; with `exif`, one carrying a GPS position and a camera model."""
    picture = Image.new("RGB", size, (200, 80, 40))
    output = BytesIO()
    options: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x0110] = "gridloop test camera"  # Model
        data[0x8825] = {1: "N", 2: (31.0, 12.0, 5.0), 3: "E", 4: (121.0, 24.0, 2.0)}  # GPSInfo
        options["exif"] = data.tobytes()
    picture.save(output, format=kind, **options)
    return output.getvalue()


def upload(
    world: World, case_id: int, step: str, who: str, *photos: tuple[str, bytes]
) -> httpx2.Response:
    files = [("files", (name, data, "application/octet-stream")) for name, data in photos]
    return world.client.post(
        f"/cases/{case_id}/photos", params={"step": step}, files=files, headers=world[who]
    )


def to_handling(world: World, who: str = "ins1", lon_lat: tuple[float, float] = IN_A001) -> int:
    """A case filed, registered, dispatched (by routing) and accepted; its id."""
    case_id = int(file_case(world, who, lon_lat)["case_id"])
    street = "1" if lon_lat != IN_B001 else "2"
    ok(act(world, case_id, "register", f"disp{street}"))
    ok(act(world, case_id, "dispatch", f"disp{street}"))
    ok(act(world, case_id, "accept", f"lia{street}"))
    return case_id


def to_handled(world: World) -> int:
    case_id = to_handling(world)
    assert upload(world, case_id, "after", "lia1", ("after.jpg", image())).status_code == 201
    ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运"}))
    return case_id
