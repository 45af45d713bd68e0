"""Checks of a jurisdiction polygon that need no database (shapely only).

A jurisdiction arrives as a GeoJSON Polygon or MultiPolygon in WGS-84 and is stored as a
2-D MultiPolygon; anything else is refused with a reason a person can act on. The checks are
those of a grid map import (`gridloop.geo.validation.parse_area`).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import MultiPolygon

from gridloop.geo.validation import parse_area


class JurisdictionError(ValueError):
    """A jurisdiction that cannot be stored; the message is bilingual."""


def to_multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    """A valid 2-D WGS-84 MultiPolygon from a GeoJSON Polygon or MultiPolygon, or JurisdictionError.

    A third coordinate (height) is dropped.
    """
    parsed, problem = parse_area(geometry)
    if parsed is None:
        raise JurisdictionError(problem)
    return parsed
