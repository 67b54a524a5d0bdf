"""Privacy: what one patient can see (export), erasure, retention, and scrubbing deleted bytes."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.clock import to_db
from bot.db.connection import BUSY_TIMEOUT_MS, Connection
from bot.db.rows import Erasure, Scrub
from bot.db.staff import record_audit

log = logging.getLogger(__name__)

# Emptying the write-ahead log after an erasure: how often to try and how long each try may wait.
SCRUB_ATTEMPTS = 4
SCRUB_BUSY_MS = 500
SCRUB_PAUSE_SECONDS = 0.05

_EXPORT = {
    "sessions": "SELECT session_at, areas FROM sessions WHERE patient_id = ? ORDER BY session_at",
    "upcoming": "SELECT kind, due_at FROM outbox WHERE patient_id = ? AND +status = 'pending' "
    "ORDER BY due_at",
    "checkins": "SELECT answered_at, step, answer FROM checkin_answers WHERE patient_id = ? "
    "ORDER BY answered_at",
    "questions": "SELECT topic, COUNT(*) AS count, MAX(asked_at) AS last FROM questions "
    "WHERE patient_id = ? GROUP BY topic ORDER BY count DESC",
    "responses": "SELECT kind, response, COUNT(*) AS count FROM reminder_responses "
    "WHERE patient_id = ? GROUP BY kind, response",
    "alerts": "SELECT created_at, urgency, category, patient_answer FROM alerts WHERE patient_id = ? "
    "ORDER BY created_at",
    # The home exercise programme (ids and dose presets) and what was done or skipped, per exercise.
    "programme": "SELECT exercise, preset FROM programme_exercises WHERE patient_id = ? ORDER BY position",
    "adherence": "SELECT exercise, response, COUNT(*) AS days, MAX(local_day) AS last "
    "FROM exercise_adherence WHERE patient_id = ? GROUP BY exercise, response ORDER BY exercise, response",
}

# What retention deletes; each ``?`` is filled from the cutoffs named beside it in purge_expired.
_PURGE = {
    "invites": "DELETE FROM invites WHERE COALESCE(used_at, revoked_at, expires_at) < ? "
    "OR (opened_at IS NULL AND used_at IS NULL AND expires_at <= ?)",
    "outbox": "DELETE FROM outbox WHERE status != 'pending' AND COALESCE(sent_at, due_at) < ?",
    "alerts": "DELETE FROM alerts WHERE handled_at IS NOT NULL AND handled_at < ?",
    "questions": "DELETE FROM questions WHERE asked_at < ?",
}

TABLES = frozenset(
    {
        "patients",
        "invites",
        "staff",
        "sessions",
        "outbox",
        "audit_log",
        "questions",
        "alerts",
        "prefs",
        "checkin_answers",
        "reminder_responses",
        "broadcasts",
        "alert_messages",
        "programmes",
        "programme_exercises",
        "exercise_adherence",
        "telegram_files",
        "visits",
        "visit_checks",
        "care_plans",
    }
)


class PrivacyQueries(Connection):
    async def patient_export(self, patient_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one patient, table by table (for /mydata)."""
        return {name: [dict(r) for r in await self._all(sql, (patient_id,))] for name, sql in _EXPORT.items()}

    async def erase_patient(self, now: datetime, patient_id: int, actor_id: int) -> Erasure | None:
        """Delete a patient and everything about them, and make sure the bytes are gone from disk.

        What stays: the topic and urgency of their past questions with no link to them (anonymous
        counts), and the audit trail's who-did-what-when with its details cleared. ``secure_delete``
        zeroes the freed space; the checkpoint afterwards empties the write-ahead log. Returns where
        their open alerts were posted, so those messages can be closed; None if there was no such patient.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT chat_id, message_id FROM alert_messages JOIN alerts ON alerts.id = alert_id "
                "WHERE alerts.patient_id = ? AND alerts.handled_by IS NULL ORDER BY alert_id",
                (patient_id,),
            ) as cur:
                messages = [(int(chat), int(message)) for chat, message in await cur.fetchall()]
            async with conn.execute("DELETE FROM patients WHERE id = ?", (patient_id,)) as cur:
                erased = cur.rowcount == 1
            if erased:
                await conn.execute("UPDATE audit_log SET detail = '' WHERE patient_id = ?", (patient_id,))
                await record_audit(conn, now, actor_id, "patient_erased", patient_id)
        if not erased:
            return None
        return Erasure(patient_id, messages, await self.scrub())

    async def purge_expired(
        self,
        now: datetime,
        *,
        invites_days: int,
        outbox_days: int,
        alerts_days: int,
        questions_days: int = 365,
    ) -> dict[str, int]:
        """Retention: drop finished invites (and, once expired, invites nobody ever opened), delivered or
        closed outbox rows, handled alerts and the topics of old questions."""
        cutoffs: dict[str, tuple[datetime, ...]] = {
            "invites": (now - timedelta(days=invites_days), now),
            "outbox": (now - timedelta(days=outbox_days),),
            "alerts": (now - timedelta(days=alerts_days),),
            "questions": (now - timedelta(days=questions_days),),
        }
        purged: dict[str, int] = {}
        async with self.transaction() as conn:
            for name, sql in _PURGE.items():
                async with conn.execute(sql, tuple(to_db(c) for c in cutoffs[name])) as cur:
                    purged[name] = cur.rowcount
        if any(purged.values()):
            await self.scrub()
        return purged

    async def scrub(self) -> Scrub:
        """Copy the write-ahead log into the database file and truncate it, so deleted rows that
        still sat in old log frames are gone from the disk too.

        The checkpoint reports (busy, pages in the log, pages checkpointed). A reader holding an old
        snapshot (a backup running, say) keeps it from finishing, so it is tried again a few times;
        if old pages still remain, that is logged (counts only) and the next scrub finishes the job.
        """
        busy = log_pages = checkpointed = 0
        for attempt in range(1, SCRUB_ATTEMPTS + 1):
            busy, log_pages, checkpointed = await self._checkpoint()
            if busy == 0 and log_pages == checkpointed:
                return Scrub(True, attempt, busy, log_pages, checkpointed)
            await asyncio.sleep(SCRUB_PAUSE_SECONDS * attempt)
        log.warning(
            "erasure: the write-ahead log could not be emptied after %s attempts "
            "(busy=%s, log pages=%s, checkpointed=%s); the next checkpoint will finish it",
            SCRUB_ATTEMPTS,
            busy,
            log_pages,
            checkpointed,
        )
        return Scrub(False, SCRUB_ATTEMPTS, busy, log_pages, checkpointed)

    async def _checkpoint(self) -> tuple[int, int, int]:
        """One ``wal_checkpoint(TRUNCATE)``, waiting at most :data:`SCRUB_BUSY_MS` for readers."""
        async with self._lock:
            await self.conn.execute(f"PRAGMA busy_timeout = {SCRUB_BUSY_MS}")
            try:
                async with self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                    row = await cur.fetchone()
            finally:
                await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if row is None:
            return 1, -1, -1
        busy, log_pages, checkpointed = (int(v) for v in row)
        return busy, log_pages, checkpointed

    async def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, for tests and the data export; ``table`` is never user input."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table}")
        return [dict(row) for row in await self._all(f"SELECT * FROM {table} ORDER BY rowid")]
