"""Checks of a jurisdiction polygon that need no database (shapely only).

A jurisdiction arrives as a GeoJSON Polygon or MultiPolygon in WGS-84 and is stored as a
2-D MultiPolygon; anything else is refused with a reason a person can act on.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, shape
from shapely.validation import explain_validity

# Mainland China with a margin, as for grid map imports.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class JurisdictionError(ValueError):
    """A jurisdiction that cannot be stored; the message is bilingual."""


def _positions(coordinates: Any) -> list[tuple[float, float]]:
    if (
        isinstance(coordinates, list | tuple)
        and coordinates
        and isinstance(coordinates[0], int | float)
    ):
        if len(coordinates) < 2 or not all(_is_number(value) for value in coordinates[:2]):
            raise JurisdictionError("坐标格式错误 / a position needs two finite numbers")
        return [(float(coordinates[0]), float(coordinates[1]))]
    if not isinstance(coordinates, list | tuple):
        raise JurisdictionError("坐标格式错误 / coordinates must be nested arrays of numbers")
    positions: list[tuple[float, float]] = []
    for part in coordinates:
        positions.extend(_positions(part))
    return positions


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _check_coordinates(positions: list[tuple[float, float]]) -> None:
    if all(_in_china(lon, lat) for lon, lat in positions):
        return
    if all(_in_china(lat, lon) for lon, lat in positions):
        raise JurisdictionError(
            "经纬度顺序颠倒 / latitude and longitude swapped: GeoJSON is [longitude, latitude]"
        )
    if any(abs(lon) > 180 or abs(lat) > 90 for lon, lat in positions):
        raise JurisdictionError(
            "坐标超出范围 / coordinates out of range (longitude ±180, latitude ±90)"
        )
    raise JurisdictionError(
        "坐标不在服务范围内 / coordinates outside China (longitude 73–136, latitude 3–54)"
    )


def to_multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    """A valid 2-D WGS-84 MultiPolygon from a GeoJSON Polygon or MultiPolygon, or JurisdictionError.

    A third coordinate (height) is dropped.
    """
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise JurisdictionError(
            f"几何类型错误 / a jurisdiction is a Polygon or MultiPolygon, not {kind}"
        )
    positions = _positions(geometry.get("coordinates"))
    if not positions:
        raise JurisdictionError("几何为空 / empty geometry")
    _check_coordinates(positions)
    try:
        parsed = shapely.force_2d(shape(geometry))
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise JurisdictionError(f"坐标格式错误 / malformed coordinates: {exc}") from exc
    if parsed.is_empty:
        raise JurisdictionError("几何为空 / empty geometry")
    if not parsed.is_valid:
        raise JurisdictionError(f"几何无效 / invalid geometry: {explain_validity(parsed)}")
    if parsed.geom_type == "Polygon":
        parsed = MultiPolygon([parsed])
    assert isinstance(parsed, MultiPolygon)
    return parsed
