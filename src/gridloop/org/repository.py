"""SQL of departments, offices and jurisdictions.

Geometry goes in as hex EWKB (`geo.geojson.ewkb_hex`) and comes out as GeoJSON text. Codes are
ordered with the C collation, so "the lowest code" means the same thing on every server.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from gridloop.org.models import GRID_CENTER, Department, Office
from gridloop.org.schemas import OfficeRef

# ----------------------------------------------------------------------------- departments


def list_departments(session: Session) -> list[Row[Any]]:
    return list(
        session.execute(
            text(
                "SELECT d.code, d.name, d.department_type, d.district_code, "
                "count(o.office_id) AS office_count FROM department d "
                "LEFT JOIN office o ON o.department_id = d.department_id "
                'GROUP BY d.department_id ORDER BY d.code COLLATE "C"'
            )
        )
    )


def get_department(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).one_or_none()


def get_department_by_id(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def district_exists(session: Session, code: str) -> bool:
    return (
        session.execute(text("SELECT 1 FROM district WHERE code = :code"), {"code": code}).first()
        is not None
    )


# ----------------------------------------------------------------------------- offices


def get_office(session: Session, code: str) -> Office | None:
    return session.scalars(select(Office).where(Office.code == code)).one_or_none()


_OFFICE_COLUMNS = (
    "o.office_id, o.code, o.name, d.code AS department_code, d.name AS department_name, "
    "o.department_type, o.street_code, o.jurisdiction IS NOT NULL AS dispatchable, "
    "ST_Area(o.jurisdiction::geography) AS area_m2"
)


def office_rows(
    session: Session,
    *,
    code: str | None = None,
    office_id: int | None = None,
    department_type: str | None = None,
    street_code: str | None = None,
    with_geometry: bool = False,
) -> list[Row[Any]]:
    """Offices with their department, in code order, filtered by what is given.

    `street_code` keeps the offices of that street and those whose jurisdiction reaches into it.
    """
    conditions = ["true"]
    params: dict[str, Any] = {}
    for column, value in (
        ("o.code", code),
        ("o.office_id", office_id),
        ("o.department_type", department_type),
    ):
        if value is not None:
            name = column.removeprefix("o.")
            conditions.append(f"{column} = :{name}")
            params[name] = value
    if street_code is not None:
        conditions.append(
            "(o.street_code = :street_code OR EXISTS (SELECT 1 FROM street s "
            "WHERE s.code = :street_code AND o.jurisdiction && s.geom "
            "AND ST_Relate(o.jurisdiction, s.geom, 'T********')))"
        )
        params["street_code"] = street_code
    geometry = ", ST_AsGeoJSON(o.jurisdiction, 7) AS geojson" if with_geometry else ""
    return list(
        session.execute(
            text(
                f"SELECT {_OFFICE_COLUMNS}{geometry} FROM office o "
                "JOIN department d ON d.department_id = o.department_id "
                f'WHERE {" AND ".join(conditions)} ORDER BY o.code COLLATE "C"'
            ),
            params,
        )
    )


def street_district(session: Session, street_code: str) -> str | None:
    """The district of a street, or None if there is no such street."""
    return session.execute(
        text("SELECT district_code FROM street WHERE code = :code"), {"code": street_code}
    ).scalar_one_or_none()


def district_covers(session: Session, *, district_code: str, geometry_hex: str) -> bool | None:
    """Whether the district's geometry covers the geometry; None if it has no geometry yet."""
    covers: bool | None = session.execute(
        text(
            "SELECT ST_CoveredBy(CAST(:geometry AS geometry), geom) FROM district "
            "WHERE code = :code"
        ),
        {"geometry": geometry_hex, "code": district_code},
    ).scalar_one_or_none()
    return covers


def overlapping_offices(
    session: Session, *, department_id: int, geometry_hex: str, except_office_id: int | None
) -> list[Row[Any]]:
    """Offices of the department whose jurisdiction shares interior points with the geometry."""
    return list(
        session.execute(
            text(
                "WITH g AS (SELECT CAST(:geometry AS geometry) AS geom) "
                "SELECT o.code, o.name, "
                "ST_Area(ST_Intersection(o.jurisdiction, g.geom)::geography) AS area_m2 "
                "FROM office o, g WHERE o.department_id = :department_id "
                "AND o.office_id IS DISTINCT FROM :except_office_id "
                "AND o.jurisdiction && g.geom AND ST_Relate(o.jurisdiction, g.geom, 'T********') "
                'ORDER BY o.code COLLATE "C"'
            ),
            {
                "geometry": geometry_hex,
                "department_id": department_id,
                "except_office_id": except_office_id,
            },
        )
    )


# ----------------------------------------------------------------------------- for routing

_REF_COLUMNS = (
    "o.office_id, o.code, o.name, d.code AS department_code, o.department_type, o.street_code"
)

COVERING_SQL = text(
    f"SELECT DISTINCT ON (o.department_type) {_REF_COLUMNS} FROM office o "
    "JOIN department d ON d.department_id = o.department_id "
    "WHERE ST_Covers(o.jurisdiction, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    'ORDER BY o.department_type, o.code COLLATE "C"'
)


def _ref(row: Row[Any]) -> OfficeRef:
    return OfficeRef(
        office_id=row.office_id,
        code=row.code,
        name=row.name,
        department_code=row.department_code,
        department_type=row.department_type,
        street_code=row.street_code,
    )


def offices_covering(session: Session, *, lon: float, lat: float) -> dict[str, OfficeRef]:
    """Per department type, the office whose jurisdiction covers the WGS-84 point.

    One indexed query. A point on an edge shared by two offices of one type goes to the lowest
    code; a type with no covering office is absent.
    """
    rows = session.execute(COVERING_SQL, {"lon": lon, "lat": lat})
    return {row.department_type: _ref(row) for row in rows}


def street_center(session: Session, *, street_code: str) -> OfficeRef | None:
    """The grid center (网格化中心) office of a street, or None."""
    row = session.execute(
        text(
            f"SELECT {_REF_COLUMNS} FROM office o "
            "JOIN department d ON d.department_id = o.department_id "
            "WHERE o.department_type = :grid_center AND o.street_code = :street_code "
            'ORDER BY o.code COLLATE "C" LIMIT 1'
        ),
        {"grid_center": GRID_CENTER, "street_code": street_code},
    ).one_or_none()
    return None if row is None else _ref(row)


# ----------------------------------------------------------------------------- gaps


def gaps(
    session: Session, *, department_id: int, district_code: str, min_area_m2: float
) -> list[Row[Any]]:
    """The polygons of the district that no jurisdiction of the department covers.

    Parts under `min_area_m2` are floating-point slivers, not gaps. Each part comes with the
    unit grids that have at least that much area in it.
    """
    return list(
        session.execute(
            text(
                """
                WITH covered AS (
                    SELECT ST_Union(jurisdiction) AS geom FROM office
                    WHERE department_id = :department_id AND jurisdiction IS NOT NULL
                ), gap AS (
                    SELECT CASE WHEN c.geom IS NULL THEN d.geom
                                ELSE ST_Difference(d.geom, c.geom) END AS geom
                    FROM district d CROSS JOIN covered c
                    WHERE d.code = :district_code AND d.geom IS NOT NULL
                ), part AS (
                    SELECT p.geom, ST_Area(p.geom::geography) AS area_m2
                    FROM gap CROSS JOIN LATERAL ST_Dump(gap.geom) AS p
                    WHERE GeometryType(p.geom) = 'POLYGON'
                )
                SELECT ST_AsGeoJSON(part.geom, 7) AS geojson, part.area_m2,
                       ARRAY(
                           SELECT u.code FROM unit_grid u
                           WHERE left(u.code, 6) = :district_code AND u.geom && part.geom
                             AND (ST_CoveredBy(u.geom, part.geom)
                                  OR ST_Area(ST_Intersection(u.geom, part.geom)::geography)
                                     >= :min_area_m2)
                           ORDER BY u.code
                       ) AS unit_grid_codes
                FROM part WHERE part.area_m2 >= :min_area_m2
                ORDER BY ST_XMin(part.geom), ST_YMax(part.geom) DESC
                """
            ),
            {
                "department_id": department_id,
                "district_code": district_code,
                "min_area_m2": min_area_m2,
            },
        )
    )
