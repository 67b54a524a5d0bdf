"""Broadcasts: a draft, queued once to its audience, its progress, cancelling and finishing."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database
from bot.renderers import BROADCAST
from tests.unit.db.conftest import NOW, STAFF, joined_patient

DAY = timedelta(days=1)


async def test_a_draft_is_queued_once_to_active_patients_seen_recently(db: Database) -> None:
    recent, old, gone = [await joined_patient(db, n, uid) for n, uid in [("A", 1), ("B", 2), ("C", 3)]]
    await db.record_session(NOW - 2 * DAY, STAFF, recent, "2026-02-28", (), lambda _: [])
    await db.record_session(NOW - 40 * DAY, STAFF, old, "2026-01-21", (), lambda _: [])
    await db.set_patient_status(NOW, gone, "blocked")
    broadcast_id = await db.create_broadcast(NOW, STAFF, "Closed Monday")
    assert await db.count_recipients(NOW, None) == 2
    assert await db.set_broadcast_draft(broadcast_id, audience_days=30, send_at=None)
    assert await db.count_recipients(NOW, 30) == 1

    assert await db.queue_broadcast(NOW, broadcast_id, STAFF, NOW, NOW + DAY) == 1
    assert await db.queue_broadcast(NOW, broadcast_id, STAFF, NOW, NOW + DAY) is None
    assert not await db.set_broadcast_draft(broadcast_id, audience_days=None, send_at=None)
    [row] = await db.table_rows("outbox")
    assert (row["patient_id"], row["kind"]) == (recent, BROADCAST)
    assert row["idempotency_key"] == f"{BROADCAST}:{broadcast_id}:{recent}"
    stored = await db.broadcast(broadcast_id)
    assert stored is not None and stored.status == "queued" and stored.recipients == 1
    assert await db.running_broadcasts() == [broadcast_id]


async def test_progress_counts_and_cancelling_touch_only_this_broadcast(db: Database) -> None:
    for uid in (1, 2, 3):
        await joined_patient(db, f"P{uid}", uid)
    first = await db.create_broadcast(NOW, STAFF, "one")
    second = await db.create_broadcast(NOW, STAFF, "two")
    await db.queue_broadcast(NOW, first, STAFF, NOW, NOW + DAY)
    await db.queue_broadcast(NOW, second, STAFF, NOW, NOW + DAY)
    sent, blocked, _ = [i for i in await db.due_outbox(NOW) if i.payload == {"broadcast_id": first}]
    await db.mark_sent(NOW, sent.id)
    await db.mark_attempt_failed(blocked.id, "recipient gone", None)
    assert await db.broadcast_counts(first) == {
        "sent": 1,
        "blocked": 1,
        "failed": 0,
        "cancelled": 0,
        "pending": 1,
    }

    assert await db.cancel_broadcast(NOW, first, STAFF)
    assert not await db.cancel_broadcast(NOW, first, STAFF)
    assert (await db.broadcast_counts(first))["cancelled"] == 1
    assert (await db.broadcast_counts(second))["pending"] == 3
    assert await db.finish_broadcast(NOW, second)
    assert not await db.finish_broadcast(NOW, first)
    assert await db.running_broadcasts() == []


async def test_the_progress_message_is_remembered(db: Database) -> None:
    broadcast_id = await db.create_broadcast(NOW, STAFF, "hello")
    await db.set_broadcast_progress_message(broadcast_id, -100, 42)
    stored = await db.broadcast(broadcast_id)
    assert stored is not None and (stored.progress_chat_id, stored.progress_message_id) == (-100, 42)
