"""API shapes of the catalog."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from gridloop.catalog.departments import DepartmentType
from gridloop.catalog.models import ItemKind, Tier, TimeUnit
from gridloop.strict import JsonBool, QueryBool

# Control characters (NUL above all) cannot be stored in PostgreSQL text; texts may break lines.
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

ItemCode = Annotated[
    str,
    Field(
        pattern=r"^[EC][0-9]{4}$",
        description="kind letter (E 事件, C 部件) + big class 2 digits + small class 2 digits",
        examples=["E0102"],
    ),
]
ClassCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", examples=["01"])]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=_ONE_LINE)]
ConditionText = Annotated[str, Field(min_length=1, max_length=2000, pattern=_TEXT)]
LimitValue = Annotated[
    Decimal,
    Field(gt=0, max_digits=6, decimal_places=2, examples=[4]),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class TimeLimit(BaseModel):
    """A time limit: `4 working_hours`, `2 natural_hours` …"""

    model_config = ConfigDict(extra="forbid")

    value: LimitValue
    unit: TimeUnit


# A field named `register` would shadow BaseModel.register (ABC registration) and make pydantic
# warn on every import: the field is `register_`, spelled `register` on the wire and readable as
# `limits.register`.
_LIMITS_CONFIG = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)


class Limits(BaseModel):
    """The time limit of each step: 立案 register, 派遣 dispatch, 处置 handle, 核查 verify."""

    model_config = _LIMITS_CONFIG

    register_: TimeLimit = Field(alias="register")
    dispatch: TimeLimit
    handle: TimeLimit
    verify: TimeLimit

    @property
    def register(self) -> TimeLimit:
        return self.register_


class LimitsUpdate(BaseModel):
    """Only the steps given change."""

    model_config = _LIMITS_CONFIG

    register_: TimeLimit | None = Field(default=None, alias="register")
    dispatch: TimeLimit | None = None
    handle: TimeLimit | None = None
    verify: TimeLimit | None = None


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ItemCode
    kind: ItemKind
    big_class_code: ClassCode = Field(description="must equal code[1:3]; the big class must exist")
    small_class_code: ClassCode = Field(description="must equal code[3:5]")
    name: Name = Field(description="the small class's Chinese name", examples=["暴露垃圾"])
    tier: Tier = Field(
        description="A street center's own forces; B one dispatched office; "
        "C a district department; D joint handling"
    )
    default_department_type: DepartmentType
    urgent: JsonBool = False
    limits: Limits
    filing_condition: ConditionText = Field(description="立案条件")
    closing_standard: ConditionText = Field(description="结案标准")


class ItemUpdate(BaseModel):
    """The fields given change; code, kind and classes are the item's identity and never do."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    tier: Tier | None = None
    default_department_type: DepartmentType | None = None
    urgent: JsonBool | None = None
    limits: LimitsUpdate | None = None
    filing_condition: ConditionText | None = None
    closing_standard: ConditionText | None = None


class ItemRead(BaseModel):
    code: str
    kind: ItemKind
    big_class_code: str
    big_class_name: str
    small_class_code: str
    name: str = Field(description="the small class's Chinese name")
    tier: Tier
    default_department_type: DepartmentType
    default_department_name: str
    urgent: bool
    limits: Limits
    filing_condition: str
    closing_standard: str
    created_at: datetime
    updated_at: datetime | None
    retired_at: datetime | None = Field(description="retired items stay readable")


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_after: str | None = Field(
        description="pass as `after` to get the next page; null on the last page"
    )


class ItemQuery(BaseModel):
    """Filters and paging of the item list; every filter given must hold."""

    kind: ItemKind | None = None
    big_class: ClassCode | None = None
    small_class: ClassCode | None = None
    tier: Tier | None = None
    department_type: DepartmentType | None = None
    q: Annotated[str, Field(min_length=1, max_length=50, pattern=_ONE_LINE)] | None = Field(
        default=None,
        description="a keyword found in the name, the filing condition or the closing standard",
        examples=["井盖"],
    )
    include_retired: QueryBool = False
    after: ItemCode | None = Field(default=None, description="item code to start after")
    limit: int = Field(default=100, ge=1, le=500)


class BigClassRead(BaseModel):
    kind: ItemKind
    code: str
    name: str
