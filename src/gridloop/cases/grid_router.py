"""The map's route over a unit grid: its places, its inspectors and the caller's open cases in
it. It lives with the cases because the cases decide what a caller sees; the path is the grid
map's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from gridloop.auth.dependencies import Now
from gridloop.cases import grids
from gridloop.cases.router import CallerDep
from gridloop.cases.schemas import GridSummaryRead
from gridloop.db import ReadSessionDep
from gridloop.errors import InvalidInput, NotFound, Unauthorized, problems
from gridloop.responses import model_response

router = APIRouter(prefix="/geo", tags=["geo"])


@router.get(
    "/unit-grids/{code}/summary",
    response_model=GridSummaryRead,
    responses=problems(Unauthorized, NotFound, InvalidInput),
)
def grid_summary(
    code: Annotated[str, Path(pattern=r"^[0-9]{15}$", examples=["310105001001001"])],
    caller: CallerDep,
    session: ReadSessionDep,
    at: Now,
) -> Response:
    """单元网格概况 / A unit grid's codes and places, its responsibility grid and inspectors, and
    the open cases in it that the caller sees (their count and the newest of them)."""
    return model_response(grids.grid_summary(session, caller=caller, code=code, now=at))
