"""Turn queued outbox rows into messages, at the moment they are sent, from content and stored facts.

Only references are stored in the outbox (a session id, a tip number); the words are rendered at
send time, so a content fix reaches messages that are already queued.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol

from bot import callbacks
from bot.aftercare import AFTERCARE_KIND, compose_aftercare, compose_more_tips
from bot.clock import Clock
from bot.content import Content
from bot.content.reminders import ReminderContent
from bot.db import (
    BroadcastStore,
    OutboxItem,
    OutboxKinds,
    Patient,
    PrefsStore,
    ProgrammeStore,
    SessionStore,
)
from bot.kinds import Kind
from bot.outbox import Button, Dispatcher, OutgoingMessage
from bot.programmes import exercise_reminder, patient_language, reminder_day, within_gentle_days
from bot.reminder_kinds import REMINDER_KINDS, REMINDERS, ReminderKind
from bot.reminders import CHECKIN, elapsed_key, zone_of

BROADCAST = Kind.BROADCAST
# The kinds the storage must tell apart (it receives them here, never writes them into its SQL).
OUTBOX_KINDS = OutboxKinds(
    checkin=CHECKIN, reminders=REMINDER_KINDS, broadcast=BROADCAST, aftercare=AFTERCARE_KIND
)


class RenderStore(SessionStore, BroadcastStore, ProgrammeStore, PrefsStore, Protocol):
    """What rendering needs from storage: the session a message is about, a broadcast's text, and
    the home exercise programme (with the patient's time zone) for the daily exercise."""


class Renderers:
    def __init__(
        self,
        db: RenderStore,
        content: Content,
        reminders: ReminderContent,
        clock: Clock,
        kinds: tuple[ReminderKind, ...] = REMINDERS,
        default_timezone: str = "UTC",
    ) -> None:
        self._kinds = kinds
        self._default_timezone = default_timezone
        self._db = db
        self._content = content
        self._reminders = reminders
        self._clock = clock
        self._clinic = content.texts.clinic_fields()

    def register(self, dispatcher: Dispatcher) -> None:
        dispatcher.register(AFTERCARE_KIND, self.aftercare)
        dispatcher.register(CHECKIN, self.checkin)
        for kind in self._kinds:
            dispatcher.register(kind.name, partial(self.reminder, kind))
        dispatcher.register(BROADCAST, self.broadcast)

    async def broadcast(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        """The staff's announcement, shown exactly as typed (escaped), signed by the clinic."""
        broadcast = await self._db.broadcast(int(item.payload.get("broadcast_id", 0)))
        if broadcast is None or broadcast.status == "cancelled":
            return None
        return OutgoingMessage(self._content.texts.render("console.broadcast_message", text=broadcast.text))

    async def aftercare(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        session = await self._db.session(int(item.payload.get("session_id", 0)))
        added = item.payload.get("added_areas")
        if isinstance(added, list):
            # A correction by staff: only the tips that were missing from the first aftercare.
            if session is None:
                return None
            tips = compose_more_tips(self._content.aftercare, tuple(str(key) for key in added))
            return OutgoingMessage(self._content.texts.render("sessions.more_tips", markup={"tips": tips}))
        areas = session.areas if session else ()
        return OutgoingMessage(compose_aftercare(self._content.aftercare, self._clinic, areas))

    async def checkin(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        step_name = str(item.payload.get("step", ""))
        step = self._reminders.steps.get(step_name)
        session = await self._db.session(int(item.payload.get("session_id", 0)))
        if step is None or session is None:
            return None
        hours = (self._clock.now() - session.session_at).total_seconds() / 3600
        when_key, when_values = elapsed_key(hours)
        text = self._reminders.question(
            step_name,
            self._clinic,
            name=patient.display_name,
            when=self._reminders.render(when_key, self._clinic, **when_values),
        )
        buttons = tuple(
            (Button(answer.label, callbacks.CHECKIN.data(item.id, answer.key)),) for answer in step.answers
        )
        return OutgoingMessage(text, buttons)

    async def reminder(
        self, kind: ReminderKind, item: OutboxItem, patient: Patient
    ) -> OutgoingMessage | None:
        """A recurring reminder, as its declaration renders it; the daily exercise shows an exercise
        of the patient's programme when they have one."""
        if kind.name == Kind.EXERCISE:
            message = await self.programme_exercise(item, patient)
            if message is not None:
                return message
        return kind.render(self._reminders, self._clinic, item)

    async def programme_exercise(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        programme = await self._db.programme(patient.id)
        if programme is None or not programme.entries:
            return None
        prefs = await self._db.prefs(patient.id, self._default_timezone)
        last = await self._db.last_session(patient.id)
        gentle = within_gentle_days(
            last.session_at if last else None, self._clock.now(), self._content.programme
        )
        day = reminder_day(item, zone_of(prefs))
        return exercise_reminder(self._content, programme, item, day, gentle, patient_language(patient))
