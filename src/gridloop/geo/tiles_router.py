"""Routes of the grid map as vector tiles: the tile set's description and one tile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from pydantic import BaseModel, Field

from gridloop.auth.dependencies import CurrentUser
from gridloop.config import get_settings
from gridloop.db import ReadSessionDep
from gridloop.errors import InvalidInput, Unauthorized, problems
from gridloop.geo import tiles
from gridloop.geo.layers import Layer

router = APIRouter(prefix="/tiles", tags=["geo"])

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
# The grid map is the same for every user: the browser may keep a tile for a minute and then
# revalidates it with its ETag, so an import shows within a minute and costs no download after.
CACHE_CONTROL = "private, max-age=60"


class TileLayerRead(BaseModel):
    id: Layer
    min_zoom: int = Field(description="below this zoom the layer's tiles are empty")
    label_min_zoom: int = Field(
        description="from this zoom a tile also carries one label point per feature, in the "
        "MVT layer `<layer>-labels`"
    )
    fields: list[str] = Field(description="attributes of each feature")


class BaseMapRead(BaseModel):
    url: str = Field(description="XYZ raster tile template in Web Mercator, WGS-84 coordinates")
    attribution: str


class TileSetRead(BaseModel):
    tiles: str = Field(description="URL template of a tile, relative to the service")
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None = Field(
        description="west, south, east, north of the grid map in WGS-84; null before an import"
    )
    layers: list[TileLayerRead]
    base_map: BaseMapRead | None = Field(
        description="a raster map to draw under the grid map, when the service is set up with one"
    )


@router.get("", responses=problems(Unauthorized))
def tile_set(session: ReadSessionDep, user: CurrentUser) -> TileSetRead:
    """瓦片集 / The grid map's tile layers, zooms and extent (where a map should open)."""
    settings = get_settings()
    base_map = (
        BaseMapRead(url=settings.base_map_url, attribution=settings.base_map_attribution)
        if settings.base_map_url
        else None
    )
    return TileSetRead(
        tiles="/tiles/{layer}/{z}/{x}/{y}.mvt",
        min_zoom=0,
        max_zoom=tiles.MAX_ZOOM,
        bounds=tiles.bounds(session),
        layers=[
            TileLayerRead(
                id=spec.layer,
                min_zoom=spec.min_zoom,
                label_min_zoom=spec.label_min_zoom,
                fields=["code", *spec.columns],
            )
            for spec in tiles.TILE_LAYERS.values()
        ],
        base_map=base_map,
    )


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {
            "content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "the tile: one MVT layer named like the path's layer",
            "headers": {
                "ETag": {"schema": {"type": "string"}},
                "Cache-Control": {"schema": {"type": "string"}},
            },
        },
        204: {"description": "no feature reaches into this tile, or the zoom is below the layer's"},
        304: {"description": "the tile named by If-None-Match has not changed"},
        **problems(Unauthorized, InvalidInput),
    },
)
def tile(
    session: ReadSessionDep,
    user: CurrentUser,
    layer: Layer,
    z: Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)],
    x: Annotated[int, Path(ge=0, le=2**tiles.MAX_ZOOM - 1)],
    y: Annotated[int, Path(ge=0, le=2**tiles.MAX_ZOOM - 1)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """矢量瓦片 / One Mapbox Vector Tile (EPSG:3857) of streets, communities, unit grids or
    responsibility grids, with their codes and names.
    """
    data = tiles.tile(session, layer=layer, z=z, x=x, y=y)
    tag = tiles.etag(data)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if tiles.matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(content=data, media_type=MVT_MEDIA_TYPE, headers=headers)
