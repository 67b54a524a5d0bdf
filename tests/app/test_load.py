"""One patient cannot stall the bot or flood the staff chat; a button press is never a patient's message.

Everything goes through the real Application with the fake Telegram. Nothing here measures wall time:
that a handler never waits is shown by what was sent, in which order, on the fake clock.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.alert_desk import GROUP_WINDOW
from bot.demo.telegram import ApiCall
from tests.support.harness import OTHER_ID, PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, Bot

EMERGENCY = "crushing chest pain and my left arm feels heavy"
URGENT = "my calf is swollen, red and warm since this morning"
ROUTINE = "is it normal to be sore after my massage?"
TOAST = "Paused for a couple of minutes"


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def staff_calls(bot: Bot, method: str) -> list[ApiCall]:
    return [c for c in bot.telegram.calls if c.method == method and c.chat_id == STAFF_CHAT_ID]


def toasts(bot: Bot) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.telegram.calls if c.method == "answerCallbackQuery"]


async def burst_of_taps(bot: Bot, count: int = 21) -> None:
    """A patient browsing /settings quickly: more taps in a minute than the flood guard allows."""
    for i in range(count):
        await bot.press("set:tz" if i % 2 else "set:quiet", PATIENT_ID)


async def assert_tap_is_not_triaged(bot: Bot, data: str, message_text: str) -> None:
    # The bot's own message reads as a red flag if it were triaged: that is what must never happen.
    assert bot.services.engine.answer(message_text).urgency != "routine"
    bot.clock.advance(minutes=2)
    await burst_of_taps(bot)
    bot.telegram.clear()
    await bot.press(data, PATIENT_ID, message_text=message_text)
    assert not any("911" in text for text in bot.telegram.texts(PATIENT_ID))
    assert bot.telegram.sent(STAFF_CHAT_ID) == [] and await bot.rows("alerts") == []
    assert [TOAST in toast for toast in toasts(bot)] == [True]  # the tap got its own answer


async def test_done_on_a_posture_reminder_after_a_burst_of_taps_is_not_an_emergency(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.press("set:posture:on", PATIENT_ID)
    await bot.tick(hours=1, minutes=30)  # 10:30 in Los Angeles: the first posture break
    reminder = bot.telegram.sent(PATIENT_ID)[-1]
    assert "Posture break" in reminder.text
    await assert_tap_is_not_triaged(bot, reminder.button_data[0], plain(reminder.text))
    # Typed words are still read, pause or not: a real red flag gets its 911 answer and an alert.
    await bot.send(EMERGENCY, PATIENT_ID)
    assert plain(bot.telegram.last_text(PATIENT_ID)).startswith("Call 911 now")
    assert len(await bot.rows("alerts")) == 1


async def test_a_tap_on_the_aftercare_message_after_a_burst_is_not_an_emergency(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    aftercare = bot.telegram.sent(PATIENT_ID)[-1]
    assert "Your aftercare" in aftercare.text
    await assert_tap_is_not_triaged(bot, "rem:1:done", plain(aftercare.text))


async def test_a_red_flag_stream_makes_one_staff_message_per_rule_and_stalls_nobody(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.enrolled_patient("Sam K.", user_id=OTHER_ID)
    bot.clock.advance(minutes=2)
    bot.telegram.clear()
    # The staff group is at Telegram's limit: every post there is refused with a 429 for now.
    bot.telegram.fail(
        "sendMessage",
        429,
        "Too Many Requests: retry after 30",
        chat_id=STAFF_CHAT_ID,
        retry_after=30,
        times=99,
    )
    for i in range(30):
        await bot.send(EMERGENCY, PATIENT_ID)
        bot.clock.advance(seconds=1)
        if i == 15:
            # Another patient writes in the middle of it: the very next thing sent is their answer.
            before = len(bot.telegram.calls)
            await bot.send(ROUTINE, OTHER_ID)
            (answer,) = bot.telegram.calls[before:]
            assert answer.chat_id == OTHER_ID and "sore" in answer.text.lower()
    answers = [plain(t) for t in bot.telegram.texts(PATIENT_ID)]
    assert len([a for a in answers if a.startswith("Call 911 now")]) == 30  # every red flag answered
    # One attempt at the staff group, refused; no handler waited or tried again.
    assert len(staff_calls(bot, "sendMessage")) == 1
    (alert,) = await bot.rows("alerts")
    assert (alert["patient_id"], alert["urgency"]) == (number, "emergency")

    # Telegram lets the group through again: one staff message, with the count, and its button.
    bot.telegram.failures.clear()
    await bot.tick(seconds=30)
    posted = staff_calls(bot, "sendMessage")[1:]
    assert len(posted) == 1 and "EMERGENCY" in posted[0].text
    assert "29 more messages like this since" in posted[0].text
    assert posted[0].button_data == [f"alert:{alert['id']}"]
    assert EMERGENCY not in posted[0].text  # the patient's words never reach the staff chat

    # More of the same within ten minutes update that message (at most every few seconds).
    for _ in range(3):
        await bot.send(EMERGENCY, PATIENT_ID)
    await bot.tick(seconds=15)
    (edit,) = staff_calls(bot, "editMessageText")
    assert "32 more messages like this since" in edit.text and edit.button_data == [f"alert:{alert['id']}"]
    # Another red flag (a different rule) is its own alert and message.
    await bot.send(URGENT, PATIENT_ID)
    assert "URGENT" in staff_calls(bot, "sendMessage")[-1].text
    assert len(staff_calls(bot, "sendMessage")) == 3 and len(await bot.rows("alerts")) == 2

    # The Handled button still works on the grouped message.
    await bot.press(f"alert:{alert['id']}", STAFF_ID, chat_id=STAFF_CHAT_ID, message_text=plain(edit.text))
    handled = [r for r in await bot.rows("alerts") if r["id"] == alert["id"]]
    assert handled[0]["handled_by"] == STAFF_ID
    assert "Handled by" in staff_calls(bot, "editMessageText")[-1].text


async def test_after_the_window_a_new_staff_message_goes_out(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(EMERGENCY, PATIENT_ID)
    bot.clock.advance(minutes=5)
    await bot.send(EMERGENCY, PATIENT_ID)
    assert len(staff_calls(bot, "sendMessage")) == 1
    bot.clock.advance(seconds=GROUP_WINDOW.total_seconds() - 5 * 60)
    await bot.send(EMERGENCY, PATIENT_ID)
    assert len(staff_calls(bot, "sendMessage")) == 2 and len(await bot.rows("alerts")) == 2
    # The first message still gets its count, once the group has room.
    await bot.tick(seconds=1)
    assert "1 more message like this since" in staff_calls(bot, "editMessageText")[-1].text


async def test_a_refused_911_answer_does_not_skip_the_staff_alert(bot: Bot) -> None:
    """A 429 on the patient's own chat: the handler carries on (the reply is re-sent in the background)."""
    await bot.enrolled_patient()
    bot.telegram.clear()
    bot.telegram.fail(
        "sendMessage", 429, "Too Many Requests: retry after 30", chat_id=PATIENT_ID, retry_after=30
    )
    await bot.send(EMERGENCY, PATIENT_ID)
    assert len(bot.telegram.sent(PATIENT_ID)) == 1  # refused; not retried inside the handler
    assert "EMERGENCY" in bot.telegram.last_text(STAFF_CHAT_ID)


async def test_aftercare_from_session_goes_ahead_of_a_running_broadcast(bot: Bot) -> None:
    users = [5000 + i for i in range(30)]
    for user in users:
        bot.clock.advance(seconds=10)
        await bot.enrolled_patient(f"P{user}", user_id=user)
    bot.clock.advance(minutes=2)
    treated = await bot.db.patient_by_user(users[-1])
    assert treated is not None
    now = bot.clock.now()
    broadcast_id = await bot.db.create_broadcast(now, STAFF_ID, "Snow day: the clinic is closed today.")
    assert await bot.db.queue_broadcast(now, broadcast_id, STAFF_ID, now, now + timedelta(hours=24)) == 30
    bot.telegram.clear()

    def copies() -> int:
        return len([c for c in bot.telegram.delivered if "Snow day" in c.text])

    running = asyncio.create_task(bot.services.scheduler.deliver_now())
    for _ in range(20):  # let the broadcast get going (it is paced by the rate limiter)
        await asyncio.sleep(0)
    await bot.send(f"/session {treated.id} neck", STAFF_ID)
    # The aftercare went out and staff heard so, while most of the broadcast was still waiting.
    assert "Aftercare sent" in bot.telegram.last_text(STAFF_ID)
    assert any("Your aftercare" in t for t in bot.telegram.texts(users[-1]))
    assert copies() < 10 and not running.done()
    await running
    await bot.tick(seconds=1)  # the session patient's copy waits a second after their aftercare
    assert copies() == 30 and bot.errors == []


async def test_the_wake_up_does_not_spin_while_a_broadcast_is_sending(bot: Bot) -> None:
    """While a long delivery pass runs, its rows are still due: a wake-up armed for them would fire at
    once, find the pass busy and (before the fix) arm itself again at 0 s, one query a turn, until
    the pass ended. Now it arms nothing and the running pass re-arms when it ends."""
    from apscheduler.events import EVENT_JOB_ADDED, EVENT_JOB_EXECUTED, JobEvent

    users = [6000 + i for i in range(30)]
    for user in users:
        bot.clock.advance(seconds=10)
        await bot.enrolled_patient(f"P{user}", user_id=user)
    bot.clock.advance(minutes=2)
    now = bot.clock.now()
    broadcast_id = await bot.db.create_broadcast(now, STAFF_ID, "Snow day: the clinic is closed today.")
    assert await bot.db.queue_broadcast(now, broadcast_id, STAFF_ID, now, now + timedelta(hours=24)) == 30
    queue = bot.app.job_queue
    assert queue is not None
    wake_ids: set[str] = set()
    armed = executed = 0

    def count(event: JobEvent) -> None:
        nonlocal armed, executed
        if event.code == EVENT_JOB_ADDED:
            job = queue.scheduler.get_job(event.job_id)
            if job is not None and job.name == "wake":
                wake_ids.add(event.job_id)
                armed += 1
        elif event.job_id in wake_ids:
            executed += 1

    queue.scheduler.add_listener(count, EVENT_JOB_ADDED | EVENT_JOB_EXECUTED)
    await queue.start()
    try:
        running = asyncio.create_task(bot.services.scheduler.deliver_now())
        for _ in range(20):  # let the broadcast get going (it is paced by the rate limiter)
            await asyncio.sleep(0)
        assert not running.done()
        # Something arms the wake-up mid-pass (a planning chunk, an immediate send): it fires now.
        await bot.services.scheduler.rearm()
        await running
        for _ in range(20):
            await asyncio.sleep(0)
    finally:
        await queue.stop()
    assert len([c for c in bot.telegram.delivered if "Snow day" in c.text]) == 30
    assert armed == 1 and executed == 1
    assert queue.get_jobs_by_name("wake") == ()
    assert bot.errors == []
