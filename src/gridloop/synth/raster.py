"""The raster every tiling is built on: cells of about 100 m × 100 m with shared edges, the cell
squares and their exact unions as GeoJSON-ready MultiPolygons.

The edge coordinates are computed once (each rounded to 7 decimals) and every cell square is
built from those two arrays, so neighbouring cells share bit-identical coordinates and unions of
cells only ever have raster corners as vertices (checked in `CellGeometry.union`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

CELL_METRES = 100.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
METRES_PER_DEGREE_LAT = 110_574.0
PRECISION = 7


def cell_size_degrees(latitude: float) -> tuple[float, float]:
    """Width and height in degrees of a 100 m × 100 m cell at ``latitude``."""
    dx = CELL_METRES / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(latitude)))
    dy = CELL_METRES / METRES_PER_DEGREE_LAT
    return dx, dy


@dataclass(frozen=True)
class Raster:
    """Cell edges: ``xs`` west→east, ``ys`` north→south; cell (r, c) spans xs[c]..xs[c+1]."""

    xs: list[float]
    ys: list[float]

    @classmethod
    def build(cls, west: float, north: float, columns: int, rows: int, latitude: float) -> Raster:
        dx, dy = cell_size_degrees(latitude)
        xs = [round(west + i * dx, PRECISION) for i in range(columns + 1)]
        ys = [round(north - j * dy, PRECISION) for j in range(rows + 1)]
        return cls(xs, ys)

    def to_cell_units(self, lon: float, lat: float) -> tuple[float, float]:
        """(column, row) coordinates of a point, in cells from the north-west corner."""
        dx = (self.xs[-1] - self.xs[0]) / (len(self.xs) - 1)
        dy = (self.ys[0] - self.ys[-1]) / (len(self.ys) - 1)
        return (lon - self.xs[0]) / dx, (self.ys[0] - lat) / dy


def _ring(coords: Any) -> list[list[float]]:
    return [[round(float(x), PRECISION), round(float(y), PRECISION)] for x, y in coords]


def multipolygon_dict(geometry: Any) -> dict[str, Any]:
    if geometry.geom_type == "Polygon":
        polygons = [geometry]
    elif geometry.geom_type == "MultiPolygon":
        polygons = list(geometry.geoms)
    else:  # pragma: no cover - unions of squares are always polygonal
        raise ValueError(f"expected polygonal geometry, got {geometry.geom_type}")
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [_ring(p.exterior.coords), *(_ring(hole.coords) for hole in p.interiors)]
            for p in polygons
        ],
    }


def square_dict(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """One cell (south-west x0/y0, north-east x1/y1), exterior ring counter-clockwise."""
    return {
        "type": "MultiPolygon",
        "coordinates": [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]],
    }


class CellGeometry:
    """Cell squares of one raster and exact unions of them."""

    def __init__(self, raster: Raster, rows: IntArray, cols: IntArray) -> None:
        self.xs = np.array(raster.xs, dtype=np.float64)
        self.ys = np.array(raster.ys, dtype=np.float64)
        x0, x1 = self.xs[cols], self.xs[cols + 1]
        y_north, y_south = self.ys[rows], self.ys[rows + 1]
        ring = np.stack(
            [
                np.stack([x0, y_south], axis=1),
                np.stack([x1, y_south], axis=1),
                np.stack([x1, y_north], axis=1),
                np.stack([x0, y_north], axis=1),
                np.stack([x0, y_south], axis=1),
            ],
            axis=1,
        )
        self.cells: Any = shapely.polygons(ring)

    def union(self, parts: Any, what: str) -> Any:
        geometry = shapely.union_all(parts)
        if geometry.is_empty:
            raise RuntimeError(f"{what}: empty geometry")
        geometry = shapely.orient_polygons(geometry, exterior_cw=False)
        if not shapely.is_valid(geometry):
            raise RuntimeError(f"{what}: invalid geometry ({shapely.is_valid_reason(geometry)})")
        coords = shapely.get_coordinates(geometry)
        if not (np.isin(coords[:, 0], self.xs).all() and np.isin(coords[:, 1], self.ys).all()):
            raise RuntimeError(f"{what}: union created coordinates off the raster")
        return geometry

    def union_cells(self, cells: IntArray, what: str) -> Any:
        return self.union(self.cells[cells], what)
