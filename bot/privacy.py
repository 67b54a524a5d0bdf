"""What a patient can see and erase: /mydata renders everything stored about them, in plain words."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.aftercare import area_labels
from bot.clock import from_db
from bot.content import Content
from bot.db import Patient, Prefs, PrefsStore, PrivacyStore, VisitStore
from bot.patient_settings import SettingsScreens, clock_time, window_text
from bot.programmes import mydata_blocks, patient_language
from bot.reminder_kinds import REMINDERS
from bot.reminders import zone_of
from bot.services import ClinicContext
from bot.visit_messages import visit_mydata

MESSAGE_LIMIT = 4000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionRow:
    at: datetime
    areas: tuple[str, ...]


@dataclass(frozen=True)
class UpcomingRow:
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class CheckinRow:
    answered_at: datetime
    step: str
    answer: str


@dataclass(frozen=True)
class QuestionRow:
    topic: str
    count: int


@dataclass(frozen=True)
class ResponseRow:
    kind: str
    response: str
    count: int


@dataclass(frozen=True)
class AlertRow:
    created_at: datetime
    category: str


@dataclass(frozen=True)
class Export:
    """Everything stored about one patient, as typed rows (times as datetimes, areas as a tuple)."""

    sessions: list[SessionRow]
    upcoming: list[UpcomingRow]
    checkins: list[CheckinRow]
    questions: list[QuestionRow]
    responses: list[ResponseRow]
    alerts: list[AlertRow]

    @classmethod
    def from_rows(cls, data: dict[str, list[dict[str, Any]]]) -> Export:
        """The storage layer's rows, converted once at the boundary."""
        return cls(
            sessions=[
                SessionRow(from_db(r["session_at"]), tuple(a for a in r["areas"].split(",") if a))
                for r in data["sessions"]
            ],
            upcoming=[UpcomingRow(r["kind"], from_db(r["due_at"])) for r in data["upcoming"]],
            checkins=[
                CheckinRow(from_db(r["answered_at"]), r["step"], r["answer"]) for r in data["checkins"]
            ],
            questions=[QuestionRow(r["topic"], int(r["count"])) for r in data["questions"]],
            responses=[ResponseRow(r["kind"], r["response"], int(r["count"])) for r in data["responses"]],
            alerts=[AlertRow(from_db(r["created_at"]), r["category"]) for r in data["alerts"]],
        )


class MyDataReport:
    """The /mydata report: one formatter per section, in the patient's own time zone."""

    def __init__(self, content: Content, zone: ZoneInfo) -> None:
        self._content = content
        self._texts = content.texts
        self._zone = zone

    def _day(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%b %d, %Y")

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self._zone)
        return local.strftime("%a %b %d, ") + clock_time(local.time())

    def _kind(self, kind: str) -> str:
        return self._texts.render(f"staff.kind_{kind}")

    def profile(self, patient: Patient, prefs: Prefs) -> str:
        texts = self._texts
        view = SettingsScreens(self._content.reminders, texts.clinic_fields())
        off = self._content.reminders.render("settings.off", texts.clinic_fields())
        reminders: dict[str, Any] = {
            kind.name: kind.mydata_value(prefs) if kind.is_on(prefs) else off for kind in REMINDERS
        }
        return texts.render(
            "privacy.mydata_profile",
            number=patient.id,
            name=patient.display_name,
            joined=self._day(patient.joined_at) if patient.joined_at else "–",
            status=texts.render(f"staff.status_{patient.status}"),
            timezone=view.zone_label(prefs.timezone),
            quiet=window_text(prefs.quiet_start, prefs.quiet_end),
            **reminders,
        )

    def sessions(self, rows: list[SessionRow]) -> list[str]:
        def areas(row: SessionRow) -> str:
            labels = area_labels(row.areas, self._content.aftercare)
            return f" ({', '.join(labels)})" if labels else ""

        return [
            self._texts.render("privacy.mydata_session_line", date=self._day(r.at), areas=areas(r))
            for r in rows
        ]

    def upcoming(self, rows: list[UpcomingRow]) -> list[str]:
        return [
            self._texts.render(
                "privacy.mydata_upcoming_line", when=self._when(r.due_at), what=self._kind(r.kind)
            )
            for r in rows
        ]

    def checkins(self, rows: list[CheckinRow]) -> list[str]:
        labels = {
            (step.name, answer.key): answer.label
            for step in self._content.reminders.steps.values()
            for answer in step.answers
        }
        return [
            self._texts.render(
                "privacy.mydata_checkin_line",
                date=self._day(r.answered_at),
                answer=labels.get((r.step, r.answer), r.answer),
            )
            for r in rows
        ]

    def questions(self, rows: list[QuestionRow]) -> list[str]:
        return [
            self._texts.render("privacy.mydata_question_line", topic=r.topic.replace("_", " "), count=r.count)
            for r in rows
        ]

    def responses(self, rows: list[ResponseRow]) -> list[str]:
        return [
            self._texts.render(
                "privacy.mydata_response_line", what=self._kind(r.kind), response=r.response, count=r.count
            )
            for r in rows
        ]

    def alerts(self, rows: list[AlertRow]) -> list[str]:
        return [
            self._texts.render("privacy.mydata_alert_line", date=self._day(r.created_at), category=r.category)
            for r in rows
        ]

    def blocks(self, patient: Patient, prefs: Prefs, export: Export) -> list[str]:
        texts = self._texts
        sections = [
            ("privacy.mydata_sessions", self.sessions(export.sessions)),
            ("privacy.mydata_upcoming", self.upcoming(export.upcoming)),
            ("privacy.mydata_checkins", self.checkins(export.checkins)),
            ("privacy.mydata_questions", self.questions(export.questions)),
            ("privacy.mydata_responses", self.responses(export.responses)),
            ("privacy.mydata_alerts", self.alerts(export.alerts)),
        ]
        blocks = [texts.render("privacy.mydata_header") + "\n" + self.profile(patient, prefs)]
        for title, lines in sections:
            blocks.append("\n".join([texts.render(title), *(lines or [texts.render("privacy.mydata_none")])]))
        blocks.append(texts.render("privacy.mydata_footer"))
        return blocks


class MyDataStore(PrefsStore, PrivacyStore, VisitStore, Protocol):
    """What /mydata reads: the patient's settings and everything stored about them."""


async def my_data(db: MyDataStore, content: Content, patient: Patient, default_timezone: str) -> list[str]:
    """The /mydata report, split into messages that each fit Telegram's limit."""
    prefs = await db.prefs(patient.id, default_timezone)
    rows = await db.patient_export(patient.id)
    blocks = MyDataReport(content, zone_of(prefs)).blocks(patient, prefs, Export.from_rows(rows))
    # The home exercise programme and what was marked, then visits and the care plan (times in the
    # clinic's zone, where visits happen), before the footer.
    blocks[-1:-1] = [
        *mydata_blocks(content, rows, patient_language(patient)),
        *await visit_mydata(db, content, patient, ZoneInfo(default_timezone)),
    ]
    return pack(blocks, MESSAGE_LIMIT)


def pack(blocks: list[str], limit: int) -> list[str]:
    """Join blocks into as few messages as fit ``limit``; a block too long on its own is cut by lines."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.splitlines():
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


async def retention_job(context: ClinicContext) -> None:
    """The daily retention job (wired in bot/app.py): finished invites, delivered messages, handled
    alerts and question topics past their time; invites nobody opened go as soon as they expire."""
    services = context.services
    settings = services.settings
    purged = await services.db.purge_expired(
        services.clock.now(),
        invites_days=settings.retention_invites_days,
        outbox_days=settings.retention_outbox_days,
        alerts_days=settings.retention_alerts_days,
        questions_days=settings.retention_questions_days,
    )
    log.info("retention: purged %s", purged)
