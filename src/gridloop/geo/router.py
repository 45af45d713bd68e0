"""Routes of the grid map: locate, layers as GeoJSON, admin import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response

from gridloop.auth.dependencies import CurrentUser, require_roles
from gridloop.auth.models import Role, User
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import (
    Forbidden,
    InvalidImport,
    InvalidInput,
    NotFound,
    OutsideCoverage,
    Unauthorized,
    problems,
)
from gridloop.geo import service
from gridloop.geo.crs import Crs
from gridloop.geo.layers import Layer
from gridloop.geo.schemas import ImportRead, LayerFeature, LayerPage, LocateRead
from gridloop.responses import model_response

router = APIRouter(prefix="/geo", tags=["geo"])


@router.get(
    "/locate",
    response_model=LocateRead,
    responses=problems(Unauthorized, OutsideCoverage, InvalidInput),
)
def locate(
    session: ReadSessionDep,
    user: CurrentUser,
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude in `crs`")],
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude in `crs`")],
    crs: Annotated[Crs, Query(description="wgs84 (GPS), gcj02 (AMap, Tencent) or bd09 (Baidu)")],
) -> Response:
    """The district, street, community, unit grid and responsibility grid of a point."""
    return model_response(service.locate(session, lon=lon, lat=lat, crs=crs))


def _bbox(
    bbox: Annotated[
        str | None,
        Query(
            pattern=r"^\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*$",
            description="west,south,east,north in WGS-84",
            examples=["121.40,31.20,121.42,31.22"],
        ),
    ] = None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        west, south, east, north = (float(part) for part in bbox.split(","))
    except ValueError as exc:
        raise InvalidInput("bbox 需为四个数字 / bbox must be four numbers") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidInput(
            "bbox 范围无效 / bbox must be west,south,east,north with west ≤ east, south ≤ north"
        )
    return west, south, east, north


@router.get(
    "/{layer}",
    response_model=LayerPage,
    response_model_exclude_none=True,
    responses=problems(Unauthorized, InvalidInput),
)
def layer_page(
    session: ReadSessionDep,
    user: CurrentUser,
    layer: Layer,
    bbox: Annotated[tuple[float, float, float, float] | None, Depends(_bbox)],
    after: Annotated[str | None, Query(max_length=32, description="code to start after")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """A page of a layer as a GeoJSON FeatureCollection, in code order."""
    return service.layer_page(session, layer=layer, after=after, limit=limit, bbox=bbox)


@router.get(
    "/{layer}/{code}",
    response_model=LayerFeature,
    response_model_exclude_none=True,
    responses=problems(Unauthorized, NotFound, InvalidInput),
)
def feature(session: ReadSessionDep, user: CurrentUser, layer: Layer, code: str) -> dict[str, Any]:
    return service.feature(session, layer=layer, code=code)


@router.post(
    "/import",
    response_model=ImportRead,
    responses=problems(Unauthorized, Forbidden, InvalidImport, InvalidInput),
)
def import_layer(
    session: SessionDep,
    admin: Annotated[User, Depends(require_roles(Role.ADMIN))],
    layer: Annotated[Layer, Query()],
    collection: Annotated[dict[str, Any], Body(description="a GeoJSON FeatureCollection")],
) -> ImportRead:
    """Import a layer atomically: one bad feature rejects the file, listing every problem."""
    return service.import_layer(session, layer=layer, collection=collection)
