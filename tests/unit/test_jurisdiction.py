"""A jurisdiction is a valid 2-D WGS-84 MultiPolygon, or refused with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from gridloop.org.jurisdiction import JurisdictionError, to_multipolygon

RING = [[121.40, 31.20], [121.41, 31.20], [121.41, 31.21], [121.40, 31.21], [121.40, 31.20]]


def test_a_polygon_becomes_a_multipolygon() -> None:
    geometry = to_multipolygon({"type": "Polygon", "coordinates": [RING]})

    assert geometry.geom_type == "MultiPolygon"
    assert len(geometry.geoms) == 1
    assert geometry.bounds == (121.40, 31.20, 121.41, 31.21)


def test_a_height_is_dropped() -> None:
    ring = [[lon, lat, 4.5] for lon, lat in RING]

    geometry = to_multipolygon({"type": "MultiPolygon", "coordinates": [[ring]]})

    assert not geometry.has_z


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "Point", "coordinates": [121.4, 31.2]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in RING]]}, "swapped"),
        ({"type": "Polygon", "coordinates": [[[lon + 100, lat] for lon, lat in RING]]}, "range"),
        ({"type": "Polygon", "coordinates": [[[lon - 60, lat] for lon, lat in RING]]}, "China"),
        (
            {"type": "Polygon", "coordinates": [[RING[0], RING[2], RING[1], RING[3], RING[0]]]},
            "invalid geometry",
        ),
        ({"type": "Polygon", "coordinates": [[[float("inf"), 31.2], *RING[1:]]]}, "finite"),
        ({"type": "MultiPolygon", "coordinates": []}, "empty"),
    ],
)
def test_a_bad_jurisdiction_is_refused_with_a_reason(geometry: dict[str, Any], reason: str) -> None:
    with pytest.raises(JurisdictionError, match=reason):
        to_multipolygon(geometry)
