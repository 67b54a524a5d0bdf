"""Home exercise programmes, adherence per exercise and day, and Telegram's copies of the pictures.

A programme holds exercise ids from the library and a dose preset each: never free text. Every change
bumps its version, so a staff button made for an older version can tell it is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.connection import Connection, placeholders
from bot.db.staff import record_audit


@dataclass(frozen=True)
class ProgrammeEntry:
    exercise: str
    preset: str


@dataclass(frozen=True)
class Programme:
    patient_id: int
    version: int
    entries: tuple[ProgrammeEntry, ...]
    updated_at: datetime
    # The staff member who last changed it; None while it is the default picked at a session.
    updated_by: int | None

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(entry.exercise for entry in self.entries)


class ProgrammeQueries(Connection):
    async def programme(self, patient_id: int) -> Programme | None:
        head = await self._one(
            "SELECT version, updated_at, updated_by FROM programmes WHERE patient_id = ?", (patient_id,)
        )
        if head is None:
            return None
        rows = await self._all(
            "SELECT exercise, preset FROM programme_exercises WHERE patient_id = ? ORDER BY position",
            (patient_id,),
        )
        return Programme(
            patient_id,
            int(head["version"]),
            tuple(ProgrammeEntry(str(r["exercise"]), str(r["preset"])) for r in rows),
            from_db(head["updated_at"]),
            head["updated_by"],
        )

    async def start_programme(self, now: datetime, patient_id: int, entries: list[ProgrammeEntry]) -> bool:
        """Give a patient their first programme; False (and nothing changes) if they have one already."""
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT INTO programmes (patient_id, updated_at) VALUES (?, ?) "
                "ON CONFLICT(patient_id) DO NOTHING",
                (patient_id, to_db(now)),
            ) as cur:
                created = cur.rowcount == 1
            if created:
                await _write_entries(conn, patient_id, entries)
        return created

    async def replace_default_programme(
        self, now: datetime, patient_id: int, version: int, entries: list[ProgrammeEntry] | None
    ) -> bool:
        """Re-pick (``entries``) or drop (None) a programme still as a session picked it: at
        ``version`` and never changed by staff. False, and nothing changes, otherwise."""
        async with self.transaction() as conn:
            if entries is None:
                sql = "DELETE FROM programmes WHERE patient_id = ? AND version = ? AND updated_by IS NULL"
                params: tuple[object, ...] = (patient_id, version)
            else:
                sql = (
                    "UPDATE programmes SET version = version + 1, updated_at = ? "
                    "WHERE patient_id = ? AND version = ? AND updated_by IS NULL"
                )
                params = (to_db(now), patient_id, version)
            async with conn.execute(sql, params) as cur:
                changed = cur.rowcount == 1
            if changed and entries is not None:
                await _write_entries(conn, patient_id, entries)
        return changed

    async def save_programme(
        self,
        now: datetime,
        patient_id: int,
        staff_id: int,
        expected_version: int,
        entries: list[ProgrammeEntry],
        action: str,
    ) -> bool:
        """Replace a programme if it is still at ``expected_version`` (0: it has none yet).

        False when someone changed it meanwhile: nothing is written, the caller shows the current one.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT version FROM programmes WHERE patient_id = ?", (patient_id,)
            ) as cur:
                row = await cur.fetchone()
            if (int(row[0]) if row else 0) != expected_version:
                return False
            await conn.execute(
                "INSERT INTO programmes (patient_id, version, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(patient_id) DO UPDATE SET version = excluded.version, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (patient_id, expected_version + 1, to_db(now), staff_id),
            )
            await _write_entries(conn, patient_id, entries)
            await record_audit(conn, now, staff_id, "programme", patient_id, detail=action[:80])
        return True

    async def record_adherence(
        self, now: datetime, patient_id: int, exercise: str, local_day: str, response: str
    ) -> None:
        """Done or skipped, for one exercise on one local day (the last answer of the day counts)."""
        await self._write(
            "INSERT INTO exercise_adherence (patient_id, exercise, local_day, response, at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(patient_id, exercise, local_day) "
            "DO UPDATE SET response = excluded.response, at = excluded.at",
            (patient_id, exercise, local_day, response, to_db(now)),
        )

    async def exercise_days(self, patient_id: int, since_day: str) -> int:
        """On how many local days since ``since_day`` (inclusive) the patient did an exercise."""
        return await self._count(
            "SELECT COUNT(DISTINCT local_day) FROM exercise_adherence "
            "WHERE patient_id = ? AND response = 'done' AND local_day >= ?",
            (patient_id, since_day),
        )

    async def exercise_counts(self, patient_id: int, since_day: str) -> list[tuple[str, str, int]]:
        """(exercise, response, days) since ``since_day``, most done first."""
        rows = await self._all(
            "SELECT exercise, response, COUNT(*) AS days FROM exercise_adherence "
            "WHERE patient_id = ? AND local_day >= ? GROUP BY exercise, response "
            "ORDER BY response, days DESC, exercise",
            (patient_id, since_day),
        )
        return [(str(r["exercise"]), str(r["response"]), int(r["days"])) for r in rows]

    async def programme_stats(self, since_day: str) -> tuple[int, int]:
        """Active patients with a non-empty programme, and their (patient, day) pairs with an
        exercise done since ``since_day``."""
        patients = await self._count(
            "SELECT COUNT(DISTINCT programme_exercises.patient_id) FROM programme_exercises "
            "JOIN patients ON patients.id = programme_exercises.patient_id WHERE patients.status = 'active'"
        )
        done_days = await self._count(
            "SELECT COUNT(*) FROM (SELECT DISTINCT patient_id, local_day FROM exercise_adherence "
            "WHERE response = 'done' AND local_day >= ?)",
            (since_day,),
        )
        return patients, done_days

    async def telegram_file_id(self, picture: str, sha256: str) -> str | None:
        """Telegram's id for this picture, if it was uploaded from a file with this very content."""
        row = await self._one(
            "SELECT file_id FROM telegram_files WHERE picture = ? AND sha256 = ?", (picture, sha256)
        )
        return str(row[0]) if row else None

    async def telegram_file_ids(self, pictures: list[tuple[str, str]]) -> dict[str, str]:
        """The ids of several pictures at once (name -> id), each only if uploaded from that content."""
        if not pictures:
            return {}
        rows = await self._all(
            "SELECT picture, sha256, file_id FROM telegram_files "
            f"WHERE picture IN ({placeholders(len(pictures))})",
            [name for name, _ in pictures],
        )
        wanted = dict(pictures)
        return {str(r[0]): str(r[2]) for r in rows if wanted.get(str(r[0])) == r[1]}

    async def remember_file_id(self, now: datetime, picture: str, sha256: str, file_id: str) -> None:
        await self._write(
            "INSERT INTO telegram_files (picture, sha256, file_id, uploaded_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(picture) DO UPDATE SET sha256 = excluded.sha256, file_id = excluded.file_id, "
            "uploaded_at = excluded.uploaded_at",
            (picture, sha256, file_id, to_db(now)),
        )

    async def forget_file_id(self, picture: str) -> None:
        """Telegram refused the id: the next send uploads the file again."""
        await self._write("DELETE FROM telegram_files WHERE picture = ?", (picture,))


async def _write_entries(conn: aiosqlite.Connection, patient_id: int, entries: list[ProgrammeEntry]) -> None:
    """Replace the programme's exercises, in order (inside the caller's transaction)."""
    await conn.execute("DELETE FROM programme_exercises WHERE patient_id = ?", (patient_id,))
    await conn.executemany(
        "INSERT INTO programme_exercises (patient_id, exercise, preset, position) VALUES (?, ?, ?, ?)",
        [(patient_id, e.exercise, e.preset, position) for position, e in enumerate(entries)],
    )
