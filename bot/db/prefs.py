"""Preferences: each patient's reminder settings, and how far ahead their reminders are planned."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

import aiosqlite

from bot.clock import to_db
from bot.db.connection import Connection
from bot.db.rows import Prefs, prefs_from_row
from bot.localtime import hhmm

# Settings a caller may change; ``planned_through`` is the planner's own bookkeeping.
_CHANGEABLE = frozenset(Prefs.__dataclass_fields__) - {"planned_through"}


async def ensure_prefs(conn: aiosqlite.Connection, patient_id: int, timezone: str) -> None:
    """Give a patient default settings in ``timezone`` if they have none yet (caller's transaction)."""
    await conn.execute(
        "INSERT OR IGNORE INTO prefs (patient_id, timezone) VALUES (?, ?)", (patient_id, timezone)
    )


async def set_planned_through(conn: aiosqlite.Connection, plans: Iterable[tuple[int, str | None]]) -> None:
    """Remember, per patient, the last local day their reminders are planned for (caller's transaction)."""
    await conn.executemany(
        "UPDATE prefs SET planned_through = ? WHERE patient_id = ?",
        [(through, patient_id) for patient_id, through in plans],
    )


def _stored(value: object) -> object:
    """A setting as its column holds it: times as HH:MM, moments as UTC text, switches as 0/1."""
    if isinstance(value, time):
        return hhmm(value)
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, bool):
        return int(value)
    return value


class PrefsQueries(Connection):
    async def prefs(self, patient_id: int, default_timezone: str) -> Prefs:
        row = await self._one("SELECT * FROM prefs WHERE patient_id = ?", (patient_id,))
        return prefs_from_row(row) if row else Prefs(timezone=default_timezone)

    async def update_prefs(self, patient_id: int, default_timezone: str, **changes: object) -> Prefs:
        """Change some settings (names as in :class:`Prefs`); returns the settings now in force."""
        if not changes or set(changes) - _CHANGEABLE:
            raise ValueError(f"unknown settings: {sorted(set(changes) - _CHANGEABLE)}")
        stored = {name: _stored(value) for name, value in changes.items()}
        async with self.transaction() as conn:
            await ensure_prefs(conn, patient_id, default_timezone)
            assignments = ", ".join(f"{name} = ?" for name in stored)
            await conn.execute(
                f"UPDATE prefs SET {assignments} WHERE patient_id = ?", (*stored.values(), patient_id)
            )
        return await self.prefs(patient_id, default_timezone)
