"""The routing tests' world: the small map, the whole catalog, and offices of every kind.

The small map (`tests/integration/small_map.py`) gets these offices:

    street A 310105001 (121.400–121.402)     street B 310105002 (121.402–121.404)
    城管 a-chengguan                          (no 城管)
    (no 市场监管)                             市场监管 b-shichang
    公安 all-gongan, 房管 all-fangguan, 绿化市容 all-lvhua over both; no 交警 at all
    grid centers 310105001-grid_center, 310105002-grid_center
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from gridloop.catalog import seed as catalog_seed
from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.org import service as org_service
from tests.integration.small_map import (
    EAST,
    FAR_EAST,
    NORTH,
    SMALL_MAP,
    SOUTH,
    WEST,
    box,
)

STREET_A, STREET_B = "310105001", "310105002"
POINT_A = (121.4005, 31.2015)  # unit grid 310105001001001
POINT_B = (121.403, 31.2015)  # unit grid 310105002001001
WHOLE = box(WEST, SOUTH, FAR_EAST, NORTH)
A = box(WEST, SOUTH, EAST, NORTH)
B = box(EAST, SOUTH, FAR_EAST, NORTH)
OFFICES = [
    ("a-chengguan", "chengguan", STREET_A, A),
    ("b-shichang", "shichang", STREET_B, B),
    ("all-gongan", "gongan", None, WHOLE),
    ("all-fangguan", "fangguan", None, WHOLE),
    ("all-lvhua", "lvhua", None, WHOLE),
    (f"{STREET_A}-grid_center", "grid_center", STREET_A, A),
    (f"{STREET_B}-grid_center", "grid_center", STREET_B, B),
]


def load_catalog(session: Session) -> None:
    catalog_seed.load_catalog(session, get_settings().seeds_dir / "catalog" / "items.yaml")


def load_small_world(session: Session) -> None:
    for layer, collection in SMALL_MAP.items():
        geo_service.import_layer(session, layer=layer, collection=collection)
    load_catalog(session)
    for department_type in DEPARTMENT_TYPES:
        org_service.save_department(
            session,
            code=f"310105-{department_type}",
            name=f"长宁区{DEPARTMENT_TYPES[department_type]}",
            department_type=department_type,
            district_code="310105",
        )
    for code, department_type, street_code, geometry in OFFICES:
        org_service.create_office(
            session,
            code=code,
            name=f"{code} 派出机构",
            department_code=f"310105-{department_type}",
            street_code=street_code,
            jurisdiction=geometry,
        )


def module_world(engine: Engine, load: Callable[[Session], None]) -> Iterator[Connection]:
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            load(session)
            session.commit()
        yield connection
        outer.rollback()


def rule(rule_id: str, priority: int, lead: str, **when: Any) -> dict[str, Any]:
    return {"id": rule_id, "priority": priority, "when": when, "then": {"lead_department": lead}}


def rule_set(*rules: dict[str, Any], name: str = "测试规则") -> dict[str, Any]:
    return {"name": name, "rules": list(rules)}
