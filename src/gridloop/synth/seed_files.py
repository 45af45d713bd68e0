"""How the generators write seed files: JSON text that diffs well (one feature per line), into
the data folder (`seeds/`, `GRIDLOOP_SEEDS_DIR`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gridloop.config import get_settings


def dumps(value: Any) -> str:
    """Compact JSON that keeps Chinese readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(collection: dict[str, Any]) -> str:
    """A FeatureCollection as JSON text with one feature per line."""
    header = {key: value for key, value in collection.items() if key != "features"}
    members = "".join(f"{dumps(key)}:{dumps(value)}," for key, value in header.items())
    features = ",\n".join(dumps(feature) for feature in collection["features"])
    return "{" + members + '"features":[\n' + features + "\n]}\n"


def district_dir(name: str) -> Path:
    """The folder of a district's seed files, e.g. `seeds/changning`."""
    return get_settings().seeds_dir / name
