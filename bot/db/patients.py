"""Patients and their invites: enrolment, joining by invite link, status changes, the staff's list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import to_db
from bot.db.connection import Connection, Rollback
from bot.db.outbox import cancel_pending
from bot.db.prefs import ensure_prefs
from bot.db.rows import Invite, Patient, PatientSummary, invite_from_row, opt_time, patient_from_row
from bot.db.staff import record_audit


async def _insert_invite(
    conn: aiosqlite.Connection,
    now: datetime,
    staff_id: int,
    patient_id: int,
    token_hash: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO invites (patient_id, token_hash, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (patient_id, token_hash, staff_id, to_db(now), to_db(expires_at)),
    )


def like_pattern(text: str) -> str:
    """Escape LIKE's wildcards in what staff typed."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _patient_filter(query: str) -> tuple[str, list[Any]]:
    """The WHERE clause for the staff's search: a patient number, a piece of a name, or everyone."""
    query = query.strip()
    if query.lstrip("#").isdigit():
        return "patients.id = ?", [int(query.lstrip("#"))]
    if query:
        return "patients.display_name LIKE ? ESCAPE '\\'", [f"%{like_pattern(query)}%"]
    return "1 = 1", []


class PatientQueries(Connection):
    async def create_patient_with_invite(
        self, now: datetime, staff_id: int, display_name: str, token_hash: str, expires_at: datetime
    ) -> int:
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT INTO patients (display_name, created_at, status_changed_at) VALUES (?, ?, ?)",
                (display_name, to_db(now), to_db(now)),
            ) as cur:
                patient_id = cur.lastrowid
            assert patient_id is not None
            await _insert_invite(conn, now, staff_id, patient_id, token_hash, expires_at)
            await record_audit(conn, now, staff_id, "enroll", patient_id)
        return patient_id

    async def replace_invite(
        self, now: datetime, staff_id: int, patient_id: int, token_hash: str, expires_at: datetime
    ) -> None:
        """Issue a new invite for a patient; every older unused invite stops working."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE patient_id = ? AND used_at IS NULL "
                "AND revoked_at IS NULL",
                (to_db(now), patient_id),
            )
            await _insert_invite(conn, now, staff_id, patient_id, token_hash, expires_at)
            await record_audit(conn, now, staff_id, "invite_new", patient_id)

    async def invite_by_hash(self, token_hash: str) -> Invite | None:
        row = await self._one("SELECT * FROM invites WHERE token_hash = ?", (token_hash,))
        return invite_from_row(row) if row else None

    async def invite_by_id(self, invite_id: int) -> Invite | None:
        row = await self._one("SELECT * FROM invites WHERE id = ?", (invite_id,))
        return invite_from_row(row) if row else None

    async def mark_invite_opened(self, now: datetime, invite_id: int, user_id: int) -> bool:
        """Bind an invite to the first Telegram account that opens it; False if another got there first."""
        changed = await self._write(
            "UPDATE invites SET opened_by = ?, opened_at = ? WHERE id = ? AND "
            "(opened_by IS NULL OR opened_by = ?)",
            (user_id, to_db(now), invite_id, user_id),
        )
        return changed == 1

    async def link_patient(
        self,
        now: datetime,
        invite_id: int,
        patient_id: int,
        user_id: int,
        chat_id: int,
        timezone: str,
        language: str = "en",
    ) -> bool:
        """Use the invite and link the account, atomically; False if the invite was used meanwhile.

        ``language`` is the patient's language from then on, if this is their first joining (a patient
        moving to a new phone keeps the language they had).
        """
        try:
            return await self._link_patient(now, invite_id, patient_id, user_id, chat_id, timezone, language)
        except Rollback:
            return False

    async def _link_patient(
        self,
        now: datetime,
        invite_id: int,
        patient_id: int,
        user_id: int,
        chat_id: int,
        timezone: str,
        language: str,
    ) -> bool:
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL "
                "AND opened_by = ?",
                (to_db(now), invite_id, user_id),
            ) as cur:
                if cur.rowcount != 1:
                    return False
            async with conn.execute(
                # A new invite for a joined patient (a new phone) moves them to the new account.
                "UPDATE patients SET telegram_user_id = ?, chat_id = ?, status = 'active', "
                "language = CASE WHEN joined_at IS NULL THEN ? ELSE language END, "
                "joined_at = COALESCE(joined_at, ?), status_changed_at = ? WHERE id = ?",
                (user_id, chat_id, language, to_db(now), to_db(now), patient_id),
            ) as cur:
                if cur.rowcount != 1:
                    raise Rollback
            await ensure_prefs(conn, patient_id, timezone)
        return True

    async def patient(self, patient_id: int) -> Patient | None:
        row = await self._one("SELECT * FROM patients WHERE id = ?", (patient_id,))
        return patient_from_row(row) if row else None

    async def patient_by_user(self, user_id: int) -> Patient | None:
        row = await self._one("SELECT * FROM patients WHERE telegram_user_id = ?", (user_id,))
        return patient_from_row(row) if row else None

    async def set_patient_language(self, patient_id: int, language: str) -> None:
        await self._write("UPDATE patients SET language = ? WHERE id = ?", (language, patient_id))

    async def mark_language_offered(self, now: datetime, patient_id: int) -> bool:
        """Note that the patient was offered to switch language; False if they had been already."""
        changed = await self._write(
            "UPDATE patients SET language_offered_at = ? WHERE id = ? AND language_offered_at IS NULL",
            (to_db(now), patient_id),
        )
        return changed == 1

    async def set_patient_status(
        self, now: datetime, patient_id: int, status: str, staff_id: int | None = None
    ) -> None:
        """Change a patient's status; leaving 'active' cancels everything still waiting to be sent.

        ``staff_id`` is given when staff made the change, which then goes into the audit trail.
        """
        async with self.transaction() as conn:
            if staff_id is not None:
                await record_audit(conn, now, staff_id, f"patient_{status}", patient_id)
            await conn.execute(
                "UPDATE patients SET status = ?, status_changed_at = ? WHERE id = ?",
                (status, to_db(now), patient_id),
            )
            if status != "active":
                await cancel_pending(conn, patient_id, f"patient {status}")

    async def find_patients(self, query: str, offset: int, limit: int) -> tuple[list[PatientSummary], int]:
        """Patients by number or by a piece of their name, newest first, one page at a time."""
        where, params = _patient_filter(query)
        total = await self._count(f"SELECT COUNT(*) FROM patients WHERE {where}", params)
        rows = await self._all(
            "SELECT patients.id, display_name, status, MAX(sessions.session_at) AS last_session "
            f"FROM patients LEFT JOIN sessions ON sessions.patient_id = patients.id WHERE {where} "
            "GROUP BY patients.id ORDER BY patients.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        summaries = [
            PatientSummary(r["id"], r["display_name"], r["status"], opt_time(r["last_session"])) for r in rows
        ]
        return summaries, total
