"""Log configuration: readable text by default, one JSON object a line with
`GRIDLOOP_LOG_FORMAT=json`; every line made during a request carries its request id.

Only the service's loggers and the server's follow `GRIDLOOP_LOG_LEVEL`; other libraries stay
at WARNING, so that a debug run does not print what they see (form fields, headers).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from gridloop.config import Settings

# Set by the request middleware; asyncio tasks and the worker threads of sync routes inherit it.
REQUEST_ID: ContextVar[str | None] = ContextVar("gridloop_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        # uvicorn's copy of the message with terminal colours: noise in a JSON line.
        record.__dict__.pop("color_message", None)
        return True


def dict_config(settings: Settings, *, access_log: bool = True) -> dict[str, Any]:
    """A `logging.config.dictConfig` document; uvicorn applies it in every worker."""
    json_formatter = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": JSON_FIELDS,
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",  # ISO 8601 in UTC, with microseconds
    }
    text_formatter = {"format": TEXT_FORMAT}
    level = settings.log_level
    own = {"handlers": ["stderr"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": json_formatter if settings.log_format == "json" else text_formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "gridloop": own,
            # The request middleware writes the access lines (with route, user and request id).
            "gridloop.access": {**own, "level": "INFO" if access_log else "WARNING"},
            "uvicorn": own,
            "uvicorn.error": {**own, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
