"""Regenerate the 长宁区 demo seed files: ``python seeds/changning/generate.py``.

Writes streets.geojson, communities.geojson, unit-grids.geojson and responsibility-grids.geojson
next to this script, one feature per line. The output is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gridloop.geo.tiling import changning_layout, layout_to_feature_collections

HERE = Path(__file__).resolve().parent


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(collection: dict[str, Any]) -> str:
    """A FeatureCollection as JSON text with one feature per line."""
    header = {key: value for key, value in collection.items() if key != "features"}
    members = "".join(f"{_dumps(key)}:{_dumps(value)}," for key, value in header.items())
    features = ",\n".join(_dumps(feature) for feature in collection["features"])
    return "{" + members + '"features":[\n' + features + "\n]}\n"


def main() -> None:
    for layer, collection in layout_to_feature_collections(changning_layout()).items():
        path = HERE / f"{layer}.geojson"
        path.write_text(render(collection), encoding="utf-8")
        print(f"{path.name}: {len(collection['features'])} features")


if __name__ == "__main__":
    main()
