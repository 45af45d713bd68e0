from __future__ import annotations

from sqlalchemy import Engine, text

from gridloop.db import get_engine


def test_service_connections_run_without_jit(engine: Engine) -> None:
    # A report over daily rollups spent more time compiling than reading with JIT on.
    with get_engine().connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar_one() == "off"
