"""The grid map as Mapbox Vector Tiles: which layers a tile set offers from which zoom, tile
coordinates checked, and the validators a client caches by. The SQL is in tiles_repository.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridloop.errors import InvalidInput
from gridloop.geo import tiles_repository
from gridloop.geo.layers import Layer

MAX_ZOOM = 22


@dataclass(frozen=True)
class TileLayer:
    layer: Layer
    table: str
    # Attributes carried by each feature besides `code`.
    columns: tuple[str, ...]
    # Below this zoom the layer's tiles are empty: thousands of 100 m grids in one tile are
    # unreadable, and cutting them would cost the database for nothing.
    min_zoom: int
    # From this zoom a tile also carries the label points ("<layer>-labels").
    label_min_zoom: int = 0


TILE_LAYERS: dict[Layer, TileLayer] = {
    Layer.STREETS: TileLayer(Layer.STREETS, "street", ("name", "district_code"), 0),
    Layer.COMMUNITIES: TileLayer(Layer.COMMUNITIES, "community", ("name", "street_code"), 0),
    # A 100 m grid is 10 px wide at zoom 14 and 2.5 px at 12, where a tile of a city district
    # holds some 10,000 of them (300 KB, 80 ms to cut); its 15-digit code fits from zoom 16.
    Layer.UNIT_GRIDS: TileLayer(
        Layer.UNIT_GRIDS,
        "unit_grid",
        ("community_code", "street_code", "responsibility_grid_code"),
        min_zoom=14,
        label_min_zoom=16,
    ),
    Layer.RESPONSIBILITY_GRIDS: TileLayer(
        Layer.RESPONSIBILITY_GRIDS, "responsibility_grid", ("name", "street_code"), 10
    ),
}


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a column or row that does not exist at this zoom."""
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise InvalidInput(f"瓦片坐标超出范围 / tile x and y must lie in 0…{size - 1} at zoom {z}")


def tile(session: Session, *, layer: Layer, z: int, x: int, y: int) -> bytes:
    """One layer's MVT tile; empty bytes when no feature reaches into it or below its zoom."""
    check_tile(z, x, y)
    spec = TILE_LAYERS[layer]
    if z < spec.min_zoom:
        return b""
    return tiles_repository.mvt(
        session,
        table=spec.table,
        columns=spec.columns,
        name=layer.value,
        labels=z >= spec.label_min_zoom,
        z=z,
        x=x,
        y=y,
    )


def etag(data: bytes) -> str:
    """A strong validator: equal tiles are byte for byte equal."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names this tag (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (part.strip().removeprefix("W/") for part in if_none_match.split(","))
    return tag in candidates


def bounds(session: Session) -> tuple[float, float, float, float] | None:
    """West, south, east, north of the grid map in WGS-84; None before a map is imported."""
    return tiles_repository.street_extent(session)
