"""The messages about visits, rendered when they are sent: the confirmation with its calendar file, the
day-before reminder with the pre-visit safety check, and the nudge to book.

Each renderer checks again that its message still stands (the visit still booked, the plan still
due); one that no longer does renders nothing and the outbox drops it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot import callbacks
from bot.clock import Clock
from bot.content import Content
from bot.content.visits import NONE_ITEM
from bot.db import OutboxItem, Patient, PrefsStore, Visit, VisitStore
from bot.kinds import Kind
from bot.messages import Attachment, Button, OutgoingMessage
from bot.outbox import Dispatcher
from bot.visits import care_plan_of, due_date, language_of

log = logging.getLogger(__name__)

CALENDAR_FILE = "visit.ics"
CALENDAR_MIME = "text/calendar"


class VisitRenderStore(VisitStore, PrefsStore, Protocol):
    """What rendering visit messages needs: the visit, the plan, and the patient's settings."""


def calendar_file(
    visit: Visit, zone: ZoneInfo, minutes: int, summary: str, location: str, description: str, now: datetime
) -> bytes:
    """An iCalendar (.ics) entry for the visit, in the clinic's time zone (with its VTIMEZONE)."""
    start = visit.visit_at.astimezone(zone)
    event = Event()
    event.add("uid", f"visit-{visit.id}-{visit.booked_at:%Y%m%dT%H%M%S}@procare-bot")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", "-//ProCare clinic assistant//visits//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _plain(text: str) -> str:
    """Calendar fields are plain text."""
    import html

    return html.unescape(text)


class VisitRenderers:
    def __init__(self, db: VisitRenderStore, content: Content, clock: Clock, clinic_zone: ZoneInfo) -> None:
        self._db = db
        self._content = content
        self._visits = content.visits
        self._clock = clock
        self._zone = clinic_zone
        self._clinic = content.texts.clinic_fields()

    def register(self, dispatcher: Dispatcher) -> None:
        dispatcher.register(Kind.VISIT_CONFIRM, self.confirmation)
        dispatcher.register(Kind.VISIT_REMINDER, self.reminder)
        dispatcher.register(Kind.VISIT_NUDGE, self.nudge)

    async def _booked(self, item: OutboxItem, patient: Patient) -> Visit | None:
        visit = await self._db.visit(int(item.payload.get("visit_id", 0)))
        if visit is None or visit.patient_id != patient.id or visit.status != "booked":
            return None
        return visit if visit.visit_at > self._clock.now() else None

    def when(self, visit: Visit, lang: str, *, relative: bool = False) -> str:
        local = visit.visit_at.astimezone(self._zone)
        today = self._clock.now().astimezone(self._zone).date() if relative else None
        return self._visits.when(local.replace(tzinfo=None), lang, today)

    async def confirmation(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        if item.payload.get("cancelled"):
            return await self.cancellation(item, patient)
        visit = await self._booked(item, patient)
        if visit is None:
            return None
        lang, texts = language_of(patient), self._visits
        data = calendar_file(
            visit,
            self._zone,
            texts.timing.visit_minutes,
            _plain(texts.patient("calendar_summary", self._clinic, lang)),
            self._content.clinic.address,
            _plain(texts.patient("calendar_description", self._clinic, lang)),
            self._clock.now(),
        )
        text = texts.patient("confirm", self._clinic, lang, when=self.when(visit, lang))
        return OutgoingMessage(text, document=Attachment(CALENDAR_FILE, data, CALENDAR_MIME))

    async def cancellation(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        visit = await self._db.visit(int(item.payload.get("visit_id", 0)))
        if visit is None or visit.patient_id != patient.id or visit.status != "cancelled":
            return None
        lang = language_of(patient)
        return OutgoingMessage(
            self._visits.patient("cancelled", self._clinic, lang, when=self.when(visit, lang))
        )

    async def reminder(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        visit = await self._booked(item, patient)
        if visit is None:
            return None
        lang = language_of(patient)
        text = self._visits.patient(
            "reminder", self._clinic, lang, when=self.when(visit, lang, relative=True)
        )
        return OutgoingMessage(text, self.check_buttons(visit.id, lang))

    def check_buttons(self, visit_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
        """One button per safety-check item, then "None of these"; each on its own row."""
        keys = [item.key for item in self._visits.items] + [NONE_ITEM]
        return tuple(
            (Button(self._visits.item_label(key, lang), callbacks.VISIT.data(visit_id, key)),) for key in keys
        )

    def reschedule_button(self, visit_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
        label = self._visits.patient_plain("reschedule_button", self._clinic, lang)
        return ((Button(label, callbacks.VISIT.data(visit_id, "reschedule")),),)

    async def nudge(self, item: OutboxItem, patient: Patient) -> OutgoingMessage | None:
        now = self._clock.now()
        status = await self._db.plan_status(patient.id, now)
        if status is None or not status.plan.nudges_on or status.next_visit is not None:
            return None
        if str(due_date(status, self._zone)) != item.payload.get("due"):
            return None  # a newer session moved the due day; its own nudge is queued
        lang = language_of(patient)
        texts = self._visits
        buttons = tuple(
            (
                Button(
                    texts.patient_plain(f"nudge_{action}_button", self._clinic, lang),
                    callbacks.NUDGE.data(item.id, action),
                ),
            )
            for action in ("booked", "later", "stop")
        )
        return OutgoingMessage(texts.patient("nudge", self._clinic, lang), buttons)


async def visit_mydata(
    db: VisitStore, content: Content, patient: Patient, clinic_zone: ZoneInfo
) -> list[str]:
    """/mydata's blocks about visits (with the safety-check answers given) and the care plan."""
    texts, clinic, lang = content.visits, content.texts.clinic_fields(), language_of(patient)
    lines = [texts.patient("mydata_visits", clinic, lang)]
    visits = await db.patient_visits(patient.id)
    for visit, checks in visits:
        when = texts.when(visit.visit_at.astimezone(clinic_zone).replace(tzinfo=None), lang)
        shown = texts.patient(f"status_{visit.status}", clinic, lang)
        lines.append(texts.patient("mydata_visit_line", clinic, lang, when=when, status=shown))
        if checks:
            items = ", ".join(texts.item_label(key, lang) for key in checks)
            lines.append(texts.patient("mydata_check_line", clinic, lang, items=items))
    if not visits:
        lines.append(content.texts.render("privacy.mydata_none"))
    blocks = ["\n".join(lines)]
    stored = await db.care_plan(patient.id)
    if stored is not None:
        plan = care_plan_of(stored).describe()
        if not stored.nudges_on:
            plan += " " + texts.patient("mydata_plan_nudges_off", clinic, lang)
        blocks.append(texts.patient("mydata_plan_line", clinic, lang, plan=plan))
    return blocks
