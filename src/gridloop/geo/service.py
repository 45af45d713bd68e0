"""The grid map: atomic imports, locating a point, reading layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from gridloop.errors import InvalidImport, NotFound, OutsideCoverage, ProblemItem
from gridloop.geo import geojson, repository
from gridloop.geo.crs import Crs, to_wgs84
from gridloop.geo.layers import SPECS, Layer, LayerSpec
from gridloop.geo.schemas import (
    Area,
    GridPlaces,
    ImportRead,
    InputPoint,
    LocateRead,
    Point,
)
from gridloop.geo.validation import ParsedFeature, validate_collection

# A parent whose geometry may shrink below its stored children: layer → child table.
CHILD_TABLES = {Layer.STREETS: "community", Layer.COMMUNITIES: "unit_grid"}


def import_layer(session: Session, *, layer: Layer, collection: Any) -> ImportRead:
    """Validate a whole GeoJSON file and write it, or write nothing and list every problem."""
    spec = SPECS[layer]
    validated = validate_collection(spec, collection)
    # The features that parsed are checked against the database too, so one run lists it all.
    errors = validated.errors + _database_problems(session, spec, validated.features)
    if errors:
        repository.drop_stage(session)
        raise InvalidImport(
            f"{len({e.index for e in errors})} 个要素有问题，未写入任何数据 / "
            f"{len({e.index for e in errors})} feature(s) rejected, nothing was written",
            errors=sorted(errors, key=lambda e: e.index if e.index is not None else -1),
        )
    if layer is Layer.RESPONSIBILITY_GRIDS:
        created, updated = repository.upsert_responsibility_grids(session)
    else:
        created, updated = repository.upsert_tiles(session, spec)
    if layer is Layer.STREETS:
        repository.refresh_district_geometry(
            session, sorted({feature.parent_code for feature in validated.features})
        )
    repository.drop_stage(session)
    session.flush()
    total = len(validated.features)
    return ImportRead(
        layer=layer,
        features=total,
        created=len(created),
        updated=len(updated),
        unchanged=total - len(created) - len(updated),
    )


def _database_problems(
    session: Session, spec: LayerSpec, features: list[ParsedFeature]
) -> list[ProblemItem]:
    if spec.layer is Layer.STREETS:
        repository.upsert_districts(session, _districts_of(features))
    repository.stage(session, features)
    problems: list[ProblemItem] = []

    def report(rows: Any, reason: Callable[[Any], str]) -> None:
        problems.extend(_problem(row.idx, reason(row)) for row in rows)

    report(
        repository.missing_parents(session, spec),
        lambda row: f"上级不存在 / {spec.parent_property} {row.parent_code} does not exist",
    )
    if spec.parent_must_cover:
        report(
            repository.outside_parent(session, spec),
            lambda row: f"超出上级范围 / not inside {spec.parent_table} {row.parent_code}",
        )
    if spec.is_tile:
        report(
            repository.overlapping_existing(session, spec),
            lambda row: f"与已有 {spec.table} {row.code} 重叠 / overlaps stored {row.code}",
        )
    if spec.layer in CHILD_TABLES:
        child = CHILD_TABLES[spec.layer]
        report(
            repository.children_left_outside(session, spec, child),
            lambda row: (
                f"已有下级 {row.code} 将超出范围 / stored {child} {row.code} would fall outside"
            ),
        )
    if spec.layer is Layer.RESPONSIBILITY_GRIDS:
        problems.extend(_member_problems(session, features))
    return problems


def _member_problems(session: Session, features: list[ParsedFeature]) -> list[ProblemItem]:
    """A responsibility grid lists its unit grids: present, in its street, in no other grid."""
    problems = [
        _problem(feature.index, "缺少 unit_grid_codes / unit_grid_codes must list unit grids")
        for feature in features
        if not _lists_members(feature)
    ]
    problems.extend(
        _problem(
            row.idx,
            f"单元网格 {row.code} 不存在或不属于该街道 / unit grid {row.code} "
            "is missing or in another street",
        )
        for row in repository.bad_members(session)
    )
    problems.extend(
        _problem(
            row.idx,
            f"单元网格 {row.code} 属于多个责任网格 / unit grid {row.code} is in "
            "more than one responsibility grid",
        )
        for row in repository.repeated_members(session)
    )
    return problems


def _lists_members(feature: ParsedFeature) -> bool:
    members = feature.extra.get("unit_grid_codes")
    return isinstance(members, list) and bool(members)


def _problem(index: int, reason: str) -> ProblemItem:
    return ProblemItem(location=f"features[{index}]", index=index, reason=reason)


def _districts_of(features: list[ParsedFeature]) -> dict[str, str]:
    districts: dict[str, str] = {}
    for feature in features:
        name = feature.extra.get("district_name")
        districts[feature.parent_code] = name if isinstance(name, str) and name else "未命名"
    return districts


def locate(session: Session, *, lon: float, lat: float, crs: Crs) -> LocateRead:
    """The district, street, community, unit and responsibility grid of a point.

    A point on a shared edge or vertex belongs to the grid with the lowest code.
    """
    wgs_lon, wgs_lat = to_wgs84(lon, lat, crs)
    row = repository.locate(session, lon=wgs_lon, lat=wgs_lat)
    if row is None:
        raise OutsideCoverage(
            f"该点不在任何单元网格内 / the point ({wgs_lon:.6f}, {wgs_lat:.6f}) WGS-84 is outside "
            "every unit grid"
        )
    return LocateRead(
        point=Point(lon=wgs_lon, lat=wgs_lat),
        input=InputPoint(lon=lon, lat=lat, crs=crs),
        **dict(_places(row)),
    )


def grid_places(session: Session, *, code: str) -> GridPlaces:
    """A unit grid's community, street, district and responsibility grid; NotFound without it."""
    row = repository.grid_places(session, code=code)
    if row is None:
        raise NotFound(f"单元网格 {code} 不存在 / no unit grid with code {code}")
    return _places(row)


def _places(row: Any) -> GridPlaces:
    return GridPlaces(
        district=Area(code=row.district_code, name=row.district_name),
        street=Area(code=row.street_code, name=row.street_name),
        community=Area(code=row.community_code, name=row.community_name),
        unit_grid_code=row.unit_grid_code,
        responsibility_grid=None
        if row.responsibility_grid_code is None
        else Area(code=row.responsibility_grid_code, name=row.responsibility_grid_name),
    )


def _feature(spec: LayerSpec, row: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"code": row.code, spec.parent_property: row.parent_code}
    if spec.named:
        properties["name"] = row.name
    if spec.layer is Layer.STREETS:
        properties["district_name"] = row.district_name
    if spec.layer is Layer.RESPONSIBILITY_GRIDS:
        properties["unit_grid_codes"] = list(row.members)
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": geojson.parse(row.geojson),
        "properties": properties,
    }


def layer_page(
    session: Session,
    *,
    layer: Layer,
    after: str | None = None,
    limit: int = 100,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    """One page of a layer as a GeoJSON FeatureCollection, with the key of the next page."""
    spec = SPECS[layer]
    rows = repository.layer_page(session, spec, after=after, limit=limit + 1, bbox=bbox)
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {
        "type": "FeatureCollection",
        "features": [_feature(spec, row) for row in rows],
        "next_after": rows[-1].code if has_more else None,
    }


def feature(session: Session, *, layer: Layer, code: str) -> dict[str, Any]:
    spec = SPECS[layer]
    rows = repository.layer_page(session, spec, after=None, limit=1, bbox=None, code=code)
    if not rows:
        raise NotFound(f"{spec.table} {code} 不存在 / no {spec.table} with code {code}")
    return _feature(spec, rows[0])


def export_layer(session: Session, *, layer: Layer, page_size: int = 5000) -> dict[str, Any]:
    """The whole layer in the import format, so an export imports back unchanged."""
    features: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = layer_page(session, layer=layer, after=after, limit=page_size)
        features.extend(page["features"])
        after = page["next_after"]
        if after is None:
            return {"type": "FeatureCollection", "features": features}
