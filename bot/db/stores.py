"""The storage interface, one protocol per aggregate.

Domain code is typed against these rather than against :class:`bot.db.Database`, so another storage
engine could stand behind them later. :class:`Store` is all of them together; ``Database`` satisfies it
(checked by mypy in ``bot/db/__init__.py``). Transactions stay an implementation detail: every method
here commits on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any, Protocol

from bot.db.programmes import Programme, ProgrammeEntry
from bot.db.rows import (
    Alert,
    Broadcast,
    Erasure,
    Invite,
    OutboxItem,
    Patient,
    PatientSummary,
    PlannedChunk,
    PlannedSend,
    Prefs,
    Scrub,
    Session,
)
from bot.db.visits import PlanStatus, StoredPlan, Visit


class PatientStore(Protocol):
    async def create_patient_with_invite(
        self, now: datetime, staff_id: int, display_name: str, token_hash: str, expires_at: datetime
    ) -> int: ...

    async def replace_invite(
        self, now: datetime, staff_id: int, patient_id: int, token_hash: str, expires_at: datetime
    ) -> None: ...

    async def invite_by_hash(self, token_hash: str) -> Invite | None: ...

    async def invite_by_id(self, invite_id: int) -> Invite | None: ...

    async def mark_invite_opened(self, now: datetime, invite_id: int, user_id: int) -> bool: ...

    async def link_patient(
        self, now: datetime, invite_id: int, patient_id: int, user_id: int, chat_id: int, timezone: str
    ) -> bool: ...

    async def patient(self, patient_id: int) -> Patient | None: ...

    async def patient_by_user(self, user_id: int) -> Patient | None: ...

    async def set_patient_status(
        self, now: datetime, patient_id: int, status: str, staff_id: int | None = None
    ) -> None: ...

    async def find_patients(
        self, query: str, offset: int, limit: int
    ) -> tuple[list[PatientSummary], int]: ...


class StaffStore(Protocol):
    async def staff_ids(self) -> set[int]: ...

    async def add_staff(self, now: datetime, admin_id: int, user_id: int) -> bool: ...

    async def remove_staff(self, now: datetime, admin_id: int, user_id: int) -> bool: ...


class OutboxStore(Protocol):
    async def enqueue(self, now: datetime, patient_id: int, sends: Iterable[PlannedSend]) -> list[str]: ...

    async def replan(
        self,
        now: datetime,
        patient_id: int,
        kinds: Iterable[str],
        sends: Iterable[PlannedSend],
        planned_through: str | None,
    ) -> None: ...

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]: ...

    async def outbox_by_keys(self, keys: list[str]) -> list[OutboxItem]: ...

    async def pending_ids(self, ids: list[int]) -> set[int]: ...

    async def outbox_item(self, item_id: int) -> OutboxItem | None: ...

    async def next_due(self) -> datetime | None: ...

    async def upcoming(self, patient_id: int, limit: int = 10) -> list[OutboxItem]: ...

    async def reschedule(self, item_id: int, due_at: datetime) -> None: ...

    async def mark_sent(self, now: datetime, item_id: int) -> None: ...

    async def mark_attempt_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None: ...

    async def outbox_status(self, idempotency_key: str) -> str | None: ...

    async def cancel_outbox(self, item_id: int, reason: str) -> None: ...


class PrefsStore(Protocol):
    async def prefs(self, patient_id: int, default_timezone: str) -> Prefs: ...

    async def update_prefs(self, patient_id: int, default_timezone: str, **changes: object) -> Prefs: ...


class PlanningStore(Protocol):
    async def plan_chunk(
        self,
        now: datetime,
        after_id: int,
        limit: int,
        through: dict[str, str],
        plan: Callable[[int, Prefs], list[PlannedSend]],
        *,
        mark_planned: bool,
    ) -> PlannedChunk: ...

    async def reminder_timezones(self) -> list[str]: ...


class SessionStore(Protocol):
    async def record_session(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        clinic_date: str,
        areas: tuple[str, ...],
        follow_ups: Callable[[int], list[PlannedSend]],
    ) -> tuple[int, list[str]]: ...

    async def set_session_areas(
        self, now: datetime, session_id: int, staff_id: int, areas: tuple[str, ...], sends: list[PlannedSend]
    ) -> bool: ...

    async def undo_session(self, now: datetime, session_id: int, staff_id: int) -> int | None: ...

    async def session(self, session_id: int) -> Session | None: ...

    async def sessions_on(self, patient_id: int, clinic_date: str) -> list[Session]: ...

    async def last_session(self, patient_id: int) -> Session | None: ...

    async def recent_sessions(self, patient_id: int, limit: int = 3) -> list[Session]: ...

    async def record_checkin_answer(
        self, now: datetime, patient_id: int, session_id: int, step: str, answer: str
    ) -> bool: ...

    async def checkin_answers(self, patient_id: int, limit: int = 5) -> list[tuple[datetime, str, str]]: ...

    async def record_reminder_response(
        self, now: datetime, patient_id: int, item: OutboxItem, response: str
    ) -> bool: ...

    async def done_count(self, patient_id: int, since: datetime) -> int: ...


class BroadcastStore(Protocol):
    async def create_broadcast(self, now: datetime, staff_id: int, text: str) -> int: ...

    async def broadcast(self, broadcast_id: int) -> Broadcast | None: ...

    async def set_broadcast_draft(
        self, broadcast_id: int, *, audience_days: int | None, send_at: datetime | None
    ) -> bool: ...

    async def count_recipients(self, now: datetime, audience_days: int | None) -> int: ...

    async def queue_broadcast(
        self, now: datetime, broadcast_id: int, staff_id: int, due_at: datetime, expires_at: datetime
    ) -> int | None: ...

    async def set_broadcast_progress_message(
        self, broadcast_id: int, chat_id: int, message_id: int
    ) -> None: ...

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]: ...

    async def broadcast_skipped(self, broadcast_id: int) -> int: ...

    async def broadcast_waiting(self, broadcast_id: int, now: datetime) -> tuple[int, datetime | None]: ...

    async def cancel_broadcast(self, now: datetime, broadcast_id: int, staff_id: int) -> bool: ...

    async def finish_broadcast(self, now: datetime, broadcast_id: int) -> bool: ...

    async def running_broadcasts(self) -> list[int]: ...


class AlertStore(Protocol):
    async def log_question(self, now: datetime, patient_id: int, topic: str, urgency: str) -> None: ...

    async def create_alert(
        self, now: datetime, patient_id: int, urgency: str, category: str, rule: str
    ) -> int: ...

    async def add_alert_message(self, alert_id: int, chat_id: int, message_id: int) -> None: ...

    async def alert(self, alert_id: int) -> Alert | None: ...

    async def handle_alert(self, now: datetime, alert_id: int, staff_id: int) -> bool: ...

    async def open_alerts(
        self, patient_id: int | None = None, limit: int = 20
    ) -> list[tuple[Alert, datetime]]: ...

    async def open_emergency(self, patient_id: int, since: datetime) -> Alert | None: ...

    async def answer_emergency(self, now: datetime, alert_id: int, patient_id: int, answer: str) -> bool: ...

    async def count_open_alerts(self) -> int: ...


class StatsStore(Protocol):
    async def stats(self, now: datetime) -> dict[str, Any]: ...


class PrivacyStore(Protocol):
    async def patient_export(self, patient_id: int) -> dict[str, list[dict[str, Any]]]: ...

    async def erase_patient(self, now: datetime, patient_id: int, actor_id: int) -> Erasure | None: ...

    async def purge_expired(
        self,
        now: datetime,
        *,
        invites_days: int,
        outbox_days: int,
        alerts_days: int,
        questions_days: int = 365,
    ) -> dict[str, int]: ...

    async def scrub(self) -> Scrub: ...


class ProgrammeStore(Protocol):
    async def programme(self, patient_id: int) -> Programme | None: ...

    async def start_programme(
        self, now: datetime, patient_id: int, entries: list[ProgrammeEntry]
    ) -> bool: ...

    async def replace_default_programme(
        self, now: datetime, patient_id: int, version: int, entries: list[ProgrammeEntry] | None
    ) -> bool: ...

    async def save_programme(
        self,
        now: datetime,
        patient_id: int,
        staff_id: int,
        expected_version: int,
        entries: list[ProgrammeEntry],
        action: str,
    ) -> bool: ...

    async def record_adherence(
        self, now: datetime, patient_id: int, exercise: str, local_day: str, response: str
    ) -> None: ...

    async def exercise_days(self, patient_id: int, since_day: str) -> int: ...

    async def exercise_counts(self, patient_id: int, since_day: str) -> list[tuple[str, str, int]]: ...

    async def programme_stats(self, since_day: str) -> tuple[int, int]: ...


class PictureStore(Protocol):
    """Telegram's file_id for each picture the bot sends, so each is uploaded once."""

    async def telegram_file_id(self, picture: str, sha256: str) -> str | None: ...

    async def telegram_file_ids(self, pictures: list[tuple[str, str]]) -> dict[str, str]: ...

    async def remember_file_id(self, now: datetime, picture: str, sha256: str, file_id: str) -> None: ...

    async def forget_file_id(self, picture: str) -> None: ...


class VisitStore(Protocol):
    """Visits, their safety-check answers, and care plans (bot/db/visits.py)."""

    async def book_visit(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        visit_at: datetime,
        sends: Callable[[int], list[PlannedSend]],
        replaced_kinds: Collection[str],
    ) -> tuple[int, list[str], bool]: ...

    async def cancel_visit(
        self, now: datetime, staff_id: int, patient_id: int, kinds: Collection[str]
    ) -> int | None: ...

    async def visit(self, visit_id: int) -> Visit | None: ...

    async def next_visit(self, patient_id: int, now: datetime) -> Visit | None: ...

    async def upcoming_visits(
        self, now: datetime, until: datetime, limit: int
    ) -> tuple[list[tuple[Visit, str]], int]: ...

    async def patient_visits(self, patient_id: int) -> list[tuple[Visit, list[str]]]: ...

    async def record_visit_check(self, now: datetime, visit_id: int, item: str) -> bool: ...

    async def visit_checks(self, visit_id: int) -> list[str]: ...

    async def ask_reschedule(self, now: datetime, visit_id: int) -> bool: ...

    async def set_care_plan(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        plan: tuple[str, int | None, str | None],
        sends: list[PlannedSend],
        nudge_kinds: Collection[str],
    ) -> list[str]: ...

    async def remove_care_plan(
        self, now: datetime, staff_id: int, patient_id: int, nudge_kinds: Collection[str]
    ) -> bool: ...

    async def replace_nudges(
        self, now: datetime, patient_id: int, sends: list[PlannedSend], nudge_kinds: Collection[str]
    ) -> list[str]: ...

    async def stop_nudges(self, patient_id: int, nudge_kinds: Collection[str]) -> None: ...

    async def care_plan(self, patient_id: int) -> StoredPlan | None: ...

    async def plan_status(self, patient_id: int, now: datetime) -> PlanStatus | None: ...

    async def plan_statuses(self, now: datetime) -> list[PlanStatus]: ...

    async def rebooking_figures(self, now: datetime, nudge_kind: str) -> dict[str, int]: ...


class Store(
    PatientStore,
    StaffStore,
    OutboxStore,
    PrefsStore,
    PlanningStore,
    SessionStore,
    BroadcastStore,
    AlertStore,
    StatsStore,
    PrivacyStore,
    ProgrammeStore,
    PictureStore,
    VisitStore,
    Protocol,
):
    """Everything the bot asks of its storage."""
