"""The raster tiling: exact, valid geometry and codes that agree with their parents."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from gridloop.synth.changning.layout import changning_layout
from gridloop.synth.district import synthetic_layout
from gridloop.synth.tiling import (
    CommunitySpec,
    Layout,
    StreetSpec,
    build_layout,
    layout_to_feature_collections,
)

CHANGNING_STREETS = {
    "310105001": "华阳路街道",
    "310105002": "江苏路街道",
    "310105004": "新华路街道",
    "310105005": "周家桥街道",
    "310105006": "天山路街道",
    "310105008": "仙霞新村街道",
    "310105009": "虹桥街道",
    "310105010": "程家桥街道",
    "310105011": "北新泾街道",
    "310105102": "新泾镇",
}


@cache
def changning() -> Layout:
    return changning_layout()


def props(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f["properties"] for f in features]


def geometries(features: list[dict[str, Any]]) -> list[Any]:
    return [shape(f["geometry"]) for f in features]


def all_features(layout: Layout) -> list[dict[str, Any]]:
    return [
        *layout.streets,
        *layout.communities,
        *layout.unit_grids,
        *layout.responsibility_grids,
    ]


def interior_overlaps(geoms: list[Any]) -> list[tuple[int, int]]:
    """Pairs whose interiors intersect (touching along edges or at corners is fine)."""
    array = np.array(geoms, dtype=object)
    tree = shapely.STRtree(array)
    left, right = tree.query(array, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bad = shapely.relate_pattern(array[left], array[right], "T********")
    return [(int(a), int(b)) for a, b in zip(left[bad], right[bad], strict=True)]


# ---------------------------------------------------------------------------------------------
# Changning
# ---------------------------------------------------------------------------------------------


def test_changning_streets_have_official_codes() -> None:
    layout = changning()
    assert layout.district_code == "310105"
    assert layout.district_name == "长宁区"
    assert {p["code"]: p["name"] for p in props(layout.streets)} == CHANGNING_STREETS
    for p in props(layout.streets):
        assert p["district_code"] == "310105"
        assert p["district_name"] == "长宁区"


def test_changning_counts() -> None:
    layout = changning()
    per_street = Counter(p["street_code"] for p in props(layout.communities))
    assert set(per_street) == set(CHANGNING_STREETS)
    assert all(3 <= n <= 6 for n in per_street.values()), per_street
    assert len(layout.responsibility_grids) == 33
    assert 3000 <= len(layout.unit_grids) <= 4000
    grids_per_street = Counter(p["street_code"] for p in props(layout.responsibility_grids))
    assert set(grids_per_street) == set(CHANGNING_STREETS)


def test_changning_community_names() -> None:
    names = {p["name"] for p in props(changning().communities)}
    assert {"华一居委会", "天山二村居委会", "古北荣华第一居委会", "平塘居委会"} <= names
    assert all(name.endswith("居委会") for name in names)
    assert len(names) == len(changning().communities)


def test_every_geometry_is_a_valid_non_empty_multipolygon() -> None:
    for feature in all_features(changning()):
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "MultiPolygon"
        geom = shape(feature["geometry"])
        assert geom.is_valid, (feature["properties"]["code"], shapely.is_valid_reason(geom))
        assert not geom.is_empty
        assert geom.area > 0


def test_feature_properties_have_exactly_the_documented_keys() -> None:
    layout = changning()
    expected = {
        "streets": {"code", "name", "district_code", "district_name"},
        "communities": {"code", "name", "street_code"},
        "unit-grids": {"code", "community_code"},
        "responsibility-grids": {"code", "name", "street_code", "unit_grid_codes"},
    }
    for layer, keys in expected.items():
        assert all(set(p) == keys for p in props(layout.layer(layer))), layer


def test_unit_grids_do_not_overlap() -> None:
    layout = changning()
    by_community: dict[str, list[Any]] = defaultdict(list)
    for feature in layout.unit_grids:
        by_community[feature["properties"]["community_code"]].append(shape(feature["geometry"]))
    for code, geoms in by_community.items():
        assert interior_overlaps(geoms) == [], code
    # …and not across communities either.
    assert interior_overlaps(geometries(layout.unit_grids)) == []


def test_every_unit_grid_is_covered_by_its_community() -> None:
    layout = changning()
    community = {f["properties"]["code"]: shape(f["geometry"]) for f in layout.communities}
    for feature in layout.unit_grids:
        parent = community[feature["properties"]["community_code"]]
        assert parent.covers(shape(feature["geometry"])), feature["properties"]["code"]


def test_communities_are_covered_by_their_street() -> None:
    layout = changning()
    street = {f["properties"]["code"]: shape(f["geometry"]) for f in layout.streets}
    for feature in layout.communities:
        assert street[feature["properties"]["street_code"]].covers(shape(feature["geometry"]))


def test_streets_tile_the_district() -> None:
    layout = changning()
    streets = geometries(layout.streets)
    union = shapely.union_all(streets)
    assert union.area == pytest.approx(sum(g.area for g in streets), abs=1e-12)
    assert interior_overlaps(streets) == []
    cells = sum(g.area for g in geometries(layout.unit_grids))
    assert union.area == pytest.approx(cells, abs=1e-12)


def test_communities_tile_their_street() -> None:
    layout = changning()
    by_street: dict[str, list[Any]] = defaultdict(list)
    for feature in layout.communities:
        by_street[feature["properties"]["street_code"]].append(shape(feature["geometry"]))
    for feature in layout.streets:
        parts = by_street[feature["properties"]["code"]]
        assert interior_overlaps(parts) == []
        area = sum(g.area for g in parts)
        assert shape(feature["geometry"]).area == pytest.approx(area, abs=1e-12)


def test_unions_only_use_cell_corners() -> None:
    """Unions must not create new coordinates: every vertex is a corner of some unit grid."""
    layout = changning()
    corners = {
        tuple(point)
        for feature in layout.unit_grids
        for point in feature["geometry"]["coordinates"][0][0]
    }
    for feature in [*layout.streets, *layout.communities, *layout.responsibility_grids]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                for point in ring:
                    assert tuple(point) in corners, (feature["properties"]["code"], point)


def test_coordinates_have_at_most_seven_decimals() -> None:
    for feature in all_features(changning()):
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                for x, y in ring:
                    assert round(x, 7) == x
                    assert round(y, 7) == y


def test_changning_stays_in_its_extent() -> None:
    west, south, east, north = shapely.union_all(geometries(changning().streets)).bounds
    assert 121.34 <= west < east <= 121.46
    assert 31.18 <= south < north <= 31.24


def test_codes_agree_with_parents() -> None:
    layout = changning()
    streets = {p["code"] for p in props(layout.streets)}
    communities = {p["code"]: p["street_code"] for p in props(layout.communities)}
    for code in streets:
        assert len(code) == 9
        assert code.isdigit()
        assert code.startswith("310105")
    for code, street in communities.items():
        assert len(code) == 12
        assert code.isdigit()
        assert code[:9] == street
        assert street in streets
    unit_codes = [p["code"] for p in props(layout.unit_grids)]
    assert len(unit_codes) == len(set(unit_codes))
    for p in props(layout.unit_grids):
        assert len(p["code"]) == 15
        assert p["code"].isdigit()
        assert p["code"][:12] == p["community_code"]
        assert p["community_code"] in communities
    for p in props(layout.responsibility_grids):
        assert len(p["code"]) == 11
        assert p["code"].isdigit()
        assert p["code"][:9] == p["street_code"]
        assert p["street_code"] in streets
        assert p["name"].startswith(CHANGNING_STREETS[p["street_code"]])
        assert "责任网格" in p["name"]


def test_community_codes_are_sequential_in_spec_order() -> None:
    layout = changning()
    by_street: dict[str, list[str]] = defaultdict(list)
    for p in props(layout.communities):
        by_street[p["street_code"]].append(p["code"])
    for street, codes in by_street.items():
        assert codes == [f"{street}{i:03d}" for i in range(1, len(codes) + 1)]
    huayang = [p["name"] for p in props(layout.communities) if p["street_code"] == "310105001"]
    assert huayang == [f"{n}居委会" for n in ("华一", "华二", "秀水", "陶家宅", "姚家角", "建宁")]


def test_unit_grids_are_numbered_west_to_east_then_north_to_south() -> None:
    layout = changning()
    by_community: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for feature in layout.unit_grids:
        west, _, _, north = shape(feature["geometry"]).bounds
        p = feature["properties"]
        by_community[p["community_code"]].append((p["code"], north, west))
    for code, units in by_community.items():
        units.sort()
        sequences = [int(u[0][12:]) for u in units]
        assert sequences == list(range(1, len(units) + 1)), code
        keys = [(-north, west) for _, north, west in units]  # row from the north, then column
        assert all(a < b for a, b in pairwise(keys)), code


def test_each_unit_grid_in_exactly_one_responsibility_grid_of_its_street() -> None:
    layout = changning()
    owners: Counter[str] = Counter()
    for p in props(layout.responsibility_grids):
        assert p["unit_grid_codes"], p["code"]
        assert p["unit_grid_codes"] == sorted(p["unit_grid_codes"])
        for unit in p["unit_grid_codes"]:
            assert unit[:9] == p["street_code"]
            owners[unit] += 1
    units = {p["code"] for p in props(layout.unit_grids)}
    assert set(owners) == units
    assert set(owners.values()) == {1}


def test_responsibility_grid_geometry_is_the_union_of_its_unit_grids() -> None:
    layout = changning()
    unit = {f["properties"]["code"]: shape(f["geometry"]) for f in layout.unit_grids}
    for feature in layout.responsibility_grids:
        geom = shape(feature["geometry"])
        parts = [unit[c] for c in feature["properties"]["unit_grid_codes"]]
        assert geom.area == pytest.approx(sum(g.area for g in parts), abs=1e-12)
        assert all(geom.covers(g) for g in parts)
    grids = geometries(layout.responsibility_grids)
    assert interior_overlaps(grids) == []


def test_feature_collections() -> None:
    collections = layout_to_feature_collections(changning())
    assert set(collections) == {"streets", "communities", "unit-grids", "responsibility-grids"}
    for layer, collection in collections.items():
        assert collection["type"] == "FeatureCollection"
        assert "not survey data" in collection["description"]
        assert collection["features"] is changning().layer(layer)
    text = json.dumps(collections["streets"], ensure_ascii=False)
    assert json.loads(text) == collections["streets"]


def test_changning_is_deterministic() -> None:
    assert changning_layout() == changning_layout()


# ---------------------------------------------------------------------------------------------
# Synthetic layouts and the generic builder
# ---------------------------------------------------------------------------------------------


def test_synthetic_36500() -> None:
    layout = synthetic_layout(36_500)
    codes = [p["code"] for p in props(layout.unit_grids)]
    assert len(codes) == 36_500
    assert len(set(codes)) == 36_500
    assert all(len(c) == 15 and c.isdigit() for c in codes)
    assert layout.district_code == "110101"
    assert "合成" in layout.district_name
    sizes = Counter(p["community_code"] for p in props(layout.unit_grids))
    assert max(sizes.values()) <= 999
    assert 100 <= sum(sizes.values()) / len(sizes) <= 300
    owners = Counter(c for p in props(layout.responsibility_grids) for c in p["unit_grid_codes"])
    assert len(owners) == 36_500
    assert set(owners.values()) == {1}
    for feature in layout.streets:
        assert shape(feature["geometry"]).is_valid


@pytest.mark.parametrize("count", [1, 2, 3, 11, 181, 1900])
def test_small_synthetic_layouts(count: int) -> None:
    layout = synthetic_layout(count)
    assert len(layout.unit_grids) == count
    assert layout.streets
    assert layout.communities
    assert layout.responsibility_grids
    for feature in all_features(layout):
        geom = shape(feature["geometry"])
        assert geom.is_valid
        assert not geom.is_empty
    community = {f["properties"]["code"]: shape(f["geometry"]) for f in layout.communities}
    for feature in layout.unit_grids:
        assert community[feature["properties"]["community_code"]].covers(shape(feature["geometry"]))
    owned = sorted(c for p in props(layout.responsibility_grids) for c in p["unit_grid_codes"])
    assert owned == sorted(p["code"] for p in props(layout.unit_grids))


def test_synthetic_one_cell() -> None:
    layout = synthetic_layout(1)
    assert [p["code"] for p in props(layout.unit_grids)] == ["110101001001001"]
    assert [p["code"] for p in props(layout.communities)] == ["110101001001"]
    assert [p["code"] for p in props(layout.responsibility_grids)] == ["11010100101"]
    assert layout.streets[0]["geometry"] == layout.unit_grids[0]["geometry"]


def test_synthetic_is_deterministic() -> None:
    assert synthetic_layout(2000) == synthetic_layout(2000)
    assert synthetic_layout(2000, seed=1) == synthetic_layout(2000, seed=1)


def test_build_layout_with_explicit_community_seeds() -> None:
    outline = Polygon([(116.0, 40.0), (116.02, 40.0), (116.02, 40.012), (116.0, 40.012)])
    streets = [
        StreetSpec(
            code="110102001",
            name="西街道",
            seed=(116.005, 40.006),
            communities=(
                CommunitySpec("北居委会", (116.005, 40.009)),
                CommunitySpec("南居委会", (116.005, 40.003)),
                # Same seed as the first one: it must still get cells, not stay empty.
                CommunitySpec("重复居委会", (116.005, 40.009)),
            ),
            responsibility_grids=2,
        ),
        StreetSpec(
            code="110102002",
            name="东街道",
            seed=(116.015, 40.006),
            communities=(CommunitySpec("东一居委会"), CommunitySpec("东二居委会")),
            responsibility_grids=2,
        ),
    ]
    layout = build_layout("110102", "测试区", outline, streets)
    sizes = Counter(p["community_code"] for p in props(layout.unit_grids))
    assert set(sizes) == {
        "110102001001",
        "110102001002",
        "110102001003",
        "110102002001",
        "110102002002",
    }
    north = shape(layout.communities[0]["geometry"]).centroid.y
    south = shape(layout.communities[1]["geometry"]).centroid.y
    assert north > south
    assert len(layout.responsibility_grids) == 4
    assert all(shape(f["geometry"]).is_valid for f in all_features(layout))


def test_build_layout_rejects_bad_codes() -> None:
    outline = Polygon([(116.0, 40.0), (116.01, 40.0), (116.01, 40.01), (116.0, 40.01)])
    spec = StreetSpec("110103001", "街道", (116.005, 40.005), (CommunitySpec("居委会"),))
    with pytest.raises(ValueError, match="street code"):
        build_layout("110102", "测试区", outline, [spec])


def test_seed_files_are_up_to_date() -> None:
    """seeds/changning/*.geojson must be what `python -m gridloop.synth.changning.generate`
    writes."""
    seeds = Path(__file__).resolve().parents[2] / "seeds" / "changning"
    for layer, collection in layout_to_feature_collections(changning()).items():
        path = seeds / f"{layer}.geojson"
        if not path.exists():
            pytest.skip(f"{path} not generated")
        stored = json.loads(path.read_text(encoding="utf-8"))
        assert stored == collection, f"{path.name} is stale: run gridloop.synth.changning.generate"
