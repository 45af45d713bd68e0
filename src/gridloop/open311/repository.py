"""The one query of the façade's own: which jurisdictions (districts) it serves.

It reads the grid map's district table directly: a list of codes, not behaviour of the geo
domain. Everything else goes through the services of catalog, routing and cases.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.geo.models import District


def district_codes(session: Session) -> list[str]:
    return list(session.scalars(select(District.code).order_by(District.code)))
