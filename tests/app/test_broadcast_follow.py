"""Broadcasts staff can follow: /broadcasts, /cancel of a draft, quiet-hours waiting and the final report."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.handlers.broadcasts import refresh_broadcasts
from tests.app.test_console import FIRST_PATIENT_USER, copies, last_call, many_patients
from tests.support.harness import STAFF_ID, Bot


async def compose(bot: Bot, text: str, when: str = "now") -> int:
    await bot.send(f"/broadcast {text}", STAFF_ID)
    broadcast_id = int(bot.telegram.sent(STAFF_ID)[-1].button_data[0].split(":")[1])
    await bot.press(f"bc:{broadcast_id}:aud:all", STAFF_ID)
    await bot.press(f"bc:{broadcast_id}:when:{when}", STAFF_ID)
    return broadcast_id


async def test_cancel_drops_the_open_draft_and_its_send_button(bot: Bot) -> None:
    await many_patients(bot, 2)
    broadcast_id = await compose(bot, "Closed tomorrow")
    await bot.send("/cancel", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Cancelled."
    (row,) = await bot.rows("broadcasts")
    assert row["status"] == "cancelled"
    await bot.press(f"bc:{broadcast_id}:send", STAFF_ID)
    assert "already sent or cancelled" in last_call(bot, STAFF_ID)[0]
    await bot.tick(seconds=5)
    assert await bot.outbox("broadcast") == [] and copies(bot.telegram.delivered, "Closed") == []
    # Nothing open any more: a second /cancel says so.
    await bot.send("/cancel", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Nothing to cancel."


async def test_cancel_leaves_a_sent_broadcast_alone(bot: Bot) -> None:
    await many_patients(bot, 1)
    await compose(bot, "Hello")
    assert "To: 1 patient (all active)" in bot.telegram.last_text(STAFF_ID)
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    await bot.send("/cancel", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Nothing to cancel."
    (row,) = await bot.rows("broadcasts")
    assert row["status"] == "queued"


async def test_broadcasts_lists_scheduled_and_running_with_cancel_buttons(bot: Bot) -> None:
    await bot.send("/broadcasts", STAFF_ID)
    assert "No broadcasts are scheduled or running" in bot.telegram.last_text(STAFF_ID)
    await many_patients(bot, 1)
    await compose(bot, "Holiday hours: closed Monday", when="tomorrow")
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    await compose(bot, "Draft only, never sent")
    await bot.send("/broadcasts", STAFF_ID)
    text, data = last_call(bot, STAFF_ID)
    assert "#1 to 1 patient is scheduled for Tue Mar 03, 9:00 AM" in text
    assert "Holiday hours: closed Monday" in text and "Draft only" not in text
    assert data == ["bc:1:cancel"]
    await bot.press("bc:1:cancel", STAFF_ID)
    assert "Broadcast cancelled" in last_call(bot, STAFF_ID)[0]
    await bot.send("/broadcasts", STAFF_ID)
    assert "No broadcasts are scheduled or running" in bot.telegram.last_text(STAFF_ID)


async def test_progress_says_who_waits_for_quiet_hours_and_the_report_is_a_new_message(bot: Bot) -> None:
    await many_patients(bot, 3)
    bot.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # 10 PM in the clinic: patients' quiet hours
    await compose(bot, "Snow day tomorrow")
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    await bot.tick(seconds=1)
    assert copies(bot.telegram.delivered, "Snow day") == []
    await bot.send("/stop", FIRST_PATIENT_USER + 2)  # skipped: stopped before it went out
    await refresh_broadcasts(bot.app.bot, bot.services, {})
    progress = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1].text
    assert "2 waiting until 8:00 AM (quiet hours)" in progress
    assert "1 has blocked" not in progress  # zero counts stay out of the running line

    bot.clock.set(datetime(2026, 3, 3, 16, 0, 5, tzinfo=UTC))  # 8:00 AM
    await bot.tick(seconds=1)
    await bot.tick(seconds=2)
    assert len(copies(bot.telegram.delivered, "Snow day")) == 2
    sends_before = len([c for c in bot.telegram.calls if c.method == "sendMessage" and c.chat_id == STAFF_ID])
    await refresh_broadcasts(bot.app.bot, bot.services, {})
    await refresh_broadcasts(bot.app.bot, bot.services, {})  # reported once, however often refreshed
    reports = [c for c in bot.telegram.calls if c.method == "sendMessage" and c.chat_id == STAFF_ID]
    assert len(reports) == sends_before + 1
    assert reports[-1].text == (
        "✅ Broadcast #1 finished: sent 2 of 3, 0 have blocked the bot, 0 failed, "
        "1 skipped (stopped or erased), 0 not sent (cancelled)."
    )
