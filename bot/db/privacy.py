"""Privacy: what one patient can see (export), erasure, retention, and scrubbing deleted bytes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import to_db
from bot.db.connection import Connection
from bot.db.staff import record_audit

_EXPORT = {
    "sessions": "SELECT session_at, areas FROM sessions WHERE patient_id = ? ORDER BY session_at",
    "upcoming": "SELECT kind, due_at FROM outbox WHERE patient_id = ? AND status = 'pending' ORDER BY due_at",
    "checkins": "SELECT answered_at, step, answer FROM checkin_answers WHERE patient_id = ? "
    "ORDER BY answered_at",
    "questions": "SELECT topic, COUNT(*) AS count, MAX(asked_at) AS last FROM questions "
    "WHERE patient_id = ? GROUP BY topic ORDER BY count DESC",
    "responses": "SELECT kind, response, COUNT(*) AS count FROM reminder_responses "
    "WHERE patient_id = ? GROUP BY kind, response",
    "alerts": "SELECT created_at, urgency, category FROM alerts WHERE patient_id = ? ORDER BY created_at",
}

# What retention deletes, and the setting (in days) that says how old it must be.
_PURGE = {
    "invites": "DELETE FROM invites WHERE COALESCE(used_at, revoked_at, expires_at) < ?",
    "outbox": "DELETE FROM outbox WHERE status != 'pending' AND COALESCE(sent_at, due_at) < ?",
    "alerts": "DELETE FROM alerts WHERE handled_at IS NOT NULL AND handled_at < ?",
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
    }
)


class PrivacyQueries(Connection):
    async def patient_export(self, patient_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one patient, table by table (for /mydata)."""
        return {name: [dict(r) for r in await self._all(sql, (patient_id,))] for name, sql in _EXPORT.items()}

    async def erase_patient(self, now: datetime, patient_id: int, actor_id: int) -> bool:
        """Delete a patient and everything about them, and make sure the bytes are gone from disk.

        What stays: the topic and urgency of their past questions with no link to them (anonymous
        counts), and the audit trail's who-did-what-when with its details cleared. ``secure_delete``
        zeroes the freed space; the checkpoint afterwards empties the write-ahead log.
        """
        async with self.transaction() as conn:
            async with conn.execute("DELETE FROM patients WHERE id = ?", (patient_id,)) as cur:
                erased = cur.rowcount == 1
            if erased:
                await conn.execute("UPDATE audit_log SET detail = '' WHERE patient_id = ?", (patient_id,))
                await record_audit(conn, now, actor_id, "patient_erased", patient_id)
        if erased:
            await self.scrub()
        return erased

    async def purge_expired(
        self, now: datetime, *, invites_days: int, outbox_days: int, alerts_days: int
    ) -> dict[str, int]:
        """Retention: drop finished invites, delivered or closed outbox rows and handled alerts."""
        days = {"invites": invites_days, "outbox": outbox_days, "alerts": alerts_days}
        purged: dict[str, int] = {}
        async with self.transaction() as conn:
            for name, sql in _PURGE.items():
                async with conn.execute(sql, (to_db(now - timedelta(days=days[name])),)) as cur:
                    purged[name] = cur.rowcount
        if any(purged.values()):
            await self.scrub()
        return purged

    async def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, for tests and the data export; ``table`` is never user input."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table}")
        return [dict(row) for row in await self._all(f"SELECT * FROM {table} ORDER BY rowid")]
