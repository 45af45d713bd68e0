"""Routes of the catalog: any user reads items and big classes; admins create, update, retire.

There is no DELETE route, on purpose: an item that cases use is retired, never deleted, so a
DELETE is answered 405.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from gridloop.auth.dependencies import CurrentUser, Now, require_roles
from gridloop.auth.models import Role, User
from gridloop.catalog import service
from gridloop.catalog.schemas import (
    BigClassRead,
    ItemCreate,
    ItemPage,
    ItemQuery,
    ItemRead,
    ItemUpdate,
)
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, problems

router = APIRouter(prefix="/catalog", tags=["catalog"])

Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
# Any text: a code that is not well-formed names no item, so it is a 404 like an unknown one.
Code = Annotated[str, Path(description="item code, e.g. E0102", examples=["E0102"])]


@router.get("/items", responses=problems(Unauthorized, InvalidInput))
def list_items(
    session: ReadSessionDep, user: CurrentUser, query: Annotated[ItemQuery, Query()]
) -> ItemPage:
    """管理条目 / Catalog items in code order, filtered; retired ones only with
    `include_retired=true`. Pass `next_after` back as `after` for the next page.
    """
    return service.list_items(session, query=query)


@router.get("/items/{code}", responses=problems(Unauthorized, NotFound))
def read_item(session: ReadSessionDep, user: CurrentUser, code: Code) -> ItemRead:
    """管理条目 / One item by code, retired or not."""
    return service.get_item(session, code=code)


@router.post(
    "/items",
    status_code=status.HTTP_201_CREATED,
    responses=problems(Unauthorized, Forbidden, Conflict, InvalidInput),
)
def create_item(session: SessionDep, admin: Admin, item: ItemCreate) -> ItemRead:
    """新增管理条目 / Create an item. A code is never reused, not even a retired item's (409)."""
    return service.create_item(session, item=item)


@router.patch("/items/{code}", responses=problems(Unauthorized, Forbidden, NotFound, InvalidInput))
def update_item(
    session: SessionDep, admin: Admin, at: Now, code: Code, changes: ItemUpdate
) -> ItemRead:
    """修改管理条目 / Change the fields given. Code, kind and classes never change."""
    return service.update_item(session, code=code, changes=changes, at=at)


@router.post("/items/{code}/retire", responses=problems(Unauthorized, Forbidden, NotFound))
def retire_item(session: SessionDep, admin: Admin, at: Now, code: Code) -> ItemRead:
    """停用管理条目 / Retire an item instead of deleting it: cases that use it keep it, it stays
    readable by code and leaves the default list. Retiring it again changes nothing.
    """
    return service.retire_item(session, code=code, at=at)


@router.get("/classes", responses=problems(Unauthorized))
def list_big_classes(session: ReadSessionDep, user: CurrentUser) -> list[BigClassRead]:
    """大类 / The big classes of events and components, with their names."""
    return service.list_big_classes(session)
