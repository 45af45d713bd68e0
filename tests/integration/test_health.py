from __future__ import annotations

from fastapi.testclient import TestClient

from gridloop import migrations


def test_health_reports_database_postgis_and_migrations_at_head(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["postgis_version"].startswith("3.")
    assert body["migration_revision"] == migrations.head_revision()
    assert body["migrations_at_head"] is True
