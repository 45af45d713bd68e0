"""Routes of the working calendar: known years, their days, admin uploads, due times."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from gridloop.auth.dependencies import CurrentUser, Now, require_roles
from gridloop.auth.models import Role, User
from gridloop.calendar import service
from gridloop.calendar.models import FIRST_YEAR, LAST_YEAR
from gridloop.calendar.schemas import CalendarDayCreate, CalendarDayRead, CalendarYearRead, DueRead
from gridloop.calendar.worktime import TimeUnit
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import (
    BadRequest,
    CalendarMissing,
    Forbidden,
    InvalidImport,
    InvalidInput,
    NotFound,
    Unauthorized,
    problems,
)
from gridloop.strict import IsoDateTime

router = APIRouter(prefix="/calendar", tags=["calendar"])

Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2027])]


@router.get("/years", responses=problems(Unauthorized))
def list_years(session: ReadSessionDep, _: CurrentUser) -> list[CalendarYearRead]:
    """已知年份 / The years the calendar knows, with their source and numbers of days."""
    return service.list_years(session)


@router.get("/days", responses=problems(Unauthorized, NotFound, InvalidInput))
def days_of_year(
    session: ReadSessionDep,
    _: CurrentUser,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2026])],
) -> list[CalendarDayRead]:
    """节假日与调休 / A year's holidays and make-up working days; other weekdays are working."""
    return service.days_of_year(session, year=year)


@router.put(
    "/years/{year}",
    # BadRequest: a body that is not JSON at all fails to parse before validation.
    responses=problems(Unauthorized, Forbidden, InvalidImport, InvalidInput, BadRequest),
)
def upload_year(
    session: SessionDep,
    _: Admin,
    at: Now,
    year: Year,
    days: Annotated[list[CalendarDayCreate], Body(min_length=1, max_length=366)],
) -> CalendarYearRead:
    """上传年度日历 / Replace a year's holidays and make-up working days (admin), all or
    nothing; every bad row is listed.
    """
    return service.upload_year(session, year=year, days=days, now=at)


@router.get("/due", responses=problems(Unauthorized, CalendarMissing, InvalidInput))
def due(
    session: ReadSessionDep,
    _: CurrentUser,
    start: Annotated[IsoDateTime, Query(examples=["2026-02-13T17:00:00+08:00"])],
    value: Annotated[float, Query(ge=0, le=1000, allow_inf_nan=False, examples=[2])],
    unit: Annotated[TimeUnit, Query()],
) -> DueRead:
    """截止时间 / When a time limit of `value` `unit` from `start` runs out."""
    return service.explain_due(session, start=start, value=value, unit=unit)
