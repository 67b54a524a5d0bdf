"""Questions and alerts: the topic of each question for the figures, and red flags for staff."""

from __future__ import annotations

from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.connection import Connection
from bot.db.rows import Alert, alert_from_row
from bot.db.staff import record_audit


class AlertQueries(Connection):
    async def log_question(self, now: datetime, patient_id: int, topic: str, urgency: str) -> None:
        """Keep the topic and urgency of a question for the clinic's statistics; never its text."""
        await self._write(
            "INSERT INTO questions (patient_id, asked_at, topic, urgency) VALUES (?, ?, ?, ?)",
            (patient_id, to_db(now), topic, urgency),
        )

    async def create_alert(
        self, now: datetime, patient_id: int, urgency: str, category: str, rule: str
    ) -> int:
        return await self._insert(
            "INSERT INTO alerts (patient_id, created_at, urgency, category, rule) VALUES (?, ?, ?, ?, ?)",
            (patient_id, to_db(now), urgency, category, rule),
        )

    async def add_alert_message(self, alert_id: int, chat_id: int, message_id: int) -> None:
        """Remember where an alert was posted, so it can be closed if the patient is erased."""
        await self._write(
            "INSERT OR REPLACE INTO alert_messages (alert_id, chat_id, message_id) VALUES (?, ?, ?)",
            (alert_id, chat_id, message_id),
        )

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self._one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return alert_from_row(row) if row else None

    async def handle_alert(self, now: datetime, alert_id: int, staff_id: int) -> bool:
        """Mark an alert handled; False if it was already handled (or is gone)."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE alerts SET handled_by = ?, handled_at = ? WHERE id = ? AND handled_by IS NULL",
                (staff_id, to_db(now), alert_id),
            ) as cur:
                handled = cur.rowcount == 1
            if handled:
                await record_audit(conn, now, staff_id, "alert_handled", detail=f"alert={alert_id}")
        return handled

    async def open_alerts(
        self, patient_id: int | None = None, limit: int = 20
    ) -> list[tuple[Alert, datetime]]:
        rows = await self._all(
            "SELECT * FROM alerts WHERE handled_by IS NULL AND (? IS NULL OR patient_id = ?) "
            "ORDER BY created_at, id LIMIT ?",
            (patient_id, patient_id, limit),
        )
        return [(alert_from_row(r), from_db(r["created_at"])) for r in rows]

    async def open_emergency(self, patient_id: int, since: datetime) -> Alert | None:
        """This patient's latest emergency alert since ``since``, while it still needs a 911 reminder:
        neither the patient (a button under the 911 reply) nor staff (Handled) have closed it."""
        row = await self._one(
            "SELECT * FROM alerts WHERE patient_id = ? AND urgency = 'emergency' AND created_at >= ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (patient_id, to_db(since)),
        )
        if row is None or row["handled_by"] is not None or row["patient_answer"] is not None:
            return None
        return alert_from_row(row)

    async def answer_emergency(self, now: datetime, alert_id: int, patient_id: int, answer: str) -> bool:
        """Record the patient's button under a 911 reply; False if it is not theirs or already answered."""
        changed = await self._write(
            "UPDATE alerts SET patient_answer = ?, patient_answered_at = ? "
            "WHERE id = ? AND patient_id = ? AND urgency = 'emergency' AND patient_answer IS NULL",
            (answer, to_db(now), alert_id, patient_id),
        )
        return changed == 1

    async def count_open_alerts(self) -> int:
        return await self._count("SELECT COUNT(*) FROM alerts WHERE handled_by IS NULL")
