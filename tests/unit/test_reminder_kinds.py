"""A reminder kind is one declaration: a toy kind declared here is planned, graced, delivered and
labelled by the same code as posture and exercise, with nothing else edited."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import to_db
from bot.config import Settings
from bot.content import load_content
from bot.content.reminders import ReminderContent
from bot.db import Database, OutboxItem, Prefs
from bot.localtime import at_local
from bot.messages import Button, OutgoingMessage
from bot.outbox import Dispatcher
from bot.priority import Priority
from bot.reminder_kinds import REMINDERS, ReminderKind, Slot
from bot.reminders import Grace, plan_reminders
from bot.renderers import OUTBOX_KINDS, Renderers
from tests.support.harness import FakeClock

MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def plan_water(
    content: ReminderContent, patient_id: int, prefs: Prefs, day: date, zone: ZoneInfo
) -> list[Slot]:
    return [(f"water:{patient_id}:{day.isoformat()}", {"glass": 2}, at_local(day, time(15), zone))]


def render_water(content: ReminderContent, clinic: dict[str, str], item: OutboxItem) -> OutgoingMessage:
    return OutgoingMessage(f"Glass {item.payload['glass']} of water", ((Button("Done", "rem:done"),),))


WATER = ReminderKind(
    name="water",
    switch="exercise_on",  # a toy: it rides on the exercise switch rather than a new column
    plan_day=plan_water,
    render=render_water,
    grace_setting="posture_grace_minutes",
    mydata_value=lambda prefs: "3 pm",
)
KINDS = (*REMINDERS, WATER)
PREFS = Prefs(timezone="UTC", quiet_start=time(0), quiet_end=time(0), exercise_on=True)


def test_a_declared_kind_is_planned_beside_the_others_with_its_own_grace() -> None:
    grace = Grace(KINDS, water=timedelta(minutes=20))
    sends = plan_reminders(ReminderContent.load(), 7, PREFS, MONDAY_NOON, grace, days=1)
    water = [s for s in sends if s.kind == "water"]
    assert [(s.key, s.payload, s.due_at) for s in water] == [
        ("water:7:2026-03-02", {"glass": 2}, MONDAY_NOON + timedelta(hours=3))
    ]
    assert water[0].expires_at == water[0].due_at + timedelta(minutes=20)
    assert {s.kind for s in sends} == {"exercise", "water"}  # posture is off; the switch is honoured


def test_a_declared_kind_reads_its_grace_from_the_setting_it_names() -> None:
    grace = Grace.from_settings(Settings(telegram_bot_token="t", posture_grace_minutes=7), KINDS)
    assert grace.for_kind("water") == grace.for_kind("posture") == timedelta(minutes=7)


def test_a_kind_nobody_declared_has_no_grace_to_borrow() -> None:
    with pytest.raises(ValueError, match="water"):
        Grace().for_kind("water")
    with pytest.raises(ValueError, match="water"):
        Grace(water=timedelta(minutes=5))


async def test_a_declared_kind_is_rendered_and_sent_by_the_dispatcher(tmp_path: Path) -> None:
    db = Database(tmp_path / "kinds.sqlite3", kinds=OUTBOX_KINDS)
    await db.open()
    try:
        at = to_db(MONDAY_NOON)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO patients (id, display_name, telegram_user_id, chat_id, status, created_at, "
                "joined_at, status_changed_at) VALUES (7, 'Jane', 700, 700, 'active', ?, ?, ?)",
                (at, at, at),
            )
        grace = Grace(KINDS)
        sends = plan_reminders(ReminderContent.load(), 7, PREFS, MONDAY_NOON, grace, days=1)
        await db.enqueue(MONDAY_NOON, 7, [s for s in sends if s.kind == "water"])
        clock = FakeClock(MONDAY_NOON + timedelta(hours=3))
        sent: list[tuple[int, OutgoingMessage]] = []

        async def record(chat_id: int, message: OutgoingMessage, priority: Priority = Priority.BULK) -> None:
            sent.append((chat_id, message))

        dispatcher = Dispatcher(db, clock, record, "UTC")
        content = load_content()
        Renderers(db, content, clock, KINDS).register(dispatcher)
        report = await dispatcher.deliver_due()
    finally:
        await db.close()
    assert report.sent == 1
    assert sent == [(700, OutgoingMessage("Glass 2 of water", ((Button("Done", "rem:done"),),)))]


def test_a_declared_kind_is_labelled_and_shown_in_mydata_by_its_declaration() -> None:
    assert WATER.label_key == "staff.kind_water"
    assert [kind.label_key for kind in REMINDERS] == ["staff.kind_posture", "staff.kind_exercise"]
    assert WATER.is_on(PREFS) and not WATER.is_on(dataclasses.replace(PREFS, exercise_on=False))
    assert WATER.mydata_value(PREFS) == "3 pm"
