"""The outbox: every message the bot has promised to send, until it is sent, dropped or given up.

:func:`insert_sends` is the one place rows enter the outbox; sessions, plans and broadcasts all go
through it. An idempotency key already present is skipped, which is what makes planning and queuing
safe to repeat.

Query plans: with a day's reminders planned the outbox holds hundreds of thousands of pending rows,
and without statistics SQLite would pick the (status, due_at) index for any "status = 'pending'"
test and walk all of them. Queries that find rows by id, patient or key write "+status" to keep
that index out of the choice.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.connection import Connection, placeholders
from bot.db.prefs import set_planned_through
from bot.db.rows import OutboxItem, PlannedSend, outbox_item_from_row

# One encoder for every payload (json.dumps would build a new one per call when sorting keys).
_payload_json = json.JSONEncoder(sort_keys=True).encode

_INSERT = (
    "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING"
)


async def insert_sends(
    conn: aiosqlite.Connection, now: datetime, sends: Iterable[tuple[int, PlannedSend]]
) -> int:
    """Queue ``(patient_id, send)`` pairs inside the caller's transaction; returns how many were new."""
    rows = [
        (
            patient_id,
            send.kind,
            send.key,
            _payload_json(send.payload),
            to_db(send.due_at),
            to_db(now),
            to_db(send.expires_at) if send.expires_at else None,
        )
        for patient_id, send in sends
    ]
    before = conn.total_changes
    await conn.executemany(_INSERT, rows)
    return conn.total_changes - before


async def queue_each(
    conn: aiosqlite.Connection, now: datetime, patient_id: int, sends: Iterable[PlannedSend]
) -> list[str]:
    """Queue sends one by one inside the caller's transaction; returns the keys that were new."""
    return [send.key for send in sends if await insert_sends(conn, now, [(patient_id, send)])]


async def cancel_pending(
    conn: aiosqlite.Connection, patient_id: int, reason: str, kinds: Collection[str] | None = None
) -> None:
    """Cancel a patient's waiting rows (of these kinds, or all) inside the caller's transaction."""
    params: tuple[str, ...] = tuple(kinds or ())
    sql = f" AND kind IN ({placeholders(len(params))})" if kinds is not None else ""
    await conn.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = ? "
        f"WHERE patient_id = ? AND status = 'pending'{sql}",
        (reason, patient_id, *params),
    )


class OutboxQueries(Connection):
    async def enqueue(self, now: datetime, patient_id: int, sends: Iterable[PlannedSend]) -> list[str]:
        """Queue messages; keys already queued (or sent) are skipped. Returns the keys queued."""
        async with self.transaction() as conn:
            return await queue_each(conn, now, patient_id, sends)

    async def replan(
        self,
        now: datetime,
        patient_id: int,
        kinds: Iterable[str],
        sends: Iterable[PlannedSend],
        planned_through: str | None,
    ) -> None:
        """Replace a patient's future reminders of these kinds with a fresh plan, in one transaction."""
        kinds = tuple(kinds)
        async with self.transaction() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE patient_id = ? AND +status IN ('pending', 'cancelled') "
                f"AND due_at > ? AND kind IN ({placeholders(len(kinds))})",
                (patient_id, to_db(now), *kinds),
            )
            await insert_sends(conn, now, ((patient_id, send) for send in sends))
            await set_planned_through(conn, [(patient_id, planned_through)])

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
            (to_db(now), limit),
        )
        return [outbox_item_from_row(row) for row in rows]

    async def outbox_by_keys(self, keys: list[str]) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' "
            f"AND idempotency_key IN ({placeholders(len(keys))}) ORDER BY due_at, id",
            keys,
        )
        return [outbox_item_from_row(row) for row in rows]

    async def pending_ids(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        rows = await self._all(
            f"SELECT id FROM outbox WHERE id IN ({placeholders(len(ids))}) AND +status = 'pending'", ids
        )
        return {int(row[0]) for row in rows}

    async def outbox_item(self, item_id: int) -> OutboxItem | None:
        row = await self._one("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return outbox_item_from_row(row) if row else None

    async def next_due(self) -> datetime | None:
        row = await self._one("SELECT MIN(due_at) FROM outbox WHERE status = 'pending'")
        return from_db(row[0]) if row and row[0] else None

    async def upcoming(self, patient_id: int, limit: int = 10) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE patient_id = ? AND +status = 'pending' ORDER BY due_at, id LIMIT ?",
            (patient_id, limit),
        )
        return [outbox_item_from_row(row) for row in rows]

    async def reschedule(self, item_id: int, due_at: datetime) -> None:
        await self._write(
            "UPDATE outbox SET due_at = ? WHERE id = ? AND status = 'pending'", (to_db(due_at), item_id)
        )

    async def mark_sent(self, now: datetime, item_id: int) -> None:
        await self._write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
            "WHERE id = ?",
            (to_db(now), item_id),
        )

    async def mark_attempt_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; reschedule it, or give up when ``retry_at`` is None."""
        if retry_at is None:
            await self._write(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, item_id),
            )
        else:
            await self._write(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ?",
                (error, to_db(retry_at), item_id),
            )

    async def outbox_status(self, idempotency_key: str) -> str | None:
        row = await self._one("SELECT status FROM outbox WHERE idempotency_key = ?", (idempotency_key,))
        return str(row[0]) if row else None

    async def cancel_outbox(self, item_id: int, reason: str) -> None:
        await self._write(
            "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ? AND status = 'pending'",
            (reason, item_id),
        )
