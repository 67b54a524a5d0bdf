"""Scheduler at scale: 10,000 patients on posture and exercise reminders, with care plans and visits.

Run from the repository root:  python benchmarks/bench_scheduler.py [--patients N] [--probe-sends N]
                               [--no-visits]

Measures, against the fake Bot API (no network):
- how many outbox rows the patients' care plans and booked visits add (every patient has a plan from a
  session a few days ago; two in three have a visit booked in the next two weeks): they are queued
  when booked or planned, by the same functions the bot uses, and cost the daily plan nothing,
- start-up time of the real Application with a fresh plan to make (and again with nothing new to plan):
  the time until it answers updates; the plan itself is made behind it,
- the longest event-loop stall while that plan is made: a probe task asks to wake every few
  milliseconds and notes how late it wakes,
- peak memory (max RSS) of the process,
- lateness: how long after its due time each message is handed to Telegram, with the real JobQueue
  waking the sender (probe messages spread over the next ~20 seconds, below Telegram's 30/s limit).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosqlite  # noqa: E402
from support import RunningClock  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.clock import to_db  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content import load_content  # noqa: E402
from bot.db import Database, PlannedSend, PlanStatus, Prefs, StoredPlan  # noqa: E402
from bot.db.outbox import insert_sends  # noqa: E402
from bot.demo.telegram import ApiCall, FakeTelegram  # noqa: E402
from bot.renderers import OUTBOX_KINDS  # noqa: E402
from bot.services import SERVICES_KEY, Services  # noqa: E402
from bot.visits import nudge_send, visit_sends  # noqa: E402

# Sunday 1 March 2026, 10:00 UTC: night in the Americas, so no planned reminder falls due during the
# measurement and only the probe messages are sent.
START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ZONES = ["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Phoenix"]
WORK = [("08:00", "16:00"), ("09:00", "17:00"), ("10:00", "18:00")]
EXERCISE = ["07:00", "12:00", "18:00", "19:00", "20:00"]
TOKEN = "123456:BENCHtokenBENCHtokenBENCHtokenBEN"  # not a real token


class TimedTelegram(FakeTelegram):
    """The fake Bot API, noting when each message reached it."""

    def __init__(self, clock: RunningClock) -> None:
        super().__init__()
        self.clock = clock
        self.arrivals: dict[int, datetime] = {}
        self.expected = 0
        self.all_arrived = asyncio.Event()

    def handle(self, call: ApiCall) -> tuple[int, bytes]:
        if call.method == "sendMessage" and call.chat_id is not None:
            self.arrivals.setdefault(call.chat_id, self.clock.now())
            if self.expected and len(self.arrivals) >= self.expected:
                self.all_arrived.set()
        return super().handle(call)


async def seed(path: Path, patients: int) -> None:
    """Enrolled, active patients with posture and exercise reminders on (written directly, for speed)."""
    db = Database(path, kinds=OUTBOX_KINDS)
    await db.open()
    await db.close()
    rng = random.Random(7)

    def prefs() -> Iterator[tuple[object, ...]]:
        for i in range(1, patients + 1):
            work = rng.choice(WORK)
            yield (i, rng.choice(ZONES), "00:00", "00:00", work[0], work[1], rng.choice(EXERCISE))

    # Rows are generated as they are written, so that seeding adds nothing to the peak memory.
    async with aiosqlite.connect(path) as conn:
        now = to_db(START - timedelta(days=30))
        await conn.executemany(
            "INSERT INTO patients (id, display_name, telegram_user_id, chat_id, status, created_at, "
            "joined_at, status_changed_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
            (
                (i, f"Patient {i}", 10_000_000 + i, 10_000_000 + i, now, now, now)
                for i in range(1, patients + 1)
            ),
        )
        await conn.executemany(
            "INSERT INTO prefs (patient_id, timezone, quiet_start, quiet_end, posture_on, work_start, "
            "work_end, exercise_on, exercise_time) VALUES (?, ?, ?, ?, 1, ?, ?, 1, ?)",
            prefs(),
        )
        await conn.commit()


async def seed_visits(path: Path, patients: int) -> tuple[int, int]:
    """A care plan for everyone and a booked visit for two in three, with the outbox rows the bot queues
    for them (bot.visits.visit_sends and nudge_send); returns the rows added and how many are pending."""
    content = load_content()
    timing = content.visits.timing
    booked_at = START - timedelta(days=2)
    rng = random.Random(13)
    async with aiosqlite.connect(path) as conn:
        async with conn.execute("SELECT patient_id, timezone FROM prefs ORDER BY patient_id") as cur:
            zones = {int(pid): str(zone) for pid, zone in await cur.fetchall()}
        before = await _count(conn)
        sends: list[tuple[int, PlannedSend]] = []
        for pid, zone in zones.items():
            prefs = Prefs(zone, quiet_start=dtime(21), quiet_end=dtime(8))
            session_at = START - timedelta(days=rng.randint(2, 6))
            session_day = session_at.date()
            await conn.execute(
                "INSERT INTO sessions (patient_id, recorded_by, session_at, clinic_date, areas) "
                "VALUES (?, 1, ?, ?, '')",
                (pid, to_db(session_at), session_day.isoformat()),
            )
            await conn.execute(
                "INSERT INTO care_plans (patient_id, interval, visits, then_interval, started_at, set_by) "
                "VALUES (?, '7d', 6, '1m', ?, 1)",
                (pid, to_db(START - timedelta(days=8))),
            )
            visit_at = None
            if pid % 3:
                visit_at = START + timedelta(days=rng.randint(2, 14), hours=rng.randint(0, 8))
                cur = await conn.execute(
                    "INSERT INTO visits (patient_id, visit_at, booked_by, booked_at) VALUES (?, ?, 1, ?)",
                    (pid, to_db(visit_at), to_db(booked_at)),
                )
                assert cur.lastrowid is not None
                sends += [
                    (pid, send) for send in visit_sends(cur.lastrowid, visit_at, prefs, timing, booked_at)
                ]
            stored = StoredPlan(pid, "7d", 6, "1m", START - timedelta(days=8), True)
            status = PlanStatus(stored, "", "active", session_day.isoformat(), 1, visit_at)
            nudge = nudge_send(status, prefs, timing, ZoneInfo("America/Los_Angeles"), START)
            sends += [(pid, nudge)] if nudge else []
        await insert_sends(conn, booked_at, sends)
        # Confirmations went out when each visit was booked.
        await conn.execute("UPDATE outbox SET status = 'sent', sent_at = due_at WHERE kind = 'visit_confirm'")
        await conn.commit()
        async with conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") as cur:
            row = await cur.fetchone()
        return await _count(conn) - before, int(row[0]) if row else 0


async def report_visits(path: Path, patients: int) -> None:
    added, pending = await seed_visits(path, patients)
    print(
        f"care plans for {patients:,} patients and {patients - patients // 3:,} booked visits: "
        f"{added:,} outbox rows ({added / patients:.2f} a patient), {pending:,} of them waiting to be sent"
    )


async def _count(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT COUNT(*) FROM outbox") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def start(settings: Settings, telegram: FakeTelegram, clock: RunningClock) -> tuple[Any, float]:
    began = time.perf_counter()
    app = build_application(settings, request=telegram, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    return app, time.perf_counter() - began


class StallProbe:
    """Asks to wake every few milliseconds and notes the latest it woke: how long the event loop was
    busy with something else (here, planning) while an update could have been waiting."""

    def __init__(self, every: float = 0.005) -> None:
        self.every = every
        self.longest = 0.0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            expected = time.perf_counter() + self.every
            await asyncio.sleep(self.every)
            self.longest = max(self.longest, time.perf_counter() - expected)

    async def stop(self) -> float:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.longest


async def count_outbox(services: Services) -> int:
    async with services.db.conn.execute("SELECT COUNT(*) FROM outbox") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def stop(app: Any) -> None:
    if app.running:
        await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)


async def run(patients: int, probes: int, visits: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        began = time.perf_counter()
        await seed(path, patients)
        print(f"seeded {patients:,} patients in {time.perf_counter() - began:.2f} s")
        if visits:
            await report_visits(path, patients)
        settings = Settings(telegram_bot_token=TOKEN, database_path=path)

        clock = RunningClock(START)
        telegram = TimedTelegram(clock)
        app, first_start = await start(settings, telegram, clock)
        # From here the bot answers updates; the plan is being made behind it.
        probe = StallProbe()
        began = time.perf_counter()
        await app.start()
        services: Services = app.bot_data[SERVICES_KEY]
        await services.scheduler.planned()
        planning = time.perf_counter() - began
        stall = await probe.stop()
        planned = await count_outbox(services)
        print(f"start-up with a fresh plan: {first_start:.2f} s ({planned:,} reminders planned)")
        print(
            f"longest event-loop stall during planning: {stall * 1000:.0f} ms "
            f"(the plan took {planning:.1f} s behind the running bot, "
            f"{services.scheduler.chunks_planned} chunks of {services.scheduler.plan_chunk} patients)"
        )
        await stop(app)

        clock = RunningClock(START)
        telegram = TimedTelegram(clock)
        app, second_start = await start(settings, telegram, clock)
        print(f"start-up with nothing new to plan: {second_start:.2f} s")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

        # Probe messages: due over the next 20 s, one per patient, at most ~15/s (below the 30/s limit).
        services = app.bot_data[SERVICES_KEY]
        rng = random.Random(11)
        chosen = rng.sample(range(1, patients + 1), probes)
        base = clock.now() + timedelta(seconds=2)
        due = {10_000_000 + p: base + timedelta(seconds=rng.uniform(0, 20)) for p in chosen}
        async with services.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at) "
                "VALUES (?, 'aftercare', ?, '{}', ?, ?)",
                [(p, f"probe:{p}", to_db(due[10_000_000 + p]), to_db(clock.now())) for p in chosen],
            )
        # due_at is stored to the second; lateness is measured from that stored instant.
        due = {chat: moment.replace(microsecond=0) for chat, moment in due.items()}
        telegram.expected = probes
        await app.start()
        await services.scheduler.rearm()
        try:
            await asyncio.wait_for(telegram.all_arrived.wait(), timeout=60)
        except TimeoutError:
            print("timed out waiting for the probe messages")
        await stop(app)

        arrived = {chat: at for chat, at in telegram.arrivals.items() if chat in due}
        print(f"probe messages handed to Telegram: {len(arrived)}/{probes}")
        report("all probe messages (includes pacing under 28/s)", [arrived[c] - due[c] for c in arrived])
        # Messages due in the same second are paced out one after another; the first of each second
        # shows how late the scheduler itself is, apart from rate limiting.
        first: dict[datetime, timedelta] = {}
        for chat, at in arrived.items():
            first[due[chat]] = min(first.get(due[chat], at - due[chat]), at - due[chat])
        report("first message due in each second (the scheduler alone)", list(first.values()))


def report(label: str, lateness: list[timedelta]) -> None:
    if not lateness:
        return
    ms = sorted(delta.total_seconds() * 1000 for delta in lateness)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"lateness, {label}: p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--probe-sends", type=int, default=300)
    parser.add_argument("--no-visits", action="store_true", help="without care plans and visits")
    args = parser.parse_args()
    asyncio.run(run(args.patients, args.probe_sends, not args.no_visits))


if __name__ == "__main__":
    main()
