"""Places to test on: squares of map, and a district of two streets built row by row."""

from __future__ import annotations

from dataclasses import dataclass

from geoalchemy2 import WKBElement
from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session

from gridloop.geo import geojson
from gridloop.geo.models import Community, District, ResponsibilityGrid, Street
from gridloop.org.models import Department, Office


def square(west: float, south: float, east: float, north: float) -> WKBElement:
    """A one-square MultiPolygon in WGS-84, ready for a geometry column."""
    return geojson.element(MultiPolygon([box(west, south, east, north)]))


@dataclass(frozen=True)
class TwoStreets:
    district_code: str = "310105"
    street_codes: tuple[str, str] = ("310105001", "310105002")
    community_codes: tuple[str, str] = ("310105001001", "310105002001")
    responsibility_grid_codes: tuple[str, str] = ("31010500101", "31010500201")
    department_code: str = "310105-chengguan"
    office_code: str = "test-office-1"


def build_two_streets(session: Session) -> TwoStreets:
    """District 310105 with two side-by-side streets, each with a community and a
    responsibility grid, and one 城管 office whose jurisdiction is the first street.
    """
    codes = TwoStreets()
    first, second = (121.400, 31.200, 121.410, 31.210), (121.410, 31.200, 121.420, 31.210)
    session.add(
        District(code=codes.district_code, name="长宁区", geom=square(121.40, 31.20, 121.42, 31.21))
    )
    session.flush()  # each level after its parent: the triggers look the parent up
    session.add_all(
        Street(code=code, district_code=codes.district_code, name=name, geom=square(*bounds))
        for code, name, bounds in zip(
            codes.street_codes, ("华阳路街道", "江苏路街道"), (first, second), strict=True
        )
    )
    session.flush()
    for street_code, community_code, grid_code, bounds in zip(
        codes.street_codes,
        codes.community_codes,
        codes.responsibility_grid_codes,
        (first, second),
        strict=True,
    ):
        session.add(
            Community(
                code=community_code, street_code=street_code, name="居委会", geom=square(*bounds)
            )
        )
        session.add(
            ResponsibilityGrid(
                code=grid_code, street_code=street_code, name="责任网格", geom=square(*bounds)
            )
        )
    department = Department(
        code=codes.department_code,
        name="长宁区城管执法局",
        department_type="chengguan",
        district_code=codes.district_code,
    )
    session.add(department)
    session.flush()
    session.add(
        Office(
            code=codes.office_code,
            name="华阳路城管中队",
            department_id=department.department_id,
            department_type=department.department_type,
            street_code=codes.street_codes[0],
            jurisdiction=square(*first),
        )
    )
    session.flush()
    return codes
