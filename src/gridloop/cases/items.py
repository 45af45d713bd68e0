"""The catalog as cases see it: a current item and its time limits, else a 422 on the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from gridloop.cases import deadlines
from gridloop.catalog import service as catalog_service
from gridloop.catalog.schemas import ItemRead
from gridloop.catalog.schemas import Limits as CatalogLimits
from gridloop.errors import NotFound, invalid_field


class _Retirable(Protocol):
    @property
    def retired_at(self) -> datetime | None: ...


Retirable = TypeVar("Retirable", bound=_Retirable)


def _current(
    read: Callable[..., Retirable], session: Session, *, code: str, field: str
) -> Retirable:
    """What `read` gives for a current catalog item; unknown or retired is InvalidInput."""
    try:
        found = read(session, code=code)
    except NotFound as exc:
        raise invalid_field(field, f"管理条目 {code} 不存在 / unknown catalog item {code}") from exc
    if found.retired_at is not None:
        raise invalid_field(field, f"管理条目 {code} 已停用 / catalog item {code} is retired")
    return found


def catalog_item(session: Session, *, code: str, field: str) -> ItemRead:
    """A current catalog item; an unknown or retired code is InvalidInput on `field`."""
    return _current(catalog_service.get_item, session, code=code, field=field)


def current_limits(session: Session, *, code: str, field: str) -> deadlines.Limits:
    """The time limits of a current catalog item, as `limits_of(catalog_item(…))` gives them
    without reading the whole item."""
    found = _current(catalog_service.get_limits, session, code=code, field=field)
    return _deadline_limits(found.limits)


def limits_of(item: ItemRead) -> deadlines.Limits:
    return _deadline_limits(item.limits)


def _deadline_limits(limits: CatalogLimits) -> deadlines.Limits:
    def limit(step: Any) -> deadlines.Limit:
        return deadlines.Limit(value=Decimal(step.value), unit=step.unit)

    return deadlines.Limits(
        register=limit(limits.register),
        dispatch=limit(limits.dispatch),
        handle=limit(limits.handle),
        verify=limit(limits.verify),
    )
