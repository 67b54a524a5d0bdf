"""The clinic's figures for /stats: counts and rates only, never a message text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import to_db
from bot.db.connection import Connection, placeholders


class StatsQueries(Connection):
    async def stats(self, now: datetime) -> dict[str, Any]:
        """Enrolment, this week's sessions, and the last 30 days of check-ins, reminders and topics."""
        week, month = to_db(now - timedelta(days=7)), to_db(now - timedelta(days=30))
        reminder_kinds = sorted(self.kinds.reminders)
        topics = await self._all(
            "SELECT topic, COUNT(*) FROM questions WHERE asked_at >= ? GROUP BY topic "
            "ORDER BY COUNT(*) DESC, topic",
            (month,),
        )
        count = self._count
        return {
            "enrolled": await count("SELECT COUNT(*) FROM patients WHERE status != 'invited'"),
            "invited": await count("SELECT COUNT(*) FROM patients WHERE status = 'invited'"),
            "active": await count("SELECT COUNT(*) FROM patients WHERE status = 'active'"),
            "sessions_week": await count("SELECT COUNT(*) FROM sessions WHERE session_at >= ?", (week,)),
            "checkins_sent": await count(
                "SELECT COUNT(*) FROM outbox WHERE kind = ? AND status = 'sent' AND sent_at >= ?",
                (self.kinds.checkin, month),
            ),
            "checkins_answered": await count(
                "SELECT COUNT(*) FROM checkin_answers WHERE answered_at >= ?", (month,)
            ),
            "reminders_sent": await count(
                f"SELECT COUNT(*) FROM outbox WHERE kind IN ({placeholders(len(reminder_kinds))}) "
                "AND status = 'sent' AND sent_at >= ?",
                (*reminder_kinds, month),
            ),
            "reminders_done": await count(
                "SELECT COUNT(*) FROM reminder_responses WHERE response = 'done' AND at >= ?", (month,)
            ),
            "topics": [(str(t), int(c)) for t, c in topics],
        }
