"""API shapes of the working calendar."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from gridloop.calendar.models import CalendarSource, DayKind
from gridloop.calendar.worktime import TimeUnit
from gridloop.strict import IsoDate

# Control characters (NUL above all) cannot be stored in PostgreSQL text.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class CalendarYearRead(BaseModel):
    year: int
    source: CalendarSource = Field(description="chinesecalendar (the package) or upload (an admin)")
    loaded_at: datetime
    holidays: int = Field(description="holidays listed, weekend days of a holiday included")
    workdays: int = Field(description="make-up working days (调休上班)")


class CalendarDayRead(BaseModel):
    day: date
    kind: DayKind
    name: str = Field(examples=["春节"])


class CalendarDayCreate(BaseModel):
    """One day of an uploaded year. `kind` is checked with the rest of the upload, so that one
    answer lists every bad row.
    """

    model_config = ConfigDict(extra="forbid")

    day: IsoDate
    kind: str = Field(
        json_schema_extra={"enum": [kind.value for kind in DayKind]},
        description="holiday (a day off) or workday (a make-up working day on a weekend)",
    )
    name: str = Field(min_length=1, max_length=100, pattern=_PRINTABLE, examples=["春节"])


class DueRead(BaseModel):
    start: datetime
    value: float
    unit: TimeUnit
    due_at: datetime = Field(description="the deadline, in the calendar's time zone")
