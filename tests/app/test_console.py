"""The staff console: patient list and card, broadcasts at Telegram's limits, alerts and figures."""

from __future__ import annotations

import re
from pathlib import Path

from bot.demo.telegram import ApiCall
from bot.handlers.broadcasts import refresh_broadcasts
from tests.support.harness import ADMIN_ID, OTHER_ID, PATIENT_ID, STAFF_ID, Bot, make_settings, running_bot

FIRST_PATIENT_USER = 5000


async def many_patients(bot: Bot, count: int) -> list[int]:
    numbers = []
    for i in range(count):
        numbers.append(await bot.enrolled_patient(f"Pat{i:02d} Q.", user_id=FIRST_PATIENT_USER + i))
    bot.telegram.clear()
    return numbers


def copies(delivered: list[ApiCall], text: str) -> list[int | None]:
    """Who got a broadcast: patients' chats only (staff also see the sample before sending)."""
    return [c.chat_id for c in delivered if text in c.text and c.chat_id != STAFF_ID]


def last_call(bot: Bot, chat_id: int) -> tuple[str, list[str]]:
    call = [
        c
        for c in bot.telegram.calls
        if c.chat_id == chat_id and c.method in {"sendMessage", "editMessageText"}
    ][-1]
    return call.text, call.button_data


async def test_patient_list_pages_and_search(bot: Bot) -> None:
    await many_patients(bot, 10)
    await bot.enroll("Janet W.")
    await bot.send("/patients", STAFF_ID)
    text, data = last_call(bot, STAFF_ID)
    assert "Patients</b> 1–8 of 11" in text
    assert data[:2] == ["pc:11", "pc:10"] and data[-1] == "pl:8:"
    labels = [
        b["text"]
        for row in bot.telegram.sent(STAFF_ID)[-1].params["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    assert labels[0] == "#11 Janet W. · invite pending"
    await bot.press("pl:8:", STAFF_ID)
    text, data = last_call(bot, STAFF_ID)
    assert "9–11 of 11" in text and data[-1] == "pl:0:"

    await bot.send("/patients jan", STAFF_ID)
    text, data = last_call(bot, STAFF_ID)
    assert "matching “jan”" in text and data == ["pc:11"]
    await bot.send("/patients #3", STAFF_ID)
    assert last_call(bot, STAFF_ID)[1] == ["pc:3"]
    for query in ["zzz", "%", "_", "<b>"]:
        await bot.send(f"/patients {query}", STAFF_ID)
        assert "No patients found" in last_call(bot, STAFF_ID)[0]


async def test_patient_card_and_its_actions(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.press(f"pc:{number}", STAFF_ID)
    card, buttons = last_call(bot, STAFF_ID)
    assert "Recent sessions" in card and "Open alerts" in card and "Check-in answers" in card
    assert buttons == [f"pc:{number}:session", f"pc:{number}:invite", f"pc:{number}:stop"]
    await bot.press(f"pc:{number}", ADMIN_ID)  # erasing is for admins: only they see the button
    assert last_call(bot, ADMIN_ID)[1][-1] == f"pc:{number}:erase"

    bot.telegram.clear()
    await bot.press(f"pc:{number}:session", STAFF_ID)
    assert "Aftercare sent" in bot.telegram.texts(STAFF_ID)[0]
    assert "aftercare" in bot.telegram.last_text(PATIENT_ID).lower()
    assert "• Mon Mar 02" in bot.telegram.last_text(STAFF_ID)  # the refreshed card lists the session

    await bot.press(f"pc:{number}:stop", STAFF_ID)
    assert (await bot.db.patient(number)).status == "stopped"  # type: ignore[union-attr]
    assert "patient_stopped" in [r["action"] for r in await bot.rows("audit_log")]


async def test_new_invite_link_moves_the_patient_to_a_new_phone(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    _, old_token = await bot.enroll("Other P.")  # an unrelated invite stays valid
    await bot.press(f"pc:{number}:invite", STAFF_ID)
    assert last_call(bot, STAFF_ID)[1] == [f"pc:{number}:invite_yes", f"pc:{number}"]  # joined: confirm
    await bot.press(f"pc:{number}:invite_yes", STAFF_ID)
    assert "new invite link" in bot.telegram.last_text(PATIENT_ID)  # the current account is told
    link_text = [t for t in bot.telegram.texts(STAFF_ID) if "New invite link" in t][-1]
    token = re.search(r"start=([\w-]+)", link_text).group(1)  # type: ignore[union-attr]
    assert bot.telegram.sent(STAFF_ID)[-1].method == "sendPhoto"  # the same link as a QR code
    await bot.join(token, user_id=OTHER_ID)
    patient = await bot.db.patient(number)
    assert patient is not None and patient.telegram_user_id == OTHER_ID
    assert await bot.db.patient_by_user(PATIENT_ID) is None
    await bot.send(f"/start {old_token}", 7777)
    assert bot.telegram.sent(7777)[-1].button_data  # the other patient's invite still works


async def test_card_buttons_refuse_non_staff_and_stale_data(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    for data in [f"pc:{number}:stop", f"pc:{number}", "pl:0:", "bc:1:send"]:
        await bot.press(data, PATIENT_ID)
    assert (await bot.db.patient(number)).status == "active"  # type: ignore[union-attr]
    refusals = [
        c for c in bot.telegram.calls if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]
    assert len(refusals) == 4
    for data in ["bc:999:send", "bc:x:y"]:
        await bot.press(data, STAFF_ID)
        assert "out of date" in bot.telegram.last_text(STAFF_ID)
    bot.telegram.clear()
    for data in ["pc:999", f"pc:{number}:explode", "pc:abc", "pc:"]:
        await bot.press(data, STAFF_ID)
    toasts = [c.params.get("text") or "" for c in bot.telegram.calls if c.method == "answerCallbackQuery"]
    assert "no longer available" in toasts[0] and all("out of date" in t for t in toasts[1:])
    assert bot.telegram.texts(STAFF_ID) == []


async def compose(bot: Bot, text: str, audience: str = "all", when: str = "now") -> int:
    await bot.send(f"/broadcast {text}" if text else "/broadcast", STAFF_ID)
    broadcast_id = int(bot.telegram.sent(STAFF_ID)[-1].button_data[0].split(":")[1])
    await bot.press(f"bc:{broadcast_id}:aud:{audience}", STAFF_ID)
    await bot.press(f"bc:{broadcast_id}:when:{when}", STAFF_ID)
    return broadcast_id


async def test_broadcast_dialog_preview_send_and_report(bot: Bot) -> None:
    await many_patients(bot, 3)
    await bot.send("/broadcast", STAFF_ID)
    assert "Send me the message" in bot.telegram.last_text(STAFF_ID)
    await bot.send("Closed Monday for the <holiday> & back Tuesday", STAFF_ID)
    audience = bot.telegram.sent(STAFF_ID)[-1]
    assert audience.button_data == [
        "bc:1:aud:all",
        "bc:1:aud:7",
        "bc:1:aud:30",
        "bc:1:aud:90",
        "bc:1:lang:es",
        "bc:1:cancel",
    ]
    await bot.press("bc:1:aud:all", STAFF_ID)
    await bot.press("bc:1:when:now", STAFF_ID)
    sample, preview = bot.telegram.sent(STAFF_ID)[-2:]
    assert "&lt;holiday&gt; &amp; back" in sample.text and "ProCare" in sample.text
    assert "To: 3 patients (all active)" in preview.text and preview.button_data == [
        "bc:1:send",
        "bc:1:cancel",
    ]
    assert all(c.method != "sendMessage" or c.chat_id in {STAFF_ID} for c in bot.telegram.calls)

    await bot.press("bc:1:send", STAFF_ID, message_text=preview.text)
    await bot.press("bc:1:send", STAFF_ID)  # double tap: nothing more is queued
    assert "already sent or cancelled" in last_call(bot, STAFF_ID)[0]
    assert len(await bot.outbox("broadcast")) == 3
    await bot.tick(seconds=1)
    for i in range(3):
        texts = bot.telegram.texts(FIRST_PATIENT_USER + i)
        assert texts == [sample.text]
    await refresh_broadcasts(bot.app.bot, bot.services, {})
    report = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "finished: sent 3 of 3, 0 have blocked the bot, 0 failed, 0 skipped" in report.text
    (row,) = await bot.rows("broadcasts")
    assert row["status"] == "done" and row["recipients"] == 3
    assert "broadcast" in [r["action"] for r in await bot.rows("audit_log")]


async def test_broadcast_audience_by_recent_session(bot: Bot) -> None:
    numbers = await many_patients(bot, 3)
    await bot.send(f"/session {numbers[0]}", STAFF_ID)
    bot.clock.advance(days=10)
    await bot.send(f"/session {numbers[1]}", STAFF_ID)
    await compose(bot, "New stretching class on Fridays", audience="7")
    assert "To: 1 patient (session in the last 7 days)" in bot.telegram.last_text(STAFF_ID)
    await bot.press("bc:1:send", STAFF_ID)
    assert [r["patient_id"] for r in await bot.outbox("broadcast")] == [numbers[1]]


async def test_broadcast_bad_input(bot: Bot) -> None:
    await many_patients(bot, 1)
    await bot.send("/broadcast", STAFF_ID)
    await bot.send("x" * 4001, STAFF_ID)
    assert "4001 characters; the limit is 4000" in bot.telegram.last_text(STAFF_ID)
    await bot.send("   ", STAFF_ID)
    assert "empty" in bot.telegram.last_text(STAFF_ID)
    await bot.send("/cancel", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Cancelled."
    await bot.send("this is a question now, not a broadcast", STAFF_ID)
    assert await bot.rows("broadcasts") == []
    await bot.send("/cancel", STAFF_ID)
    assert "Nothing to cancel" in bot.telegram.last_text(STAFF_ID)

    broadcast_id = await compose(bot, "Hello all")
    await bot.press(f"bc:{broadcast_id}:cancel", STAFF_ID)
    assert "cancelled" in last_call(bot, STAFF_ID)[0]
    await bot.press(f"bc:{broadcast_id}:send", STAFF_ID)
    assert "already sent or cancelled" in last_call(bot, STAFF_ID)[0]
    assert await bot.outbox("broadcast") == []
    for data in [f"bc:{broadcast_id}:aud:5", f"bc:{broadcast_id}:when:never", "bc:1:explode"]:
        await bot.press(data, STAFF_ID)


async def test_scheduled_broadcast_and_typed_time(bot: Bot) -> None:
    await many_patients(bot, 2)
    await compose(bot, "Flu shots next week", when="tomorrow")
    assert "When: Tue Mar 03, 9:00 AM" in bot.telegram.last_text(STAFF_ID)
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    assert {r["due_at"] for r in await bot.outbox("broadcast")} == {"2026-03-03T17:00:00Z"}
    await bot.press("pc:1", STAFF_ID)  # the card lists the waiting announcement
    assert "Tue Mar 03, 9:00 AM – clinic announcement" in last_call(bot, STAFF_ID)[0]
    await bot.send("/mydata", FIRST_PATIENT_USER)
    assert "clinic announcement" in bot.telegram.last_text(FIRST_PATIENT_USER)
    bot.telegram.clear()
    await refresh_broadcasts(bot.app.bot, bot.services, {})
    assert (
        "scheduled for Tue Mar 03, 9:00 AM"
        in [c for c in bot.telegram.calls if c.method == "editMessageText"][-1].text
    )
    await bot.tick(hours=23, minutes=59)
    assert not bot.telegram.texts(FIRST_PATIENT_USER)
    await bot.tick(minutes=1)
    assert bot.telegram.texts(FIRST_PATIENT_USER)

    await bot.send("/broadcast Holiday hours", STAFF_ID)
    await bot.press("bc:2:aud:all", STAFF_ID)
    await bot.press("bc:2:when:type", STAFF_ID)
    for bad in ["tomorrow", "2026-13-01 09:00", "2020-01-01 09:00", "2027-12-01 09:00"]:
        await bot.send(bad, STAFF_ID)
        assert "couldn't read that time" in bot.telegram.last_text(STAFF_ID)
    await bot.send("2026-03-10 08:30", STAFF_ID)
    assert "When: Tue Mar 10, 8:30 AM" in bot.telegram.last_text(STAFF_ID)


async def test_running_broadcast_can_be_cancelled(bot: Bot) -> None:
    await many_patients(bot, 4)
    await compose(bot, "Parking lot closed")
    # Telegram refuses the first patient's copy; the others were already on their way.
    bot.telegram.fail(
        "sendMessage", 429, "Too Many Requests: retry after 30", chat_id=FIRST_PATIENT_USER, retry_after=30
    )
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    await bot.tick(seconds=1)
    delivered = len(copies(bot.telegram.delivered, "Parking"))
    assert delivered == 3
    await bot.press("bc:1:cancel", STAFF_ID)
    assert "Broadcast cancelled" in last_call(bot, STAFF_ID)[0]
    await bot.tick(minutes=5)
    assert len(copies(bot.telegram.delivered, "Parking")) == delivered
    (refused,) = [r for r in await bot.outbox("broadcast") if r["patient_id"] == 1]
    assert (refused["status"], refused["last_error"]) == ("cancelled", "broadcast cancelled")
    assert "broadcast_cancel" in [r["action"] for r in await bot.rows("audit_log")]


async def test_blocked_patients_are_counted_and_marked(bot: Bot) -> None:
    numbers = await many_patients(bot, 3)
    bot.telegram.blocked.add(FIRST_PATIENT_USER + 1)
    await compose(bot, "Hello")
    await bot.press("bc:1:send", STAFF_ID, message_text="...")
    await bot.tick(seconds=1)
    await refresh_broadcasts(bot.app.bot, bot.services, {})
    assert (
        "sent 2 of 3, 1 has blocked the bot, 0 failed"
        in [c for c in bot.telegram.calls if c.method == "editMessageText"][-1].text
    )
    assert (await bot.db.patient(numbers[1])).status == "blocked"  # type: ignore[union-attr]


async def test_restart_mid_broadcast_sends_nobody_twice(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with running_bot(settings) as first:
        await first.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await many_patients(first, 6)
        await compose(first, "Snow day: closed")
        # Telegram refuses one copy with a 429; then the bot goes down before retrying it.
        first.telegram.fail(
            "sendMessage", 429, "Too Many Requests", chat_id=FIRST_PATIENT_USER + 2, retry_after=60
        )
        await first.press("bc:1:send", STAFF_ID, message_text="...")
        await first.tick(seconds=1)
        before = copies(first.telegram.delivered, "Snow day")
        clock = first.clock
    clock.advance(minutes=2)
    async with running_bot(settings, clock=clock) as second:
        await second.tick(seconds=1)
        await second.tick(seconds=5)
        after = copies(second.telegram.delivered, "Snow day")
    everyone = [FIRST_PATIENT_USER + i for i in range(6)]
    assert before and after  # some went out before the restart, the rest after
    assert sorted(before + after) == everyone  # each patient exactly once
    sent_rows = [
        r for r in await _rows(settings, clock) if r["kind"] == "broadcast" and r["status"] == "sent"
    ]
    assert len(sent_rows) == 6


async def test_removed_staff_cannot_continue_a_dialog(bot: Bot) -> None:
    await many_patients(bot, 1)
    await bot.send("/broadcast Hello", STAFF_ID)
    await bot.send(f"/staff remove {STAFF_ID}", ADMIN_ID)
    await bot.press("bc:1:aud:all", STAFF_ID)
    await bot.press("bc:1:send", STAFF_ID)
    assert await bot.outbox("broadcast") == []
    assert (await bot.rows("broadcasts"))[0]["status"] == "draft"


async def test_alerts_and_stats(bot: Bot) -> None:
    await bot.send("/alerts", STAFF_ID)
    assert "No open alerts" in bot.telegram.last_text(STAFF_ID)
    number = await bot.enrolled_patient()
    await bot.send("crushing chest pain", PATIENT_ID)
    await bot.send("is it normal to be sore", PATIENT_ID)
    bot.clock.advance(minutes=5)
    await bot.send("my calf is swollen red and warm", PATIENT_ID)
    bot.telegram.clear()
    await bot.send("/alerts", STAFF_ID)
    first, second = bot.telegram.sent(STAFF_ID)
    assert "EMERGENCY" in first.text and "URGENT" in second.text  # oldest first
    assert first.button_data == ["alert:1"] and f"#{number}" in first.text
    await bot.press("alert:1", STAFF_ID)
    await bot.send("/stats", STAFF_ID)
    stats = bot.telegram.last_text(STAFF_ID)
    assert "Patients: 1 joined (1 active)" in stats and "Open alerts: 1" in stats
    assert "Red flags (urgent or emergency): 2" in stats and "Soreness after treatment: 1" in stats
    assert "chest" not in stats and "calf" not in stats


async def _rows(settings: object, clock: object) -> list[dict[str, object]]:
    async with running_bot(settings, clock=clock) as bot:  # type: ignore[arg-type]
        return await bot.rows("outbox")
