"""Settings: the one place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridloop.calendar.worktime import (
    DEFAULT_TIMEZONE,
    DEFAULT_WORKING_PERIODS,
    parse_timezone,
    parse_working_periods,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDLOOP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Any PostGIS; when unset, the project-local cluster under data_dir is used.",
    )
    data_dir: Path = PROJECT_ROOT / ".gridloop"
    local_db_port: int = 55432
    local_db_name: str = "gridloop"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias="PORT")
    # Connections kept open per process. Overflow connections are closed after each use: under a
    # steady load they would be opened and closed all the time, so the default has none.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    token_ttl_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    working_periods: str = Field(
        default=DEFAULT_WORKING_PERIODS, description="working hours of a working day, local time"
    )
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="the zone of working hours")
    photo_dir: Path | None = Field(
        default=None, description="where case photos are kept; data_dir/photos when unset"
    )
    base_map_url: str | None = Field(
        default=None,
        description=(
            "an XYZ raster tile template ({z}, {x}, {y}) the console draws under the grid map, in"
            " Web Mercator with WGS-84/CGCS2000 coordinates (天地图 vec_w with its key); none by"
            " default, so the console asks nothing of another site"
        ),
    )
    base_map_attribution: str = Field(default="", description="the base map's credit line")
    sweep_interval_seconds: float = Field(
        default=60, ge=0, description="how often `serve` sweeps for missed deadlines; 0: never"
    )

    @field_validator("working_periods")
    @classmethod
    def _working_periods_parse(cls, value: str) -> str:
        parse_working_periods(value)  # a bad value stops the start, not the first deadline
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        parse_timezone(value)
        return value

    @property
    def db_connections(self) -> int:
        """Connections one process may hold: also its cap on requests in flight."""
        return self.db_pool_size + self.db_max_overflow

    @property
    def local_database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.local_db_port}/{self.local_db_name}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.local_database_url

    @property
    def effective_photo_dir(self) -> Path:
        return self.photo_dir or self.data_dir / "photos"


@lru_cache
def get_settings() -> Settings:
    return Settings()
