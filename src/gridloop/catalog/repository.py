"""SQL of the catalog: big classes, items, the filtered item list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, Text, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, joinedload

from gridloop.catalog.models import BigClass, Item, TimedStep
from gridloop.catalog.schemas import ItemQuery


def big_class(session: Session, *, kind: str, code: str) -> BigClass | None:
    return session.get(BigClass, (kind, code))


def big_classes(session: Session) -> list[BigClass]:
    return list(session.scalars(select(BigClass).order_by(BigClass.kind.desc(), BigClass.code)))


def add_big_class(session: Session, *, kind: str, code: str, name: str) -> BigClass:
    row = BigClass(kind=kind, code=code, name=name)
    session.add(row)
    session.flush()
    return row


def _items() -> Select[Item]:
    # Every item read carries its big class's name.
    return select(Item).options(joinedload(Item.big_class))


def item(session: Session, *, code: str) -> Item | None:
    return session.scalars(_items().where(Item.code == code)).one_or_none()


# An item's retirement and time limits (`<step>_limit_value`, `<step>_limit_unit`): what a
# deadline needs, without loading the whole item.
ITEM_LIMITS = select(
    Item.retired_at,
    *(getattr(Item, f"{step}_limit_{part}") for step in TimedStep for part in ("value", "unit")),
).where(Item.code == bindparam("code"))


def item_limits(session: Session, *, code: str) -> Row[Any] | None:
    return session.execute(ITEM_LIMITS, {"code": code}).one_or_none()


# Built once, with the codes as one array: a page of cases asks for a few dozen.
ITEM_TEXTS = select(Item.code, Item.name, Item.closing_standard, Item.retired_at).where(
    Item.code == any_(bindparam("codes", type_=ARRAY(Text)))
)


def item_texts(session: Session, *, codes: list[str]) -> list[Row[Any]]:
    return list(session.execute(ITEM_TEXTS, {"codes": codes}))


def item_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Item.code)))


def add_item(session: Session, row: Item) -> None:
    session.add(row)
    session.flush()


def _like_pattern(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def items(session: Session, *, query: ItemQuery, limit: int) -> list[Item]:
    """Items matching every filter of `query`, in code order, after `query.after`."""
    statement = _items().order_by(Item.code).limit(limit)
    if not query.include_retired:
        statement = statement.where(Item.retired_at.is_(None))
    if query.after is not None:
        statement = statement.where(Item.code > query.after)
    if query.kind is not None:
        statement = statement.where(Item.kind == query.kind.value)
    if query.big_class is not None:
        statement = statement.where(Item.big_class_code == query.big_class)
    if query.small_class is not None:
        statement = statement.where(Item.small_class_code == query.small_class)
    if query.tier is not None:
        statement = statement.where(Item.tier == query.tier.value)
    if query.department_type is not None:
        statement = statement.where(Item.default_department_type == query.department_type.value)
    if query.q is not None:
        # A catalog of a few hundred rows: a scan with ILIKE is instant, no trigram index needed.
        pattern = _like_pattern(query.q)
        statement = statement.where(
            or_(
                Item.name.ilike(pattern, escape="\\"),
                Item.filing_condition.ilike(pattern, escape="\\"),
                Item.closing_standard.ilike(pattern, escape="\\"),
            )
        )
    return list(session.scalars(statement).unique())
