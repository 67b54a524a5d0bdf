"""Planning at scale: the plan is made behind the running bot, a chunk of patients at a time, soonest
first; chunk size, stops and restarts change nothing about what gets planned."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import from_db, to_db
from bot.config import Settings
from bot.db import Database, PlannedSend
from bot.demo.telegram import FakeTelegram
from bot.reminders import DUE_SOON, Grace, plan_reminders
from bot.renderers import OUTBOX_KINDS
from tests.support import factories
from tests.support.harness import ADMIN_ID, PATIENT_ID, TOKEN, Bot, FakeClock, make_settings, running_bot
from tests.support.http_bot_api import LocalBotApi

# Monday 2 March 2026, 17:00 UTC: 09:00 in Los Angeles, 12:00 in New York, 17:00 in London,
# 22:30 in Kolkata and 04:00 on Tuesday in Sydney, so some patients have reminders due within the hour
# and others not until tomorrow.
START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney"]
PATIENTS = 60
WANTING = 47  # of them, active with posture or exercise reminders on (see seed)


async def seed(path: Path, patients: int = PATIENTS) -> None:
    """Patients with all sorts of reminder settings, written straight into the database (as after an
    upgrade or a long downtime: nobody planned yet). Some have stopped or never joined."""
    db = Database(path, kinds=OUTBOX_KINDS)
    await db.open()
    rng = random.Random(17)
    joined = to_db(START - timedelta(days=20))
    async with db.transaction() as conn:
        for number in range(1, patients + 1):
            status = "active" if number % 11 else rng.choice(["stopped", "invited"])
            await conn.execute(
                "INSERT INTO patients (id, display_name, telegram_user_id, chat_id, status, created_at, "
                "joined_at, status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    f"Patient {number}",
                    50_000 + number,
                    50_000 + number,
                    status,
                    joined,
                    joined,
                    joined,
                ),
            )
            posture, exercise = rng.choice([(1, 1), (1, 0), (0, 1), (0, 0), (1, 1)])
            paused = to_db(START + timedelta(hours=rng.choice([3, 30]))) if number % 13 == 0 else None
            await conn.execute(
                "INSERT INTO prefs (patient_id, timezone, quiet_start, quiet_end, posture_on, work_start, "
                "work_end, posture_every_minutes, exercise_on, exercise_time, paused_until) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    rng.choice(ZONES),
                    rng.choice(["21:00", "22:30", "00:00"]),
                    rng.choice(["08:00", "07:00", "00:00"]),
                    posture,
                    rng.choice(["08:00", "09:00", "10:00"]),
                    rng.choice(["16:00", "17:00", "18:30"]),
                    rng.choice([60, 90, 120]),
                    exercise,
                    rng.choice(["07:00", "09:30", "12:00", "18:00", "20:00"]),
                    paused,
                ),
            )
    await db.close()


async def outbox(bot: Bot, *, with_ids: bool = True) -> list[dict[str, Any]]:
    rows = sorted(await bot.rows("outbox"), key=lambda row: row["idempotency_key"])
    return rows if with_ids else [{k: v for k, v in row.items() if k != "id"} for row in rows]


async def planned_through(bot: Bot) -> dict[int, str | None]:
    return {row["patient_id"]: row["planned_through"] for row in await bot.rows("prefs")}


async def until_chunks(bot: Bot, chunks: int) -> None:
    """Let the planning pass behind the bot run until it has written ``chunks`` chunks."""
    scheduler = bot.services.scheduler
    for _ in range(100_000):  # event-loop turns, not time
        if scheduler.chunks_planned >= chunks or not scheduler.planning:
            return
        await asyncio.sleep(0)
    raise AssertionError("the planning pass made no progress")


def sweep(chunk: int) -> int:
    """Chunks in one sweep over the seeded patients who want reminders."""
    return -(-WANTING // chunk)


async def seeded_settings(tmp_path: Path, name: str) -> Settings:
    folder = tmp_path / name
    folder.mkdir()
    settings = make_settings(folder)
    await seed(settings.database_path)
    return settings


async def test_chunked_pass_plans_exactly_what_one_big_pass_plans(tmp_path: Path) -> None:
    """Seven patients a chunk or everyone in one: the same rows, the same order, and again the next day."""
    results = []
    for name, chunk in (("big", 1000), ("small", 7)):
        settings = await seeded_settings(tmp_path, name)
        clock = FakeClock(START)
        async with running_bot(settings, clock=clock, plan_chunk=chunk) as bot:
            first_day = await outbox(bot)
            chunks_first_day = bot.services.scheduler.chunks_planned
            # The same as planning every patient at once with the plain planner.
            whole: set[str] = set()
            for number in range(1, PATIENTS + 1):
                patient = await bot.db.patient(number)
                prefs = await bot.db.prefs(number, "UTC")
                if patient is not None and patient.status == "active":
                    sends = plan_reminders(bot.services.content.reminders, number, prefs, START, Grace())
                    whole.update(send.key for send in sends)
            assert {row["idempotency_key"] for row in first_day} == whole
            clock.advance(days=1)
            await bot.services.scheduler.plan_all()
            results.append((first_day, await outbox(bot), await planned_through(bot), chunks_first_day))
    (big_day1, big_day2, big_through, big_chunks), (small_day1, small_day2, small_through, small_chunks) = (
        results
    )
    assert big_day1 == small_day1 and big_day2 == small_day2 and big_through == small_through
    assert (big_chunks, small_chunks) == (2, 2 * sweep(7))  # two sweeps over everyone
    assert len(big_day2) > len(big_day1) > 200
    assert {row["kind"] for row in big_day1} == {"posture", "exercise"}
    # Stopped and invited patients get nothing; everyone who wants reminders is planned to tomorrow.
    planned = {row["patient_id"] for row in big_day1}
    stopped = {number for number in range(1, PATIENTS + 1) if number % 11 == 0}
    assert planned and not planned & stopped
    assert all(big_through[number] is not None for number in planned)


async def test_restart_in_the_middle_of_a_pass_loses_and_doubles_nothing(tmp_path: Path) -> None:
    reference_settings = await seeded_settings(tmp_path, "reference")
    async with running_bot(reference_settings, clock=FakeClock(START), plan_chunk=1000) as reference:
        expected = await outbox(reference, with_ids=False)
        expected_through = await planned_through(reference)

    settings = await seeded_settings(tmp_path, "restarted")
    for stop_after in (3, sweep(7) + 2):  # in the soonest-first sweep, then in the sweep for the rest
        async with running_bot(settings, clock=FakeClock(START), plan_chunk=7, wait_for_plans=False) as bot:
            await until_chunks(bot, stop_after)
            assert bot.services.scheduler.planning
        # Shutdown stopped the pass after the chunk in hand: part of the plan is written, not all.
        stored = Database(settings.database_path, kinds=OUTBOX_KINDS)
        await stored.open()
        partial = await stored.table_rows("outbox")
        through = {row["patient_id"]: row["planned_through"] for row in await stored.table_rows("prefs")}
        await stored.close()
        assert 0 < len(partial) < len(expected)
        if stop_after < sweep(7):
            # Only reminders due within two hours so far, and nobody marked as planned yet.
            assert all(row["due_at"] < to_db(START + DUE_SOON) for row in partial)
            assert set(through.values()) == {None}
        else:
            assert None in through.values() and len(set(through.values())) > 1

    async with running_bot(settings, clock=FakeClock(START), plan_chunk=7) as restarted:
        assert await outbox(restarted, with_ids=False) == expected
        assert await planned_through(restarted) == expected_through


async def test_soonest_reminders_are_planned_for_everyone_first(tmp_path: Path) -> None:
    settings = await seeded_settings(tmp_path, "soon")
    async with running_bot(settings, clock=FakeClock(START), plan_chunk=1000) as reference:
        soon = [
            row for row in await outbox(reference, with_ids=False) if row["due_at"] < to_db(START + DUE_SOON)
        ]
    settings = await seeded_settings(tmp_path, "chunked")
    async with running_bot(settings, clock=FakeClock(START), plan_chunk=7, wait_for_plans=False) as bot:
        await until_chunks(bot, sweep(7))  # the first sweep, over every patient
        assert await outbox(bot, with_ids=False) == soon
        assert len(soon) > 5
        # The wake-up already points at the first of them, while the rest is still being planned.
        assert bot.services.scheduler.armed_for == min(from_db(row["due_at"]) for row in soon)
        assert bot.services.scheduler.planning


async def test_bot_answers_patients_while_the_plan_is_made(tmp_path: Path) -> None:
    settings = await seeded_settings(tmp_path, "busy")
    async with running_bot(settings, clock=FakeClock(START), plan_chunk=3, wait_for_plans=False) as bot:
        scheduler = bot.services.scheduler
        # Start-up did not wait for planning: not one chunk is written yet.
        assert scheduler.planning and scheduler.chunks_planned == 0
        await bot.send("/help", PATIENT_ID)
        assert bot.telegram.texts(PATIENT_ID), "no answer while planning"
        assert scheduler.planning, "the answer waited for the whole plan"
        await scheduler.planned()
        assert scheduler.chunks_planned == 2 * sweep(3)
        assert len(await outbox(bot)) > 200


async def test_a_chunk_due_soon_moves_the_wake_up_forward(tmp_path: Path) -> None:
    """The wake-up was set for tomorrow's check-in; a reminder planned for this morning moves it."""
    settings = await seeded_settings(tmp_path, "wake")
    clock = FakeClock(START)
    async with running_bot(settings, clock=clock, plan_chunk=7) as bot:
        first = min(row["due_at"] for row in await outbox(bot))
        assert bot.services.scheduler.armed_for == from_db(first)
        # The next morning, with the day's plans not yet made and a message already waiting for later.
        clock.advance(hours=21)
        await bot.db.conn.execute(
            "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at) "
            "VALUES (1, 'aftercare', 'later', '{}', ?, ?)",
            (to_db(clock.now() + timedelta(hours=20)), to_db(clock.now())),
        )
        await bot.db.conn.execute("DELETE FROM outbox WHERE kind != 'aftercare'")
        await bot.services.scheduler.rearm()
        assert bot.services.scheduler.armed_for == clock.now() + timedelta(hours=20)
        scheduler = bot.services.scheduler
        scheduler.plan_in_background()
        await until_chunks(bot, scheduler.chunks_planned + sweep(7))  # the soonest-first sweep
        assert scheduler.planning
        new_first = min(row["due_at"] for row in await outbox(bot) if row["kind"] != "aftercare")
        assert from_db(new_first) < clock.now() + DUE_SOON
        assert scheduler.armed_for == from_db(new_first)
        await scheduler.planned()


async def test_one_pass_at_a_time_and_none_after_stop(tmp_path: Path) -> None:
    settings = await seeded_settings(tmp_path, "once")
    async with running_bot(settings, clock=FakeClock(START), plan_chunk=7, wait_for_plans=False) as bot:
        scheduler = bot.services.scheduler
        scheduler.plan_in_background()  # the periodic job firing while the start-up pass runs
        await scheduler.planned()
        assert scheduler.chunks_planned == 2 * sweep(7)
        await scheduler.stop()
        scheduler.plan_in_background()
        assert not scheduler.planning


async def test_python_m_bot_answers_at_once_and_stops_cleanly_while_planning(tmp_path: Path) -> None:
    """The real entry point with thousands of patients to plan: it answers a patient at once, and
    SIGTERM in the middle of the pass exits 0 without a traceback or a pending-task warning."""
    database = tmp_path / "clinic.sqlite3"
    await seed(database, patients=3000)
    fake = FakeTelegram()
    async with LocalBotApi(fake) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.url,
            "DATABASE_PATH": str(database),
            "ADMIN_IDS": str(ADMIN_ID),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await server.updates.put(factories.text_update_json("/contact", user_id=PATIENT_ID))
            await server.wait_for(lambda f: bool(f.sent(PATIENT_ID)), timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and "Warning" not in log and "Task was destroyed" not in log, log
    assert "planning stopped for shutdown" in log or "planned" in log, log


async def test_messages_to_one_patient_stay_a_second_apart(bot: Bot) -> None:
    """Two messages due at once for one patient: one now, the other a second later, across passes."""
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    for day in range(2):
        now = bot.clock.now()
        await bot.db.enqueue(
            now, number, [PlannedSend("aftercare", f"pair:{day}:{i}", {}, now) for i in range(2)]
        )
        await bot.tick(seconds=0)
        assert len(bot.telegram.texts(PATIENT_ID)) == 2 * day + 1
        await bot.tick(seconds=0.5)
        assert len(bot.telegram.texts(PATIENT_ID)) == 2 * day + 1
        await bot.tick(seconds=0.5)
        assert len(bot.telegram.texts(PATIENT_ID)) == 2 * day + 2
        bot.clock.advance(hours=1)


def test_a_kind_without_its_own_grace_period_is_refused() -> None:
    """A new kind planned ahead must declare its grace period; it never silently borrows exercise's."""
    import pytest

    grace = Grace(posture=timedelta(minutes=5), exercise=timedelta(minutes=50))
    assert (grace.for_kind("posture"), grace.for_kind("exercise")) == (
        timedelta(minutes=5),
        timedelta(minutes=50),
    )
    with pytest.raises(ValueError, match="no grace period declared"):
        grace.for_kind("stretching")
