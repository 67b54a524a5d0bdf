"""Sessions and what patients answer afterwards: check-in answers and reminder responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.connection import Connection
from bot.db.outbox import cancel_pending, queue_each
from bot.db.rows import OutboxItem, PlannedSend, Session, session_from_row
from bot.db.staff import record_audit


class SessionQueries(Connection):
    async def record_session(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        clinic_date: str,
        areas: tuple[str, ...],
        follow_ups: Callable[[int], list[PlannedSend]],
    ) -> tuple[int, list[str]]:
        """Store a session and queue its messages in one transaction.

        ``follow_ups(session_id)`` says what to queue. A key already in the outbox is skipped, which is
        how a second session on the same day does not send aftercare twice. Check-ins still pending
        from an earlier session are cancelled: the newest session is the one to ask about.
        Returns the session id and the keys that were actually queued.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT INTO sessions (patient_id, recorded_by, session_at, clinic_date, areas) "
                "VALUES (?, ?, ?, ?, ?)",
                (patient_id, staff_id, to_db(now), clinic_date, ",".join(areas)),
            ) as cur:
                session_id = cur.lastrowid
            assert session_id is not None
            await cancel_pending(conn, patient_id, "newer session", kinds=(self.kinds.checkin,))
            queued = await queue_each(conn, now, patient_id, follow_ups(session_id))
            await record_audit(conn, now, staff_id, "session", patient_id, detail="areas=" + ",".join(areas))
        return session_id, queued

    async def set_session_areas(
        self, now: datetime, session_id: int, staff_id: int, areas: tuple[str, ...], sends: list[PlannedSend]
    ) -> bool:
        """Correct a session's areas and queue the follow-up for the tips that were missing, at once."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE sessions SET areas = ? WHERE id = ? RETURNING patient_id",
                (",".join(areas), session_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await queue_each(conn, now, row[0], sends)
            await record_audit(
                conn, now, staff_id, "session_correct", row[0], detail="areas=" + ",".join(areas)
            )
        return True

    async def undo_session(self, now: datetime, session_id: int, staff_id: int) -> int | None:
        """Remove a session recorded by mistake and cancel what it queued that has not gone out.

        Returns how many messages were cancelled, or None if the session no longer exists. Messages
        already sent stay sent; their rows stay for the outbox's own history.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "DELETE FROM sessions WHERE id = ? RETURNING patient_id", (session_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            async with conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'session undone' "
                "WHERE patient_id = ? AND status = 'pending' AND kind IN (?, ?) "
                "AND json_extract(payload, '$.session_id') = ?",
                (row[0], self.kinds.aftercare, self.kinds.checkin, session_id),
            ) as cur:
                cancelled = cur.rowcount
            await record_audit(conn, now, staff_id, "session_undo", row[0], detail=f"session={session_id}")
        return cancelled

    async def session(self, session_id: int) -> Session | None:
        row = await self._one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return session_from_row(row) if row else None

    async def last_session(self, patient_id: int) -> Session | None:
        sessions = await self.recent_sessions(patient_id, limit=1)
        return sessions[0] if sessions else None

    async def sessions_on(self, patient_id: int, clinic_date: str) -> list[Session]:
        """A patient's sessions on one clinic day, oldest first (a second /session asks first)."""
        rows = await self._all(
            "SELECT * FROM sessions WHERE patient_id = ? AND clinic_date = ? ORDER BY session_at, id",
            (patient_id, clinic_date),
        )
        return [session_from_row(row) for row in rows]

    async def recent_sessions(self, patient_id: int, limit: int = 3) -> list[Session]:
        rows = await self._all(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY session_at DESC, id DESC LIMIT ?",
            (patient_id, limit),
        )
        return [session_from_row(row) for row in rows]

    async def record_checkin_answer(
        self, now: datetime, patient_id: int, session_id: int, step: str, answer: str
    ) -> bool:
        """Keep the button a patient pressed; False if this check-in was already answered."""
        changed = await self._write(
            "INSERT INTO checkin_answers (patient_id, session_id, step, answer, answered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_id, step) DO NOTHING",
            (patient_id, session_id, step, answer, to_db(now)),
        )
        return changed == 1

    async def checkin_answers(self, patient_id: int, limit: int = 5) -> list[tuple[datetime, str, str]]:
        rows = await self._all(
            "SELECT answered_at, step, answer FROM checkin_answers WHERE patient_id = ? "
            "ORDER BY answered_at DESC, id DESC LIMIT ?",
            (patient_id, limit),
        )
        return [(from_db(r[0]), r[1], r[2]) for r in rows]

    async def record_reminder_response(
        self, now: datetime, patient_id: int, item: OutboxItem, response: str
    ) -> bool:
        """Done, snoozed or skipped: one response per reminder; False if it already has one."""
        changed = await self._write(
            "INSERT INTO reminder_responses (patient_id, outbox_id, kind, response, at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(outbox_id) DO NOTHING",
            (patient_id, item.id, item.kind, response, to_db(now)),
        )
        return changed == 1

    async def done_count(self, patient_id: int, since: datetime) -> int:
        return await self._count(
            "SELECT COUNT(*) FROM reminder_responses WHERE patient_id = ? AND response = 'done' AND at >= ?",
            (patient_id, to_db(since)),
        )
