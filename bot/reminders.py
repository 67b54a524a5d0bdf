"""What to send between visits, and when: check-ins after a session, posture and exercise reminders.

Plain functions over plain data. The planner turns a patient's settings into outbox rows with
idempotency keys (so planning twice plans nothing new); the gate decides, at the moment of sending,
whether a row goes out now, waits for the morning, or is dropped as too late.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock
from bot.config import Settings
from bot.content.reminders import ReminderContent
from bot.db import OutboxItem, OutboxStore, PlannedChunk, PlannedSend, PlanningStore, Prefs, SessionStore
from bot.kinds import Kind
from bot.localtime import at_local, in_window, local_date, parse_hhmm, quiet_until
from bot.reminder_kinds import REMINDER_KINDS, REMINDERS, ReminderKind

CHECKIN = Kind.CHECKIN
# Aftercare right after a visit goes out even in quiet hours: the patient has just left the clinic.
FRESH_AFTERCARE = timedelta(hours=1)
# A planning pass writes what falls due this soon for everyone first, then the rest.
DUE_SOON = timedelta(hours=2)
# Patients per planning transaction: small enough that a chunk never holds up answers for long.
PLAN_CHUNK = 50

log = logging.getLogger(__name__)


class CheckinStore(SessionStore, OutboxStore, Protocol):
    """What answering a check-in needs from storage."""


class PlanStore(OutboxStore, PlanningStore, Protocol):
    """What planning reminders needs from storage."""


def zone_of(prefs: Prefs) -> ZoneInfo:
    """The patient's own time zone: every time in their settings is a wall-clock time there."""
    return ZoneInfo(prefs.timezone)


def is_paused(prefs: Prefs, moment: datetime) -> bool:
    """Whether the patient has paused their reminders at ``moment``."""
    return prefs.paused_until is not None and moment < prefs.paused_until


def was_sent(item: OutboxItem) -> bool:
    """Delivered to the patient: only then can a button under it be real."""
    return item.status == "sent"


def wants_reminders(prefs: Prefs, kinds: tuple[ReminderKind, ...] = REMINDERS) -> bool:
    """Whether any reminder is switched on: the rule the storage's planning queries apply in SQL."""
    return any(kind.is_on(prefs) for kind in kinds)


DEFAULT_GRACE = timedelta(hours=1)


class Grace:
    """How late a reminder may still go out after downtime; older ones are dropped.

    Every declared kind has its own period (``Grace(posture=timedelta(minutes=5))``; the others get
    :data:`DEFAULT_GRACE`) and none is borrowed by a kind that was not declared.
    """

    def __init__(self, kinds: tuple[ReminderKind, ...] = REMINDERS, **periods: timedelta) -> None:
        unknown = set(periods) - {kind.name for kind in kinds}
        if unknown:
            raise ValueError(f"grace period given for undeclared reminder kinds {sorted(unknown)}")
        self.kinds = kinds
        self._periods = {kind.name: periods.get(kind.name, DEFAULT_GRACE) for kind in kinds}

    @classmethod
    def from_settings(cls, settings: Settings, kinds: tuple[ReminderKind, ...] = REMINDERS) -> Grace:
        """Each kind's period from the minutes in its ``grace_setting``."""
        return cls(
            kinds, **{kind.name: timedelta(minutes=getattr(settings, kind.grace_setting)) for kind in kinds}
        )

    def for_kind(self, kind: str) -> timedelta:
        """A kind planned ahead must have its own grace here: none is borrowed from another kind."""
        if kind not in self._periods:
            raise ValueError(f"no grace period declared for reminder kind {kind!r}")
        return self._periods[kind]


def checkin_key(session_id: int, step: str) -> str:
    return f"checkin:{session_id}:{step}"


def plan_checkin(
    content: ReminderContent, session_id: int, session_at: datetime, step: str, prefs: Prefs
) -> PlannedSend:
    """A check-in at about N hours after the session, moved out of quiet hours.

    It stays useful until the next step would be due (the 24-hour one until the 48-hour mark).
    """
    nominal = session_at + timedelta(hours=content.step_hours[step])
    due = quiet_until(nominal, zone_of(prefs), prefs.quiet_start, prefs.quiet_end) or nominal
    expires = nominal + timedelta(hours=content.useful_for_hours)
    return PlannedSend(
        CHECKIN,
        checkin_key(session_id, step),
        {"step": step, "session_id": session_id},
        due,
        max(expires, due + timedelta(hours=1)),
    )


def plan_reminders(
    content: ReminderContent,
    patient_id: int,
    prefs: Prefs,
    now: datetime,
    grace: Grace,
    days: int = 2,
    before: datetime | None = None,
) -> list[PlannedSend]:
    """The reminders ``grace`` declares, for today and the next ``days - 1`` local days, not yet due
    (and, given ``before``, only those due before it)."""
    zone = zone_of(prefs)
    today = local_date(now, zone)
    planned: list[PlannedSend] = []
    kinds = [kind for kind in grace.kinds if kind.is_on(prefs)]
    for offset in range(days):
        day = today + timedelta(days=offset)
        if before is not None and at_local(day, time.min, zone) >= before:
            break
        for kind in kinds:
            for key, payload, due in kind.plan_day(content, patient_id, prefs, day, zone):
                if due <= now or is_paused(prefs, due) or (before is not None and due >= before):
                    continue
                if quiet_until(due, zone, prefs.quiet_start, prefs.quiet_end) is not None:
                    continue
                planned.append(PlannedSend(kind.name, key, payload, due, due + grace.for_kind(kind.name)))
    return planned


@dataclass(frozen=True)
class Decision:
    """What to do with a due outbox row: send it, wait until ``wait_until``, or drop it."""

    send: bool
    wait_until: datetime | None = None
    drop_reason: str | None = None


SEND = Decision(send=True)


def gate(item: OutboxItem, prefs: Prefs, now: datetime) -> Decision:
    """The last check before a message goes out; catch-up never sends in quiet hours."""
    if item.expires_at is not None and now > item.expires_at:
        return Decision(False, drop_reason="too late")
    if item.kind in REMINDER_KINDS and is_paused(prefs, now):
        return Decision(False, drop_reason="paused")
    if item.kind == Kind.AFTERCARE and now - item.due_at < FRESH_AFTERCARE:
        return SEND
    window = outside_send_window(item, prefs, now)
    if window is not None:
        return window
    morning = quiet_until(now, zone_of(prefs), prefs.quiet_start, prefs.quiet_end)
    if morning is None:
        return SEND
    if item.expires_at is not None and morning > item.expires_at:
        return Decision(False, drop_reason="too late after quiet hours")
    return Decision(False, wait_until=morning)


def outside_send_window(item: OutboxItem, prefs: Prefs, now: datetime) -> Decision | None:
    """A row may carry its own window of the patient's day (``"window": ["09:00", "17:00"]``, the
    nudge to book a visit): outside it, wait for the next start, or drop it if that is too late."""
    window = item.payload.get("window")
    if not isinstance(window, list) or len(window) != 2:
        return None
    zone = zone_of(prefs)
    start, end = parse_hhmm(str(window[0])), parse_hhmm(str(window[1]))
    local = now.astimezone(zone)
    if in_window(local.time().replace(tzinfo=None), start, end):
        return None
    day = local.date() if local.time().replace(tzinfo=None) < start else local.date() + timedelta(days=1)
    opens = at_local(day, start, zone)
    if item.expires_at is not None and opens > item.expires_at:
        return Decision(False, drop_reason="too late for its window")
    return Decision(False, wait_until=opens)


def elapsed_key(hours: float) -> tuple[str, dict[str, int]]:
    """Which words say how long ago the session was (see [elapsed] in reminders.toml)."""
    if hours < 20:
        return "elapsed.today", {}
    if hours < 40:
        return "elapsed.yesterday", {}
    return "elapsed.days", {"days": round(hours / 24)}


@dataclass(frozen=True)
class CheckinResult:
    """What answering a check-in leads to: a reply, maybe a staff alert, maybe another check-in."""

    status: str  # "ok", "already" (answered before) or "invalid" (not this patient's, or unknown)
    reply_key: str = ""
    alert_urgency: str | None = None
    alert_category: str | None = None
    queued_follow_up: bool = False


async def answer_checkin(
    db: CheckinStore,
    content: ReminderContent,
    now: datetime,
    patient_id: int,
    item: OutboxItem | None,
    answer_key: str,
    prefs: Prefs,
) -> CheckinResult:
    """Record a check-in answer from its button and decide what follows, per reminders.toml."""
    if item is None or item.kind != CHECKIN or item.patient_id != patient_id or not was_sent(item):
        return CheckinResult("invalid")
    step_name = str(item.payload.get("step", ""))
    step = content.steps.get(step_name)
    answer = step.answer(answer_key) if step else None
    session_id = int(item.payload.get("session_id", 0))
    session = await db.session(session_id)
    if answer is None or session is None or session.patient_id != patient_id:
        return CheckinResult("invalid")
    if not await db.record_checkin_answer(now, patient_id, session_id, step_name, answer.key):
        return CheckinResult("already", reply_key="checkin_replies.thanks_already")
    queued = False
    if answer.next_step is not None:
        follow_up = plan_checkin(content, session_id, session.session_at, answer.next_step, prefs)
        if follow_up.due_at < now:  # answered late: ask again a day from now instead
            follow_up = plan_checkin(
                content,
                session_id,
                now - timedelta(hours=content.step_hours[step_name]),
                answer.next_step,
                prefs,
            )
        queued = bool(await db.enqueue(now, patient_id, [follow_up]))
    return CheckinResult(
        "ok",
        reply_key=f"checkin_replies.{answer.reply}",
        alert_urgency=answer.alert,
        alert_category=content.alert_categories.get(answer.reply) if answer.alert else None,
        queued_follow_up=queued,
    )


async def plan_patient(
    db: OutboxStore, content: ReminderContent, now: datetime, patient_id: int, prefs: Prefs, grace: Grace
) -> None:
    """Rebuild a patient's future reminders after their settings changed."""
    sends = plan_reminders(content, patient_id, prefs, now, grace)
    kinds = frozenset(kind.name for kind in grace.kinds)
    await db.replan(now, patient_id, kinds, sends, planned_through(now, zone_of(prefs)))


def planned_through(now: datetime, zone: ZoneInfo) -> str:
    """How far a patient's plan reaches once planned: tomorrow in their time zone."""
    return (local_date(now, zone) + timedelta(days=1)).isoformat()


async def plan_in_chunks(
    db: PlanningStore, content: ReminderContent, clock: Clock, grace: Grace, chunk_size: int = PLAN_CHUNK
) -> AsyncGenerator[PlannedChunk, None]:
    """Plan today and tomorrow for every patient who wants reminders and isn't planned that far yet,
    ``chunk_size`` patients at a time; yields after each chunk, which is its own transaction.

    Two sweeps by patient number: the first writes only what falls due within :data:`DUE_SOON`, so
    nobody's next reminder waits behind the rest of the list; the second writes the rest and marks each
    patient planned. Stopping between chunks (or a crash) loses nothing and the next pass doubles
    nothing: the idempotency keys skip what is already there. Patients already planned through
    tomorrow cost nothing but a database scan, so this runs at start-up and every few minutes.
    """
    zones: dict[str, ZoneInfo] = {}
    for name in await db.reminder_timezones():
        try:
            zones[name] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.error("cannot plan reminders in unknown time zone %r", name)
    for horizon in (DUE_SOON, None):
        after = 0
        while True:
            now = clock.now()
            before = now + horizon if horizon is not None else None
            plan = partial(plan_reminders, content, now=now, grace=grace, before=before)
            through = {name: planned_through(now, zone) for name, zone in zones.items()}
            chunk = await db.plan_chunk(now, after, chunk_size, through, plan, mark_planned=horizon is None)
            if chunk.last_id is None:
                break
            after = chunk.last_id
            yield chunk
