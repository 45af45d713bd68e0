"""The synthetic district of `gridloop seed synthetic` and the benchmarks: any number of unit
grids in a near-square block near Dongcheng, Beijing, tiled like the demo district.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

from gridloop.geo.layers import Layer
from gridloop.seeding import LAYER_ORDER
from gridloop.synth.clustering import kmeans, order_north_to_south
from gridloop.synth.raster import Raster, cell_size_degrees
from gridloop.synth.tiling import (
    MAX_SEQUENCE_3,
    Cells,
    Layout,
    StreetPlan,
    emit,
    layout_to_feature_collections,
    subdivide,
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
    raster = Raster.build(west, north, width, height, lat)

    index = np.arange(grid_count, dtype=np.intp)
    rows, cols = index // width, index % width
    points = np.stack([cols + 0.5, rows + 0.5], axis=1).astype(np.float64)
    rng = random.Random(seed)

    n_streets = max(1, min(MAX_SEQUENCE_3, round(grid_count / _SYNTHETIC_CELLS_PER_STREET)))
    street_of = order_north_to_south(points, kmeans(points, n_streets, rng), n_streets)
    counts = np.bincount(street_of, minlength=n_streets)
    plans: list[StreetPlan] = []
    for s in range(n_streets):
        size = int(counts[s])
        n_communities = max(1, min(size, round(size / _SYNTHETIC_CELLS_PER_COMMUNITY)))
        plans.append(
            StreetPlan(
                code=f"{SYNTHETIC_DISTRICT_CODE}{s + 1:03d}",
                name=f"合成{s + 1:02d}街道",
                community_names=[
                    f"合成{s + 1:02d}-{j + 1:02d}居委会" for j in range(n_communities)
                ],
                community_seeds=None,
                responsibility_grids=max(1, min(_SYNTHETIC_GRIDS_PER_STREET, size // 10)),
            )
        )
    communities, responsibility = subdivide(points, street_of, plans, rng)
    description = (
        f"Synthetic layout: a near-square block of {grid_count} cells of about 100 m near "
        "Dongcheng, Beijing, for tests and benchmarks. Not real geography; codes are made up."
    )
    cells = Cells(raster, rows, cols, plans)
    return emit(
        SYNTHETIC_DISTRICT_CODE,
        SYNTHETIC_DISTRICT_NAME,
        description,
        cells,
        communities,
        responsibility,
    )


def synthetic_layers(grid_count: int) -> Iterator[tuple[Layer, Any]]:
    """The synthetic district's layers as FeatureCollections, parents first (import order)."""
    collections = layout_to_feature_collections(synthetic_layout(grid_count))
    for layer in LAYER_ORDER:
        yield layer, collections[layer]
