"""Visits (the next appointment and its pre-visit safety check) and care plans.

A patient has at most one booked visit: booking another replaces it. Safety-check answers are item
keys ("fever", "none"), never free text. Outbox kinds come in as parameters from the domain
(bot/visits.py), never as SQL literals.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.connection import Connection, placeholders
from bot.db.outbox import cancel_pending, queue_each
from bot.db.rows import PlannedSend, opt_time
from bot.db.staff import record_audit


@dataclass(frozen=True)
class Visit:
    id: int
    patient_id: int
    visit_at: datetime
    status: str
    booked_at: datetime
    reschedule_asked_at: datetime | None


@dataclass(frozen=True)
class StoredPlan:
    """A care plan as stored: intervals in their short form ("7d", "1m"); see bot.care_plans."""

    patient_id: int
    interval: str
    visits: int | None
    then_interval: str | None
    started_at: datetime
    nudges_on: bool


@dataclass(frozen=True)
class PlanStatus:
    """A plan with what decides when the next visit is due."""

    plan: StoredPlan
    display_name: str
    patient_status: str
    last_session: str | None  # the clinic date of the last session
    sessions_since_start: int
    next_visit: datetime | None


def visit_from_row(row: Any) -> Visit:
    return Visit(
        id=int(row["id"]),
        patient_id=int(row["patient_id"]),
        visit_at=from_db(row["visit_at"]),
        status=str(row["status"]),
        booked_at=from_db(row["booked_at"]),
        reschedule_asked_at=opt_time(row["reschedule_asked_at"]),
    )


def plan_from_row(row: Any) -> StoredPlan:
    return StoredPlan(
        patient_id=int(row["patient_id"]),
        interval=str(row["interval"]),
        visits=None if row["visits"] is None else int(row["visits"]),
        then_interval=None if row["then_interval"] is None else str(row["then_interval"]),
        started_at=from_db(row["started_at"]),
        nudges_on=bool(row["nudges_on"]),
    )


_PLAN_STATUS = (
    "SELECT care_plans.*, patients.display_name, patients.status AS patient_status, "
    "(SELECT MAX(clinic_date) FROM sessions s WHERE s.patient_id = care_plans.patient_id) AS last_session, "
    "(SELECT COUNT(*) FROM sessions s WHERE s.patient_id = care_plans.patient_id "
    " AND s.session_at >= care_plans.started_at) AS since, "
    "(SELECT MIN(visit_at) FROM visits v WHERE v.patient_id = care_plans.patient_id "
    " AND v.status = 'booked' AND v.visit_at > ?) AS next_visit "
    "FROM care_plans JOIN patients ON patients.id = care_plans.patient_id"
)


def plan_status_from_row(row: Any) -> PlanStatus:
    return PlanStatus(
        plan=plan_from_row(row),
        display_name=str(row["display_name"]),
        patient_status=str(row["patient_status"]),
        last_session=row["last_session"],
        sessions_since_start=int(row["since"]),
        next_visit=opt_time(row["next_visit"]),
    )


async def _replace_booked(
    conn: aiosqlite.Connection, now: datetime, patient_id: int, status: str, kinds: Collection[str]
) -> int | None:
    """Close the patient's booked visit (if any) and cancel what was queued about it; its id."""
    async with conn.execute(
        "UPDATE visits SET status = ?, cancelled_at = ? WHERE patient_id = ? AND status = 'booked' "
        "AND visit_at > ? RETURNING id",
        (status, to_db(now), patient_id, to_db(now)),
    ) as cur:
        row = await cur.fetchone()
    await cancel_pending(conn, patient_id, f"visit {status}", kinds=kinds)
    return int(row[0]) if row else None


async def _delete_unsent(conn: aiosqlite.Connection, patient_id: int, kinds: Collection[str]) -> None:
    await conn.execute(
        "DELETE FROM outbox WHERE patient_id = ? AND +status IN ('pending', 'cancelled') "
        f"AND kind IN ({placeholders(len(kinds))})",
        (patient_id, *kinds),
    )


class VisitQueries(Connection):
    async def book_visit(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        visit_at: datetime,
        sends: Callable[[int], list[PlannedSend]],
        replaced_kinds: Collection[str],
    ) -> tuple[int, list[str], bool]:
        """Book the patient's next visit (replacing a booked one) and queue ``sends(visit_id)``.

        Rows of ``replaced_kinds`` still waiting for the patient (the old visit's reminder, a nudge to
        book) are cancelled in the same transaction. Returns the visit id, the keys queued, and whether
        an earlier booking was replaced.
        """
        async with self.transaction() as conn:
            replaced = await _replace_booked(conn, now, patient_id, "replaced", replaced_kinds)
            async with conn.execute(
                "INSERT INTO visits (patient_id, visit_at, booked_by, booked_at) VALUES (?, ?, ?, ?)",
                (patient_id, to_db(visit_at), staff_id, to_db(now)),
            ) as cur:
                visit_id = cur.lastrowid
            assert visit_id is not None
            queued = await queue_each(conn, now, patient_id, sends(visit_id))
            await record_audit(conn, now, staff_id, "visit_booked", patient_id, detail=f"visit={visit_id}")
        return visit_id, queued, replaced is not None

    async def cancel_visit(
        self, now: datetime, staff_id: int, patient_id: int, kinds: Collection[str]
    ) -> int | None:
        """Cancel the patient's booked visit and what was queued about it; its id, or None."""
        async with self.transaction() as conn:
            cancelled = await _replace_booked(conn, now, patient_id, "cancelled", kinds)
            if cancelled is not None:
                await record_audit(
                    conn, now, staff_id, "visit_cancelled", patient_id, detail=f"visit={cancelled}"
                )
        return cancelled

    async def visit(self, visit_id: int) -> Visit | None:
        row = await self._one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        return visit_from_row(row) if row else None

    async def next_visit(self, patient_id: int, now: datetime) -> Visit | None:
        row = await self._one(
            "SELECT * FROM visits WHERE patient_id = ? AND status = 'booked' AND visit_at > ? "
            "ORDER BY visit_at LIMIT 1",
            (patient_id, to_db(now)),
        )
        return visit_from_row(row) if row else None

    async def upcoming_visits(
        self, now: datetime, until: datetime, limit: int
    ) -> tuple[list[tuple[Visit, str]], int]:
        """Booked visits from now until ``until``, soonest first (at most ``limit``), and how many in all."""
        window = (to_db(now), to_db(until))
        rows = await self._all(
            "SELECT visits.*, patients.display_name FROM visits JOIN patients ON patients.id = patient_id "
            "WHERE visits.status = 'booked' AND visit_at > ? AND visit_at <= ? ORDER BY visit_at LIMIT ?",
            (*window, limit),
        )
        total = await self._count(
            "SELECT COUNT(*) FROM visits WHERE status = 'booked' AND visit_at > ? AND visit_at <= ?", window
        )
        return [(visit_from_row(row), str(row["display_name"])) for row in rows], total

    async def patient_visits(self, patient_id: int) -> list[tuple[Visit, list[str]]]:
        """Every visit stored for the patient, with their safety-check answers (for /mydata)."""
        rows = await self._all("SELECT * FROM visits WHERE patient_id = ? ORDER BY visit_at", (patient_id,))
        return [(visit_from_row(row), await self.visit_checks(int(row["id"]))) for row in rows]

    async def record_visit_check(self, now: datetime, visit_id: int, item: str) -> bool:
        """One answer of the pre-visit safety check; False if that item was already given."""
        changed = await self._write(
            "INSERT INTO visit_checks (visit_id, item, answered_at) VALUES (?, ?, ?) "
            "ON CONFLICT(visit_id, item) DO NOTHING",
            (visit_id, item, to_db(now)),
        )
        return changed == 1

    async def visit_checks(self, visit_id: int) -> list[str]:
        rows = await self._all(
            "SELECT item FROM visit_checks WHERE visit_id = ? ORDER BY answered_at, item", (visit_id,)
        )
        return [str(row[0]) for row in rows]

    async def ask_reschedule(self, now: datetime, visit_id: int) -> bool:
        """The patient tapped "I need to reschedule"; False if they already had."""
        changed = await self._write(
            "UPDATE visits SET reschedule_asked_at = ? WHERE id = ? AND reschedule_asked_at IS NULL",
            (to_db(now), visit_id),
        )
        return changed == 1

    async def set_care_plan(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        plan: tuple[str, int | None, str | None],
        sends: list[PlannedSend],
        nudge_kinds: Collection[str],
    ) -> list[str]:
        """Set (or replace) a patient's plan, replacing any waiting nudge with ``sends``."""
        interval, visits, then = plan
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO care_plans (patient_id, interval, visits, then_interval, started_at, set_by) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(patient_id) DO UPDATE SET "
                "interval = excluded.interval, visits = excluded.visits, "
                "then_interval = excluded.then_interval, "
                "started_at = excluded.started_at, set_by = excluded.set_by, nudges_on = 1",
                (patient_id, interval, visits, then, to_db(now), staff_id),
            )
            await _delete_unsent(conn, patient_id, nudge_kinds)
            queued = await queue_each(conn, now, patient_id, sends)
            await record_audit(
                conn, now, staff_id, "plan_set", patient_id, detail=f"{interval},{visits},{then}"
            )
        return queued

    async def remove_care_plan(
        self, now: datetime, staff_id: int, patient_id: int, nudge_kinds: Collection[str]
    ) -> bool:
        async with self.transaction() as conn:
            async with conn.execute("DELETE FROM care_plans WHERE patient_id = ?", (patient_id,)) as cur:
                removed = cur.rowcount == 1
            await cancel_pending(conn, patient_id, "plan removed", kinds=nudge_kinds)
            if removed:
                await record_audit(conn, now, staff_id, "plan_removed", patient_id)
        return removed

    async def replace_nudges(
        self, now: datetime, patient_id: int, sends: list[PlannedSend], nudge_kinds: Collection[str]
    ) -> list[str]:
        """Replace the patient's waiting nudges with ``sends`` (after a new session, say). Rows that
        never went out are deleted, so an undone session can bring its due day's nudge back; one
        that was sent stays, and its key keeps it from going out twice."""
        async with self.transaction() as conn:
            await _delete_unsent(conn, patient_id, nudge_kinds)
            return await queue_each(conn, now, patient_id, sends)

    async def stop_nudges(self, patient_id: int, nudge_kinds: Collection[str]) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE care_plans SET nudges_on = 0 WHERE patient_id = ?", (patient_id,))
            await cancel_pending(conn, patient_id, "nudges stopped", kinds=nudge_kinds)

    async def care_plan(self, patient_id: int) -> StoredPlan | None:
        row = await self._one("SELECT * FROM care_plans WHERE patient_id = ?", (patient_id,))
        return plan_from_row(row) if row else None

    async def plan_status(self, patient_id: int, now: datetime) -> PlanStatus | None:
        row = await self._one(f"{_PLAN_STATUS} WHERE care_plans.patient_id = ?", (to_db(now), patient_id))
        return plan_status_from_row(row) if row else None

    async def plan_statuses(self, now: datetime) -> list[PlanStatus]:
        """Every plan of a patient who joined, with what decides when they are due (for /due, /stats)."""
        rows = await self._all(
            f"{_PLAN_STATUS} WHERE patients.status != 'invited' ORDER BY care_plans.patient_id", (to_db(now),)
        )
        return [plan_status_from_row(row) for row in rows]

    async def rebooking_figures(self, now: datetime, nudge_kind: str) -> dict[str, int]:
        """The last 30 days of nudges: sent, followed by a booking, answered "booked"; plans stopped."""
        month = to_db(now - timedelta(days=30))
        count = self._count
        return {
            "nudges_sent": await count(
                "SELECT COUNT(*) FROM outbox WHERE kind = ? AND status = 'sent' AND sent_at >= ?",
                (nudge_kind, month),
            ),
            "booked_after": await count(
                "SELECT COUNT(*) FROM outbox o WHERE o.kind = ? AND o.status = 'sent' AND o.sent_at >= ? "
                "AND EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = o.patient_id "
                "AND v.booked_at >= o.sent_at)",
                (nudge_kind, month),
            ),
            "said_booked": await count(
                "SELECT COUNT(*) FROM reminder_responses WHERE kind = ? AND response = 'booked' AND at >= ?",
                (nudge_kind, month),
            ),
            "stopped": await count("SELECT COUNT(*) FROM care_plans WHERE nudges_on = 0"),
        }
