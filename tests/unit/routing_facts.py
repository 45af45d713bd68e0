"""Hand-built facts for routing unit tests: one office of every department covers the point."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from gridloop.config import PROJECT_ROOT
from gridloop.localtime import CHINA_TIME
from gridloop.routing import engine, validation
from gridloop.routing.engine import Facts, OfficeRef, Scalar
from gridloop.routing.schemas import RuleSetCreate

# The zone rules' time windows are read in: the setting's default.
SHANGHAI = CHINA_TIME

DEMO_RULES = PROJECT_ROOT / "seeds" / "routing" / "changning.yaml"
DEPARTMENTS = ("chengguan", "gongan", "shichang", "fangguan", "lvhua", "jiaojing", "grid_center")
STREET = "310105010"
STREET_CENTER = OfficeRef(f"{STREET}-grid_center", "程家桥街道网格化中心", "grid_center")

# The items the cases use, with the tier and default department the catalog gives them.
ITEMS: dict[str, tuple[str, str]] = {
    "E0101": ("D", "chengguan"),  # 私搭乱建
    "E0102": ("B", "lvhua"),  # 暴露垃圾
    "E0105": ("B", "shuiwu"),  # 水域不洁: no 水务 office in the demo
    "E0201": ("A", "grid_center"),  # 非法小广告
    "E0409": ("D", "gongan"),  # 群发性事件
    "E0501": ("D", "chengguan"),  # 无照经营游商
    "E0504": ("B", "chengguan"),  # 店外经营
    "E0506": ("A", "grid_center"),  # 非机动车乱停放
    "E0508": ("B", "chengguan"),  # 商业噪音
    "E0509": ("D", "jiaojing"),  # 黑车拉客
    "E0514": ("D", "fangguan"),  # 群租
    "C0101": ("B", "shuiwu"),  # 上水井盖
}


def office(department: str) -> OfficeRef:
    return OfficeRef(f"{STREET}-{department}", f"{department} office", department)


def covering(missing: Iterable[str] = ()) -> dict[str, OfficeRef]:
    gone = set(missing)
    return {d: office(d) for d in DEPARTMENTS if d not in gone}


def facts(
    item_code: str,
    *,
    at: datetime,
    point: tuple[float, float] = (121.40, 31.21),
    missing: Iterable[str] = (),
    attributes: Mapping[str, Scalar] | None = None,
    tier: str | None = None,
    street_center: OfficeRef | None = STREET_CENTER,
    street_code: str = STREET,
    unit_grid_code: str | None = None,
    fixed_offices: Mapping[str, OfficeRef] | None = None,
    default_department: str | None = None,
    zone: tzinfo = SHANGHAI,
) -> Facts:
    item_tier, item_department = ITEMS.get(item_code, ("B", "chengguan"))
    return Facts(
        lon=point[0],
        lat=point[1],
        unit_grid_code=unit_grid_code or f"{street_code}001001",
        community_code=f"{street_code}001",
        street_code=street_code,
        item_code=item_code,
        tier=tier or item_tier,
        default_department=default_department or item_department,
        at=at,
        zone=zone,
        covering=covering(missing),
        street_center=street_center,
        attributes=dict(attributes or {}),
        fixed_offices=dict(fixed_offices or {}),
    )


def rule_set_document(path: Path = DEMO_RULES) -> RuleSetCreate:
    return RuleSetCreate.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def compile_document(document: RuleSetCreate | dict[str, Any], version: int = 1) -> engine.RuleSet:
    if isinstance(document, dict):
        document = RuleSetCreate.model_validate(document)
    parsed = validation.parse_rules(document)
    assert parsed.problems == [], parsed.problems
    return engine.compile_rule_set(parsed.rules, version=version)


def demo_rule_set() -> engine.RuleSet:
    return compile_document(rule_set_document())
