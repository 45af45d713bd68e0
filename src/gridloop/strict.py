"""Input types for booleans, dates and times, which take a value only as it is meant to be written.

Pydantic's lax mode, in which FastAPI checks bodies and query strings alike, reads `0` and
`"no"` as false, a number as a Unix time and a midnight time stamp as a date: `{"passed": 0}`
would fail a verification and `reported_to=0.5` would mean 1970. A client's slip must be a 422
problem instead, so every boolean, date and time a request carries uses one of these:

- `JsonBool`: a JSON `true` or `false` in a body;
- `QueryBool`: `true` or `false` in a query string;
- `IsoDate`: `YYYY-MM-DD`;
- `IsoDateTime`: ISO 8601 with a time and its UTC offset, `2026-03-10T09:00:00+08:00`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Strict
from pydantic_core import PydanticCustomError

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The rest (seconds, fraction, offset) is left to pydantic's own ISO 8601 parser.
_DATETIME_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _query_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_type", "应为 true 或 false / must be true or false")


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_type", "应为日期 YYYY-MM-DD / must be a date, YYYY-MM-DD")


def _iso_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATETIME_START.match(value):
        return value
    raise PydanticCustomError(
        "datetime_type",
        "应为带时区的 ISO 8601 时间 / must be an ISO 8601 time with its UTC offset, "
        "e.g. 2026-03-10T09:00:00+08:00",
    )


JsonBool = Annotated[bool, Strict()]
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
