"""Seed data: the demo district from `seeds/` and demo users (synthetic data: `gridloop.synth`).

Everything goes through the same import path a user's file would take.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import Role
from gridloop.geo import repository as geo_repository
from gridloop.geo.layers import Layer

LAYER_ORDER = (Layer.STREETS, Layer.COMMUNITIES, Layer.UNIT_GRIDS, Layer.RESPONSIBILITY_GRIDS)
DEMO_PASSWORD = "gridloop-demo"


class SeedsNotFound(Exception):
    """The seed folder is not where the settings say."""


def check_seeds(seeds_dir: Path) -> Path:
    """`seeds_dir` when it holds the demo district, else SeedsNotFound."""
    if not (seeds_dir / "changning").is_dir():
        raise SeedsNotFound(
            f"找不到种子数据 / seed data not found in {seeds_dir}: set GRIDLOOP_SEEDS_DIR to the "
            "repository's seeds/ folder or reinstall gridloop"
        )
    return seeds_dir


def demo_layers(seeds_dir: Path) -> Iterator[tuple[Layer, Any]]:
    for layer in LAYER_ORDER:
        path = seeds_dir / "changning" / f"{layer}.geojson"
        yield layer, json.loads(path.read_text(encoding="utf-8"))


def _user_specs(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    users = document["users"]
    assert isinstance(users, list)
    return users


def demo_usernames(path: Path) -> list[str]:
    return [str(spec["username"]) for spec in _user_specs(path)]


def load_users(session: Session, path: Path) -> int:
    """Create the users of a seed file that do not exist yet; returns how many were created.

    An inspector listed with only a `street_code` patrols every responsibility grid of it.
    """
    created = 0
    for spec in _user_specs(path):
        if auth_service.user_by_username(session, username=spec["username"]) is not None:
            continue
        role = Role(spec["role"])
        grids = list(spec.get("responsibility_grid_codes", []))
        if role is Role.INSPECTOR and not grids:
            grids = geo_repository.responsibility_grid_codes(
                session, street_code=spec["street_code"]
            )
        auth_service.create_user(
            session,
            username=spec["username"],
            password=spec.get("password", DEMO_PASSWORD),
            role=role,
            display_name=spec.get("display_name"),
            street_code=spec.get("street_code") if role is Role.DISPATCHER else None,
            office_code=spec.get("office_code"),
            responsibility_grid_codes=grids,
        )
        created += 1
    return created
