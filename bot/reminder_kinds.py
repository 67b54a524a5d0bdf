"""The recurring reminders a patient switches on in /settings, each declared once.

A :class:`ReminderKind` says everything the rest of the bot needs about one kind: which of the
patient's settings switches it on, how a day of it is planned, how a queued one is rendered, how staff
and /mydata label it, which setting holds its grace period and what its /mydata line shows. The
planner (bot/reminders.py), the renderers (bot/renderers.py), :class:`bot.reminders.Grace`, /mydata
and the pause rule all go through :data:`REMINDERS`, so a new kind is its content plus one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.content.reminders import ReminderContent
from bot.db import OutboxItem, Prefs
from bot.kinds import Kind
from bot.localtime import at_local, clock_time, slots_between, window_text
from bot.messages import Button, OutgoingMessage

# One reminder a planner wants on a given day: its idempotency key, its payload and when it is due.
Slot = tuple[str, dict[str, Any], datetime]
# Plans one local day of a kind for a patient whose switch is on: (content, patient, prefs, day, zone).
DayPlanner = Callable[[ReminderContent, int, Prefs, date, ZoneInfo], list[Slot]]
# Renders a queued reminder at send time: (content, clinic fields, outbox row).
ReminderRenderer = Callable[[ReminderContent, dict[str, str], OutboxItem], OutgoingMessage]


@dataclass(frozen=True)
class ReminderKind:
    """One recurring reminder, declared once."""

    name: str
    # The boolean attribute of :class:`bot.db.Prefs` that turns it on.
    switch: str
    plan_day: DayPlanner
    render: ReminderRenderer
    # The attribute of :class:`bot.config.Settings` holding how many minutes late it may still go out.
    grace_setting: str
    # What its /mydata line shows while it is on (``settings.off`` is shown while it is off).
    mydata_value: Callable[[Prefs], str]

    @property
    def label_key(self) -> str:
        """How staff screens and /mydata name it (in texts.toml)."""
        return f"staff.kind_{self.name}"

    def is_on(self, prefs: Prefs) -> bool:
        return bool(getattr(prefs, self.switch))


def _buttons(
    content: ReminderContent, clinic: dict[str, str], item: OutboxItem, name: str, *rows: tuple[str, ...]
) -> tuple[tuple[Button, ...], ...]:
    """Rows of answer buttons, each labelled by ``<name>.<answer>_button`` in the content."""
    return tuple(
        tuple(
            Button(
                content.render(f"{name}.{answer}_button", clinic), callbacks.REMINDER.data(item.id, answer)
            )
            for answer in row
        )
        for row in rows
    )


def plan_posture_day(
    content: ReminderContent, patient_id: int, prefs: Prefs, day: date, zone: ZoneInfo
) -> list[Slot]:
    """A posture break every N minutes of the working day, on weekdays; the tips take turns."""
    if day.weekday() >= 5:
        return []
    slots = slots_between(prefs.work_start, prefs.work_end, prefs.posture_every_minutes)
    return [
        (
            f"posture:{patient_id}:{day.isoformat()}:{index}",
            {"tip": (day.toordinal() * len(slots) + index) % len(content.posture_tips)},
            at_local(day, slot, zone),
        )
        for index, slot in enumerate(slots)
    ]


def render_posture(content: ReminderContent, clinic: dict[str, str], item: OutboxItem) -> OutgoingMessage:
    tip = content.posture_tips[int(item.payload.get("tip", 0)) % len(content.posture_tips)]
    text = "\n".join(
        [content.render("posture.intro", clinic), tip, content.render("posture.caution", clinic)]
    )
    return OutgoingMessage(text, _buttons(content, clinic, item, Kind.POSTURE, ("done", "snooze")))


def plan_exercise_day(
    content: ReminderContent, patient_id: int, prefs: Prefs, day: date, zone: ZoneInfo
) -> list[Slot]:
    """One a day at the patient's chosen time. With a home exercise programme the day's exercise is
    picked when it is sent (bot/programmes.py: they take turns by ``day``); without one the text
    routines take turns."""
    return [
        (
            f"exercise:{patient_id}:{day.isoformat()}",
            {"routine": day.toordinal() % len(content.exercise_routines), "day": day.isoformat()},
            at_local(day, prefs.exercise_time, zone),
        )
    ]


def render_exercise(content: ReminderContent, clinic: dict[str, str], item: OutboxItem) -> OutgoingMessage:
    routines = content.exercise_routines
    routine = routines[int(item.payload.get("routine", 0)) % len(routines)]
    text = "\n\n".join(
        [content.render("exercise.intro", clinic), routine, content.render("exercise.caution", clinic)]
    )
    return OutgoingMessage(
        text, _buttons(content, clinic, item, Kind.EXERCISE, ("done", "snooze"), ("skip",))
    )


POSTURE = ReminderKind(
    name=Kind.POSTURE,
    switch="posture_on",
    plan_day=plan_posture_day,
    render=render_posture,
    grace_setting="posture_grace_minutes",
    mydata_value=lambda prefs: window_text(prefs.work_start, prefs.work_end),
)
EXERCISE = ReminderKind(
    name=Kind.EXERCISE,
    switch="exercise_on",
    plan_day=plan_exercise_day,
    render=render_exercise,
    grace_setting="exercise_grace_minutes",
    mydata_value=lambda prefs: clock_time(prefs.exercise_time),
)

# Every recurring reminder, in the order a day's reminders are planned.
REMINDERS: tuple[ReminderKind, ...] = (POSTURE, EXERCISE)
REMINDER_KINDS = frozenset(kind.name for kind in REMINDERS)
