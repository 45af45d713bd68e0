"""Who is calling: a user or an intake client, the cases it sees, and the case's ETag.

A case outside the caller's scope is NotFound, exactly as if it did not exist. Every change
names the case's current version in `If-Match` (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import ApiKey, Role, User
from gridloop.cases import repository
from gridloop.cases.models import GridCase
from gridloop.cases.repository import Visibility
from gridloop.cases.workflow import Actor
from gridloop.errors import NotFound, PreconditionFailed, PreconditionRequired

NO_SUCH_CASE = "案件不存在 / No such case"


class CaseFacts(Protocol):
    """What the rules of who may act ask of a case: a `GridCase`, or a case's read row."""

    @property
    def case_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def pending_request(self) -> str | None: ...
    @property
    def verification(self) -> str | None: ...
    @property
    def rework_count(self) -> int: ...
    @property
    def reported_by_user_id(self) -> int | None: ...
    @property
    def reported_by_api_key_id(self) -> int | None: ...


@dataclass(frozen=True)
class Caller:
    """A logged-in user or an intake client, with the cases it may see."""

    actor: Actor
    visibility: Visibility
    user: User | None = None
    client: ApiKey | None = None

    @property
    def owner(self) -> str:
        """Who owns an idempotency key: keys of different callers never meet."""
        if self.user is not None:
            return f"user:{self.user.user_id}"
        assert self.client is not None
        return f"client:{self.client.api_key_id}"

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.user_id

    @property
    def api_key_id(self) -> int | None:
        return None if self.client is None else self.client.api_key_id

    def reported(self, case: CaseFacts) -> bool:
        """Whether this caller filed the case."""
        if self.user is not None:
            return case.reported_by_user_id == self.user.user_id
        return self.client is not None and case.reported_by_api_key_id == self.client.api_key_id

    def actors_for(self, case: CaseFacts) -> frozenset[Actor]:
        return frozenset({self.actor, Actor.REPORTER} if self.reported(case) else {self.actor})


def caller_for_user(session: Session, *, user: User) -> Caller:
    """A user as a caller: admins and auditors see every case, the others their scope's."""
    grid_codes: tuple[str, ...] = ()
    if user.role == Role.INSPECTOR:
        grid_codes = auth_service.scope_of(session, user=user).responsibility_grid_codes
    return caller_of(user, responsibility_grid_codes=grid_codes)


def caller_of(user: User, *, responsibility_grid_codes: Iterable[str]) -> Caller:
    """A user as a caller, an inspector's grids given."""
    role = Role(user.role)
    if role in (Role.ADMIN, Role.AUDITOR):
        visibility = Visibility(everything=True)
    elif role == Role.DISPATCHER:
        visibility = Visibility(street_code=user.street_code)
    elif role == Role.LIAISON:
        visibility = Visibility(office_id=user.office_id)
    else:
        visibility = Visibility(responsibility_grid_codes=frozenset(responsibility_grid_codes))
    return Caller(actor=Actor(role.value), visibility=visibility, user=user)


def caller_for_client(client: ApiKey) -> Caller:
    """An intake client: it sees what it filed."""
    return Caller(
        actor=Actor.INTAKE_CLIENT,
        visibility=Visibility(api_key_id=client.api_key_id),
        client=client,
    )


def public_reader(district_code: str | None) -> Caller:
    """The public, as Open311 reads for it: every case of one district (None: of every
    district), read only (it takes no action, so it acts as the system; what of a case it may
    see is the façade's to decide)."""
    if district_code is None:
        return Caller(actor=Actor.SYSTEM, visibility=Visibility(everything=True))
    return Caller(actor=Actor.SYSTEM, visibility=Visibility(district_code=district_code))


def visible_case(
    session: Session, *, caller: Caller, case_id: int, for_update: bool = False
) -> GridCase:
    """The case if the caller may see it; else NotFound, exactly as if it did not exist."""
    case = repository.get_case(
        session, case_id=case_id, visibility=caller.visibility, for_update=for_update
    )
    if case is None:
        raise NotFound(NO_SUCH_CASE)
    return case


def is_lead_liaison(session: Session, *, caller: Caller, case: CaseFacts) -> bool:
    """Whether the caller is a liaison of the office leading the case now."""
    return (
        caller.actor == Actor.LIAISON
        and caller.user is not None
        and caller.user.office_id is not None
        and repository.lead_office_id(session, case_id=case.case_id) == caller.user.office_id
    )


# ----------------------------------------------------------------------------- ETags


def etag_of(case_id: int, version: int) -> str:
    return f'"{case_id}.{version}"'


def etag(case: GridCase) -> str:
    return etag_of(case.case_id, case.version)


def check_if_match(case: GridCase, if_match: str | None) -> None:
    """428 without If-Match, 412 unless it names the case's current ETag (or is `*`)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"操作须带 If-Match 头（当前 ETag {etag(case)}）/ send the case's ETag {etag(case)} "
            "as If-Match"
        )
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag(case) not in tags:
        raise PreconditionFailed(
            f"案件已被修改，当前 ETag {etag(case)} / the case changed since: its ETag is "
            f"now {etag(case)}"
        )
