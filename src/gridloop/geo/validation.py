"""Checks of an import file that need no database: shape, codes, coordinates, validity, overlaps.

Every offending feature is reported, by index and reason, so one run tells the whole story.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.validation import explain_validity

from gridloop.errors import ProblemItem
from gridloop.geo import geojson
from gridloop.geo.layers import LayerSpec

# Mainland China with a margin: a coordinate pair outside it is a mistake for this service.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


@dataclass
class ParsedFeature:
    index: int
    code: str
    parent_code: str
    name: str | None
    geometry: MultiPolygon | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Validated:
    features: list[ParsedFeature]
    errors: list[ProblemItem]


def _error(index: int, reason: str) -> ProblemItem:
    return ProblemItem(location=f"features[{index}]", index=index, reason=reason)


def _positions(coordinates: Any) -> list[tuple[float, float]]:
    """All positions of a (Multi)Polygon's nested coordinate arrays; raises ValueError on junk."""
    leaf = isinstance(coordinates, list | tuple) and coordinates
    if leaf and isinstance(coordinates[0], int | float):
        if len(coordinates) < 2 or not all(_is_number(v) for v in coordinates[:2]):
            raise ValueError("a position needs two finite numbers")
        return [(float(coordinates[0]), float(coordinates[1]))]
    if not isinstance(coordinates, list | tuple):
        raise ValueError("coordinates must be nested arrays of numbers")
    positions: list[tuple[float, float]] = []
    for part in coordinates:
        positions.extend(_positions(part))
    return positions


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _coordinate_problem(positions: list[tuple[float, float]]) -> str | None:
    if all(_in_china(lon, lat) for lon, lat in positions):
        return None
    # Checked before the range: a swapped Chinese latitude (> 73) is also out of range.
    if all(_in_china(lat, lon) for lon, lat in positions):
        return "经纬度顺序颠倒 / latitude and longitude swapped: GeoJSON is [longitude, latitude]"
    if any(abs(lon) > 180 or abs(lat) > 90 for lon, lat in positions):
        return "坐标超出范围 / coordinates out of range (longitude ±180, latitude ±90)"
    return "坐标不在服务范围内 / coordinates outside China (longitude 73–136, latitude 3–54)"


def parse_area(raw: Any) -> tuple[MultiPolygon | None, str | None]:
    """A valid 2-D WGS-84 MultiPolygon from a GeoJSON (Multi)Polygon, or the reason it is not.

    Shared by every input that carries an area: grid imports, jurisdictions, rule areas.
    """
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        found = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        return None, f"几何类型错误 / geometry must be Polygon or MultiPolygon, not {found}"
    try:
        positions = _positions(raw.get("coordinates"))
        if not positions:
            return None, "几何为空 / empty geometry"
        problem = _coordinate_problem(positions)
        if problem:
            return None, problem
        # A height coordinate is dropped: the map is flat.
        geometry = shapely.force_2d(geojson.from_geojson(raw))
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        return None, f"坐标格式错误 / malformed coordinates: {exc}"
    if geometry.is_empty:
        return None, "几何为空 / empty geometry"
    if not geometry.is_valid:
        return None, f"几何无效 / invalid geometry: {explain_validity(geometry)}"
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon([geometry])
    return geometry, None


def _parse_feature(spec: LayerSpec, index: int, raw: Any) -> tuple[ParsedFeature | None, list[str]]:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        return None, ["不是 GeoJSON Feature / not a GeoJSON Feature"]
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    reasons: list[str] = []
    code = properties.get("code")
    parent_code = properties.get(spec.parent_property)
    if not isinstance(code, str) or not code:
        reasons.append("缺少编码 / missing code")
    elif not re.fullmatch(rf"[0-9]{{{spec.code_length}}}", code):
        reasons.append(f"编码格式错误 / code must be {spec.code_length} digits, got {code!r}")
    if not isinstance(parent_code, str) or not re.fullmatch(
        rf"[0-9]{{{spec.parent_code_length}}}", parent_code
    ):
        reasons.append(
            f"缺少或错误的上级编码 / {spec.parent_property} must be "
            f"{spec.parent_code_length} digits"
        )
    elif isinstance(code, str) and not code.startswith(parent_code):
        reasons.append(
            f"编码与上级不符 / code {code} does not start with {spec.parent_property} {parent_code}"
        )
    name = properties.get("name")
    if spec.named and (not isinstance(name, str) or not name.strip()):
        reasons.append("缺少名称 / missing name")
    geometry: MultiPolygon | None = None
    if spec.is_tile or raw.get("geometry") is not None:
        geometry, geometry_problem = parse_area(raw.get("geometry"))
        if geometry_problem:
            reasons.append(geometry_problem)
    if reasons:
        return None, reasons
    assert isinstance(code, str)
    assert isinstance(parent_code, str)
    extra = {k: v for k, v in properties.items() if k not in {"code", "name", spec.parent_property}}
    return ParsedFeature(index, code, parent_code, name, geometry, extra), []


def validate_collection(spec: LayerSpec, collection: Any) -> Validated:
    """Parse and check every feature; overlaps inside the file are found here too."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        item = ProblemItem(
            location="$", reason="需要 GeoJSON FeatureCollection / expected a FeatureCollection"
        )
        return Validated([], [item])
    raw_features = collection.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        item = ProblemItem(location="features", reason="没有要素 / no features to import")
        return Validated([], [item])
    features: list[ParsedFeature] = []
    errors: list[ProblemItem] = []
    first_index_of: dict[str, int] = {}
    for index, raw in enumerate(raw_features):
        feature, reasons = _parse_feature(spec, index, raw)
        errors.extend(_error(index, reason) for reason in reasons)
        if feature is None:
            continue
        if feature.code in first_index_of:
            errors.append(
                _error(
                    index,
                    f"编码重复 / code {feature.code} repeats "
                    f"features[{first_index_of[feature.code]}]",
                )
            )
            continue
        first_index_of[feature.code] = index
        features.append(feature)
    if spec.is_tile:
        errors.extend(_overlaps_within(features))
    errors.sort(key=lambda item: item.index if item.index is not None else -1)
    return Validated(features, errors)


def _overlaps_within(features: list[ParsedFeature]) -> list[ProblemItem]:
    geometries = np.array([feature.geometry for feature in features], dtype=object)
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    # Neighbours of a tiling share edges; only a shared interior is an overlap.
    overlapping = ~shapely.touches(geometries[left], geometries[right])
    errors = []
    for a, b in zip(left[overlapping], right[overlapping], strict=True):
        first, second = features[a], features[b]
        for this, other in ((first, second), (second, first)):
            errors.append(
                _error(
                    this.index,
                    f"与 features[{other.index}] ({other.code}) 重叠 / overlaps "
                    f"features[{other.index}] ({other.code})",
                )
            )
    return errors
