"""Departments' dispatched offices (派出机构). Minimal for now: liaisons are scoped to one."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.db import Base, CreatedAtMixin


class Office(CreatedAtMixin, Base):
    __tablename__ = "office"

    office_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    department_type: Mapped[str] = mapped_column(Text)
    street_code: Mapped[str | None] = mapped_column(ForeignKey("street.code"), index=True)
