"""API shapes of the grid map."""

from __future__ import annotations

from typing import Any

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon
from pydantic import BaseModel, Field

from gridloop.geo.crs import Crs
from gridloop.geo.layers import Layer

GEOJSON = "application/geo+json"


def wants_geojson(requested_format: str, accept: str | None) -> bool:
    """Whether a read asked for GeoJSON, by `format=geojson` or by its Accept header."""
    return requested_format == "geojson" or GEOJSON in (accept or "")


class Area(BaseModel):
    code: str
    name: str


class Point(BaseModel):
    lon: float
    lat: float


class InputPoint(Point):
    crs: Crs


class GridPlaces(BaseModel):
    """A unit grid and the places it lies in."""

    district: Area
    street: Area
    community: Area
    unit_grid_code: str
    responsibility_grid: Area | None


class LocateRead(GridPlaces):
    point: Point = Field(description="the WGS-84 point used for the lookup")
    input: InputPoint


LayerFeature = Feature[MultiPolygon, dict[str, Any]]


class LayerPage(FeatureCollection[LayerFeature]):
    next_after: str | None = Field(
        default=None, description="pass as `after` to get the next page; null on the last page"
    )


class ImportRead(BaseModel):
    layer: Layer
    features: int
    created: int
    updated: int
    unchanged: int
