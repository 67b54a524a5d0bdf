"""Questions and alerts, and the clinic's figures built from them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.db import Database, OutboxKinds, PlannedSend
from bot.kinds import Kind
from bot.reminders import CHECKIN
from tests.unit.db.conftest import NOW, STAFF, joined_patient

EXERCISE, POSTURE = Kind.EXERCISE, Kind.POSTURE

HOUR = timedelta(hours=1)


async def test_an_alert_is_handled_once_and_leaves_the_open_list(db: Database) -> None:
    patient_id = await joined_patient(db)
    first = await db.create_alert(NOW, patient_id, "urgent", "pain", "rule-a")
    second = await db.create_alert(NOW + HOUR, patient_id, "emergency", "chest", "rule-b")
    assert await db.count_open_alerts() == 2
    assert [(a.id, at) for a, at in await db.open_alerts(patient_id)] == [(first, NOW), (second, NOW + HOUR)]
    assert await db.handle_alert(NOW, first, STAFF)
    assert not await db.handle_alert(NOW, first, STAFF)
    handled = await db.alert(first)
    assert handled is not None and handled.handled_by == STAFF
    assert [a.id for a, _ in await db.open_alerts()] == [second]
    assert await db.open_alerts(patient_id + 1) == []
    assert await db.alert(999) is None


async def test_an_emergency_stays_open_until_the_patient_or_staff_close_it(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.create_alert(NOW, patient_id, "urgent", "pain", "r")
    assert await db.open_emergency(patient_id, NOW - HOUR) is None
    first = await db.create_alert(NOW, patient_id, "emergency", "stroke", "stroke-signs")
    found = await db.open_emergency(patient_id, NOW - HOUR)
    assert found is not None and (found.id, found.category, found.rule) == (first, "stroke", "stroke-signs")
    assert await db.open_emergency(patient_id, NOW + HOUR) is None  # outside the window
    assert not await db.answer_emergency(NOW, first, patient_id + 1, "called")  # not theirs
    assert await db.answer_emergency(NOW, first, patient_id, "mistake")
    assert not await db.answer_emergency(NOW, first, patient_id, "called")  # answered already
    answered = await db.alert(first)
    assert answered is not None and answered.patient_answer == "mistake"
    assert await db.open_emergency(patient_id, NOW - HOUR) is None

    second = await db.create_alert(NOW + HOUR, patient_id, "emergency", "chest", "r")
    assert await db.handle_alert(NOW + HOUR, second, STAFF)
    assert await db.open_emergency(patient_id, NOW) is None


async def test_figures_count_outbox_kinds_given_by_the_domain(tmp_path: Path) -> None:
    """The storage writes no kind name in its SQL: renamed kinds are counted just the same."""
    kinds = OutboxKinds(
        checkin="ask", reminders=frozenset({"nudge", "drill"}), broadcast="news", aftercare="care"
    )
    db = Database(tmp_path / "renamed.sqlite3", kinds=kinds)
    await db.open()
    patient_id = await joined_patient(db)
    sends = [
        PlannedSend(kind, kind, {}, NOW) for kind in ["ask", "nudge", "drill", CHECKIN, POSTURE, EXERCISE]
    ]
    await db.enqueue(NOW, patient_id, sends)
    for item in await db.due_outbox(NOW):
        await db.mark_sent(NOW, item.id)
    await db.log_question(NOW, patient_id, "soreness", "routine")
    await db.log_question(NOW, patient_id, "soreness", "routine")
    await db.log_question(NOW, patient_id, "ice_or_heat", "routine")
    figures = await db.stats(NOW + HOUR)
    assert (figures["checkins_sent"], figures["reminders_sent"]) == (1, 2)
    assert figures["topics"] == [("soreness", 2), ("ice_or_heat", 1)]
    assert (figures["enrolled"], figures["active"], figures["invited"]) == (1, 1, 0)
    await db.close()
