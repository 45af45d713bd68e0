"""Mapbox Vector Tiles of the grid map, cut by PostGIS (`ST_AsMVT`), and the tile set's extent.

The geometry is stored in WGS-84; a tile is cut in Web Mercator (EPSG:3857), the projection of
every web map. Rows are found through the 4326 GiST index with the tile's envelope (plus the
clipping buffer) transformed back to 4326, so no transformed copy of the geometry is needed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop.errors import InvalidInput
from gridloop.geo.layers import Layer

# Tile coordinates in the MVT grid of 4096, with a 64-unit buffer so outlines do not show seams.
EXTENT = 4096
BUFFER = 64
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


TILE_LAYERS: dict[Layer, TileLayer] = {
    Layer.STREETS: TileLayer(Layer.STREETS, "street", ("name", "district_code"), 0),
    Layer.COMMUNITIES: TileLayer(Layer.COMMUNITIES, "community", ("name", "street_code"), 0),
    Layer.UNIT_GRIDS: TileLayer(
        Layer.UNIT_GRIDS,
        "unit_grid",
        ("community_code", "street_code", "responsibility_grid_code"),
        12,
    ),
    Layer.RESPONSIBILITY_GRIDS: TileLayer(
        Layer.RESPONSIBILITY_GRIDS, "responsibility_grid", ("name", "street_code"), 10
    ),
}


def _tile_sql(spec: TileLayer) -> str:
    # Table and column names come from TILE_LAYERS above, never from a request.
    columns = ", ".join(f"t.{column}" for column in ("code", *spec.columns))
    names = ", ".join(("code", *spec.columns))
    # Each feature is also a point in "<layer>-labels", so a client draws one label per
    # feature rather than one per tile the polygon crosses. The point is cut without a buffer:
    # it lies in exactly one tile.
    return f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS filter
        ),
        hit AS (
            SELECT t.geom, {columns} FROM {spec.table} AS t, bounds WHERE t.geom && bounds.filter
        ),
        cut AS (
            SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), bounds.env, {EXTENT}, {BUFFER}, true)
                       AS geom,
                   {names}
            FROM hit, bounds
        ),
        label AS (
            SELECT ST_AsMVTGeom(
                       ST_Transform(ST_PointOnSurface(geom), 3857), bounds.env, {EXTENT}, 0, true
                   ) AS geom,
                   {names}
            FROM hit, bounds
        )
        SELECT coalesce(
                   (SELECT ST_AsMVT(cut, :name, {EXTENT}, 'geom') FROM cut
                    WHERE cut.geom IS NOT NULL), ''::bytea)
            || coalesce(
                   (SELECT ST_AsMVT(label, :labels, {EXTENT}, 'geom') FROM label
                    WHERE label.geom IS NOT NULL), ''::bytea)
    """


_SQL = {layer: _tile_sql(spec) for layer, spec in TILE_LAYERS.items()}


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a column or row that does not exist at this zoom."""
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise InvalidInput(f"瓦片坐标超出范围 / tile x and y must lie in 0…{size - 1} at zoom {z}")


def tile(session: Session, *, layer: Layer, z: int, x: int, y: int) -> bytes:
    """One layer's MVT tile; empty bytes when no feature reaches into it or below its zoom."""
    check_tile(z, x, y)
    if z < TILE_LAYERS[layer].min_zoom:
        return b""
    params = {
        "z": z,
        "x": x,
        "y": y,
        "margin": BUFFER / EXTENT,
        "name": layer.value,
        "labels": f"{layer.value}-labels",
    }
    data = session.execute(text(_SQL[layer]), params).scalar_one()
    return bytes(data) if data else b""


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
    """West, south, east, north of every district in WGS-84; None before a map is imported."""
    row = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            " FROM (SELECT ST_Extent(geom) AS e FROM street) AS extent"
        )
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
