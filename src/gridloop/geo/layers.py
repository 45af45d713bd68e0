"""The four importable layers and what each one's features carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Layer(StrEnum):
    STREETS = "streets"
    COMMUNITIES = "communities"
    UNIT_GRIDS = "unit-grids"
    RESPONSIBILITY_GRIDS = "responsibility-grids"


@dataclass(frozen=True)
class LayerSpec:
    layer: Layer
    table: str
    code_length: int
    parent_property: str
    parent_table: str
    parent_code_length: int
    named: bool
    # Tiles must not overlap each other and must lie inside their parent.
    is_tile: bool
    # A parent whose geometry must cover the feature (the district is derived from its streets).
    parent_must_cover: bool


SPECS: dict[Layer, LayerSpec] = {
    Layer.STREETS: LayerSpec(
        Layer.STREETS, "street", 9, "district_code", "district", 6, True, True, False
    ),
    Layer.COMMUNITIES: LayerSpec(
        Layer.COMMUNITIES, "community", 12, "street_code", "street", 9, True, True, True
    ),
    Layer.UNIT_GRIDS: LayerSpec(
        Layer.UNIT_GRIDS, "unit_grid", 15, "community_code", "community", 12, False, True, True
    ),
    Layer.RESPONSIBILITY_GRIDS: LayerSpec(
        Layer.RESPONSIBILITY_GRIDS,
        "responsibility_grid",
        11,
        "street_code",
        "street",
        9,
        True,
        False,
        False,
    ),
}
