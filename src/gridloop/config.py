"""Settings: the one place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    token_ttl_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    seeds_dir: Path = PROJECT_ROOT / "seeds"

    @property
    def local_database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.local_db_port}/{self.local_db_name}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.local_database_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
