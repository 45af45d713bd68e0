"""Geometry in and out: the one place that converts between stored geometry and GeoJSON.

Stored geometry is PostGIS `geometry(…, 4326)`, read into Python as a `WKBElement`; the API
speaks GeoJSON (WGS-84, 7 decimal places, about a centimetre); checks work on shapely shapes.
SQL that returns GeoJSON asks `as_geojson` for it, so every feature has the same precision.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from pydantic import BaseModel
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, func

SRID = 4326
# Decimal places of GeoJSON coordinates written by the database.
PRECISION = 7


def element(geometry: BaseGeometry) -> WKBElement:
    """A shapely geometry as the value of a geometry column."""
    return from_shape(geometry, srid=SRID)


def point_element(lon: float, lat: float) -> WKBElement:
    return element(Point(lon, lat))


def shape_of(stored: WKBElement) -> BaseGeometry:
    """A geometry column's value as a shapely geometry."""
    return to_shape(stored)


def lon_lat(stored: WKBElement) -> tuple[float, float]:
    """A stored point's coordinates."""
    point = to_shape(stored)
    return float(point.x), float(point.y)


def ewkb_hex(geometry: BaseGeometry) -> str:
    """A shapely geometry as hex EWKB with its SRID, the form COPY and raw parameters take."""
    return str(shapely.to_wkb(shapely.set_srid(geometry, SRID), hex=True, include_srid=True))


def from_geojson(geometry: dict[str, Any]) -> BaseGeometry:
    """A GeoJSON geometry object as a shapely geometry (unchecked: see geo.validation)."""
    return shape(geometry)


def from_model(geometry: BaseModel) -> dict[str, Any]:
    """A geometry the API received (a geojson-pydantic model) as a GeoJSON object."""
    return geometry.model_dump(mode="json", exclude_none=True)


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geometry))


def point_geojson(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def as_geojson(column: Any) -> ColumnElement[str]:
    """SQL: a geometry column as GeoJSON text."""
    return func.ST_AsGeoJSON(column, PRECISION)


def parse(text: str) -> dict[str, Any]:
    """GeoJSON text that `as_geojson` produced, as a geometry object."""
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def parse_optional(text: str | None) -> dict[str, Any] | None:
    return None if text is None else parse(text)
