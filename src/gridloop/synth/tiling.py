"""Exact raster tilings of a district: streets → communities → unit grids, and responsibility grids.

Everything is built on one raster of roughly 100 m × 100 m cells (`raster.py`). A unit grid is
one cell; a community, a street and a responsibility grid are unions of cells. Every geometry is
valid, unit grids never overlap and every unit grid lies inside its community: exactly what the
database demands of imported geometry.

Pure (shapely and numpy only, no database, no web framework):

* :func:`build_layout` tiles an arbitrary district outline from street seed points,
* :func:`layout_to_feature_collections` turns a :class:`Layout` into GeoJSON FeatureCollections;
* `district.py` makes a synthetic block of any number of cells for tests and benchmarks, and
  `changning/layout.py` the demo district 长宁区 (310105).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from gridloop.synth.clustering import assign_to_seeds, kmeans, nearest, order_north_to_south
from gridloop.synth.raster import (
    CellGeometry,
    FloatArray,
    IntArray,
    Raster,
    cell_size_degrees,
    multipolygon_dict,
    square_dict,
)

Feature = dict[str, Any]

LAYER_NAMES = ("streets", "communities", "unit-grids", "responsibility-grids")

MAX_SEQUENCE_3 = 999  # communities per street, unit grids per community
_MAX_SEQUENCE_2 = 99  # responsibility grids per street

# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunitySpec:
    """A community (居委会) to place inside a street.

    ``seed`` is a (lon, lat) point; leave it out for every community of a street to let the
    builder place the communities itself (k-means on the street's cells, numbered north→south).
    """

    name: str
    seed: tuple[float, float] | None = None


@dataclass(frozen=True)
class StreetSpec:
    """A street (街道/镇): official 9-digit code, name, seed point (lon, lat).

    Cells go to the street with the smallest ``distance / weight`` (a weight above 1 makes the
    street reach further). Community codes are the street code plus a 3-digit sequence in the
    order of ``communities``.
    """

    code: str
    name: str
    seed: tuple[float, float]
    communities: tuple[CommunitySpec, ...]
    responsibility_grids: int = 3
    weight: float = 1.0


@dataclass(frozen=True)
class Layout:
    """GeoJSON-ready features (``{"type": "Feature", "properties": …, "geometry": …}``).

    Geometries are always MultiPolygons with coordinates rounded to 7 decimals.
    """

    district_code: str
    district_name: str
    streets: list[Feature] = field(default_factory=list)
    communities: list[Feature] = field(default_factory=list)
    unit_grids: list[Feature] = field(default_factory=list)
    responsibility_grids: list[Feature] = field(default_factory=list)
    description: str = ""

    def layer(self, name: str) -> list[Feature]:
        """The features of one layer, by its file/API name (see :data:`LAYER_NAMES`)."""
        layers = {
            "streets": self.streets,
            "communities": self.communities,
            "unit-grids": self.unit_grids,
            "responsibility-grids": self.responsibility_grids,
        }
        return layers[name]


def layout_to_feature_collections(layout: Layout) -> dict[str, dict[str, Any]]:
    """Map each layer name to a GeoJSON FeatureCollection (with ``name`` and ``description``)."""
    collections: dict[str, dict[str, Any]] = {}
    for layer in LAYER_NAMES:
        collection: dict[str, Any] = {
            "type": "FeatureCollection",
            "name": f"{layout.district_code} {layout.district_name} {layer}",
        }
        if layout.description:
            collection["description"] = layout.description
        collection["features"] = layout.layer(layer)
        collections[layer] = collection
    return collections


@dataclass
class Group:
    """A community or responsibility grid: code, name, street index, member cells."""

    code: str
    name: str
    street: int
    cells: IntArray


@dataclass
class StreetPlan:
    code: str
    name: str
    community_names: list[str]
    community_seeds: FloatArray | None  # cell units, one row per community, or None = automatic
    responsibility_grids: int


# --------------------------------------------------------------------------------------------
# Core: subdivide streets and emit features
# --------------------------------------------------------------------------------------------


def _check_code(code: str, digits: int, parent: str, what: str) -> None:
    if len(code) != digits or not code.isdigit() or not code.startswith(parent):
        raise ValueError(f"{what} code {code!r} must be {digits} digits starting with {parent!r}")


def subdivide(
    points: FloatArray,
    street_of: IntArray,
    plans: Sequence[StreetPlan],
    rng: random.Random,
) -> tuple[list[Group], list[Group]]:
    """Split each street's cells into communities and responsibility grids."""
    communities: list[Group] = []
    responsibility: list[Group] = []
    for s, plan in enumerate(plans):
        cells = np.flatnonzero(street_of == s).astype(np.intp)
        n = len(cells)
        if n == 0:
            raise ValueError(f"street {plan.code} {plan.name} received no cells")
        pts = points[cells]

        k = min(len(plan.community_names), n)
        if k == 0:
            raise ValueError(f"street {plan.code} {plan.name} has no communities")
        if k > MAX_SEQUENCE_3:
            raise ValueError(f"street {plan.code}: more than {MAX_SEQUENCE_3} communities")
        if plan.community_seeds is not None:
            labels = assign_to_seeds(pts, plan.community_seeds[:k])
        else:
            labels = order_north_to_south(pts, kmeans(pts, k, rng), k)
        for j in range(k):
            members = cells[labels == j]
            if len(members) > MAX_SEQUENCE_3:
                raise ValueError(
                    f"community {plan.community_names[j]} has {len(members)} cells "
                    f"(at most {MAX_SEQUENCE_3} unit grids per community)"
                )
            communities.append(
                Group(f"{plan.code}{j + 1:03d}", plan.community_names[j], s, members)
            )

        g = max(1, min(plan.responsibility_grids, n))
        if g > _MAX_SEQUENCE_2:
            raise ValueError(
                f"street {plan.code}: more than {_MAX_SEQUENCE_2} responsibility grids"
            )
        labels = order_north_to_south(pts, kmeans(pts, g, rng), g)
        for j in range(g):
            responsibility.append(
                Group(
                    f"{plan.code}{j + 1:02d}",
                    f"{plan.name}第{j + 1}责任网格",
                    s,
                    cells[labels == j],
                )
            )
    return communities, responsibility


@dataclass(frozen=True)
class Cells:
    """The cells of a tiling: their raster, row and column, and their street plans."""

    raster: Raster
    rows: IntArray
    cols: IntArray
    plans: Sequence[StreetPlan]


def _feature(properties: dict[str, Any], geometry: dict[str, Any]) -> Feature:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _unit_grids(
    cells: Cells, community: Group, unit_code: list[str], features: list[Feature]
) -> Any:
    """Number a community's cells north → south, west → east as its unit grids; its members in
    that order."""
    rows, cols, xs, ys = cells.rows, cells.cols, cells.raster.xs, cells.raster.ys
    members = community.cells
    members = members[np.lexsort((cols[members], rows[members]))]
    for seq, cell in enumerate(members.tolist(), start=1):
        code = f"{community.code}{seq:03d}"
        unit_code[cell] = code
        r, c = int(rows[cell]), int(cols[cell])
        features.append(
            _feature(
                {"code": code, "community_code": community.code},
                square_dict(xs[c], ys[r + 1], xs[c + 1], ys[r]),
            )
        )
    return members


def emit(
    district_code: str,
    district_name: str,
    description: str,
    cells: Cells,
    communities: Sequence[Group],
    responsibility: Sequence[Group],
) -> Layout:
    """The features of every layer: unit grids, communities and streets as unions of cells."""
    plans = cells.plans
    geometry = CellGeometry(cells.raster, cells.rows, cells.cols)
    unit_code = [""] * len(cells.rows)
    layout = Layout(district_code, district_name, description=description)
    community_geometries: list[list[Any]] = [[] for _ in plans]
    for community in communities:
        members = _unit_grids(cells, community, unit_code, layout.unit_grids)
        shape = geometry.union_cells(members, f"community {community.code}")
        community_geometries[community.street].append(shape)
        street_code = plans[community.street].code
        layout.communities.append(
            _feature(
                {"code": community.code, "name": community.name, "street_code": street_code},
                multipolygon_dict(shape),
            )
        )
    for s, plan in enumerate(plans):
        parts = np.array(community_geometries[s], dtype=object)
        shape = geometry.union(parts, f"street {plan.code}")
        street = {"code": plan.code, "name": plan.name, "district_code": district_code}
        street["district_name"] = district_name
        layout.streets.append(_feature(street, multipolygon_dict(shape)))
    for grid in responsibility:
        shape = geometry.union_cells(grid.cells, f"responsibility grid {grid.code}")
        properties: dict[str, Any] = {"code": grid.code, "name": grid.name}
        properties["street_code"] = plans[grid.street].code
        properties["unit_grid_codes"] = sorted(unit_code[c] for c in grid.cells.tolist())
        layout.responsibility_grids.append(_feature(properties, multipolygon_dict(shape)))
    return layout


# --------------------------------------------------------------------------------------------
# Public builders
# --------------------------------------------------------------------------------------------


def _check_specs(district_code: str, streets: Sequence[StreetSpec]) -> None:
    _check_code(district_code, 6, "", "district")
    if not streets:
        raise ValueError("at least one street is required")
    if len({s.code for s in streets}) != len(streets):
        raise ValueError("street codes must be unique")
    for spec in streets:
        _check_code(spec.code, 9, district_code, "street")
        if spec.weight <= 0:
            raise ValueError(f"street {spec.code}: weight must be positive")
        given = [c.seed is not None for c in spec.communities]
        if any(given) and not all(given):
            raise ValueError(f"street {spec.code}: give a seed for every community or for none")


def _cells_inside(outline: Polygon) -> tuple[Raster, IntArray, IntArray]:
    """A raster over the outline's bounds, and the cells whose centre lies inside it."""
    west, south, east, north = (float(v) for v in outline.bounds)
    latitude = (south + north) / 2
    dx, dy = cell_size_degrees(latitude)
    west = math.floor(west * 1000) / 1000
    north = math.ceil(north * 1000) / 1000
    columns = math.ceil((east - west) / dx) + 1
    n_rows = math.ceil((north - south) / dy) + 1
    raster = Raster.build(west, north, columns, n_rows, latitude)

    grid_r, grid_c = np.meshgrid(np.arange(n_rows), np.arange(columns), indexing="ij")
    all_rows = grid_r.ravel().astype(np.intp)
    all_cols = grid_c.ravel().astype(np.intp)
    xs = np.array(raster.xs)
    ys = np.array(raster.ys)
    centre_x = (xs[all_cols] + xs[all_cols + 1]) / 2
    centre_y = (ys[all_rows] + ys[all_rows + 1]) / 2
    shapely.prepare(outline)
    inside = np.asarray(shapely.contains_xy(outline, centre_x, centre_y), dtype=bool)
    if not inside.any():
        raise ValueError("the outline contains no cell centre")
    return raster, all_rows[inside], all_cols[inside]


def _street_plan(spec: StreetSpec, raster: Raster) -> StreetPlan:
    seeds = None
    if spec.communities and spec.communities[0].seed is not None:
        seeds = np.array(
            [raster.to_cell_units(*c.seed) for c in spec.communities if c.seed], dtype=np.float64
        )
    return StreetPlan(
        code=spec.code,
        name=spec.name,
        community_names=[c.name for c in spec.communities],
        community_seeds=seeds,
        responsibility_grids=spec.responsibility_grids,
    )


def build_layout(
    district_code: str,
    district_name: str,
    outline: Polygon,
    streets: Sequence[StreetSpec],
    *,
    description: str = "",
    seed: int = 0,
) -> Layout:
    """Tile ``outline`` (WGS-84) into unit grids and group them as the specs say.

    Every cell whose centre lies inside the outline becomes a unit grid. Cells go to the street
    whose seed is nearest (distance divided by the street's weight); inside a street, to the
    nearest community seed (or to k-means clusters when the street gives no community seeds);
    each street's cells are split into its responsibility grids by k-means. ``seed`` makes the
    k-means seeding reproducible.
    """
    _check_specs(district_code, streets)
    raster, rows, cols = _cells_inside(outline)
    points = np.stack([cols + 0.5, rows + 0.5], axis=1).astype(np.float64)
    street_seeds = np.array([raster.to_cell_units(*s.seed) for s in streets], dtype=np.float64)
    weights = np.array([s.weight for s in streets], dtype=np.float64)
    street_of = nearest(points, street_seeds, weights)
    plans = [_street_plan(spec, raster) for spec in streets]
    communities, responsibility = subdivide(points, street_of, plans, random.Random(seed))
    cells = Cells(raster, rows, cols, plans)
    return emit(district_code, district_name, description, cells, communities, responsibility)
