"""The demo district 长宁区 (Changning, Shanghai, 310105) as tiling specs: a hand-drawn outline,
the ten official streets with seed points and their communities' real names.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry import Polygon

from gridloop.synth.tiling import CommunitySpec, Layout, StreetSpec, build_layout

CHANGNING_DISTRICT_CODE = "310105"
CHANGNING_DISTRICT_NAME = "长宁区"

# A hand-drawn outline (lon, lat), clockwise from the north-west: Suzhou Creek meanders along
# the north, the district narrows towards Huashan Road in the east, the south runs past Gubei
# to the airport side in the west. Demo geometry, not a surveyed boundary.
_CHANGNING_OUTLINE: tuple[tuple[float, float], ...] = (
    (121.3480, 31.2220),
    (121.3560, 31.2280),
    (121.3650, 31.2255),
    (121.3740, 31.2305),
    (121.3830, 31.2275),
    (121.3920, 31.2310),
    (121.4010, 31.2280),
    (121.4090, 31.2320),
    (121.4170, 31.2285),
    (121.4240, 31.2300),
    (121.4310, 31.2265),
    (121.4380, 31.2275),
    (121.4445, 31.2235),
    (121.4485, 31.2185),
    (121.4465, 31.2130),
    (121.4490, 31.2080),
    (121.4430, 31.2060),
    (121.4360, 31.2030),
    (121.4280, 31.2000),
    (121.4190, 31.1960),
    (121.4090, 31.1925),
    (121.3980, 31.1900),
    (121.3860, 31.1895),
    (121.3740, 31.1870),
    (121.3620, 31.1885),
    (121.3520, 31.1875),
    (121.3470, 31.1960),
    (121.3490, 31.2050),
    (121.3460, 31.2140),
)


def _changning_street(
    code: str,
    name: str,
    seed: tuple[float, float],
    communities: Sequence[str],
    *,
    responsibility_grids: int,
    weight: float = 1.0,
) -> StreetSpec:
    return StreetSpec(
        code=code,
        name=name,
        seed=seed,
        communities=tuple(CommunitySpec(f"{c}居委会") for c in communities),
        responsibility_grids=responsibility_grids,
        weight=weight,
    )


# Official street codes and real community (居委会) names. Community codes are NOT official:
# they are the street code plus a sequence in the order listed here.
_CHANGNING_STREETS: tuple[StreetSpec, ...] = (
    _changning_street(
        "310105001",
        "华阳路街道",
        (121.4190, 31.2215),
        ("华一", "华二", "秀水", "陶家宅", "姚家角", "建宁"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105002",
        "江苏路街道",
        (121.4410, 31.2160),
        ("岐山", "江苏", "万村", "曹家堰", "华山"),
        responsibility_grids=3,
        weight=0.85,
    ),
    _changning_street(
        "310105004",
        "新华路街道",
        (121.4230, 31.2030),
        ("番禺", "牛桥", "人民", "香花", "新华", "梅安"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105005",
        "周家桥街道",
        (121.4040, 31.2245),
        ("范北", "武夷", "周一", "锦屏", "古南"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105006",
        "天山路街道",
        (121.3950, 31.2140),
        ("天山二村", "茅台", "仙霞", "遵义", "紫云"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105008",
        "仙霞新村街道",
        (121.3840, 31.2030),
        ("虹日", "虹古", "虹霞", "虹旭", "威宁小区"),
        responsibility_grids=3,
        weight=0.95,
    ),
    _changning_street(
        "310105009",
        "虹桥街道",
        (121.4050, 31.1985),
        ("安东", "长顺", "虹南", "爱建", "伊犁", "古北荣华第一"),
        responsibility_grids=4,
        weight=1.1,
    ),
    _changning_street(
        "310105010",
        "程家桥街道",
        (121.3640, 31.1950),
        ("程桥一村", "宝北", "南龚", "上航新村"),
        responsibility_grids=4,
        weight=1.2,
    ),
    _changning_street(
        "310105011",
        "北新泾街道",
        (121.3760, 31.2220),
        ("新泾一村第一", "北翟", "哈密新村", "金平", "剑河家苑"),
        responsibility_grids=3,
    ),
    _changning_street(
        "310105102",
        "新泾镇",
        (121.3580, 31.2110),
        ("刘家宅小区第一", "淮阴路", "华松", "屈家桥", "平塘"),
        responsibility_grids=4,
        weight=1.3,
    ),
)

CHANGNING_DESCRIPTION = (
    "Demo geometry for 长宁区 (310105): roughly follows the real layout of its streets, drawn on "
    "a raster of about 100 m cells; not survey data. Street codes are official; community names "
    "are real but community, unit-grid and responsibility-grid codes are not official."
)


def changning_outline() -> Polygon:
    """The hand-drawn demo outline of 长宁区."""
    return Polygon(_CHANGNING_OUTLINE)


def changning_layout() -> Layout:
    """The demo district 长宁区 (310105): 10 streets, 52 communities, 33 responsibility grids."""
    return build_layout(
        CHANGNING_DISTRICT_CODE,
        CHANGNING_DISTRICT_NAME,
        changning_outline(),
        _CHANGNING_STREETS,
        description=CHANGNING_DESCRIPTION,
    )
