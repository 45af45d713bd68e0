"""Every table, imported once so that Alembic and the tests see the whole metadata."""

from gridloop.auth import models as auth_models
from gridloop.db import Base
from gridloop.geo import models as geo_models
from gridloop.org import models as org_models

__all__ = ["Base", "auth_models", "geo_models", "org_models"]
