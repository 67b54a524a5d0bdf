"""Staff and the audit trail: who may use the console, and who did what, when."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.db.connection import Connection


async def record_audit(
    conn: aiosqlite.Connection,
    now: datetime,
    actor_id: int,
    action: str,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    """Record a staff action inside the caller's transaction (who, what, when; no free text)."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, patient_id, detail) VALUES (?, ?, ?, ?, ?)",
        (to_db(now), actor_id, action, patient_id, detail),
    )


class StaffQueries(Connection):
    async def audit(
        self,
        conn: aiosqlite.Connection,
        now: datetime,
        actor_id: int,
        action: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Record a staff action inside the caller's transaction (see :func:`record_audit`)."""
        await record_audit(conn, now, actor_id, action, patient_id, detail)

    async def staff_ids(self) -> set[int]:
        return {row[0] for row in await self._all("SELECT telegram_user_id FROM staff")}

    async def add_staff(self, now: datetime, admin_id: int, user_id: int) -> bool:
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT OR IGNORE INTO staff (telegram_user_id, added_by, added_at) VALUES (?, ?, ?)",
                (user_id, admin_id, to_db(now)),
            ) as cur:
                added = cur.rowcount == 1
            if added:
                await record_audit(conn, now, admin_id, "staff_add", detail=f"user={user_id}")
        return added

    async def remove_staff(self, now: datetime, admin_id: int, user_id: int) -> bool:
        async with self.transaction() as conn:
            async with conn.execute("DELETE FROM staff WHERE telegram_user_id = ?", (user_id,)) as cur:
                removed = cur.rowcount == 1
            if removed:
                await record_audit(conn, now, admin_id, "staff_remove", detail=f"user={user_id}")
        return removed
