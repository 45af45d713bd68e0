"""Departments, offices and their jurisdictions: reading within scope, validated writes, gaps."""

from __future__ import annotations

from typing import Any

from shapely.geometry import MultiPolygon
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.auth.models import Role, User
from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.errors import (
    Conflict,
    JurisdictionOverlap,
    NotFound,
    ProblemItem,
    invalid_field,
)
from gridloop.geo import geojson
from gridloop.org import repository
from gridloop.org.jurisdiction import JurisdictionError, to_multipolygon
from gridloop.org.models import Department, Office
from gridloop.org.schemas import DepartmentRead, DepartmentTypeRead, OfficeRead, OfficeRef

# A part of a gap smaller than this is a floating-point sliver between neighbours, not a gap.
MIN_GAP_M2 = 1.0


def _no_office(code: str) -> NotFound:
    return NotFound(f"派出机构 {code} 不存在 / no office {code}")


# ----------------------------------------------------------------------------- reading


def department_types() -> list[DepartmentTypeRead]:
    """The department types of the catalog, in its order."""
    return [DepartmentTypeRead(code=code, name=name) for code, name in DEPARTMENT_TYPES.items()]


def list_departments(session: Session) -> list[DepartmentRead]:
    return [
        DepartmentRead(
            code=row.code,
            name=row.name,
            department_type=row.department_type,
            department_type_name=DEPARTMENT_TYPES.get(row.department_type, row.department_type),
            district_code=row.district_code,
            office_count=row.office_count,
        )
        for row in repository.list_departments(session)
    ]


def _office_read(row: Any) -> OfficeRead:
    return OfficeRead(
        code=row.code,
        name=row.name,
        department_code=row.department_code,
        department_name=row.department_name,
        department_type=row.department_type,
        street_code=row.street_code,
        dispatchable=row.dispatchable,
        area_m2=None if row.area_m2 is None else round(row.area_m2, 1),
    )


def list_offices(
    session: Session,
    *,
    viewer: User,
    department_type: str | None = None,
    street_code: str | None = None,
) -> list[OfficeRead]:
    """Offices in code order; a liaison sees only their own office."""
    rows = repository.office_rows(
        session,
        office_id=viewer.office_id if viewer.role == Role.LIAISON else None,
        department_type=department_type,
        street_code=street_code,
    )
    return [_office_read(row) for row in rows]


def office_feature(session: Session, *, viewer: User, code: str) -> dict[str, Any]:
    """An office as a GeoJSON Feature; another office than a liaison's own is NotFound."""
    rows = repository.office_rows(session, code=code, with_geometry=True)
    if not rows or (viewer.role == Role.LIAISON and rows[0].office_id != viewer.office_id):
        raise _no_office(code)
    row = rows[0]
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": geojson.parse_optional(row.geojson),
        "properties": _office_read(row).model_dump(),
    }


# ----------------------------------------------------------------------------- for routing


def offices_covering(session: Session, *, lon: float, lat: float) -> dict[str, OfficeRef]:
    """Per department type, the office covering a WGS-84 point (lowest code on shared edges)."""
    return repository.offices_covering(session, lon=lon, lat=lat)


def street_center(session: Session, *, street_code: str) -> OfficeRef | None:
    """The street's grid center office (属地兜底), or None."""
    return repository.street_center(session, street_code=street_code)


# ----------------------------------------------------------------------------- writing


def create_office(
    session: Session,
    *,
    code: str,
    name: str,
    department_code: str,
    street_code: str | None = None,
    jurisdiction: dict[str, Any] | None = None,
) -> Office:
    """Create an office; the jurisdiction is checked (valid, in the district, no overlap)."""
    if repository.get_office(session, code) is not None:
        raise Conflict(f"派出机构编码 {code} 已存在 / office code {code} is taken")
    office = Office(code=code)
    _apply(
        session,
        office,
        name=name,
        department_code=department_code,
        street_code=street_code,
        jurisdiction=jurisdiction,
    )
    session.add(office)
    _flush(session, code)
    return office


def update_office(
    session: Session,
    *,
    code: str,
    name: str,
    department_code: str,
    street_code: str | None = None,
    jurisdiction: dict[str, Any] | None = None,
) -> Office:
    """Replace every field of an office but its code, with the checks of `create_office`."""
    office = repository.get_office(session, code)
    if office is None:
        raise _no_office(code)
    _apply(
        session,
        office,
        name=name,
        department_code=department_code,
        street_code=street_code,
        jurisdiction=jurisdiction,
    )
    _flush(session, code)
    return office


def _apply(
    session: Session,
    office: Office,
    *,
    name: str,
    department_code: str,
    street_code: str | None,
    jurisdiction: dict[str, Any] | None,
) -> None:
    department = repository.get_department(session, department_code)
    if department is None:
        raise invalid_field(
            "department_code", f"部门 {department_code} 不存在 / no department {department_code}"
        )
    if street_code is not None and (
        repository.street_district(session, street_code) != department.district_code
    ):
        raise invalid_field(
            "street_code",
            f"街道 {street_code} 不在区 {department.district_code} / no street {street_code} "
            f"in district {department.district_code}",
        )
    geometry = None
    if jurisdiction is not None:
        geometry = _checked_jurisdiction(
            session,
            department=department,
            jurisdiction=jurisdiction,
            office_id=office.office_id,
        )
    office.name = name
    office.department_id = department.department_id
    office.department_type = department.department_type
    office.street_code = street_code
    office.jurisdiction = None if geometry is None else geojson.element(geometry)


def _checked_jurisdiction(
    session: Session,
    *,
    department: Department,
    jurisdiction: dict[str, Any],
    office_id: int | None,
) -> MultiPolygon:
    try:
        geometry = to_multipolygon(jurisdiction)
    except JurisdictionError as exc:
        raise invalid_field("jurisdiction", str(exc)) from exc
    geometry_hex = geojson.ewkb_hex(geometry)
    district = department.district_code
    inside = repository.district_covers(session, district_code=district, geometry_hex=geometry_hex)
    if inside is None:
        raise invalid_field(
            "jurisdiction", f"区 {district} 尚无边界 / district {district} has no geometry yet"
        )
    if not inside:
        raise invalid_field(
            "jurisdiction",
            f"辖区超出区 {district} 范围 / the jurisdiction is not inside district {district}",
        )
    conflicts = repository.overlapping_offices(
        session,
        department_id=department.department_id,
        geometry_hex=geometry_hex,
        except_office_id=office_id,
    )
    if conflicts:
        raise JurisdictionOverlap(
            f"辖区与 {len(conflicts)} 个同部门派出机构重叠 / the jurisdiction overlaps "
            f"{len(conflicts)} office(s) of {department.code}: "
            + ", ".join(row.code for row in conflicts),
            errors=[
                ProblemItem(
                    location="jurisdiction",
                    reason=f"与 {row.code} {row.name} 重叠约 {row.area_m2:.0f} m² / overlaps "
                    f"office {row.code} by about {row.area_m2:.0f} m²",
                )
                for row in conflicts
            ],
        )
    return geometry


def _flush(session: Session, code: str) -> None:
    """Flush, turning a constraint a concurrent writer won into the problem the checks give."""
    try:
        session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint == "uq_office_code":
            raise Conflict(f"派出机构编码 {code} 已存在 / office code {code} is taken") from exc
        if constraint == "no_overlap_office":
            raise JurisdictionOverlap(
                f"辖区与同部门派出机构重叠 / the jurisdiction of {code} overlaps another office "
                f"of its department: {exc.orig}"
            ) from exc
        raise


def same_jurisdiction(office: Office, geometry: MultiPolygon | None) -> bool:
    """Whether the stored jurisdiction is exactly this geometry (for idempotent seeding)."""
    if office.jurisdiction is None or geometry is None:
        return office.jurisdiction is None and geometry is None
    stored = geojson.shape_of(office.jurisdiction)
    return bool(stored.equals_exact(geometry, 0.0))


# ----------------------------------------------------------------------------- gaps


def department_gaps(session: Session, *, code: str) -> dict[str, Any]:
    """The parts of the department's district that none of its offices covers, with areas."""
    department = repository.get_department(session, code)
    if department is None:
        raise NotFound(f"部门 {code} 不存在 / no department {code}")
    rows = repository.gaps(
        session,
        department_id=department.department_id,
        district_code=department.district_code,
        min_area_m2=MIN_GAP_M2,
    )
    features = [
        {
            "type": "Feature",
            "geometry": geojson.parse(row.geojson),
            "properties": {
                "area_m2": round(row.area_m2, 1),
                "unit_grid_codes": list(row.unit_grid_codes),
            },
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "department_code": department.code,
        "district_code": department.district_code,
        "area_m2": round(sum(row.area_m2 for row in rows), 1),
        "unit_grid_codes": sorted({c for row in rows for c in row.unit_grid_codes}),
    }


# ----------------------------------------------------------------------------- departments


def save_department(
    session: Session, *, code: str, name: str, department_type: str, district_code: str
) -> bool:
    """Create the department or bring it up to date; whether it was created."""
    if department_type not in DEPARTMENT_TYPES:
        raise invalid_field(
            "department_type",
            f"未知部门类型 {department_type} / unknown department type {department_type}",
        )
    if not repository.district_exists(session, district_code):
        raise invalid_field(
            "district_code", f"区 {district_code} 不存在 / no district {district_code}"
        )
    department = repository.get_department(session, code)
    created = department is None
    if department is None:
        department = Department(code=code)
        session.add(department)
    department.name = name
    department.department_type = department_type
    department.district_code = district_code
    session.flush()
    return created
