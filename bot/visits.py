"""Visits and care-plan nudges: when each message is due, as outbox rows with idempotency keys.

Nothing here is planned day by day. A booking queues its confirmation (now) and its day-before
reminder (``visit:<id>:reminder``) in the same transaction as the visit; a care plan, a new session or
a cancelled visit queues the one nudge for the day the plan says the next visit is due
(``nudge:<patient>:<date>``). So 10,000 patients with plans and visits add about two outbox rows
each, once, and nothing to the daily planning pass or to start-up. The outbox's gate does the rest:
quiet hours, the row's own send window (the nudge's 09:00-17:00), and expiry (a reminder missed while
the bot was down still goes out while the visit is more than 2 hours away; a nudge within 2 days).
Every row is checked again when it is rendered (still booked? still due?), so nothing stale goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.care_plans import CarePlan, Interval
from bot.content import BASE_LANGUAGE
from bot.content.visits import Timing
from bot.db import Patient, PlannedSend, PlanStatus, Prefs, StoredPlan, Visit
from bot.kinds import Kind
from bot.localtime import at_local, hhmm, local_date, quiet_until

VISIT_KINDS = (Kind.VISIT_CONFIRM, Kind.VISIT_REMINDER)
NUDGE_KINDS = (Kind.VISIT_NUDGE,)
ALL_KINDS = (*VISIT_KINDS, *NUDGE_KINDS)
# The urgency of a pre-visit flag at the alert desk: its own kind of alert, not a red flag.
PREVISIT = "previsit"


def language_of(patient: Patient) -> str:
    """The language a patient reads (every patient text here is rendered through this)."""
    return BASE_LANGUAGE


class VisitInputError(ValueError):
    """What staff typed is not a bookable time; ``reason`` is a [staff] text key, ``values`` its fields."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def parse_visit_time(day_text: str, time_text: str, zone: ZoneInfo) -> datetime:
    """A wall-clock date and time in the clinic's zone, as UTC; refuses times the clocks skip or repeat."""
    try:
        day = date.fromisoformat(day_text)
        hour, minute = (int(part) for part in time_text.split(":"))
        wall = time(hour, minute)
    except ValueError as exc:
        raise VisitInputError("visit_bad_date") from exc
    first = datetime.combine(day, wall, tzinfo=zone)
    second = first.replace(fold=1)
    shown = {"time": hhmm(wall), "date": day.isoformat()}
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise VisitInputError("visit_gap", **shown)
    if first.utcoffset() != second.utcoffset():
        raise VisitInputError("visit_ambiguous", **shown)
    return first.astimezone(UTC)


def check_bookable(visit_at: datetime, now: datetime, timing: Timing) -> str | None:
    """Why a visit cannot be booked then (a [staff] text key), or None."""
    if visit_at <= now:
        return "visit_past"
    if visit_at - now > timedelta(days=timing.max_days_ahead):
        return "visit_too_far"
    return None


def confirm_key(visit_id: int) -> str:
    return f"visit:{visit_id}:confirm"


def cancelled_notice(visit: Visit, now: datetime) -> PlannedSend:
    """Telling the patient their visit was cancelled (rendered by the confirmation's renderer)."""
    payload = {"visit_id": visit.id, "cancelled": True}
    return PlannedSend(Kind.VISIT_CONFIRM, f"visit:{visit.id}:cancelled", payload, now, visit.visit_at)


def reminder_time(visit_at: datetime, prefs: Prefs, timing: Timing) -> datetime:
    """The day before, at the reminder time in the patient's zone; moved earlier out of quiet hours an
    hour at a time (never before the earliest), else later (never after the latest)."""
    zone = ZoneInfo(prefs.timezone)
    day = local_date(visit_at, zone) - timedelta(days=1)
    start = timing.reminder_at.hour
    earlier = range(start, timing.reminder_earliest.hour - 1, -1)
    later = range(start + 1, timing.reminder_latest.hour + 1)
    for hour in (*earlier, *later):
        due = at_local(day, time(hour, timing.reminder_at.minute), zone)
        if quiet_until(due, zone, prefs.quiet_start, prefs.quiet_end) is None:
            return due
    return at_local(day, timing.reminder_at, zone)


def visit_sends(
    visit_id: int, visit_at: datetime, prefs: Prefs, timing: Timing, now: datetime
) -> list[PlannedSend]:
    """The confirmation (now) and the day-before reminder, if the visit is far enough away for one.

    Booked after the reminder's time (the evening before, or the same day), the reminder goes out
    at once, while the visit is still more than ``reminder_stop_hours`` away.
    """
    payload = {"visit_id": visit_id}
    sends = [PlannedSend(Kind.VISIT_CONFIRM, confirm_key(visit_id), payload, now, visit_at)]
    last_useful = visit_at - timedelta(hours=timing.reminder_stop_hours)
    if now < last_useful:
        due = max(reminder_time(visit_at, prefs, timing), now)
        sends.append(
            PlannedSend(Kind.VISIT_REMINDER, f"visit:{visit_id}:reminder", payload, due, last_useful)
        )
    return sends


def care_plan_of(stored: StoredPlan) -> CarePlan:
    then = Interval.decode(stored.then_interval) if stored.then_interval else None
    return CarePlan(Interval.decode(stored.interval), stored.visits, then)


def encode_plan(plan: CarePlan) -> tuple[str, int | None, str | None]:
    return plan.interval.encode(), plan.visits, plan.then.encode() if plan.then else None


def due_date(status: PlanStatus, clinic_zone: ZoneInfo) -> date | None:
    """When the plan says the next visit is due: the last session (or, before any, the day the plan
    was set) plus the interval in force; None once the plan's visits are done."""
    if status.last_session is not None:
        anchor = date.fromisoformat(status.last_session)
    else:
        anchor = local_date(status.plan.started_at, clinic_zone)
    return care_plan_of(status.plan).due_on(anchor, status.sessions_since_start)


def _window(timing: Timing) -> list[str]:
    return [hhmm(timing.nudge_from), hhmm(timing.nudge_until)]


def nudge_send(
    status: PlanStatus, prefs: Prefs, timing: Timing, clinic_zone: ZoneInfo, now: datetime
) -> PlannedSend | None:
    """The one nudge for the due day (from ``nudge_from`` in the patient's zone, kept to the window
    by the gate, still sent for ``nudge_grace_days`` more days); none with a visit booked, the
    patient's "Stop these", a finished plan, or a due day long past."""
    due = due_date(status, clinic_zone)
    if due is None or not status.plan.nudges_on or status.next_visit is not None:
        return None
    return _nudge_on(
        status.plan.patient_id, due, due, prefs, timing, now, f"nudge:{status.plan.patient_id}:{due}"
    )


def snoozed_nudge(
    patient_id: int, due: date, prefs: Prefs, timing: Timing, now: datetime
) -> PlannedSend | None:
    """ "Remind me next week": the same nudge again, ``nudge_snooze_days`` from today (patient's zone)."""
    day = local_date(now, ZoneInfo(prefs.timezone)) + timedelta(days=timing.nudge_snooze_days)
    return _nudge_on(patient_id, due, day, prefs, timing, now, f"nudge:{patient_id}:{due}:later:{day}")


def _nudge_on(
    patient_id: int, due: date, day: date, prefs: Prefs, timing: Timing, now: datetime, key: str
) -> PlannedSend | None:
    zone = ZoneInfo(prefs.timezone)
    expires = at_local(day + timedelta(days=timing.nudge_grace_days), timing.nudge_until, zone)
    if now >= expires:
        return None
    payload: dict[str, Any] = {"due": due.isoformat(), "window": _window(timing)}
    return PlannedSend(
        Kind.VISIT_NUDGE, key, payload, max(at_local(day, timing.nudge_from, zone), now), expires
    )


@dataclass(frozen=True)
class DueRow:
    """A patient due (or overdue) for a visit by their plan, with none booked."""

    status: PlanStatus
    due: date

    def days_over(self, today: date) -> int:
        return (today - self.due).days


def due_patients(statuses: list[PlanStatus], today: date, clinic_zone: ZoneInfo) -> list[DueRow]:
    """Who is due today or overdue, with no visit booked: most overdue first."""
    rows = []
    for status in statuses:
        due = due_date(status, clinic_zone)
        if due is not None and due <= today and status.next_visit is None:
            rows.append(DueRow(status, due))
    return sorted(rows, key=lambda row: (row.due, row.status.plan.patient_id))
