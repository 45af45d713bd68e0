"""Department types: which kind of department handles an item by default.

A small closed set of text codes, shared by the catalog (an item's default department type), org
(a department's type) and routing (a rule's outcome). Import it from here; add a code here (and
a migration, since the tables check it) rather than inventing one elsewhere.
"""

from __future__ import annotations

from enum import StrEnum


class DepartmentType(StrEnum):
    CHENGGUAN = "chengguan"
    GONGAN = "gongan"
    SHICHANG = "shichang"
    FANGGUAN = "fangguan"
    LVHUA = "lvhua"
    JIAOJING = "jiaojing"
    GRID_CENTER = "grid_center"
    SHUIWU = "shuiwu"
    RANQI = "ranqi"
    DIANLI = "dianli"
    JIAOTONG = "jiaotong"


# code → Chinese name. Sanitation (环卫) is part of 绿化市容, as in Shanghai.
DEPARTMENT_TYPES: dict[str, str] = {
    DepartmentType.CHENGGUAN.value: "城管",
    DepartmentType.GONGAN.value: "公安",
    DepartmentType.SHICHANG.value: "市场监管",
    DepartmentType.FANGGUAN.value: "房管",
    DepartmentType.LVHUA.value: "绿化市容",
    DepartmentType.JIAOJING.value: "交警",
    DepartmentType.GRID_CENTER.value: "街道网格化中心",
    DepartmentType.SHUIWU.value: "水务",
    DepartmentType.RANQI.value: "燃气",
    DepartmentType.DIANLI.value: "电力",
    DepartmentType.JIAOTONG.value: "交通（道路）",
}
