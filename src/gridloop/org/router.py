"""Routes of departments, offices and jurisdictions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status
from geojson_pydantic import MultiPolygon, Polygon

from gridloop.auth.dependencies import CurrentUser, require_roles
from gridloop.auth.models import Role, User
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    JurisdictionOverlap,
    NotFound,
    Unauthorized,
    problems,
)
from gridloop.geo import geojson
from gridloop.org import service
from gridloop.org.schemas import (
    DepartmentRead,
    DepartmentTypeRead,
    GapsRead,
    OfficeCreate,
    OfficeFeature,
    OfficeRead,
    OfficeUpdate,
)

router = APIRouter(prefix="/org", tags=["org"])

Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
Code = Annotated[str, Path(max_length=32, examples=["310105001-chengguan"])]


@router.get("/department-types", responses=problems(Unauthorized))
def department_types(user: CurrentUser) -> list[DepartmentTypeRead]:
    """部门类型 / The department types (城管, 公安, 市场监管 …)."""
    return service.department_types()


@router.get("/departments", responses=problems(Unauthorized))
def departments(session: ReadSessionDep, user: CurrentUser) -> list[DepartmentRead]:
    """职能部门 / The departments, with how many offices each has."""
    return service.list_departments(session)


@router.get(
    "/departments/{code}/gaps",
    response_model=GapsRead,
    responses=problems(Unauthorized, NotFound),
)
def department_gaps(session: ReadSessionDep, user: CurrentUser, code: Code) -> dict[str, Any]:
    """辖区空白 / The parts of the district no office of the department covers, in m², and the
    unit grids in them.
    """
    return service.department_gaps(session, code=code)


@router.get("/offices", responses=problems(Unauthorized, InvalidInput))
def offices(
    session: ReadSessionDep,
    user: CurrentUser,
    department_type: Annotated[
        str | None, Query(max_length=32, examples=["chengguan"], description="a department type")
    ] = None,
    street_code: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{9}$",
            description="offices of this street or whose jurisdiction reaches into it",
        ),
    ] = None,
) -> list[OfficeRead]:
    """派出机构 / Offices in code order; a liaison sees only their own."""
    return service.list_offices(
        session, viewer=user, department_type=department_type, street_code=street_code
    )


@router.get(
    "/offices/{code}",
    response_model=OfficeFeature,
    responses=problems(Unauthorized, NotFound),
)
def office(session: ReadSessionDep, user: CurrentUser, code: Code) -> dict[str, Any]:
    """派出机构 / An office and its jurisdiction as a GeoJSON Feature."""
    return service.office_feature(session, viewer=user, code=code)


def _geojson(geometry: Polygon | MultiPolygon | None) -> dict[str, Any] | None:
    return None if geometry is None else geojson.from_model(geometry)


WRITE_PROBLEMS = (Unauthorized, Forbidden, InvalidInput, JurisdictionOverlap, BadRequest)


@router.post(
    "/offices",
    status_code=status.HTTP_201_CREATED,
    response_model=OfficeFeature,
    responses=problems(*WRITE_PROBLEMS, Conflict),
)
def create_office(session: SessionDep, admin: Admin, body: OfficeCreate) -> dict[str, Any]:
    """新建派出机构 / Create an office (admin); its jurisdiction may not overlap its department's
    other offices (422 `jurisdiction-overlap` lists them).
    """
    created = service.create_office(
        session,
        code=body.code,
        name=body.name,
        department_code=body.department_code,
        street_code=body.street_code,
        jurisdiction=_geojson(body.jurisdiction),
    )
    return service.office_feature(session, viewer=admin, code=created.code)


@router.put(
    "/offices/{code}",
    response_model=OfficeFeature,
    responses=problems(*WRITE_PROBLEMS, NotFound),
)
def update_office(
    session: SessionDep, admin: Admin, code: Code, body: OfficeUpdate
) -> dict[str, Any]:
    """修改派出机构 / Replace an office's name, department, street and jurisdiction (admin)."""
    updated = service.update_office(
        session,
        code=code,
        name=body.name,
        department_code=body.department_code,
        street_code=body.street_code,
        jurisdiction=_geojson(body.jurisdiction),
    )
    return service.office_feature(session, viewer=admin, code=updated.code)
