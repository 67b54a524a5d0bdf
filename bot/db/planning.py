"""Planning queries: the reminder plan is extended a chunk of patients at a time (keyset pagination)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiosqlite

from bot.db.connection import Connection
from bot.db.outbox import insert_sends
from bot.db.prefs import set_planned_through
from bot.db.rows import PlannedChunk, PlannedSend, Prefs, prefs_from_row


async def _next_unplanned(
    conn: aiosqlite.Connection, after_id: int, limit: int, through: dict[str, str]
) -> list[tuple[int, Prefs]]:
    """The next ``limit`` active patients after ``after_id`` who want reminders and are not yet
    planned through ``through[their time zone]``, by patient number (inside the caller's transaction)."""
    cases = " ".join("WHEN ? THEN ?" for _ in through)
    zones = [value for pair in through.items() for value in pair]
    async with conn.execute(
        "SELECT prefs.* FROM prefs JOIN patients ON patients.id = prefs.patient_id "
        "WHERE prefs.patient_id > ? AND patients.status = 'active' "
        "AND (prefs.posture_on = 1 OR prefs.exercise_on = 1) "
        f"AND COALESCE(prefs.planned_through, '') < CASE prefs.timezone {cases} END "
        "ORDER BY prefs.patient_id LIMIT ?",
        (after_id, *zones, limit),
    ) as cur:
        return [(int(row["patient_id"]), prefs_from_row(row)) for row in await cur.fetchall()]


class PlanningQueries(Connection):
    async def plan_chunk(
        self,
        now: datetime,
        after_id: int,
        limit: int,
        through: dict[str, str],
        plan: Callable[[int, Prefs], list[PlannedSend]],
        *,
        mark_planned: bool,
    ) -> PlannedChunk:
        """One step of a planning pass, in one short transaction.

        Reads the next ``limit`` active patients after ``after_id`` (by number) who want reminders and
        are not planned through ``through[their time zone]``, writes what ``plan`` gives for each, and
        with ``mark_planned`` records them as planned that far. Reading and writing in one transaction
        means a patient who changes their settings meanwhile never gets a plan made from the old ones.
        """
        if not through:
            return PlannedChunk(None, 0, 0, None)
        async with self.transaction() as conn:
            chosen = await _next_unplanned(conn, after_id, limit, through)
            if not chosen:
                return PlannedChunk(None, 0, 0, None)
            sends = [(patient_id, send) for patient_id, prefs in chosen for send in plan(patient_id, prefs)]
            added = await insert_sends(conn, now, sends)
            if mark_planned:
                await set_planned_through(
                    conn, [(patient_id, through[prefs.timezone]) for patient_id, prefs in chosen]
                )
        earliest = min((send.due_at for _, send in sends), default=None)
        return PlannedChunk(chosen[-1][0], len(chosen), added, earliest)

    async def reminder_timezones(self) -> list[str]:
        """The time zones of patients who want reminders: a handful, however many patients there are."""
        rows = await self._all(
            "SELECT DISTINCT timezone FROM prefs WHERE posture_on = 1 OR exercise_on = 1 ORDER BY timezone"
        )
        return [str(row[0]) for row in rows]
