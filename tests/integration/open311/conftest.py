"""Fixtures of the Open311 tests: the case tests' world, 群租 with a rule reading an attribute."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories.cases import World
from tests.factories.open311 import load_group_renting


@pytest.fixture
def group_renting(world: World, session: Session) -> World:
    """The world with 群租 (E0514) and rules: a repeat offence goes to 城管, others to 绿化市容."""
    load_group_renting(session)
    return world
