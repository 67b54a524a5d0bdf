"""Planning a chunk of patients at a time: who is picked, what is written, how far they are planned."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database, PlannedSend, Prefs
from bot.kinds import Kind
from bot.reminders import wants_reminders
from tests.unit.db.conftest import NOW, joined_patient

EXERCISE, POSTURE = Kind.EXERCISE, Kind.POSTURE

HOUR = timedelta(hours=1)
THROUGH = {"UTC": "2026-03-03", "Asia/Tokyo": "2026-03-04"}


def one_reminder(patient_id: int, prefs: Prefs) -> list[PlannedSend]:
    kind = POSTURE if prefs.posture_on else EXERCISE
    return [PlannedSend(kind, f"{kind}:{patient_id}", {}, NOW + patient_id * HOUR)]


async def patients(db: Database) -> list[int]:
    """Four patients: posture on, exercise on (in Tokyo), nothing on, and posture on but stopped."""
    ids = [await joined_patient(db, name, uid) for name, uid in [("A", 1), ("B", 2), ("C", 3), ("D", 4)]]
    await db.update_prefs(ids[0], "UTC", timezone="UTC", posture_on=True)
    await db.update_prefs(ids[1], "UTC", timezone="Asia/Tokyo", exercise_on=True)
    await db.update_prefs(ids[2], "UTC", timezone="UTC")
    await db.update_prefs(ids[3], "UTC", timezone="UTC", posture_on=True)
    await db.set_patient_status(NOW, ids[3], "stopped")
    return ids


async def test_a_chunk_plans_active_patients_who_want_reminders_in_number_order(db: Database) -> None:
    a, b, c, _ = await patients(db)
    assert await db.reminder_timezones() == ["Asia/Tokyo", "UTC"]
    first = await db.plan_chunk(NOW, 0, 1, THROUGH, one_reminder, mark_planned=True)
    assert (first.last_id, first.patients, first.added, first.earliest) == (a, 1, 1, NOW + a * HOUR)
    second = await db.plan_chunk(NOW, a, 10, THROUGH, one_reminder, mark_planned=True)
    assert (second.last_id, second.patients, second.added) == (b, 1, 1)
    assert (await db.plan_chunk(NOW, b, 10, THROUGH, one_reminder, mark_planned=True)).last_id is None

    assert (await db.prefs(a, "UTC")).planned_through == "2026-03-03"
    assert (await db.prefs(b, "UTC")).planned_through == "2026-03-04"  # by their own zone
    assert (await db.prefs(c, "UTC")).planned_through is None
    for patient_id in (a, b):
        assert wants_reminders(await db.prefs(patient_id, "UTC"))
    assert not wants_reminders(await db.prefs(c, "UTC"))


async def test_a_patient_planned_that_far_is_skipped_and_rows_are_never_doubled(db: Database) -> None:
    a, b, _, _ = await patients(db)
    unmarked = await db.plan_chunk(NOW, 0, 10, THROUGH, one_reminder, mark_planned=False)
    assert (unmarked.patients, unmarked.added) == (2, 2)
    again = await db.plan_chunk(NOW, 0, 10, THROUGH, one_reminder, mark_planned=True)
    assert (again.patients, again.added) == (2, 0)  # the keys are already there
    assert (await db.plan_chunk(NOW, 0, 10, THROUGH, one_reminder, mark_planned=True)).last_id is None
    later = {**THROUGH, "UTC": "2026-03-04"}
    assert (await db.plan_chunk(NOW, 0, 10, later, one_reminder, mark_planned=True)).last_id == a
    assert len(await db.table_rows("outbox")) == 2 and b


async def test_nothing_is_planned_without_a_zone_to_plan_for(db: Database) -> None:
    await patients(db)
    assert (await db.plan_chunk(NOW, 0, 10, {}, one_reminder, mark_planned=True)).patients == 0
