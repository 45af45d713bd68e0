"""Exact raster tilings of a district: streets → communities → unit grids, and responsibility grids.

Everything is built on one raster of roughly 100 m × 100 m cells. The edge coordinates of the
raster are computed once (each rounded to 7 decimals) and every cell square is built from those
two arrays, so neighbouring cells share bit-identical coordinates. A unit grid is one cell; a
community, a street and a responsibility grid are unions of cells. Unions of such squares only
ever contain raster corners as vertices (checked while building), every geometry is valid, unit
grids never overlap and every unit grid lies inside its community: exactly what the database
demands of imported geometry.

The module is pure (shapely and numpy only, no database, no web framework):

* :func:`build_layout` tiles an arbitrary district outline from street seed points,
* :func:`synthetic_layout` makes a synthetic block of any number of cells for tests and benchmarks,
* :func:`changning_layout` is the demo district 长宁区 (310105),
* :func:`layout_to_feature_collections` turns a :class:`Layout` into GeoJSON FeatureCollections.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

Feature = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

CELL_METRES = 100.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
METRES_PER_DEGREE_LAT = 110_574.0
PRECISION = 7

LAYER_NAMES = ("streets", "communities", "unit-grids", "responsibility-grids")

_MAX_SEQUENCE_3 = 999  # communities per street, unit grids per community
_MAX_SEQUENCE_2 = 99  # responsibility grids per street
_KMEANS_ITERATIONS = 30


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


def cell_size_degrees(latitude: float) -> tuple[float, float]:
    """Width and height in degrees of a 100 m × 100 m cell at ``latitude``."""
    dx = CELL_METRES / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(latitude)))
    dy = CELL_METRES / METRES_PER_DEGREE_LAT
    return dx, dy


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


# --------------------------------------------------------------------------------------------
# Raster
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raster:
    """Cell edges: ``xs`` west→east, ``ys`` north→south; cell (r, c) spans xs[c]..xs[c+1]."""

    xs: list[float]
    ys: list[float]

    @classmethod
    def build(cls, west: float, north: float, columns: int, rows: int, latitude: float) -> _Raster:
        dx, dy = cell_size_degrees(latitude)
        xs = [round(west + i * dx, PRECISION) for i in range(columns + 1)]
        ys = [round(north - j * dy, PRECISION) for j in range(rows + 1)]
        return cls(xs, ys)

    def to_cell_units(self, lon: float, lat: float) -> tuple[float, float]:
        """(column, row) coordinates of a point, in cells from the north-west corner."""
        dx = (self.xs[-1] - self.xs[0]) / (len(self.xs) - 1)
        dy = (self.ys[0] - self.ys[-1]) / (len(self.ys) - 1)
        return (lon - self.xs[0]) / dx, (self.ys[0] - lat) / dy


@dataclass
class _Group:
    """A community or responsibility grid: code, name, street index, member cells."""

    code: str
    name: str
    street: int
    cells: IntArray


@dataclass
class _StreetPlan:
    code: str
    name: str
    community_names: list[str]
    community_seeds: FloatArray | None  # cell units, one row per community, or None = automatic
    responsibility_grids: int


# --------------------------------------------------------------------------------------------
# Clustering helpers (deterministic)
# --------------------------------------------------------------------------------------------


def _nearest(points: FloatArray, centres: FloatArray, scale: FloatArray | None = None) -> IntArray:
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    if scale is not None:
        d2 = d2 / (scale[None, :] ** 2)
    labels: IntArray = np.argmin(d2, axis=1).astype(np.intp)
    return labels


def _centroids(points: FloatArray, labels: IntArray, k: int, fallback: FloatArray) -> FloatArray:
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums_x = np.bincount(labels, weights=points[:, 0], minlength=k)
    sums_y = np.bincount(labels, weights=points[:, 1], minlength=k)
    centres = fallback.copy()
    filled = counts > 0
    centres[filled, 0] = sums_x[filled] / counts[filled]
    centres[filled, 1] = sums_y[filled] / counts[filled]
    return centres


def _fill_empty(points: FloatArray, labels: IntArray, k: int) -> IntArray:
    """Give every empty cluster one point: the outermost point of the largest cluster."""
    labels = labels.copy()
    while True:
        counts = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(counts == 0)
        if len(empty) == 0:
            return labels
        big = int(np.argmax(counts))
        members = np.flatnonzero(labels == big)
        centre = points[members].mean(axis=0)
        far = members[int(np.argmax(((points[members] - centre) ** 2).sum(axis=1)))]
        labels[far] = int(empty[0])


def _kmeans(points: FloatArray, k: int, rng: random.Random) -> IntArray:
    """Lloyd's k-means with k-means++ seeding from ``rng``; every cluster ends up non-empty."""
    n = len(points)
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    if k >= n:
        return np.arange(n, dtype=np.intp)
    chosen = [rng.randrange(n)]
    d2 = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        cumulative = np.cumsum(d2)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        pick = min(pick, n - 1)
        while d2[pick] == 0.0:  # already a centre (only possible through rounding)
            pick = (pick + 1) % n
        chosen.append(pick)
        d2 = np.minimum(d2, ((points - points[pick]) ** 2).sum(axis=1))
    centres = points[chosen].copy()
    labels = _nearest(points, centres)
    for _ in range(_KMEANS_ITERATIONS):
        centres = _centroids(points, labels, k, centres)
        updated = _nearest(points, centres)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return _fill_empty(points, labels, k)


def _assign_to_seeds(points: FloatArray, seeds: FloatArray) -> IntArray:
    """Nearest seed; a seed that wins no point is moved into the largest cluster and retried."""
    k = len(seeds)
    seeds = seeds.copy()
    labels = _nearest(points, seeds)
    for _ in range(k):
        counts = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(counts == 0)
        if len(empty) == 0:
            return labels
        big = int(np.argmax(counts))
        members = np.flatnonzero(labels == big)
        far = members[int(np.argmax(((points[members] - seeds[big]) ** 2).sum(axis=1)))]
        seeds[int(empty[0])] = points[far]
        labels = _nearest(points, seeds)
    return _fill_empty(points, labels, k)


def _order_north_to_south(points: FloatArray, labels: IntArray, k: int) -> IntArray:
    """Relabel clusters so that label 0 has the northernmost centroid (ties: westernmost)."""
    centres = _centroids(points, labels, k, np.zeros((k, 2)))
    order = np.lexsort((centres[:, 0], centres[:, 1]))  # primary: row (y), then column (x)
    rank = np.empty(k, dtype=np.intp)
    rank[order] = np.arange(k, dtype=np.intp)
    relabelled: IntArray = rank[labels]
    return relabelled


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------


def _ring(coords: Any) -> list[list[float]]:
    return [[round(float(x), PRECISION), round(float(y), PRECISION)] for x, y in coords]


def _multipolygon_dict(geometry: Any) -> dict[str, Any]:
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


def _square_dict(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """One cell (south-west x0/y0, north-east x1/y1), exterior ring counter-clockwise."""
    return {
        "type": "MultiPolygon",
        "coordinates": [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]],
    }


class _Geometry:
    """Cell squares of one raster and exact unions of them."""

    def __init__(self, raster: _Raster, rows: IntArray, cols: IntArray) -> None:
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


# --------------------------------------------------------------------------------------------
# Core: subdivide streets and emit features
# --------------------------------------------------------------------------------------------


def _check_code(code: str, digits: int, parent: str, what: str) -> None:
    if len(code) != digits or not code.isdigit() or not code.startswith(parent):
        raise ValueError(f"{what} code {code!r} must be {digits} digits starting with {parent!r}")


def _subdivide(
    points: FloatArray,
    street_of: IntArray,
    plans: Sequence[_StreetPlan],
    rng: random.Random,
) -> tuple[list[_Group], list[_Group]]:
    """Split each street's cells into communities and responsibility grids."""
    communities: list[_Group] = []
    responsibility: list[_Group] = []
    for s, plan in enumerate(plans):
        cells = np.flatnonzero(street_of == s).astype(np.intp)
        n = len(cells)
        if n == 0:
            raise ValueError(f"street {plan.code} {plan.name} received no cells")
        pts = points[cells]

        k = min(len(plan.community_names), n)
        if k == 0:
            raise ValueError(f"street {plan.code} {plan.name} has no communities")
        if k > _MAX_SEQUENCE_3:
            raise ValueError(f"street {plan.code}: more than {_MAX_SEQUENCE_3} communities")
        if plan.community_seeds is not None:
            labels = _assign_to_seeds(pts, plan.community_seeds[:k])
        else:
            labels = _order_north_to_south(pts, _kmeans(pts, k, rng), k)
        for j in range(k):
            members = cells[labels == j]
            if len(members) > _MAX_SEQUENCE_3:
                raise ValueError(
                    f"community {plan.community_names[j]} has {len(members)} cells "
                    f"(at most {_MAX_SEQUENCE_3} unit grids per community)"
                )
            communities.append(
                _Group(f"{plan.code}{j + 1:03d}", plan.community_names[j], s, members)
            )

        g = max(1, min(plan.responsibility_grids, n))
        if g > _MAX_SEQUENCE_2:
            raise ValueError(
                f"street {plan.code}: more than {_MAX_SEQUENCE_2} responsibility grids"
            )
        labels = _order_north_to_south(pts, _kmeans(pts, g, rng), g)
        for j in range(g):
            responsibility.append(
                _Group(
                    f"{plan.code}{j + 1:02d}",
                    f"{plan.name}第{j + 1}责任网格",
                    s,
                    cells[labels == j],
                )
            )
    return communities, responsibility


def _emit(
    district_code: str,
    district_name: str,
    description: str,
    raster: _Raster,
    rows: IntArray,
    cols: IntArray,
    plans: Sequence[_StreetPlan],
    communities: Sequence[_Group],
    responsibility: Sequence[_Group],
) -> Layout:
    geometry = _Geometry(raster, rows, cols)
    xs, ys = raster.xs, raster.ys

    unit_code = [""] * len(rows)
    unit_grids: list[Feature] = []
    community_features: list[Feature] = []
    community_geometries: list[list[Any]] = [[] for _ in plans]
    for community in communities:
        members = community.cells
        members = members[np.lexsort((cols[members], rows[members]))]  # north→south, west→east
        for seq, cell in enumerate(members.tolist(), start=1):
            code = f"{community.code}{seq:03d}"
            unit_code[cell] = code
            r, c = int(rows[cell]), int(cols[cell])
            unit_grids.append(
                {
                    "type": "Feature",
                    "properties": {"code": code, "community_code": community.code},
                    "geometry": _square_dict(xs[c], ys[r + 1], xs[c + 1], ys[r]),
                }
            )
        shape = geometry.union_cells(members, f"community {community.code}")
        community_geometries[community.street].append(shape)
        community_features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": community.code,
                    "name": community.name,
                    "street_code": plans[community.street].code,
                },
                "geometry": _multipolygon_dict(shape),
            }
        )

    street_features: list[Feature] = []
    for s, plan in enumerate(plans):
        shape = geometry.union(
            np.array(community_geometries[s], dtype=object), f"street {plan.code}"
        )
        street_features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": plan.code,
                    "name": plan.name,
                    "district_code": district_code,
                    "district_name": district_name,
                },
                "geometry": _multipolygon_dict(shape),
            }
        )

    responsibility_features: list[Feature] = []
    for grid in responsibility:
        shape = geometry.union_cells(grid.cells, f"responsibility grid {grid.code}")
        responsibility_features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "street_code": plans[grid.street].code,
                    "unit_grid_codes": sorted(unit_code[c] for c in grid.cells.tolist()),
                },
                "geometry": _multipolygon_dict(shape),
            }
        )

    return Layout(
        district_code=district_code,
        district_name=district_name,
        streets=street_features,
        communities=community_features,
        unit_grids=unit_grids,
        responsibility_grids=responsibility_features,
        description=description,
    )


# --------------------------------------------------------------------------------------------
# Public builders
# --------------------------------------------------------------------------------------------


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

    west, south, east, north = (float(v) for v in outline.bounds)
    latitude = (south + north) / 2
    dx, dy = cell_size_degrees(latitude)
    west = math.floor(west * 1000) / 1000
    north = math.ceil(north * 1000) / 1000
    columns = math.ceil((east - west) / dx) + 1
    n_rows = math.ceil((north - south) / dy) + 1
    raster = _Raster.build(west, north, columns, n_rows, latitude)

    grid_r, grid_c = np.meshgrid(np.arange(n_rows), np.arange(columns), indexing="ij")
    all_rows = grid_r.ravel().astype(np.intp)
    all_cols = grid_c.ravel().astype(np.intp)
    xs = np.array(raster.xs)
    ys = np.array(raster.ys)
    centre_x = (xs[all_cols] + xs[all_cols + 1]) / 2
    centre_y = (ys[all_rows] + ys[all_rows + 1]) / 2
    shapely.prepare(outline)
    inside = np.asarray(shapely.contains_xy(outline, centre_x, centre_y), dtype=bool)
    rows, cols = all_rows[inside], all_cols[inside]
    if len(rows) == 0:
        raise ValueError("the outline contains no cell centre")

    points = np.stack([cols + 0.5, rows + 0.5], axis=1).astype(np.float64)
    street_seeds = np.array([raster.to_cell_units(*s.seed) for s in streets], dtype=np.float64)
    weights = np.array([s.weight for s in streets], dtype=np.float64)
    street_of = _nearest(points, street_seeds, weights)

    plans = [
        _StreetPlan(
            code=spec.code,
            name=spec.name,
            community_names=[c.name for c in spec.communities],
            community_seeds=(
                np.array(
                    [raster.to_cell_units(*c.seed) for c in spec.communities if c.seed],
                    dtype=np.float64,
                )
                if spec.communities and spec.communities[0].seed is not None
                else None
            ),
            responsibility_grids=spec.responsibility_grids,
        )
        for spec in streets
    ]
    communities, responsibility = _subdivide(points, street_of, plans, random.Random(seed))
    return _emit(
        district_code,
        district_name,
        description,
        raster,
        rows,
        cols,
        plans,
        communities,
        responsibility,
    )


SYNTHETIC_DISTRICT_CODE = "110101"
SYNTHETIC_DISTRICT_NAME = "东城区(合成)"
_SYNTHETIC_CENTRE = (116.41, 39.92)
_SYNTHETIC_CELLS_PER_STREET = 1800
_SYNTHETIC_CELLS_PER_COMMUNITY = 180
_SYNTHETIC_GRIDS_PER_STREET = 5


def synthetic_layout(grid_count: int, *, seed: int = 0) -> Layout:
    """A synthetic district of exactly ``grid_count`` unit grids near Dongcheng, Beijing.

    The cells are the first ``grid_count`` cells, in row-major order, of a square-ish raster;
    about 180 cells per community, about 10 communities per street, 5 responsibility grids per
    street (fewer for tiny streets). Names say 合成 (synthetic): this is not real geography.
    """
    if grid_count < 1:
        raise ValueError("grid_count must be positive")
    width = math.ceil(math.sqrt(grid_count))
    height = math.ceil(grid_count / width)
    lon, lat = _SYNTHETIC_CENTRE
    dx, dy = cell_size_degrees(lat)
    west = round(lon - width * dx / 2, 4)
    north = round(lat + height * dy / 2, 4)
    raster = _Raster.build(west, north, width, height, lat)

    index = np.arange(grid_count, dtype=np.intp)
    rows, cols = index // width, index % width
    points = np.stack([cols + 0.5, rows + 0.5], axis=1).astype(np.float64)
    rng = random.Random(seed)

    n_streets = max(1, min(_MAX_SEQUENCE_3, round(grid_count / _SYNTHETIC_CELLS_PER_STREET)))
    street_of = _order_north_to_south(points, _kmeans(points, n_streets, rng), n_streets)
    counts = np.bincount(street_of, minlength=n_streets)
    plans: list[_StreetPlan] = []
    for s in range(n_streets):
        size = int(counts[s])
        n_communities = max(1, min(size, round(size / _SYNTHETIC_CELLS_PER_COMMUNITY)))
        plans.append(
            _StreetPlan(
                code=f"{SYNTHETIC_DISTRICT_CODE}{s + 1:03d}",
                name=f"合成{s + 1:02d}街道",
                community_names=[
                    f"合成{s + 1:02d}-{j + 1:02d}居委会" for j in range(n_communities)
                ],
                community_seeds=None,
                responsibility_grids=max(1, min(_SYNTHETIC_GRIDS_PER_STREET, size // 10)),
            )
        )
    communities, responsibility = _subdivide(points, street_of, plans, rng)
    description = (
        f"Synthetic layout: a near-square block of {grid_count} cells of about 100 m near "
        "Dongcheng, Beijing, for tests and benchmarks. Not real geography; codes are made up."
    )
    return _emit(
        SYNTHETIC_DISTRICT_CODE,
        SYNTHETIC_DISTRICT_NAME,
        description,
        raster,
        rows,
        cols,
        plans,
        communities,
        responsibility,
    )


# --------------------------------------------------------------------------------------------
# Demo district: 长宁区 (Changning, Shanghai)
# --------------------------------------------------------------------------------------------

CHANGNING_DISTRICT_CODE = "310105"
CHANGNING_DISTRICT_NAME = "长宁区"

# A hand-drawn outline (lon, lat), clockwise from the north-west: Suzhou Creek meanders along
# the north, the district narrows towards Huashan Road in the east, the south runs past Gubei
# to the airport side in the west. Demo geometry, not a surveyed boundary.
_CHANGNING_OUTLINE: tuple[tuple[float, float], ...] = (
    (121.3480, 31.2220),
    (121.3560, 31.2280),
    (121.3650, 31.2255),
    (121.3740, 31.2305),
    (121.3830, 31.2275),
    (121.3920, 31.2310),
    (121.4010, 31.2280),
    (121.4090, 31.2320),
    (121.4170, 31.2285),
    (121.4240, 31.2300),
    (121.4310, 31.2265),
    (121.4380, 31.2275),
    (121.4445, 31.2235),
    (121.4485, 31.2185),
    (121.4465, 31.2130),
    (121.4490, 31.2080),
    (121.4430, 31.2060),
    (121.4360, 31.2030),
    (121.4280, 31.2000),
    (121.4190, 31.1960),
    (121.4090, 31.1925),
    (121.3980, 31.1900),
    (121.3860, 31.1895),
    (121.3740, 31.1870),
    (121.3620, 31.1885),
    (121.3520, 31.1875),
    (121.3470, 31.1960),
    (121.3490, 31.2050),
    (121.3460, 31.2140),
)


def _changning_street(
    code: str,
    name: str,
    seed: tuple[float, float],
    communities: Sequence[str],
    *,
    responsibility_grids: int,
    weight: float = 1.0,
) -> StreetSpec:
    return StreetSpec(
        code=code,
        name=name,
        seed=seed,
        communities=tuple(CommunitySpec(f"{c}居委会") for c in communities),
        responsibility_grids=responsibility_grids,
        weight=weight,
    )


# Official street codes and real community (居委会) names. Community codes are NOT official:
# they are the street code plus a sequence in the order listed here.
_CHANGNING_STREETS: tuple[StreetSpec, ...] = (
    _changning_street(
        "310105001",
        "华阳路街道",
        (121.4190, 31.2215),
        ("华一", "华二", "秀水", "陶家宅", "姚家角", "建宁"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105002",
        "江苏路街道",
        (121.4410, 31.2160),
        ("岐山", "江苏", "万村", "曹家堰", "华山"),
        responsibility_grids=3,
        weight=0.85,
    ),
    _changning_street(
        "310105004",
        "新华路街道",
        (121.4230, 31.2030),
        ("番禺", "牛桥", "人民", "香花", "新华", "梅安"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105005",
        "周家桥街道",
        (121.4040, 31.2245),
        ("范北", "武夷", "周一", "锦屏", "古南"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105006",
        "天山路街道",
        (121.3950, 31.2140),
        ("天山二村", "茅台", "仙霞", "遵义", "紫云"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105008",
        "仙霞新村街道",
        (121.3840, 31.2030),
        ("虹日", "虹古", "虹霞", "虹旭", "威宁小区"),
        responsibility_grids=3,
        weight=0.95,
    ),
    _changning_street(
        "310105009",
        "虹桥街道",
        (121.4050, 31.1985),
        ("安东", "长顺", "虹南", "爱建", "伊犁", "古北荣华第一"),
        responsibility_grids=4,
        weight=1.1,
    ),
    _changning_street(
        "310105010",
        "程家桥街道",
        (121.3640, 31.1950),
        ("程桥一村", "宝北", "南龚", "上航新村"),
        responsibility_grids=4,
        weight=1.2,
    ),
    _changning_street(
        "310105011",
        "北新泾街道",
        (121.3760, 31.2220),
        ("新泾一村第一", "北翟", "哈密新村", "金平", "剑河家苑"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105102",
        "新泾镇",
        (121.3580, 31.2110),
        ("刘家宅小区第一", "淮阴路", "华松", "屈家桥", "平塘"),
        responsibility_grids=4,
        weight=1.3,
    ),
)

CHANGNING_DESCRIPTION = (
    "Demo geometry for 长宁区 (310105): roughly follows the real layout of its streets, drawn on "
    "a raster of about 100 m cells; not survey data. Street codes are official; community names "
    "are real but community, unit-grid and responsibility-grid codes are not official."
)


def changning_outline() -> Polygon:
    """The hand-drawn demo outline of 长宁区."""
    return Polygon(_CHANGNING_OUTLINE)


def changning_layout() -> Layout:
    """The demo district 长宁区 (310105): 10 streets, 52 communities, 33 responsibility grids."""
    return build_layout(
        CHANGNING_DISTRICT_CODE,
        CHANGNING_DISTRICT_NAME,
        changning_outline(),
        _CHANGNING_STREETS,
        description=CHANGNING_DESCRIPTION,
    )
