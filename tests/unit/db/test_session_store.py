"""Sessions with their follow-ups, check-in answers and reminder responses."""

from __future__ import annotations

from datetime import timedelta

from bot.aftercare import AFTERCARE_KIND
from bot.db import Database, PlannedSend
from bot.kinds import Kind
from bot.reminders import CHECKIN
from tests.unit.db.conftest import NOW, STAFF, joined_patient

POSTURE = Kind.POSTURE

DAY = timedelta(days=1)


def follow_ups(session_id: int) -> list[PlannedSend]:
    return [
        PlannedSend(AFTERCARE_KIND, "aftercare:2026-03-02", {"session_id": session_id}, NOW),
        PlannedSend(CHECKIN, f"checkin:{session_id}:first", {"session_id": session_id}, NOW + DAY),
    ]


async def test_a_session_queues_its_follow_ups_and_supersedes_older_checkins(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [PlannedSend(POSTURE, "posture:1", {}, NOW + DAY)])
    first, queued = await db.record_session(NOW, STAFF, patient_id, "2026-03-02", ("neck",), follow_ups)
    assert queued == ["aftercare:2026-03-02", f"checkin:{first}:first"]

    second, queued = await db.record_session(NOW, STAFF, patient_id, "2026-03-02", (), follow_ups)
    assert queued == [f"checkin:{second}:first"]  # one aftercare a day
    assert await db.outbox_status(f"checkin:{first}:first") == "cancelled"
    assert await db.outbox_status("posture:1") == "pending"  # other kinds are left alone

    session = await db.session(first)
    assert session is not None and session.areas == ("neck",) and session.clinic_date == "2026-03-02"
    last = await db.last_session(patient_id)
    assert last is not None and last.id == second
    assert [s.id for s in await db.recent_sessions(patient_id)] == [second, first]
    assert [r["detail"] for r in await db.table_rows("audit_log")][-2:] == ["areas=neck", "areas="]


async def test_a_checkin_is_answered_once(db: Database) -> None:
    patient_id = await joined_patient(db)
    session_id, _ = await db.record_session(NOW, STAFF, patient_id, "2026-03-02", (), follow_ups)
    assert await db.record_checkin_answer(NOW + DAY, patient_id, session_id, "first", "bit")
    assert not await db.record_checkin_answer(NOW + DAY, patient_id, session_id, "first", "very")
    assert await db.checkin_answers(patient_id) == [(NOW + DAY, "first", "bit")]


async def test_a_reminder_takes_one_response_and_done_ones_are_counted(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [PlannedSend(POSTURE, f"posture:{n}", {}, NOW) for n in range(3)])
    first, second, third = await db.due_outbox(NOW)
    assert await db.record_reminder_response(NOW, patient_id, first, "done")
    assert not await db.record_reminder_response(NOW, patient_id, first, "skip")
    assert await db.record_reminder_response(NOW, patient_id, second, "snooze")
    assert await db.record_reminder_response(NOW + DAY, patient_id, third, "done")
    assert await db.done_count(patient_id, NOW) == 2
    assert await db.done_count(patient_id, NOW + timedelta(hours=1)) == 1


async def test_a_session_recorded_by_mistake_is_undone_with_what_it_queued(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [PlannedSend(POSTURE, "posture:1", {"session_id": 0}, NOW + DAY)])
    first, _ = await db.record_session(NOW, STAFF, patient_id, "2026-03-02", (), follow_ups)
    assert [s.id for s in await db.sessions_on(patient_id, "2026-03-02")] == [first]
    assert await db.undo_session(NOW, first, STAFF) == 2  # its aftercare and its check-in
    assert await db.undo_session(NOW, first, STAFF) is None
    assert await db.session(first) is None and await db.sessions_on(patient_id, "2026-03-02") == []
    assert await db.outbox_status("posture:1") == "pending"
    assert (await db.table_rows("audit_log"))[-1]["action"] == "session_undo"


async def test_correcting_the_areas_queues_the_missing_tips_once(db: Database) -> None:
    patient_id = await joined_patient(db)
    session_id, _ = await db.record_session(NOW, STAFF, patient_id, "2026-03-02", ("neck",), follow_ups)
    more = [PlannedSend(AFTERCARE_KIND, f"more:{session_id}", {"session_id": session_id}, NOW)]
    assert await db.set_session_areas(NOW, session_id, STAFF, ("neck", "low_back"), more)
    assert await db.set_session_areas(NOW, session_id, STAFF, ("neck", "low_back"), more)
    session = await db.session(session_id)
    assert session is not None and session.areas == ("neck", "low_back")
    assert [r["idempotency_key"] for r in await db.table_rows("outbox")].count(f"more:{session_id}") == 1
    assert not await db.set_session_areas(NOW, session_id + 1, STAFF, (), [])
