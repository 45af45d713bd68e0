"""The worker forgets finished deliveries after `webhook_keep_days`, with their attempts, and
never a pending one, however old."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from gridloop.events.models import WebhookAttempt, WebhookDelivery
from gridloop.events.worker import Worker
from tests.factories.cases import World, file_case
from tests.integration.cases.scratch import ScratchWorld
from tests.integration.events.conftest import fast_settings


def test_finished_deliveries_older_than_the_keep_days_go_with_their_attempts(
    committed: World, scratch: ScratchWorld
) -> None:
    created = committed.client.post(
        "/webhooks",
        json={"url": "http://127.0.0.1:9/never", "events": ["file"]},
        headers=committed["adm"],
    )
    assert created.status_code == 201, created.text
    hook = created.json()["webhook_id"]
    for _ in range(4):
        file_case(committed, "ins1")
    # No worker may send them: the subscription is off while the test ages its deliveries.
    url = f"/webhooks/{hook}"
    committed.client.patch(url, json={"enabled": False}, headers=committed["adm"])

    ours = WebhookDelivery.webhook_subscription_id == hook
    with scratch.sessions.begin() as session:
        now = session.scalar(select(func.now()))
        assert now is not None
        ids = session.scalars(
            select(WebhookDelivery.webhook_delivery_id).where(ours).order_by("case_event_id")
        ).all()
        assert len(ids) == 4
        ages = {  # id: (status, finished how long ago)
            ids[0]: ("delivered", timedelta(days=31)),
            ids[1]: ("failed", timedelta(days=40)),
            ids[2]: ("delivered", timedelta(days=29)),
        }
        for delivery_id, (status, ago) in ages.items():
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.webhook_delivery_id == delivery_id)
                .values(status=status, finished_at=now - ago)
            )
            session.add(
                WebhookAttempt(
                    webhook_delivery_id=delivery_id,
                    attempted_at=now - ago,
                    duration_ms=12,
                    outcome="delivered" if status == "delivered" else "rejected",
                    status_code=200 if status == "delivered" else 500,
                )
            )
        # The fourth stays pending, however old.
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.webhook_delivery_id == ids[3])
            .values(created_at=now - timedelta(days=90))
        )

    worker = Worker(scratch.sessions, fast_settings(webhook_keep_days=30))
    try:
        assert worker.prune() >= 2
    finally:
        worker.close()

    with scratch.sessions() as session:
        left = session.execute(
            select(WebhookDelivery.webhook_delivery_id, WebhookDelivery.status).where(ours)
        ).all()
        attempts = session.scalars(
            select(WebhookAttempt.webhook_delivery_id).where(
                WebhookAttempt.webhook_delivery_id.in_(ids)
            )
        ).all()
    committed.client.delete(url, headers=committed["adm"])
    assert sorted(left) == [(ids[2], "delivered"), (ids[3], "pending")]
    assert attempts == [ids[2]]
