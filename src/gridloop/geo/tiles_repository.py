"""The SQL of the vector tiles: one layer's tile cut by PostGIS (`ST_AsMVT`), and the map's extent.

The geometry is stored in WGS-84; a tile is cut in Web Mercator (EPSG:3857), the projection of
every web map. Rows are found through the 4326 GiST index with the tile's envelope (plus the
clipping buffer) transformed back to 4326, so no transformed copy of the geometry is needed.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

# Tile coordinates in the MVT grid of 4096, with a 64-unit buffer so outlines do not show seams.
EXTENT = 4096
BUFFER = 64


@cache
def tile_sql(table: str, columns: tuple[str, ...], *, labels: bool = True) -> str:
    # Table and column names come from the service's fixed table of layers, never from a request.
    selected = ", ".join(f"t.{column}" for column in ("code", *columns))
    names = ", ".join(("code", *columns))
    # Each feature is transformed to Web Mercator once, for its outline and its label.
    cut = f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS filter
        ),
        hit AS (
            SELECT ST_Transform(t.geom, 3857) AS geom, {selected}
            FROM {table} AS t, bounds WHERE t.geom && bounds.filter
        ),
        cut AS (
            SELECT ST_AsMVTGeom(geom, bounds.env, {EXTENT}, {BUFFER}, true) AS geom, {names}
            FROM hit, bounds
        )"""
    outlines = f"""
        SELECT coalesce(
                   (SELECT ST_AsMVT(cut, :name, {EXTENT}, 'geom') FROM cut
                    WHERE cut.geom IS NOT NULL), ''::bytea)"""
    if not labels:
        return cut + outlines
    # Each feature is also a point in "<layer>-labels", so a client draws one label per
    # feature rather than one per tile the polygon crosses. The point is cut without a buffer:
    # it lies in exactly one tile.
    return (
        cut
        + f""",
        label AS (
            SELECT ST_AsMVTGeom(ST_PointOnSurface(geom), bounds.env, {EXTENT}, 0, true) AS geom,
                   {names}
            FROM hit, bounds
        )"""
        + outlines
        + f"""
            || coalesce(
                   (SELECT ST_AsMVT(label, :labels, {EXTENT}, 'geom') FROM label
                    WHERE label.geom IS NOT NULL), ''::bytea)"""
    )


def mvt(
    session: Session,
    *,
    table: str,
    columns: tuple[str, ...],
    name: str,
    labels: bool,
    z: int,
    x: int,
    y: int,
) -> bytes:
    """The features of `table` reaching into tile z/x/y as MVT layer `name` (plus
    `<name>-labels` with `labels`); empty bytes when none does."""
    params = {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "name": name}
    if labels:
        params["labels"] = f"{name}-labels"
    data = session.execute(_tile_statement(table, columns, labels), params).scalar_one()
    return bytes(data) if data else b""


@cache
def _tile_statement(table: str, columns: tuple[str, ...], labels: bool) -> TextClause:
    """Each layer's statement, built once rather than at every tile."""
    return text(tile_sql(table, columns, labels=labels))


def street_extent(session: Session) -> tuple[float, float, float, float] | None:
    """West, south, east, north of every street in WGS-84; None before a map is imported."""
    row = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            " FROM (SELECT ST_Extent(geom) AS e FROM street) AS extent"
        )
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
