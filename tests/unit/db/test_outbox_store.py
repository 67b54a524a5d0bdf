"""The outbox: queuing once, what is due, retries, cancellation and replanning."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database, PlannedSend
from bot.kinds import Kind
from bot.reminders import CHECKIN
from tests.unit.db.conftest import NOW, joined_patient

EXERCISE, POSTURE = Kind.EXERCISE, Kind.POSTURE

HOUR = timedelta(hours=1)


def send(kind: str, key: str, hours: float, **payload: int) -> PlannedSend:
    return PlannedSend(kind, key, dict(payload), NOW + hours * HOUR, NOW + (hours + 1) * HOUR)


async def test_a_key_is_queued_once_however_often_it_is_planned(db: Database) -> None:
    patient_id = await joined_patient(db)
    first = [send(POSTURE, "p:1", 1, tip=3), send(EXERCISE, "e:1", 2)]
    assert await db.enqueue(NOW, patient_id, first) == ["p:1", "e:1"]
    assert await db.enqueue(NOW, patient_id, [*first, send(POSTURE, "p:2", 3)]) == ["p:2"]
    rows = await db.table_rows("outbox")
    assert [(r["kind"], r["idempotency_key"], r["payload"]) for r in rows] == [
        (POSTURE, "p:1", '{"tip": 3}'),
        (EXERCISE, "e:1", "{}"),
        (POSTURE, "p:2", "{}"),
    ]


async def test_due_rows_come_in_the_order_they_fell_due(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(
        NOW, patient_id, [send(POSTURE, "late", 2), send(POSTURE, "early", 1), send(POSTURE, "x", 5)]
    )
    assert await db.next_due() == NOW + HOUR
    due = await db.due_outbox(NOW + 3 * HOUR)
    assert [item.idempotency_key for item in due] == ["early", "late"]
    assert due[0].expires_at == NOW + 2 * HOUR and due[0].attempts == 0
    assert [i.idempotency_key for i in await db.due_outbox(NOW + 3 * HOUR, limit=1)] == ["early"]
    assert [i.idempotency_key for i in await db.outbox_by_keys(["x", "late"])] == ["late", "x"]
    assert [i.idempotency_key for i in await db.upcoming(patient_id, limit=2)] == ["early", "late"]


async def test_a_failed_attempt_is_retried_later_or_given_up(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [send(POSTURE, "a", 0), send(POSTURE, "b", 0)])
    a, b = await db.due_outbox(NOW)
    await db.mark_attempt_failed(a.id, "timeout", NOW + HOUR)
    await db.mark_attempt_failed(b.id, "bad request", None)
    assert await db.due_outbox(NOW) == []
    retried = await db.outbox_item(a.id)
    assert retried is not None and retried.attempts == 1 and retried.due_at == NOW + HOUR
    assert await db.outbox_status("b") == "failed"
    assert await db.pending_ids([a.id, b.id]) == {a.id}
    await db.mark_sent(NOW + HOUR, a.id)
    assert await db.outbox_status("a") == "sent"
    assert await db.next_due() is None


async def test_only_pending_rows_are_rescheduled_or_cancelled(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [send(POSTURE, "a", 0), send(POSTURE, "b", 0)])
    a, b = await db.due_outbox(NOW)
    await db.mark_sent(NOW, a.id)
    await db.cancel_outbox(a.id, "too late")
    await db.reschedule(a.id, NOW + HOUR)
    sent = await db.outbox_item(a.id)
    assert await db.outbox_status("a") == "sent" and sent is not None and sent.due_at == NOW
    await db.cancel_outbox(b.id, "paused")
    assert await db.outbox_status("b") == "cancelled"


async def test_replanning_replaces_future_rows_of_those_kinds_only(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(
        NOW,
        patient_id,
        [send(POSTURE, "old-posture", 2), send(CHECKIN, "checkin", 2), send(POSTURE, "due-now", 0)],
    )
    await db.replan(NOW, patient_id, [POSTURE, EXERCISE], [send(EXERCISE, "new-exercise", 3)], "2026-03-03")
    keys = {r["idempotency_key"] for r in await db.table_rows("outbox")}
    assert keys == {"checkin", "due-now", "new-exercise"}
    assert (await db.prefs(patient_id, "UTC")).planned_through == "2026-03-03"
