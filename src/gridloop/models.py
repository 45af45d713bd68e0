"""Every table, imported once so that Alembic and the tests see the whole metadata."""

from gridloop.auth import models as auth_models
from gridloop.calendar import models as calendar_models
from gridloop.cases import models as cases_models
from gridloop.catalog import models as catalog_models
from gridloop.db import Base
from gridloop.events import models as events_models
from gridloop.geo import models as geo_models
from gridloop.org import models as org_models
from gridloop.reports import models as reports_models
from gridloop.routing import models as routing_models

__all__ = [
    "Base",
    "auth_models",
    "calendar_models",
    "cases_models",
    "catalog_models",
    "events_models",
    "geo_models",
    "org_models",
    "reports_models",
    "routing_models",
]
