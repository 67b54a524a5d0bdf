"""Care plans through the real application: /plan, the nudge to book on the due day (and none with a
visit booked), its buttons, downtime, /due, the patient card and /stats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.demo.telegram import ApiCall
from tests.support.harness import (
    ADMIN_ID,
    OTHER_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    Bot,
    FakeClock,
    make_settings,
    running_bot,
)

# Monday 2026-03-02 09:00 in Los Angeles. A weekly plan from a session today is due Monday 2026-03-09,
# the day after the clocks go forward: 09:00 PDT is 16:00 UTC.
DUE_NINE_AM = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def nudges(bot: Bot, chat_id: int = PATIENT_ID) -> list[ApiCall]:
    return [c for c in bot.telegram.sent(chat_id) if "time to book your next visit" in c.text]


async def planned_patient(
    bot: Bot, plan: str = "weekly", user_id: int = PATIENT_ID, name: str = "Jane D."
) -> int:
    number = await bot.enrolled_patient(name, user_id=user_id)
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send(f"/plan {number} {plan}", STAFF_ID)
    return number


async def test_plan_is_set_shown_and_removed(bot: Bot) -> None:
    number = await planned_patient(bot, "weekly x6 then monthly")
    assert bot.telegram.last_text(STAFF_ID) == (
        f"🗓 Care plan for patient #{number} Jane D.: weekly for 6 visits, then monthly. "
        "Next visit due Mon Mar 09."
    )
    await bot.send(f"/plan {number}", STAFF_ID)
    assert "weekly for 6 visits, then monthly. Next visit due Mon Mar 09." in bot.telegram.last_text(STAFF_ID)
    await bot.send(f"/patient {number}", STAFF_ID)
    card = bot.telegram.last_text(STAFF_ID)
    assert "Care plan: weekly for 6 visits, then monthly, next due Mon Mar 09" in card
    assert "Next visit: none booked" in card
    await bot.send(f"/plan {number} off", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == f"Care plan removed for patient #{number} Jane D."
    assert await bot.rows("care_plans") == []
    assert [r["status"] for r in await bot.outbox("visit_nudge")] == ["cancelled"]
    await bot.send(f"/plan {number}", STAFF_ID)
    assert "has no care plan" in bot.telegram.last_text(STAFF_ID)


async def test_bad_plans_get_a_clear_reply(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    for args, expected in [
        ("", "Usage: <code>/plan 12 weekly x6 then monthly</code>"),
        ("x", "Usage:"),
        ("99 weekly", "There is no patient #99"),
        (f"{number} whenever", "couldn't read “whenever” as a plan"),
        (f"{number} weekly then monthly", "Say how many visits before the maintenance interval"),
        (f"{number} weekly x0", "must be 1 to 52"),
        (f"{number} every 500 days", "at most 365 days or 12 months"),
    ]:
        await bot.send(f"/plan {args}".strip(), STAFF_ID)
        assert expected in bot.telegram.last_text(STAFF_ID), args
    assert await bot.rows("care_plans") == []
    await bot.send(f"/plan {number} weekly", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "Sorry, that command is for clinic staff."


async def test_the_nudge_goes_out_once_on_the_due_day_at_nine(bot: Bot) -> None:
    await planned_patient(bot)
    [row] = await bot.outbox("visit_nudge")
    assert (row["idempotency_key"], row["due_at"]) == ("nudge:1:2026-03-09", "2026-03-09T16:00:00Z")
    bot.clock.set(datetime(2026, 3, 9, 15, 59, tzinfo=UTC))
    await bot.tick()
    assert nudges(bot) == []
    await bot.tick(minutes=1)
    [nudge] = nudges(bot)
    assert "To book, call us at (503) 899-0707." in nudge.text
    assert [d.rsplit(":", 1)[1] for d in nudge.button_data] == ["booked", "later", "stop"]
    await bot.tick(hours=48)
    assert len(nudges(bot)) == 1


async def test_no_nudge_when_a_visit_is_booked(bot: Bot) -> None:
    number = await planned_patient(bot)
    await bot.send(f"/visit {number} 2026-03-12 10:00", STAFF_ID)
    assert [r["status"] for r in await bot.outbox("visit_nudge")] == ["cancelled"]  # by the booking
    bot.clock.set(DUE_NINE_AM)
    await bot.tick(hours=1)
    assert nudges(bot) == []
    await bot.send("/due", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Nobody is due for a visit. 🎉"
    # Cancelled, the patient is due again and the nudge comes back (still within its two days).
    await bot.send(f"/visit {number} cancel", STAFF_ID)
    await bot.tick(seconds=1)
    assert len(nudges(bot)) == 1


async def test_a_new_session_moves_the_due_day(bot: Bot) -> None:
    number = await planned_patient(bot)
    await bot.tick(hours=72)  # Thursday
    await bot.send(f"/session {number}", STAFF_ID)
    rows = await bot.outbox("visit_nudge")
    assert [(r["idempotency_key"], r["status"]) for r in rows] == [("nudge:1:2026-03-12", "pending")]
    bot.clock.set(DUE_NINE_AM)
    await bot.tick(hours=1)
    assert nudges(bot) == []


async def test_a_nudge_missed_while_down_waits_for_the_window_and_expires_after_two_days(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock()
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await planned_patient(bot)
        await planned_patient(bot, "every 10 days", OTHER_ID, "Other P.")
    clock.set(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))  # down until Monday 19:00: after the window
    async with running_bot(settings, clock=clock) as bot:
        assert nudges(bot) == []
        clock.set(datetime(2026, 3, 10, 15, 59, tzinfo=UTC))
        await bot.tick()
        assert nudges(bot) == []
        await bot.tick(minutes=1)  # Tuesday 09:00: the window opens
        assert len(nudges(bot)) == 1
    clock.set(datetime(2026, 3, 15, 16, 0, tzinfo=UTC))  # the other's was due Thursday the 12th
    async with running_bot(settings, clock=clock) as bot:
        await bot.tick(minutes=1)
        assert nudges(bot, OTHER_ID) == []  # more than two days late: dropped
        statuses = {r["idempotency_key"]: r["status"] for r in await bot.outbox("visit_nudge")}
        assert statuses == {"nudge:1:2026-03-09": "sent", "nudge:2:2026-03-12": "cancelled"}


async def test_the_nudge_buttons(bot: Bot) -> None:
    number = await planned_patient(bot)
    bot.clock.set(DUE_NINE_AM)
    await bot.tick()
    [nudge] = nudges(bot)
    booked, later, stop = nudge.button_data
    bot.telegram.clear()
    await bot.press(later, PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "OK, I'll remind you next week."
    assert any(c.method == "editMessageReplyMarkup" for c in bot.telegram.calls)
    snoozed = [r for r in await bot.outbox("visit_nudge") if r["status"] == "pending"]
    assert [(r["idempotency_key"], r["due_at"]) for r in snoozed] == [
        ("nudge:1:2026-03-09:later:2026-03-16", "2026-03-16T16:00:00Z")
    ]
    await bot.press(booked, PATIENT_ID)  # a second answer to the same nudge
    assert "That reminder has passed" in bot.telegram.last_text(PATIENT_ID)
    await bot.tick(days=7)
    [again] = nudges(bot)
    await bot.press(again.button_data[0], PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "Thank you! See you soon."
    [note] = bot.telegram.texts(STAFF_CHAT_ID)
    assert f"Patient #{number} Jane D. says they have booked their next visit" in note
    await bot.send("/stats", STAFF_ID)
    stats = bot.telegram.last_text(STAFF_ID)
    assert "Reminders to book sent: 2; a visit booked after: 0; tapped “I've booked”: 1" in stats
    assert "Due for a visit now: 1, of them overdue: 1" in stats
    await bot.send(f"/visit {number} 2026-03-20 10:00", STAFF_ID)
    await bot.send("/stats", STAFF_ID)
    assert "a visit booked after: 2" in bot.telegram.last_text(STAFF_ID)
    del stop


async def test_stop_these_turns_the_nudges_off(bot: Bot) -> None:
    number = await planned_patient(bot)
    bot.clock.set(DUE_NINE_AM)
    await bot.tick()
    [nudge] = nudges(bot)
    await bot.press(nudge.button_data[2], PATIENT_ID)
    assert "no more reminders to book" in bot.telegram.last_text(PATIENT_ID)
    [plan] = await bot.rows("care_plans")
    assert plan["nudges_on"] == 0
    await bot.send(f"/session {number}", STAFF_ID)  # a new session plans no nudge
    assert [r for r in await bot.outbox("visit_nudge") if r["status"] == "pending"] == []
    await bot.send(f"/plan {number}", STAFF_ID)
    assert "The patient turned off reminders to book." in bot.telegram.last_text(STAFF_ID)
    await bot.send("/stats", STAFF_ID)
    assert "Reminders to book turned off by patients: 1" in bot.telegram.last_text(STAFF_ID)


async def test_due_lists_who_is_due_with_their_last_session(bot: Bot) -> None:
    await planned_patient(bot)
    other = await planned_patient(bot, "monthly", OTHER_ID, "Other P.")
    await bot.send("/due", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Nobody is due for a visit. 🎉"
    bot.clock.set(datetime(2026, 3, 12, 17, 0, tzinfo=UTC))  # Thursday
    await bot.send("/due", STAFF_ID)
    text = bot.telegram.last_text(STAFF_ID)
    assert "• #1 Jane D.: due Mon Mar 09 (3 days overdue); last session 2026-03-02; weekly" in text
    assert f"#{other}" not in text


async def test_erase_and_stop_cancel_the_nudge(bot: Bot) -> None:
    await planned_patient(bot)
    await bot.send("/stop", PATIENT_ID)
    bot.clock.set(DUE_NINE_AM)
    await bot.tick()
    assert nudges(bot) == []
    await bot.send("/start", PATIENT_ID)
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    assert await bot.rows("care_plans") == [] and await bot.outbox("visit_nudge") == []
