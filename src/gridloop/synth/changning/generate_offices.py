"""Regenerate the 长宁区 demo departments, offices and liaisons: ``python -m
gridloop.synth.changning.generate_offices``.

DEMO DATA, not the real organisation of the district: the department and office names follow
real Changning names, but every jurisdiction is made up from the demo grid map.

Writes into `seeds/changning/`, from its streets and unit grids, deterministically (the output
should not change):

* ``departments.yaml``: one department per type of 长宁区;
* ``offices.geojson``: per street a 城管中队, 市场监管所, 房管办, 绿化市容所 and the street's
  网格化中心 (jurisdiction = the street); eight 派出所 whose jurisdictions are k-means clusters of
  unit-grid centres (so they cut across streets); three 交警中队 in longitude bands of unit grids.
  Each department's jurisdictions tile the district: no overlaps, no gaps;
* ``liaisons.yaml``: a liaison ``liaison-<office code>`` for every office but the grid centers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, mapping, shape

from gridloop.synth.seed_files import district_dir, render

DISTRICT_CODE = "310105"
DEMO_NOTE = "DEMO DATA: made-up jurisdictions on the demo grid map, not the real organisation"

# code, department type, name
DEPARTMENTS = (
    ("310105-chengguan", "chengguan", "长宁区城管执法局"),
    ("310105-gongan", "gongan", "长宁公安分局"),
    ("310105-shichang", "shichang", "长宁区市场监管局"),
    ("310105-fangguan", "fangguan", "长宁区房管局"),
    ("310105-lvhua", "lvhua", "长宁区绿化市容局"),
    ("310105-jiaojing", "jiaojing", "长宁交警支队"),
    ("310105-grid_center", "grid_center", "长宁区城运中心"),
)

# Street-level offices: department type and the name made from the street's name.
STREET_OFFICES = (
    ("chengguan", "{street}城管中队"),
    ("shichang", "{short}市场监管所"),
    ("fangguan", "{street}房管办"),
    ("lvhua", "{street}绿化市容所"),
    ("grid_center", "{street}网格化中心"),
)

# Eight real Changning police stations; each k-means cluster starts at the named street's centre.
POLICE_STATIONS = (
    ("华阳路派出所", "310105001"),
    ("江苏路派出所", "310105002"),
    ("新华路派出所", "310105004"),
    ("周家桥派出所", "310105005"),
    ("仙霞路派出所", "310105008"),
    ("虹桥派出所", "310105009"),
    ("程家桥派出所", "310105010"),
    ("北新泾派出所", "310105011"),
)
TRAFFIC_SQUADS = ("第一中队", "第二中队", "第三中队")  # west to east
KMEANS_ITERATIONS = 100


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads((folder / name).read_text(encoding="utf-8"))[
        "features"
    ]
    return features


def _department_code(department_type: str) -> str:
    return f"{DISTRICT_CODE}-{department_type}"


def _office(
    code: str, name: str, department_type: str, street_code: str | None, geometry: Any
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "code": code,
            "name": name,
            "department_code": _department_code(department_type),
            "street_code": street_code,
        },
    }


def street_offices(streets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    offices = []
    for street in sorted(streets, key=lambda feature: feature["properties"]["code"]):
        code = street["properties"]["code"]
        name = street["properties"]["name"]
        short = name.removesuffix("街道").removesuffix("镇")
        for department_type, pattern in STREET_OFFICES:
            offices.append(
                _office(
                    f"{code}-{department_type}",
                    pattern.format(street=name, short=short),
                    department_type,
                    code,
                    street["geometry"],
                )
            )
    return offices


def _metric(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Lon/lat to rough metres, so that k-means measures real distances."""
    latitude = float(points[:, 1].mean())
    scale = np.array([111_320.0 * math.cos(math.radians(latitude)), 110_574.0])
    metres: npt.NDArray[np.float64] = points * scale
    return metres


def _kmeans(points: npt.NDArray[np.float64], centres: npt.NDArray[np.float64]) -> Any:
    labels = np.zeros(len(points), dtype=np.intp)
    for iteration in range(KMEANS_ITERATIONS):
        distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new_labels = distances.argmin(axis=1)  # ties: the first centre, deterministic
        if iteration > 0 and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        centres = np.array(
            [
                points[labels == k].mean(axis=0) if (labels == k).any() else centres[k]
                for k in range(len(centres))
            ]
        )
    return labels


def _union(cells: list[Any]) -> dict[str, Any]:
    merged = shapely.unary_union(cells)
    if merged.geom_type == "Polygon":
        merged = MultiPolygon([merged])
    assert merged.is_valid, "a union of raster cells is always valid"
    geometry: dict[str, Any] = json.loads(json.dumps(mapping(merged)))  # tuples to lists
    return geometry


def police_offices(
    streets: list[dict[str, Any]], cells: list[Any], centres: npt.NDArray[np.float64]
) -> list[dict[str, Any]]:
    by_code = {street["properties"]["code"]: shape(street["geometry"]) for street in streets}
    seeds = np.array(
        [[by_code[street].centroid.x, by_code[street].centroid.y] for _, street in POLICE_STATIONS]
    )
    both = _metric(np.vstack([centres, seeds]))
    labels = _kmeans(both[: len(centres)], both[len(centres) :])
    return [
        _office(
            f"{DISTRICT_CODE}-gongan-{number:02d}",
            f"长宁公安分局{station}",
            "gongan",
            None,
            _union([cell for cell, label in zip(cells, labels, strict=True) if label == index]),
        )
        for index, (number, (station, _)) in enumerate(enumerate(POLICE_STATIONS, start=1))
    ]


def traffic_offices(cells: list[Any], centres: npt.NDArray[np.float64]) -> list[dict[str, Any]]:
    # Cut between raster columns, so the bands have straight edges and about equal cell counts.
    columns = np.unique(centres[:, 0])
    counts = np.array([(centres[:, 0] == column).sum() for column in columns])
    share = np.cumsum(counts) / counts.sum()
    cuts = [columns[np.searchsorted(share, k / len(TRAFFIC_SQUADS))] for k in (1, 2)]
    bands = np.searchsorted(np.array(cuts), centres[:, 0], side="left")
    return [
        _office(
            f"{DISTRICT_CODE}-jiaojing-{band + 1:02d}",
            f"长宁交警支队{squad}",
            "jiaojing",
            None,
            _union([cell for cell, b in zip(cells, bands, strict=True) if b == band]),
        )
        for band, squad in enumerate(TRAFFIC_SQUADS)
    ]


def departments_yaml() -> str:
    lines = [
        f"# {DEMO_NOTE}.",
        "# Generated by generate_offices.py. One department per type of 长宁区 (310105).",
        "departments:",
    ]
    lines += [
        f"  - {{code: {code}, department_type: {kind}, name: {name}, "
        f"district_code: '{DISTRICT_CODE}'}}"
        for code, kind, name in DEPARTMENTS
    ]
    return "\n".join(lines) + "\n"


def liaisons_yaml(offices: list[dict[str, Any]]) -> str:
    lines = [
        f"# {DEMO_NOTE}.",
        "# Generated by generate_offices.py: a liaison (派出机构联络员) for every office but the",
        "# street grid centers. Every password is `gridloop-demo`.",
        "users:",
    ]
    for office in offices:
        properties = office["properties"]
        if properties["department_code"] == _department_code("grid_center"):
            continue
        lines.append(
            f"  - {{username: liaison-{properties['code']}, role: liaison, "
            f"office_code: {properties['code']}, display_name: {properties['name']}联络员}}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    folder = district_dir("changning")
    streets = _load(folder, "streets.geojson")
    grids = sorted(
        _load(folder, "unit-grids.geojson"), key=lambda feature: feature["properties"]["code"]
    )
    cells = [shape(grid["geometry"]) for grid in grids]
    bounds = np.array([cell.bounds for cell in cells])
    centres = np.column_stack(
        [(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2]
    )
    offices = (
        street_offices(streets)
        + police_offices(streets, cells, centres)
        + traffic_offices(cells, centres)
    )
    collection = {"type": "FeatureCollection", "description": DEMO_NOTE, "features": offices}
    outputs = {
        "departments.yaml": departments_yaml(),
        "offices.geojson": render(collection),
        "liaisons.yaml": liaisons_yaml(offices),
    }
    for name, content in outputs.items():
        (folder / name).write_text(content, encoding="utf-8")
        print(f"{name}: written")
    print(f"offices: {len(offices)}")


if __name__ == "__main__":
    main()
