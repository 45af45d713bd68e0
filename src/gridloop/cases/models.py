"""Cases, their events, photos, offices, suspensions, and stored idempotent responses.

A case (`grid_case`: `case` is an SQL keyword) carries its place in the grid map and its
district and street codes (DESIGN.md §9), its status, its due times and a `version` for
optimistic locking (the ETag). Every change appends a `case_event`; the database refuses to
update or delete events (a trigger, see migration 0006).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.cases.workflow import EVENT_KINDS, Actor, Pending, Status, Verification
from gridloop.catalog.models import Tier
from gridloop.db import Base
from gridloop.geo.crs import Crs


class Source(StrEnum):
    """Where a case came from."""

    INSPECTOR = "inspector"  # 监督员上报
    HOTLINE_12345 = "hotline_12345"  # 12345 热线
    PUBLIC = "public"  # 公众举报
    VIDEO = "video"  # 视频监控
    SELF_FOUND = "self_found"  # 部门自查


class RejectReason(StrEnum):
    DUPLICATE = "duplicate"  # 重复
    OUT_OF_SCOPE = "out_of_scope"  # 不属于受理范围
    INSUFFICIENT_INFORMATION = "insufficient_information"  # 信息不全


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class PhotoStep(StrEnum):
    BEFORE = "before"  # 处置前（上报）
    AFTER = "after"  # 处置后
    VERIFICATION = "verification"  # 核查


class OfficeRole(StrEnum):
    LEAD = "lead"  # 主办
    ASSIST = "assist"  # 协办


class Queue(StrEnum):
    """A work queue: the street center's 待立案, 待派遣, 待审批, 待结案, 超期, 被退回, then an
    office's 待接单, 处置中, 待报到 (超期 is both's)."""

    # Which cases each one holds is defined once, in SQL: `repository.in_queue`.

    TO_REGISTER = "to_register"  # 待立案
    TO_DISPATCH = "to_dispatch"  # 待派遣
    TO_APPROVE = "to_approve"  # 待审批
    TO_CLOSE = "to_close"  # 待结案
    OVERDUE = "overdue"  # 超期
    RETURNED = "returned"  # 被退回
    TO_ACCEPT = "to_accept"  # 待接单
    HANDLING = "handling"  # 处置中
    TO_REPORT_IN = "to_report_in"  # 待报到


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


def _tz() -> DateTime:
    return DateTime(timezone=True)


# The deadline that runs in each status; a suspended or finished case has none. After the
# office reports, the inspector's check and the center's closing both run.
RUNNING_DUE_AT = (
    "CASE status "
    "WHEN 'reported' THEN register_due_at "
    "WHEN 'registered' THEN dispatch_due_at "
    "WHEN 'dispatched' THEN handle_due_at "
    "WHEN 'handling' THEN handle_due_at "
    "WHEN 'handled' THEN CASE WHEN verification IS NULL "
    "THEN LEAST(verify_due_at, close_due_at) ELSE close_due_at END "
    "END"
)


class GridCase(Base):
    __tablename__ = "grid_case"
    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_known"),
        CheckConstraint(_in("source", Source), name="source_known"),
        CheckConstraint(_in("input_crs", Crs), name="input_crs_known"),
        CheckConstraint(f"tier IS NULL OR {_in('tier', Tier)}", name="tier_known"),
        CheckConstraint(
            f"pending_request IS NULL OR {_in('pending_request', Pending)}", name="pending_known"
        ),
        CheckConstraint(
            f"verification IS NULL OR {_in('verification', Verification)}",
            name="verification_known",
        ),
        CheckConstraint(
            f"rejection_reason IS NULL OR {_in('rejection_reason', RejectReason)}",
            name="rejection_reason_known",
        ),
        CheckConstraint(
            f"satisfaction IS NULL OR {_in('satisfaction', Satisfaction)}",
            name="satisfaction_known",
        ),
        CheckConstraint(
            "(reported_by_user_id IS NULL) <> (reported_by_api_key_id IS NULL)",
            name="one_reporter",
        ),
        CheckConstraint(
            "status IN ('reported', 'rejected') OR item_code IS NOT NULL", name="registered_item"
        ),
        CheckConstraint("left(street_code, 6) = district_code", name="street_in_district"),
        CheckConstraint("left(unit_grid_code, 12) = community_code", name="grid_in_community"),
        CheckConstraint("rework_count >= 0 AND version >= 1", name="counters_valid"),
        Index("ix_grid_case_geom", "geom", postgresql_using="gist"),
        Index("ix_grid_case_street_code_status", "street_code", "status"),
        Index("ix_grid_case_running_due_at", "running_due_at"),
    )

    case_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("street.code"))
    community_code: Mapped[str] = mapped_column(ForeignKey("community.code"), index=True)
    unit_grid_code: Mapped[str] = mapped_column(ForeignKey("unit_grid.code"), index=True)
    responsibility_grid_code: Mapped[str | None] = mapped_column(
        ForeignKey("responsibility_grid.code"), index=True
    )
    status: Mapped[str] = mapped_column(Text)
    item_code: Mapped[str | None] = mapped_column(ForeignKey("catalog_item.code"), index=True)
    tier: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    # The point as the reporter sent it, before conversion to WGS-84.
    input_lon: Mapped[float] = mapped_column(Double)
    input_lat: Mapped[float] = mapped_column(Double)
    input_crs: Mapped[str] = mapped_column(Text)
    reported_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.user_id"), index=True
    )
    reported_by_api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_key.api_key_id"), index=True
    )

    reported_at: Mapped[datetime] = mapped_column(_tz(), index=True)
    registered_at: Mapped[datetime | None] = mapped_column(_tz())
    dispatched_at: Mapped[datetime | None] = mapped_column(_tz())
    accepted_at: Mapped[datetime | None] = mapped_column(_tz())
    handled_at: Mapped[datetime | None] = mapped_column(_tz())
    closed_at: Mapped[datetime | None] = mapped_column(_tz())
    register_due_at: Mapped[datetime | None] = mapped_column(_tz())
    dispatch_due_at: Mapped[datetime | None] = mapped_column(_tz())
    handle_due_at: Mapped[datetime | None] = mapped_column(_tz())
    verify_due_at: Mapped[datetime | None] = mapped_column(_tz())
    close_due_at: Mapped[datetime | None] = mapped_column(_tz())
    running_due_at: Mapped[datetime | None] = mapped_column(
        _tz(), Computed(RUNNING_DUE_AT, persisted=True)
    )

    pending_request: Mapped[str | None] = mapped_column(Text)
    # The handling deadline a pending extension request asks for.
    requested_due_at: Mapped[datetime | None] = mapped_column(_tz())
    verification: Mapped[str | None] = mapped_column(Text)
    rework_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_case_id: Mapped[int | None] = mapped_column(ForeignKey("grid_case.case_id"))
    satisfaction: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    updated_at: Mapped[datetime] = mapped_column(_tz())


class CaseEvent(Base):
    """One step of a case's history; never updated, never deleted."""

    __tablename__ = "case_event"
    __table_args__ = (
        # The status changes of a time window (Open311's servicerequestupdates).
        Index("ix_case_event_occurred_at", "occurred_at"),
        CheckConstraint(_in("action", EVENT_KINDS), name="action_known"),
        CheckConstraint(
            f"from_status IS NULL OR {_in('from_status', Status)}", name="from_status_known"
        ),
        CheckConstraint(_in("to_status", Status), name="to_status_known"),
        CheckConstraint(_in("actor_role", Actor), name="actor_role_known"),
        CheckConstraint(
            "actor_user_id IS NULL OR actor_api_key_id IS NULL", name="at_most_one_actor"
        ),
    )

    case_event_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    action: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.user_id"))
    actor_api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.api_key_id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(_tz())


class CasePhoto(Base):
    """A photo of one step of a case, re-encoded without EXIF; the file lives in `photo_dir`."""

    __tablename__ = "case_photo"
    __table_args__ = (
        CheckConstraint(_in("step", PhotoStep), name="step_known"),
        CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'image/webp')", name="media_type_known"
        ),
        CheckConstraint("round >= 0 AND byte_size > 0", name="sizes_valid"),
        CheckConstraint(
            "(uploaded_by_user_id IS NULL) <> (uploaded_by_api_key_id IS NULL)",
            name="one_uploader",
        ),
        Index("ix_case_photo_case_id_step_round", "case_id", "step", "round"),
    )

    case_photo_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"))
    step: Mapped[str] = mapped_column(Text)
    # The handling round (rework_count when taken), so a rework asks for new after-photos.
    round: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(Text)
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Path of the file under `photo_dir`.
    storage_key: Mapped[str] = mapped_column(Text, unique=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.user_id"))
    uploaded_by_api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.api_key_id"))
    created_at: Mapped[datetime] = mapped_column(_tz())


class CaseOffice(Base):
    """An office a case was dispatched to, as lead (主办) or assisting (协办).

    A return releases the row (`released_at`) rather than deleting it, so the history of
    dispatches stays; at most one current lead per case.
    """

    __tablename__ = "case_office"
    __table_args__ = (
        CheckConstraint(_in("role", OfficeRole), name="role_known"),
        CheckConstraint("released_at IS NULL OR released_at >= assigned_at", name="released_after"),
        Index(
            "ix_case_office_case_id",
            "case_id",
            unique=True,
            postgresql_where=text("role = 'lead' AND released_at IS NULL"),
        ),
        Index(
            "ix_case_office_case_id_office_id",
            "case_id",
            "office_id",
            unique=True,
            postgresql_where=text("released_at IS NULL"),
        ),
        Index(
            "ix_case_office_office_id", "office_id", postgresql_where=text("released_at IS NULL")
        ),
        # Every dispatch of a case, released ones included (the reports' lead office).
        Index("ix_case_office_case_id_role", "case_id", "role"),
    )

    case_office_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.office_id"))
    role: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(_tz())
    released_at: Mapped[datetime | None] = mapped_column(_tz())
    # 吹哨报到: when the office reported in at the grid.
    arrived_at: Mapped[datetime | None] = mapped_column(_tz())


class CaseSuspension(Base):
    """A stretch of 挂账: the clocks of the case stop from `started_at` to `ended_at`."""

    __tablename__ = "case_suspension"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        Index(
            "ix_case_suspension_case_id",
            "case_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    case_suspension_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"))
    started_at: Mapped[datetime] = mapped_column(_tz())
    ended_at: Mapped[datetime | None] = mapped_column(_tz())


class IdempotencyKey(Base):
    """The stored response of a POST sent with an `Idempotency-Key`, kept 24 hours.

    `owner` is `user:<id>` or `client:<id>`: keys of different callers never meet.
    """

    __tablename__ = "idempotency_key"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of the request (method, path, body), to tell a retry from a reuse.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSONB)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(_tz(), index=True)


class Deadline(StrEnum):
    """The due times of a case the sweeper watches (督办)."""

    REGISTER = "register"  # 立案
    DISPATCH = "dispatch"  # 派遣
    HANDLE = "handle"  # 处置
    VERIFY = "verify"  # 核查
    CLOSE = "close"  # 结案


class CaseOverdue(Base):
    """A missed deadline the sweeper has reported: one row, and one `overdue` event, each.

    The key is the deadline itself (case, kind, due time): two sweepers at once insert the same
    key, and the database lets one of them through. A moved deadline (rework, extension,
    resumption) is a new key and may be missed again.
    """

    __tablename__ = "case_overdue"
    __table_args__ = (CheckConstraint(_in("deadline", Deadline), name="deadline_known"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"), primary_key=True)
    deadline: Mapped[str] = mapped_column(Text, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(_tz(), primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(_tz())


class CaseSummons(Base):
    """吹哨: an office summoned to a case's grid, by when it must arrive, and when it did."""

    __tablename__ = "case_summons"
    __table_args__ = (
        CheckConstraint("arrival_due_at > summoned_at", name="due_after_summons"),
        Index(
            "ix_case_summons_case_id_office_id", "case_id", "office_id", "summoned_at", unique=True
        ),
    )

    case_summons_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.office_id"))
    summoned_at: Mapped[datetime] = mapped_column(_tz())
    arrival_due_at: Mapped[datetime] = mapped_column(_tz())
    arrived_at: Mapped[datetime | None] = mapped_column(_tz())
    arrived_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.user_id"))


class CaseRequester(Base):
    """Whom an intake client filed a case for: their contact, for the follow-up visit (回访).

    Personal data, kept apart from the case so that no read of cases carries it by accident:
    only the street's dispatchers and auditors see it, never the public.
    """

    __tablename__ = "case_requester"
    __table_args__ = tuple(
        CheckConstraint(f"length({name}) <= {longest}", name=f"{name}_length")
        for name, longest in (
            ("first_name", 100),
            ("last_name", 100),
            ("email", 254),
            ("phone", 32),
            ("device_id", 200),
            ("account_id", 200),
            ("media_url", 2000),
        )
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"), primary_key=True)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    device_id: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(Text)
    # A link to the requester's own photo elsewhere: fetched by no one here, shown to staff.
    media_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_tz())
