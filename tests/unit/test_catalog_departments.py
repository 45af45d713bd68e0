"""The department types: one closed set, shared by catalog, org and routing."""

from __future__ import annotations

from gridloop.catalog.departments import DEPARTMENT_TYPES, DepartmentType


def test_the_enum_and_the_named_codes_are_the_same_set() -> None:
    assert list(DEPARTMENT_TYPES) == [member.value for member in DepartmentType]
    assert all(DEPARTMENT_TYPES.values())


def test_the_agreed_codes_are_all_there() -> None:
    agreed = {"chengguan", "gongan", "shichang", "fangguan", "lvhua", "jiaojing", "grid_center"}

    assert agreed <= set(DEPARTMENT_TYPES)
    assert DEPARTMENT_TYPES["lvhua"] == "绿化市容"
    assert DEPARTMENT_TYPES["grid_center"] == "街道网格化中心"
