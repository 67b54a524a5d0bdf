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
    """Each queued message rendered in the language of the patient it goes to, at the moment it goes."""

    def __init__(
        self,
        db: RenderStore,
        content: Content,
        clock: Clock,
        kinds: tuple[ReminderKind, ...] = REMINDERS,
        default_timezone: str = "UTC",
    ) -> None:
        self._kinds = kinds
        self._default_timezone = default_timezone
        self._db = db
        self._content = content
        self._clock = clock

    def register(self, dispatcher: Dispatcher) -> None:
        dispatcher.register(AFTERCARE_KIND, self.aftercare)
        dispatcher.register(CHECKIN, self.checkin)
        for kind in self._kinds:
            dispatcher.register(kind.name, partial(self.reminder, kind))
        dispatcher.register(BROADCAST, self.broadcast)

    def _for(self, patient: Patient) -> Content:
        return self._content.for_language(patient.language)

    async def broadcast(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        """The staff's announcement, shown exactly as typed (escaped), signed by the clinic; in the
        patient's language when staff wrote a version in it."""
        broadcast = await self._db.broadcast(int(item.payload.get("broadcast_id", 0)))
        if broadcast is None or broadcast.status == "cancelled":
            return None
        texts = self._for(patient).texts
        return OutgoingMessage(
            texts.render("console.broadcast_message", text=broadcast.text_for(patient.language))
        )

    async def aftercare(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        content = self._for(patient)
        session = await self._db.session(int(item.payload.get("session_id", 0)))
        added = item.payload.get("added_areas")
        if isinstance(added, list):
            # A correction by staff: only the tips that were missing from the first aftercare.
            if session is None:
                return None
            tips = compose_more_tips(content.aftercare, tuple(str(key) for key in added))
            return OutgoingMessage(content.texts.render("sessions.more_tips", markup={"tips": tips}))
        areas = session.areas if session else ()
        return OutgoingMessage(compose_aftercare(content.aftercare, content.texts.clinic_fields(), areas))

    async def checkin(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        content = self._for(patient)
        reminders, clinic = content.reminders, content.texts.clinic_fields()
        step_name = str(item.payload.get("step", ""))
        step = reminders.steps.get(step_name)
        session = await self._db.session(int(item.payload.get("session_id", 0)))
        if step is None or session is None:
            return None
        hours = (self._clock.now() - session.session_at).total_seconds() / 3600
        when_key, when_values = elapsed_key(hours)
        text = reminders.question(
            step_name,
            clinic,
            name=patient.display_name,
            when=reminders.render(when_key, clinic, **when_values),
        )
        buttons = tuple(
            (Button(answer.label, callbacks.CHECKIN.data(item.id, answer.key)),) for answer in step.answers
        )
        return OutgoingMessage(text, buttons)

    async def reminder(
        self, kind: ReminderKind, item: OutboxItem, patient: Patient
    ) -> OutgoingMessage | None:
        """A recurring reminder, as its declaration renders it, in the patient's language; the daily
        exercise shows an exercise of the patient's programme when they have one."""
        if kind.name == Kind.EXERCISE:
            message = await self.programme_exercise(item, patient)
            if message is not None:
                return message
        content = self._for(patient)
        return kind.render(content.reminders, content.texts.clinic_fields(), item)

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
        return exercise_reminder(self._for(patient), programme, item, day, gentle, patient_language(patient))
