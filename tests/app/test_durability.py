"""Restarts and downtime: a second Application over the same database sends what is due exactly once,
catches up within the grace period, drops what is too late, and never catches up in quiet hours."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.config import Settings
from tests.support.harness import ADMIN_ID, PATIENT_ID, STAFF_ID, Bot, FakeClock, make_settings, running_bot

START = datetime.fromisoformat("2026-03-02T17:00:00+00:00")  # Monday 09:00 in Los Angeles


async def enrolled_with_posture(settings: Settings, clock: FakeClock) -> int:
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        number = await bot.enrolled_patient()
        await bot.press("set:posture:on", PATIENT_ID)
        return number


def posture_texts(bot: Bot) -> list[str]:
    return [t for t in bot.telegram.texts(PATIENT_ID) if "<b>Posture break</b>" in t]


async def test_restart_in_the_middle_sends_each_due_message_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    await enrolled_with_posture(settings, clock)
    clock.advance(hours=1, minutes=30)  # 10:30 local: the first reminder is due

    async with running_bot(settings, clock=clock) as first:  # start-up sends what is due
        assert len(posture_texts(first)) == 1
    clock.advance(seconds=5)
    async with running_bot(settings, clock=clock) as second:  # a restart right after
        assert posture_texts(second) == []
        await second.tick(minutes=90)  # 12:00
        assert len(posture_texts(second)) == 1
    sent = [r for r in await _rows(settings, clock) if r["kind"] == "posture" and r["status"] == "sent"]
    assert len(sent) == 2


async def test_catch_up_runs_behind_the_bot_which_answers_meanwhile(tmp_path: Path) -> None:
    """Start-up does not wait for the catch-up: a patient is answered before it has gone out."""
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    await enrolled_with_posture(settings, clock)
    clock.advance(hours=1, minutes=30)  # 10:30 local: the first reminder is due

    async with running_bot(settings, clock=clock, wait_for_plans=False) as bot:
        assert bot.services.scheduler.planning and posture_texts(bot) == []
        await bot.send("/help", PATIENT_ID)
        assert bot.telegram.texts(PATIENT_ID) and posture_texts(bot) == []
        await bot.services.scheduler.planned()
        assert len(posture_texts(bot)) == 1
        assert bot.errors == []


async def test_crash_between_send_and_mark_repeats_at_most_that_one(tmp_path: Path) -> None:
    """If Telegram took the message but we died before marking it, the restart sends it again once."""
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    await enrolled_with_posture(settings, clock)
    clock.advance(hours=1, minutes=30)
    async with running_bot(settings, clock=clock) as first:
        pass  # sent at start-up
    # Simulate the crash: the row is still pending, as if mark_sent never ran.
    async with running_bot(settings, clock=clock) as probe:
        await probe.db.conn.execute(
            "UPDATE outbox SET status = 'pending', sent_at = NULL WHERE kind = 'posture'"
        )
    async with running_bot(settings, clock=clock) as second:
        assert len(posture_texts(second)) == 1
    assert len(posture_texts(first)) == 1  # one repeat in all, never a loss


async def test_catch_up_within_grace_and_drop_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    await enrolled_with_posture(settings, clock)
    clock.advance(hours=1, minutes=30, seconds=3599)  # 10:30 reminder missed by 59:59 -> still sent
    async with running_bot(settings, clock=clock) as bot:
        assert len(posture_texts(bot)) == 1

    settings2 = make_settings(tmp_path / "two")
    clock2 = FakeClock(START)
    await enrolled_with_posture(settings2, clock2)
    clock2.advance(hours=3, minutes=1)  # 12:01: the 10:30 one is 91 min late, the 12:00 one 1 min
    async with running_bot(settings2, clock=clock2) as bot:
        assert len(posture_texts(bot)) == 1
    rows = await _rows(settings2, clock2)
    today = {
        r["idempotency_key"]: r for r in rows if r["idempotency_key"].startswith("posture:1:2026-03-02:")
    }
    assert (today["posture:1:2026-03-02:0"]["status"], today["posture:1:2026-03-02:0"]["last_error"]) == (
        "cancelled",
        "too late",
    )
    assert today["posture:1:2026-03-02:1"]["status"] == "sent"


async def test_grace_is_configurable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, posture_grace_minutes=5)
    clock = FakeClock(START)
    await enrolled_with_posture(settings, clock)
    clock.advance(hours=1, minutes=36)
    async with running_bot(settings, clock=clock) as bot:
        assert posture_texts(bot) == []


async def test_late_check_in_still_goes_out_until_the_next_step(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        number = await bot.enrolled_patient()
        await bot.send(f"/session {number}", STAFF_ID)
    clock.advance(hours=24 + 6)  # down for 6 hours past the check-in (15:00 local next day)
    async with running_bot(settings, clock=clock) as bot:
        assert any("how are you feeling" in t for t in bot.telegram.texts(PATIENT_ID))

    settings2 = make_settings(tmp_path / "two")
    clock2 = FakeClock(START)
    async with running_bot(settings2, clock=clock2) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        number = await bot.enrolled_patient()
        await bot.send(f"/session {number}", STAFF_ID)
    clock2.advance(hours=48, minutes=1)  # past the 48-hour mark: no longer useful
    async with running_bot(settings2, clock=clock2) as bot:
        assert not any("how are you feeling" in t for t in bot.telegram.texts(PATIENT_ID))


async def test_catch_up_waits_for_the_morning(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock(START)
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        number = await bot.enrolled_patient()
        await bot.send(f"/session {number}", STAFF_ID)
    clock.advance(hours=24 + 13, minutes=30)  # back up at 22:30 local, in quiet hours
    async with running_bot(settings, clock=clock) as bot:
        assert not any("how are you feeling" in t for t in bot.telegram.texts(PATIENT_ID))
        (checkin,) = [r for r in await bot.outbox("checkin") if r["status"] == "pending"]
        assert checkin["due_at"] == "2026-03-04T16:00:00Z"  # 08:00 local
        await bot.tick(hours=9, minutes=30)
        assert any("how are you feeling" in t for t in bot.telegram.texts(PATIENT_ID))


async def _rows(settings: Settings, clock: FakeClock) -> list[dict[str, object]]:
    async with running_bot(settings, clock=clock) as bot:
        return await bot.rows("outbox")
