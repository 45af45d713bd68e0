"""A tiny map, imported through the real import path.

Street 310105001 is a 2×2 block of unit grids, street 310105002 a 1×2 block east of it:

    31.202 ┌──────┬──────┬─────────────┐
           │ A001 │ A002 │    B001     │
    31.201 ├──────┼──────┼─────────────┤
           │ A003 │ A004 │    B002     │
    31.200 └──────┴──────┴─────────────┘
        121.400 121.401 121.402     121.404
"""

from __future__ import annotations

from typing import Any

from gridloop.geo.layers import Layer

WEST, MID, EAST, FAR_EAST = 121.400, 121.401, 121.402, 121.404
SOUTH, MIDDLE, NORTH = 31.200, 31.201, 31.202


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


STREETS = collection(
    feature(
        box(WEST, SOUTH, EAST, NORTH),
        code="310105001",
        name="华阳路街道",
        district_code="310105",
        district_name="长宁区",
    ),
    feature(
        box(EAST, SOUTH, FAR_EAST, NORTH),
        code="310105002",
        name="江苏路街道",
        district_code="310105",
        district_name="长宁区",
    ),
)
COMMUNITIES = collection(
    feature(
        box(WEST, SOUTH, EAST, NORTH),
        code="310105001001",
        name="华一居委会",
        street_code="310105001",
    ),
    feature(
        box(EAST, SOUTH, FAR_EAST, NORTH),
        code="310105002001",
        name="岐山居委会",
        street_code="310105002",
    ),
)
UNIT_GRIDS = collection(
    feature(box(WEST, MIDDLE, MID, NORTH), code="310105001001001", community_code="310105001001"),
    feature(box(MID, MIDDLE, EAST, NORTH), code="310105001001002", community_code="310105001001"),
    feature(box(WEST, SOUTH, MID, MIDDLE), code="310105001001003", community_code="310105001001"),
    feature(box(MID, SOUTH, EAST, MIDDLE), code="310105001001004", community_code="310105001001"),
    feature(
        box(EAST, MIDDLE, FAR_EAST, NORTH), code="310105002001001", community_code="310105002001"
    ),
    feature(
        box(EAST, SOUTH, FAR_EAST, MIDDLE), code="310105002001002", community_code="310105002001"
    ),
)
RESPONSIBILITY_GRIDS = collection(
    feature(
        None,
        code="31010500101",
        name="华阳路第1责任网格",
        street_code="310105001",
        unit_grid_codes=["310105001001001", "310105001001002"],
    ),
    feature(
        None,
        code="31010500102",
        name="华阳路第2责任网格",
        street_code="310105001",
        unit_grid_codes=["310105001001003", "310105001001004"],
    ),
    feature(
        None,
        code="31010500201",
        name="江苏路第1责任网格",
        street_code="310105002",
        unit_grid_codes=["310105002001001", "310105002001002"],
    ),
)
SMALL_MAP = {
    Layer.STREETS: STREETS,
    Layer.COMMUNITIES: COMMUNITIES,
    Layer.UNIT_GRIDS: UNIT_GRIDS,
    Layer.RESPONSIBILITY_GRIDS: RESPONSIBILITY_GRIDS,
}
