"""Regenerate the 长宁区 demo map: ``python -m gridloop.synth.changning.generate``.

Writes streets.geojson, communities.geojson, unit-grids.geojson and responsibility-grids.geojson
into `seeds/changning/`, one feature per line. The output is deterministic.
"""

from __future__ import annotations

from gridloop.synth.changning.layout import changning_layout
from gridloop.synth.seed_files import district_dir, render
from gridloop.synth.tiling import layout_to_feature_collections


def main() -> None:
    folder = district_dir("changning")
    for layer, collection in layout_to_feature_collections(changning_layout()).items():
        path = folder / f"{layer}.geojson"
        path.write_text(render(collection), encoding="utf-8")
        print(f"{path.name}: {len(collection['features'])} features")


if __name__ == "__main__":
    main()
