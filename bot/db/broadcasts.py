"""Broadcasts: a staff announcement as a draft, then one outbox row per recipient, then its progress.

A queued broadcast's rows carry the key ``{kind}:{broadcast id}:{patient id}``, so its progress and its
cancellation are a range scan over the outbox's unique key index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import to_db
from bot.db.connection import Connection
from bot.db.outbox import insert_sends
from bot.db.rows import Broadcast, PlannedSend, broadcast_from_row, opt_time
from bot.db.staff import record_audit

# Active patients who can be messaged, optionally only those seen since a moment (audience_days, since).
_RECIPIENTS = (
    "FROM patients WHERE status = 'active' AND chat_id IS NOT NULL AND (? IS NULL OR EXISTS "
    "(SELECT 1 FROM sessions WHERE sessions.patient_id = patients.id AND sessions.session_at >= ?))"
)


def _since(now: datetime, audience_days: int | None) -> str | None:
    return to_db(now - timedelta(days=audience_days)) if audience_days else None


class BroadcastQueries(Connection):
    def _key_range(self, broadcast_id: int) -> tuple[str, str]:
        """The bounds of this broadcast's idempotency keys (``;`` sorts right after ``:``)."""
        prefix = f"{self.kinds.broadcast}:{broadcast_id}:"
        return prefix, prefix[:-1] + ";"

    async def create_broadcast(self, now: datetime, staff_id: int, text: str) -> int:
        return await self._insert(
            "INSERT INTO broadcasts (created_by, created_at, text) VALUES (?, ?, ?)",
            (staff_id, to_db(now), text),
        )

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = await self._one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return broadcast_from_row(row) if row else None

    async def set_broadcast_draft(
        self, broadcast_id: int, *, audience_days: int | None, send_at: datetime | None
    ) -> bool:
        """Change who gets a draft and when; False once it is no longer a draft."""
        changed = await self._write(
            "UPDATE broadcasts SET audience_days = ?, send_at = ? WHERE id = ? AND status = 'draft'",
            (audience_days, to_db(send_at) if send_at else None, broadcast_id),
        )
        return changed == 1

    async def count_recipients(self, now: datetime, audience_days: int | None) -> int:
        return await self._count(
            f"SELECT COUNT(*) {_RECIPIENTS}", (audience_days, _since(now, audience_days))
        )

    async def count_recipients_by_language(self, now: datetime, audience_days: int | None) -> dict[str, int]:
        """How many of the recipients read each language."""
        rows = await self._all(
            f"SELECT language, COUNT(*) {_RECIPIENTS} GROUP BY language",
            (audience_days, _since(now, audience_days)),
        )
        return {str(language): int(count) for language, count in rows}

    async def set_broadcast_translation(self, broadcast_id: int, language: str, text: str) -> bool:
        """Add (or replace) a draft's version in another language; False once it is no longer a draft."""
        changed = await self._write(
            "UPDATE broadcasts SET translations = json_set(translations, '$.' || ?, ?) "
            "WHERE id = ? AND status = 'draft'",
            (language, text, broadcast_id),
        )
        return changed == 1

    async def queue_broadcast(
        self, now: datetime, broadcast_id: int, staff_id: int, due_at: datetime, expires_at: datetime
    ) -> int | None:
        """Turn a draft into one outbox row per recipient, once; None if it was already queued."""
        kind = self.kinds.broadcast
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE broadcasts SET status = 'queued', send_at = ? WHERE id = ? AND status = 'draft' "
                "RETURNING audience_days",
                (to_db(due_at), broadcast_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            async with conn.execute(
                f"SELECT id {_RECIPIENTS} ORDER BY id", (row[0], _since(now, row[0]))
            ) as cur:
                patient_ids = [int(r[0]) for r in await cur.fetchall()]
            payload = {"broadcast_id": broadcast_id}
            recipients = await insert_sends(
                conn,
                now,
                (
                    (pid, PlannedSend(kind, f"{kind}:{broadcast_id}:{pid}", payload, due_at, expires_at))
                    for pid in patient_ids
                ),
            )
            await conn.execute(
                "UPDATE broadcasts SET recipients = ? WHERE id = ?", (recipients, broadcast_id)
            )
            await record_audit(
                conn, now, staff_id, "broadcast", detail=f"broadcast={broadcast_id} to={recipients}"
            )
        return recipients

    async def set_broadcast_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        """How a broadcast is going: sent, blocked, failed, cancelled and still pending."""
        rows = await self._all(
            "SELECT status, last_error = 'recipient gone' AS gone, COUNT(*) FROM outbox "
            "WHERE idempotency_key >= ? AND idempotency_key < ? GROUP BY status, gone",
            self._key_range(broadcast_id),
        )
        counts = {"sent": 0, "blocked": 0, "failed": 0, "cancelled": 0, "pending": 0}
        for status, gone, count in rows:
            key = "blocked" if gone else status
            counts[key] = counts.get(key, 0) + count
        return counts

    async def broadcast_skipped(self, broadcast_id: int) -> int:
        """Recipients skipped because they stopped or it came too late (not cancelled by staff)."""
        return await self._count(
            "SELECT COUNT(*) FROM outbox WHERE idempotency_key >= ? AND idempotency_key < ? "
            "AND status = 'cancelled' AND last_error IS NOT 'broadcast cancelled'",
            self._key_range(broadcast_id),
        )

    async def broadcast_waiting(self, broadcast_id: int, now: datetime) -> tuple[int, datetime | None]:
        """Rows held back (by patients' quiet hours) past now, and the earliest moment they go."""
        row = await self._one(
            "SELECT COUNT(*), MIN(due_at) FROM outbox WHERE idempotency_key >= ? AND idempotency_key < ? "
            "AND status = 'pending' AND due_at > ?",
            (*self._key_range(broadcast_id), to_db(now)),
        )
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), opt_time(row[1])

    async def cancel_broadcast(self, now: datetime, broadcast_id: int, staff_id: int) -> bool:
        """Stop a draft or a running broadcast; what was already sent stays sent."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('draft', 'queued')",
                (to_db(now), broadcast_id),
            ) as cur:
                if cur.rowcount != 1:
                    return False
            await conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'broadcast cancelled' "
                "WHERE idempotency_key >= ? AND idempotency_key < ? AND +status = 'pending'",
                self._key_range(broadcast_id),
            )
            await record_audit(conn, now, staff_id, "broadcast_cancel", detail=f"broadcast={broadcast_id}")
        return True

    async def finish_broadcast(self, now: datetime, broadcast_id: int) -> bool:
        changed = await self._write(
            "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'queued'",
            (to_db(now), broadcast_id),
        )
        return changed == 1

    async def running_broadcasts(self) -> list[int]:
        return [
            row[0] for row in await self._all("SELECT id FROM broadcasts WHERE status = 'queued' ORDER BY id")
        ]
