"""What an action's effect works with: the case, the caller, the time, and helpers they share.

The calendar and the item's limits load only when an effect needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gridloop.calendar import service as calendar_service
from gridloop.calendar.worktime import WorkCalendar
from gridloop.cases import deadlines, repository
from gridloop.cases.callers import Caller
from gridloop.cases.items import catalog_item, limits_of
from gridloop.cases.models import GridCase, OfficeRole
from gridloop.errors import invalid_field
from gridloop.org.models import Office


@dataclass
class ActionContext:
    """One action being taken on one case."""

    session: Session
    case: GridCase
    caller: Caller
    now: datetime
    _calendar: WorkCalendar | None = None

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = calendar_service.work_calendar(self.session)
        return self._calendar

    def limits(self, field: str = "item_code") -> deadlines.Limits:
        assert self.case.item_code is not None  # a registered case has its item (a CHECK)
        return limits_of(catalog_item(self.session, code=self.case.item_code, field=field))

    def due(self, start: datetime, limit: deadlines.Limit) -> datetime:
        return deadlines.due(start, limit, calendar=self.calendar)

    def start_handling_clock(self, start: datetime) -> None:
        limits = self.limits()
        self.set_handle_due(self.due(start, limits.handle), limits)

    def set_handle_due(self, handle_due_at: datetime, limits: deadlines.Limits) -> None:
        self.case.handle_due_at = handle_due_at
        self.case.close_due_at = deadlines.close_due(handle_due_at, limits, calendar=self.calendar)

    def send_to_offices(self, *, lead: str, assists: Sequence[str]) -> dict[str, Office]:
        """Hand the case to a lead office and its assistants (dispatch and whistle alike).

        Offices it had before are released; the handling clock starts now. Unknown codes are a
        422 naming them. Returns the offices by code.
        """
        codes = [lead, *assists]
        offices = repository.offices_by_code(self.session, codes)
        unknown = [code for code in codes if code not in offices]
        if unknown:
            raise invalid_field(
                "body", f"派出机构不存在：{', '.join(unknown)} / no office {', '.join(unknown)}"
            )
        repository.release_case_offices(self.session, case_id=self.case.case_id, at=self.now)
        repository.add_case_offices(
            self.session,
            case_id=self.case.case_id,
            offices=[(offices[lead].office_id, OfficeRole.LEAD.value)]
            + [(offices[code].office_id, OfficeRole.ASSIST.value) for code in assists],
            at=self.now,
        )
        self.case.dispatched_at = self.now
        self.start_handling_clock(self.now)
        return offices
