"""The catalog seed: every event of DOMAIN.md §3, enough components, the time limits of §4,
and loading that is idempotent and never overwrites an admin's change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gridloop.catalog import seed, service
from gridloop.catalog.models import Item
from gridloop.catalog.schemas import ItemUpdate, LimitsUpdate, TimeLimit
from gridloop.config import get_settings
from gridloop.errors import InvalidInput

SEED_FILE = get_settings().seeds_dir / "catalog" / "items.yaml"

# DOMAIN.md §3, word for word: big class → its small classes in order (99 其他 where listed).
DOMAIN_EVENTS: dict[str, tuple[str, list[str]]] = {
    "01": (
        "市容环境",
        [
            "私搭乱建",
            "暴露垃圾",
            "积存垃圾渣土",
            "道路不洁",
            "水域不洁",
            "绿地脏乱",
            "废弃车辆",
            "废弃家具设备",
            "非装饰性树挂",
            "道路破损",
            "河堤破损",
            "道路遗撒",
            "建筑物外立面不洁",
            "水域秩序问题",
            "焚烧垃圾/树叶",
            "油烟污染",
            "动物尸体",
            "擅自饲养家禽家畜",
            "其他",
        ],
    ),
    "02": (
        "宣传广告",
        ["非法小广告", "违章张贴悬挂广告牌匾", "占道广告牌", "街头散发广告", "广告招牌破损"],
    ),
    "03": ("施工管理", ["施工扰民", "工地扬尘", "施工废弃料", "施工占道", "无证掘路", "其他"]),
    "04": (
        "突发事件",
        [
            "路面塌陷",
            "自来水管破裂",
            "燃气管道破裂",
            "下水道堵塞或破损",
            "热力管道破裂",
            "道路积水",
            "道路积雪结冰",
            "架空线缆损坏",
            "群发性事件",
            "其他",
        ],
    ),
    "05": (
        "街面秩序",
        [
            "无照经营游商",
            "流浪乞讨",
            "占道废品收购",
            "店外经营",
            "机动车乱停放",
            "非机动车乱停放",
            "乱堆物堆料",
            "商业噪音",
            "黑车拉客",
            "露天烧烤",
            "沿街晾挂",
            "非法出版物销售",
            "空调室外机低挂",
            "其他",
        ],
    ),
}


def _expected_events() -> dict[str, str]:
    expected: dict[str, str] = {}
    for big, (_, names) in DOMAIN_EVENTS.items():
        for small, name in enumerate(names, start=1):
            expected[f"E{big}{99 if name == '其他' else small:02d}"] = name
    return expected


def _items(session: Session) -> dict[str, Item]:
    return {item.code: item for item in session.scalars(select(Item))}


def _snapshot(session: Session) -> list[Any]:
    """Every row of both catalog tables."""
    classes = session.execute(text("SELECT * FROM catalog_big_class ORDER BY kind, code"))
    items = session.execute(text("SELECT * FROM catalog_item ORDER BY code"))
    return [tuple(row) for row in [*classes, *items]]


def test_the_domain_event_list_has_54_events_in_five_classes() -> None:
    counts = {big: len(names) for big, (_, names) in DOMAIN_EVENTS.items()}

    assert counts == {"01": 19, "02": 5, "03": 6, "04": 10, "05": 14}
    assert sum(counts.values()) == 54


def test_the_seed_has_every_event_of_domain_section_3(
    session: Session, catalog: seed.SeedResult
) -> None:
    items = _items(session)

    for code, name in _expected_events().items():
        assert code in items, f"{code} {name} missing"
        assert items[code].name == name
        assert items[code].kind == "event"
    classes = {
        row.code: row.name for row in service.list_big_classes(session) if row.kind == "event"
    }
    assert classes == {big: name for big, (name, _) in DOMAIN_EVENTS.items()}


def test_the_only_event_beyond_domain_is_group_renting_a_joint_housing_item(
    session: Session, catalog: seed.SeedResult
) -> None:
    events = {code: item for code, item in _items(session).items() if item.kind == "event"}

    assert set(events) - set(_expected_events()) == {"E0514"}
    group_renting = events["E0514"]
    assert (group_renting.name, group_renting.tier) == ("群租", "D")
    assert group_renting.default_department_type == "fangguan"


def test_the_seed_has_at_least_40_components_in_the_five_component_classes(
    session: Session, catalog: seed.SeedResult
) -> None:
    components = [item for item in _items(session).values() if item.kind == "component"]

    assert len(components) >= 40
    assert {item.big_class_code for item in components} == {"01", "02", "03", "04", "05"}
    assert _items(session)["C0101"].name == "上水井盖"


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("暴露垃圾", "4", "working_hours"),
        ("积存垃圾渣土", "2", "working_days"),
        ("道路不洁", "2", "working_hours"),
        ("道路积水", "4", "natural_hours"),
        ("绿地脏乱", "4", "working_hours"),
        ("私搭乱建", "4", "working_hours"),  # stop work; penalty and demolition by extension
        ("路面塌陷", "2", "natural_hours"),
        ("燃气管道破裂", "2", "natural_hours"),
        ("上水井盖", "6", "natural_hours"),
        ("污水井盖", "6", "natural_hours"),
        ("燃气井盖", "6", "natural_hours"),
    ],
)
def test_the_seed_has_the_handling_limits_of_domain_section_4(
    session: Session, catalog: seed.SeedResult, name: str, value: str, unit: str
) -> None:
    item = session.scalars(select(Item).where(Item.name == name)).one()

    assert (item.handle_limit_value, item.handle_limit_unit) == (Decimal(value), unit)


def test_every_item_is_verified_within_30_minutes(
    session: Session, catalog: seed.SeedResult
) -> None:
    limits = {
        (item.verify_limit_value, item.verify_limit_unit) for item in _items(session).values()
    }

    assert {value for value, _ in limits} == {Decimal("0.5")}


def test_emergencies_and_manhole_covers_are_urgent_and_count_natural_time(
    session: Session, catalog: seed.SeedResult
) -> None:
    items = _items(session).values()
    emergencies = [item for item in items if item.code.startswith("E04")]
    covers = [item for item in items if item.name.endswith("井盖")]

    assert len(emergencies) == 10
    assert len(covers) >= 6
    for item in emergencies + covers:
        assert item.urgent, item.code
        assert item.handle_limit_unit == "natural_hours", item.code
    assert not any(item.urgent for item in items if item.code.startswith(("E01", "E02", "E05")))


def test_loading_the_seed_twice_changes_nothing(session: Session, catalog: seed.SeedResult) -> None:
    before = _snapshot(session)

    again = seed.load_catalog(session, SEED_FILE)
    session.flush()

    assert catalog.items_created == len(before) - 10 >= 54 + 1 + 40
    assert catalog.big_classes_created == 10
    assert (again.big_classes_created, again.items_created) == (0, 0)
    assert again.items_kept == catalog.items_created
    assert _snapshot(session) == before


def test_loading_the_seed_keeps_an_admins_change(
    session: Session, catalog: seed.SeedResult
) -> None:
    service.update_item(
        session,
        code="E0102",
        changes=ItemUpdate(
            limits=LimitsUpdate(handle=TimeLimit(value=Decimal(3), unit="working_hours"))
        ),
        at=datetime(2026, 12, 1, tzinfo=UTC),
    )

    seed.load_catalog(session, SEED_FILE)

    assert service.get_item(session, code="E0102").limits.handle.value == Decimal(3)


def test_a_bad_seed_file_names_every_problem_and_writes_nothing(
    session: Session, tmp_path: Path
) -> None:
    bad = tmp_path / "items.yaml"
    bad.write_text(
        SEED_FILE.read_text(encoding="utf-8")
        .replace("unit: working_days", "unit: fortnights", 1)
        .replace("default_department_type: lvhua", "default_department_type: huanwei", 1),
        encoding="utf-8",
    )

    with pytest.raises(InvalidInput) as raised:
        seed.load_catalog(session, bad)

    reasons = {error.location for error in raised.value.errors or []}
    assert any(location.endswith("limits.handle.unit") for location in reasons)
    assert any(location.endswith("default_department_type") for location in reasons)
    assert session.scalar(text("SELECT count(*) FROM catalog_item")) == 0
