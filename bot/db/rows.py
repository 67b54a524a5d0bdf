"""The row types: what the storage hands out and takes in, as plain frozen data.

No behaviour lives here beyond reading a row: what a status or a setting *means* (may a patient be
messaged, are their reminders paused) is decided by the domain modules that use these types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import aiosqlite

from bot.clock import from_db
from bot.localtime import parse_hhmm


@dataclass(frozen=True)
class Patient:
    id: int
    display_name: str
    telegram_user_id: int | None
    chat_id: int | None
    status: str
    created_at: datetime
    joined_at: datetime | None
    language: str = "en"
    # When the patient was offered to switch language after writing in another one (offered once).
    language_offered_at: datetime | None = None


@dataclass(frozen=True)
class Invite:
    id: int
    patient_id: int
    expires_at: datetime
    opened_by: int | None
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Session:
    id: int
    patient_id: int
    session_at: datetime
    clinic_date: str
    areas: tuple[str, ...]


@dataclass(frozen=True)
class OutboxItem:
    id: int
    patient_id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    expires_at: datetime | None = None
    status: str = "pending"


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    text: str
    audience_days: int | None
    send_at: datetime | None
    status: str
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None
    # The announcement in other languages, by language code; patients in any other language get ``text``.
    translations: dict[str, str] = field(default_factory=dict)

    def text_for(self, language: str) -> str:
        return self.translations.get(language, self.text)


@dataclass(frozen=True)
class PatientSummary:
    """One line of the staff's patient list."""

    id: int
    display_name: str
    status: str
    last_session: datetime | None


@dataclass(frozen=True)
class PlannedSend:
    """A message promised for later: what, under which idempotency key, due and useful until when."""

    kind: str
    key: str
    payload: dict[str, Any]
    due_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PlannedChunk:
    """What one step of a planning pass did: the last patient it looked at (None when there were no
    more), how many patients it planned, how many rows it added, and the earliest due time it wrote."""

    last_id: int | None
    patients: int
    added: int
    earliest: datetime | None


@dataclass(frozen=True)
class Prefs:
    """A patient's reminder settings; times are wall-clock times in their own time zone."""

    timezone: str
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    posture_on: bool = False
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    posture_every_minutes: int = 90
    exercise_on: bool = False
    exercise_time: time = time(18, 0)
    paused_until: datetime | None = None
    planned_through: str | None = None


@dataclass(frozen=True)
class Scrub:
    """The result of emptying the write-ahead log: done, or how many pages were still left behind."""

    done: bool
    attempts: int
    busy: int
    log_pages: int
    checkpointed: int


@dataclass(frozen=True)
class Erasure:
    """A patient erased: their number, where their open alerts were posted, and what the log kept."""

    patient_id: int
    open_alert_messages: list[tuple[int, int]]
    scrub: Scrub


@dataclass(frozen=True)
class Alert:
    id: int
    patient_id: int
    urgency: str
    category: str
    handled_by: int | None
    rule: str = ""
    patient_answer: str | None = None  # "called" or "mistake": see answer_emergency


@dataclass(frozen=True)
class OutboxKinds:
    """The outbox kinds the storage has to tell apart, declared by the domain (see ``bot.renderers``).

    Kind names are data the domain owns: queries receive them as parameters, never as SQL literals.
    """

    checkin: str
    reminders: frozenset[str]
    broadcast: str
    aftercare: str


def opt_time(text: str | None) -> datetime | None:
    return from_db(text) if text is not None else None


def patient_from_row(row: aiosqlite.Row) -> Patient:
    return Patient(
        id=row["id"],
        display_name=row["display_name"],
        telegram_user_id=row["telegram_user_id"],
        chat_id=row["chat_id"],
        status=row["status"],
        created_at=from_db(row["created_at"]),
        joined_at=opt_time(row["joined_at"]),
        language=row["language"],
        language_offered_at=opt_time(row["language_offered_at"]),
    )


def invite_from_row(row: aiosqlite.Row) -> Invite:
    return Invite(
        id=row["id"],
        patient_id=row["patient_id"],
        expires_at=from_db(row["expires_at"]),
        opened_by=row["opened_by"],
        used_at=opt_time(row["used_at"]),
        revoked_at=opt_time(row["revoked_at"]),
    )


def prefs_from_row(row: aiosqlite.Row) -> Prefs:
    return Prefs(
        timezone=row["timezone"],
        quiet_start=parse_hhmm(row["quiet_start"]),
        quiet_end=parse_hhmm(row["quiet_end"]),
        posture_on=bool(row["posture_on"]),
        work_start=parse_hhmm(row["work_start"]),
        work_end=parse_hhmm(row["work_end"]),
        posture_every_minutes=row["posture_every_minutes"],
        exercise_on=bool(row["exercise_on"]),
        exercise_time=parse_hhmm(row["exercise_time"]),
        paused_until=opt_time(row["paused_until"]),
        planned_through=row["planned_through"],
    )


def outbox_item_from_row(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        patient_id=row["patient_id"],
        kind=row["kind"],
        idempotency_key=row["idempotency_key"],
        payload=json.loads(row["payload"]),
        due_at=from_db(row["due_at"]),
        attempts=row["attempts"],
        expires_at=opt_time(row["expires_at"]),
        status=row["status"],
    )


def session_from_row(row: aiosqlite.Row) -> Session:
    return Session(
        id=row["id"],
        patient_id=row["patient_id"],
        session_at=from_db(row["session_at"]),
        clinic_date=row["clinic_date"],
        areas=tuple(a for a in row["areas"].split(",") if a),
    )


def broadcast_from_row(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        text=row["text"],
        audience_days=row["audience_days"],
        send_at=opt_time(row["send_at"]),
        status=row["status"],
        recipients=row["recipients"],
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        translations={str(k): str(v) for k, v in json.loads(row["translations"] or "{}").items()},
    )


def alert_from_row(row: aiosqlite.Row) -> Alert:
    return Alert(
        id=row["id"],
        patient_id=row["patient_id"],
        urgency=row["urgency"],
        category=row["category"],
        handled_by=row["handled_by"],
        rule=row["rule"],
        patient_answer=row["patient_answer"],
    )
