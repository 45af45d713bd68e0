"""The catalog of management items: reading, creating, updating and retiring items.

There is no delete. An item that cases use is retired (`retired_at`), never deleted: cases keep
their item code for good, and a code, once used, is never given to another item. A retired item
stays readable by its code and leaves the default list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.errors import UniqueViolation
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.catalog import repository
from gridloop.catalog.departments import DEPARTMENT_TYPES, DepartmentType
from gridloop.catalog.models import KIND_LETTER, Item, ItemKind, Tier, TimedStep, TimeUnit
from gridloop.catalog.schemas import (
    BigClassRead,
    ItemCreate,
    ItemPage,
    ItemQuery,
    ItemRead,
    ItemUpdate,
    Limits,
    TimeLimit,
)
from gridloop.errors import Conflict, InvalidInput, NotFound, ProblemItem

CODE_LENGTH = 5
INVALID_ITEM = "条目不符合要求，见 errors / The item is not valid, see errors"


def _not_found(code: str) -> NotFound:
    return NotFound(f"管理条目 {code} 不存在 / No catalog item {code}")


def _well_formed(code: str) -> bool:
    # A malformed code names no item; checking it first keeps odd bytes away from the database.
    return len(code) == CODE_LENGTH and code.isascii() and code.isalnum()


def _find(session: Session, code: str) -> Item:
    item = repository.item(session, code=code) if _well_formed(code) else None
    if item is None:
        raise _not_found(code)
    return item


# ----------------------------------------------------------------------------- reading


def _limits(row: Any) -> Limits:
    """The time limits of an item or of a row of its `<step>_limit_value|unit` columns."""
    return Limits(
        **{
            step.value: TimeLimit(
                value=getattr(row, f"{step}_limit_value"),
                unit=TimeUnit(getattr(row, f"{step}_limit_unit")),
            )
            for step in TimedStep
        }
    )


def item_read(item: Item) -> ItemRead:
    return ItemRead(
        code=item.code,
        kind=ItemKind(item.kind),
        big_class_code=item.big_class_code,
        big_class_name=item.big_class.name,
        small_class_code=item.small_class_code,
        name=item.name,
        tier=Tier(item.tier),
        default_department_type=DepartmentType(item.default_department_type),
        default_department_name=DEPARTMENT_TYPES[item.default_department_type],
        urgent=item.urgent,
        limits=_limits(item),
        filing_condition=item.filing_condition,
        closing_standard=item.closing_standard,
        created_at=item.created_at,
        updated_at=item.updated_at,
        retired_at=item.retired_at,
    )


def get_item(session: Session, *, code: str) -> ItemRead:
    """One item by code, retired or not; NotFound if there is none."""
    return item_read(_find(session, code))


@dataclass(frozen=True)
class ItemTexts:
    """What an account of a case for the public names of its item."""

    code: str
    name: str
    closing_standard: str
    retired_at: datetime | None


def item_texts(session: Session, *, codes: Iterable[str]) -> dict[str, ItemTexts]:
    """The name and closing standard of the items of these codes, retired or not, by code."""
    wanted = sorted({code for code in codes if _well_formed(code)})
    if not wanted:
        return {}
    rows = repository.item_texts(session, codes=wanted)
    return {
        row.code: ItemTexts(row.code, row.name, row.closing_standard, row.retired_at)
        for row in rows
    }


@dataclass(frozen=True)
class ItemLimits:
    """An item's time limits, and when it was retired (None: it is current)."""

    limits: Limits
    retired_at: datetime | None


def get_limits(session: Session, *, code: str) -> ItemLimits:
    """The time limits of an item by code, retired or not; NotFound if there is none."""
    row = repository.item_limits(session, code=code) if _well_formed(code) else None
    if row is None:
        raise _not_found(code)
    return ItemLimits(limits=_limits(row), retired_at=row.retired_at)


def list_items(session: Session, *, query: ItemQuery) -> ItemPage:
    """A page of items matching every filter, in code order; retired ones only on request."""
    rows = repository.items(session, query=query, limit=query.limit + 1)
    page = rows[: query.limit]
    return ItemPage(
        items=[item_read(row) for row in page],
        next_after=page[-1].code if len(rows) > query.limit else None,
    )


def list_big_classes(session: Session) -> list[BigClassRead]:
    """Every big class, events first."""
    return [
        BigClassRead(kind=ItemKind(row.kind), code=row.code, name=row.name)
        for row in repository.big_classes(session)
    ]


def item_codes(session: Session) -> set[str]:
    """The codes of every item, retired ones included."""
    return repository.item_codes(session)


# ----------------------------------------------------------------------------- writing


def ensure_big_class(session: Session, *, kind: ItemKind, code: str, name: str) -> bool:
    """Create a big class unless it exists (an existing name is kept); True if created."""
    if repository.big_class(session, kind=kind.value, code=code) is not None:
        return False
    repository.add_big_class(session, kind=kind.value, code=code, name=name)
    return True


def create_item(session: Session, *, item: ItemCreate) -> ItemRead:
    """Create an item; its kind and class codes must agree with its code (else InvalidInput),
    its big class must exist, and a code already taken, even by a retired item, is a Conflict.
    """
    problems = _code_problems(item)
    big_class = repository.big_class(session, kind=item.kind.value, code=item.big_class_code)
    if big_class is None:
        problems.append(
            _problem(
                "big_class_code",
                f"大类 {item.kind} {item.big_class_code} 不存在 / "
                f"no {item.kind} big class {item.big_class_code}",
            )
        )
    if problems or big_class is None:
        raise InvalidInput(INVALID_ITEM, errors=problems)
    if repository.item(session, code=item.code) is not None:
        raise _taken(item.code)
    row = Item(
        code=item.code,
        kind=item.kind.value,
        big_class_code=item.big_class_code,
        small_class_code=item.small_class_code,
        name=item.name,
        tier=item.tier.value,
        default_department_type=item.default_department_type.value,
        urgent=item.urgent,
        filing_condition=item.filing_condition,
        closing_standard=item.closing_standard,
        **_limit_columns(item.limits.model_dump()),
    )
    row.big_class = big_class
    try:
        repository.add_item(session, row)
    except IntegrityError as exc:
        # Another request created the same code between the check and the insert.
        if isinstance(exc.orig, UniqueViolation):
            raise _taken(item.code) from exc
        raise
    return item_read(row)


def _code_problems(item: ItemCreate) -> list[ProblemItem]:
    """An item code spells its kind letter, big class and small class: they must agree."""
    letter = KIND_LETTER[item.kind]
    problems: list[ProblemItem] = []
    if item.code[0] != letter:
        problems.append(
            _problem(
                "kind",
                f"种类 {item.kind} 的编码应以 {letter} 开头 / "
                f"kind {item.kind} needs a code starting with {letter}, not {item.code[0]}",
            )
        )
    for field, expected in (
        ("big_class_code", item.code[1:3]),
        ("small_class_code", item.code[3:5]),
    ):
        given = getattr(item, field)
        if given != expected:
            problems.append(
                _problem(
                    field,
                    f"与编码 {item.code} 不符，应为 {expected} / "
                    f"{given} disagrees with code {item.code}, expected {expected}",
                )
            )
    return problems


def update_item(session: Session, *, code: str, changes: ItemUpdate, at: datetime) -> ItemRead:
    """Change the fields given; a field sent as null is InvalidInput. Retired items too."""
    row = _find(session, code)
    problems = [_problem(field, "不能为 null / may not be null") for field in _nulls(changes)]
    if changes.limits is not None:
        problems += [
            _problem(f"limits.{step}", "不能为 null / may not be null")
            for step in _nulls(changes.limits)
        ]
    if problems:
        raise InvalidInput(INVALID_ITEM, errors=problems)
    values = changes.model_dump(exclude_unset=True, exclude={"limits"})
    if changes.limits is not None:
        values |= _limit_columns(changes.limits.model_dump(exclude_unset=True))
    changed = False
    for column, value in values.items():
        stored = value.value if isinstance(value, (Tier, DepartmentType, TimeUnit)) else value
        if getattr(row, column) != stored:
            setattr(row, column, stored)
            changed = True
    if changed:
        row.updated_at = at
        session.flush()
    return item_read(row)


def retire_item(session: Session, *, code: str, at: datetime) -> ItemRead:
    """Retire an item: it stays readable, leaves the default list and can no longer be chosen.

    Retiring a retired item changes nothing; it keeps the time it was first retired.
    """
    row = _find(session, code)
    if row.retired_at is None:
        row.retired_at = at
        session.flush()
    return item_read(row)


# ----------------------------------------------------------------------------- helpers


def _problem(field: str, reason: str) -> ProblemItem:
    return ProblemItem(location=f"body.{field}", reason=reason)


def _taken(code: str) -> Conflict:
    return Conflict(
        f"编码 {code} 已被使用（停用的条目也占用编码）/ "
        f"Code {code} is taken (a retired item keeps its code)"
    )


def _nulls(model: BaseModel) -> list[str]:
    """The fields sent as null, by their names on the wire."""
    fields = type(model).model_fields
    return sorted(
        fields[name].alias or name
        for name in model.model_fields_set
        if getattr(model, name) is None
    )


def _limit_columns(limits: dict[str, Any]) -> dict[str, Any]:
    """`{"handle": {"value": 4, "unit": "working_hours"}}` → the item's limit columns."""
    columns: dict[str, Any] = {}
    for step, limit in limits.items():
        columns[f"{step}_limit_value"] = limit["value"]
        columns[f"{step}_limit_unit"] = TimeUnit(limit["unit"]).value
    return columns
