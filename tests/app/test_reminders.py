"""Check-ins after a session, posture and exercise reminders, /settings, and staff's view — via Telegram."""

from __future__ import annotations

import re

from tests.support.harness import ADMIN_ID, OTHER_ID, PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, STRANGER_ID, Bot

# The harness clock starts on Monday 2 March 2026, 17:00 UTC = 09:00 in Los Angeles (PST).


async def session_now(bot: Bot, number: int) -> None:
    await bot.send(f"/session {number}", STAFF_ID)
    bot.telegram.clear()


def buttons(bot: Bot) -> list[str]:
    return bot.telegram.sent(PATIENT_ID)[-1].button_data


async def test_very_sore_brings_follow_ups_then_urgent_advice_and_alert(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await session_now(bot, number)

    await bot.tick(hours=23, minutes=59)
    assert bot.telegram.texts(PATIENT_ID) == []
    await bot.tick(minutes=1)
    question = bot.telegram.last_text(PATIENT_ID)
    assert "how are you feeling after your session yesterday" in question
    assert [d.rsplit(":", 1)[1] for d in buttons(bot)] == ["none", "bit", "very", "worry"]

    await bot.press(buttons(bot)[2], PATIENT_ID)
    assert "check in again tomorrow" in bot.telegram.last_text(PATIENT_ID)
    await bot.tick(hours=24)
    assert "compared with yesterday" in bot.telegram.last_text(PATIENT_ID)
    await bot.press(next(d for d in buttons(bot) if d.endswith(":same")), PATIENT_ID)
    await bot.tick(hours=24)
    assert "about 3 days" in bot.telegram.last_text(PATIENT_ID)
    await bot.press(next(d for d in buttons(bot) if d.endswith(":same")), PATIENT_ID)

    advice = bot.telegram.last_text(PATIENT_ID)
    assert "call the clinic today at (503) 899-0707" in advice and "911" in advice
    alert = bot.telegram.last_text(STAFF_CHAT_ID)
    assert "URGENT" in alert and f"#{number}" in alert and "72 h" in alert
    answers = [(r["step"], r["answer"]) for r in await bot.rows("checkin_answers")]
    assert answers == [("first", "very"), ("follow_up", "same"), ("last", "same")]
    assert [r["urgency"] for r in await bot.rows("alerts")] == ["urgent"]


async def test_a_bit_sore_ends_the_check_ins(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await session_now(bot, number)
    await bot.tick(hours=24)
    await bot.press(buttons(bot)[1], PATIENT_ID)
    assert "common" in bot.telegram.last_text(PATIENT_ID)
    await bot.tick(hours=72)
    assert len(bot.telegram.sent(PATIENT_ID)) == 2  # the question and the reply, nothing more
    assert await bot.rows("alerts") == []


async def test_something_worrying_shows_the_checklist_and_alerts(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await session_now(bot, number)
    await bot.tick(hours=24)
    await bot.press(buttons(bot)[3], PATIENT_ID)
    checklist = bot.telegram.last_text(PATIENT_ID)
    assert (
        checklist.startswith("<b>Call 911</b> for") and "988" in checklist and "(503) 899-0707" in checklist
    )
    assert "something worrying" in bot.telegram.last_text(STAFF_CHAT_ID)
    # What they type next goes through the same red-flag checks as every message.
    await bot.send("my left arm is numb and my face feels droopy", PATIENT_ID)
    assert re.sub(r"<[^>]+>", "", bot.telegram.last_text(PATIENT_ID)).startswith("Call 911 now")


async def test_check_in_buttons_answer_once_and_only_for_their_patient(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await session_now(bot, number)
    await bot.tick(hours=24)
    very = buttons(bot)[2]
    await bot.press(very, OTHER_ID)  # a stranger pressing a forged copy
    await bot.press(very.replace(":very", ":explode"), PATIENT_ID)
    assert await bot.rows("checkin_answers") == []
    await bot.press(very, PATIENT_ID)
    await bot.press(very, PATIENT_ID)  # double tap
    assert "already have your answer" in bot.telegram.last_text(PATIENT_ID)
    assert len(await bot.rows("checkin_answers")) == 1
    assert len(await bot.outbox("checkin")) == 2  # the first check-in and one follow-up


async def test_check_in_in_quiet_hours_moves_to_the_morning(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.clock.advance(hours=13, minutes=30)  # 22:30 in Los Angeles
    await session_now(bot, number)
    (checkin,) = await bot.outbox("checkin")
    assert checkin["due_at"] == "2026-03-04T16:00:00Z"  # 08:00 local, the morning after next


async def test_a_new_session_replaces_pending_check_ins(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await session_now(bot, number)
    bot.clock.advance(hours=20)
    await session_now(bot, number)
    statuses = sorted(r["status"] for r in await bot.outbox("checkin"))
    assert statuses == ["cancelled", "pending"]


async def turn_on(bot: Bot, *data: str) -> None:
    for item in data:
        await bot.press(item, PATIENT_ID)


async def test_settings_by_buttons_plan_posture_reminders(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/settings", PATIENT_ID)
    overview = bot.telegram.last_text(PATIENT_ID)
    assert "Pacific (Los Angeles)" in overview and "9:00 PM–8:00 AM" in overview
    assert "set:posture:on" in buttons(bot)

    await turn_on(bot, "set:posture:on")
    edit = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "on, 9:00 AM–5:00 PM on weekdays, every 90 min" in edit.text
    due = [r["due_at"] for r in await bot.outbox("posture")]
    # Today from 10:30 to 16:30 local, every 90 minutes; tomorrow the same.
    assert due[:5] == [f"2026-03-02T{h}Z" for h in ["18:30:00", "20:00:00", "21:30:00", "23:00:00"]] + [
        "2026-03-03T00:30:00Z"
    ]
    assert len(due) == 10

    await turn_on(bot, "set:work", "set:work:08001600")
    due = [r["due_at"] for r in await bot.outbox("posture") if r["status"] == "pending"]
    assert due[0] == "2026-03-02T17:30:00Z" and len(due) == 10  # 09:30 local first

    await turn_on(bot, "set:posture:off")
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"] == []


async def test_posture_reminder_done_and_snooze(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on")
    bot.telegram.clear()
    await bot.tick(hours=1, minutes=30)  # 10:30 local
    reminder = bot.telegram.sent(PATIENT_ID)[-1]
    assert "Posture break" in reminder.text and len(reminder.button_data) == 2
    await bot.press(reminder.button_data[0], PATIENT_ID)
    assert "Nice work" in bot.telegram.last_text(PATIENT_ID)
    await bot.press(reminder.button_data[0], PATIENT_ID)  # double tap: one response
    await bot.tick(minutes=90)
    await bot.press(buttons(bot)[1], PATIENT_ID)  # snooze
    assert "30 minutes" in bot.telegram.last_text(PATIENT_ID)
    await bot.tick(minutes=29)
    assert "Posture break" not in bot.telegram.last_text(PATIENT_ID)
    await bot.tick(minutes=1)
    assert "Posture break" in bot.telegram.last_text(PATIENT_ID)
    responses = [(r["kind"], r["response"]) for r in await bot.rows("reminder_responses")]
    assert responses == [("posture", "done"), ("posture", "snooze")]

    await bot.send(f"/patient {number}", STAFF_ID)
    card = bot.telegram.last_text(STAFF_ID)
    assert "Reminders done in the last 7 days: 1" in card and "posture break" in card
    assert "Mon Mar 02, 1:30 PM – posture break" in card  # local times


async def test_exercise_reminder_at_the_chosen_time_with_skip(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:extime", "set:extime:1900")
    today, _ = await bot.outbox("exercise")
    assert today["due_at"] == "2026-03-03T03:00:00Z"  # 19:00 local
    await bot.tick(hours=10)
    reminder = bot.telegram.sent(PATIENT_ID)[-1]
    assert "Your exercise time" in reminder.text and "hold" in reminder.text.lower()
    assert [d.rsplit(":", 1)[1] for d in reminder.button_data] == ["done", "snooze", "skip"]
    await bot.press(reminder.button_data[2], PATIENT_ID)
    assert "see you tomorrow" in bot.telegram.last_text(PATIENT_ID)


async def test_forged_and_stale_reminder_and_settings_buttons(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on")
    await bot.tick(hours=1, minutes=30)
    done = buttons(bot)[0]
    await bot.press(done, STRANGER_ID)
    for data in [
        "rem:99999:done",
        "rem:abc:done",
        done.replace("done", "nap"),
        "set:tz:Mars/Base",
        "set:quiet:01000200",
        "set:pause:365",
        "set:bogus",
        "set:extime:0315",
        "ci:1:none",
    ]:
        await bot.press(data, PATIENT_ID)
    assert await bot.rows("reminder_responses") == []
    (prefs,) = await bot.rows("prefs")
    assert (prefs["timezone"], prefs["quiet_start"], prefs["paused_until"]) == (
        "America/Los_Angeles",
        "21:00",
        None,
    )
    await bot.send("/settings", STRANGER_ID)
    await bot.press("set:posture:on", STRANGER_ID)
    assert "enrolled patients" in bot.telegram.last_text(STRANGER_ID)


async def test_time_zone_by_button_and_by_typing(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:tz", "set:tz:America/New_York")
    assert (await bot.rows("prefs"))[0]["timezone"] == "America/New_York"
    await turn_on(bot, "set:tz:type")
    await bot.send("Mars/Olympus", PATIENT_ID)
    assert "don't know that time zone" in bot.telegram.last_text(PATIENT_ID)
    await turn_on(bot, "set:tz:type")
    await bot.send("Europe/London", PATIENT_ID)
    assert "Europe/London" in bot.telegram.last_text(PATIENT_ID)
    assert (await bot.rows("prefs"))[0]["timezone"] == "Europe/London"
    # A red flag typed at the zone prompt is still a red flag, answered first.
    await turn_on(bot, "set:tz:type")
    await bot.send("chest pain and cant breathe", PATIENT_ID)
    assert "911" in bot.telegram.last_text(PATIENT_ID)


async def test_pause_and_resume(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on", "set:pause", "set:pause:3")
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"] == []
    overview = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1].text
    assert "paused until Thu Mar 05" in overview
    await bot.tick(hours=8)
    assert "<b>Posture break</b>" not in " ".join(bot.telegram.texts(PATIENT_ID))
    await turn_on(bot, "set:resume")
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"]


async def test_reminders_offer_after_joining(bot: Bot) -> None:
    _, token = await bot.enroll()
    await bot.join(token)
    await bot.press("offer:exercise", PATIENT_ID)
    # No time is picked for the patient: they are asked first, and the reminder starts once they choose.
    assert "When should I send your daily exercise reminder?" in bot.telegram.last_text(PATIENT_ID)
    assert (await bot.rows("prefs"))[0]["exercise_on"] == 0
    assert "set:extime:0700" in bot.telegram.sent(PATIENT_ID)[-1].button_data
    await bot.press("set:extime:0700", PATIENT_ID)
    prefs = (await bot.rows("prefs"))[0]
    assert prefs["exercise_on"] == 1 and prefs["exercise_time"] == "07:00"
    shown = [c for c in bot.telegram.calls if c.method in {"sendMessage", "editMessageText"}][-1]
    assert "Your settings" in shown.text and "7:00 AM" in shown.text


async def test_stop_cancels_reminders_and_start_replans(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on")
    await bot.send("/stop", PATIENT_ID)
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"] == []
    await bot.tick(hours=2)
    assert "<b>Posture break</b>" not in " ".join(bot.telegram.texts(PATIENT_ID))
    await bot.send("/start", PATIENT_ID)
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"]


async def test_blocked_patient_is_marked_and_pending_sends_cancelled(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on")
    bot.telegram.blocked.add(PATIENT_ID)
    await bot.tick(hours=1, minutes=30)
    assert (await bot.db.patient(number)).status == "blocked"  # type: ignore[union-attr]
    assert [r for r in await bot.outbox("posture") if r["status"] == "pending"] == []


async def test_429_then_success_sends_once(bot: Bot) -> None:
    await bot.enrolled_patient()
    await turn_on(bot, "set:posture:on")
    bot.telegram.fail(
        "sendMessage", 429, "Too Many Requests: retry after 5", chat_id=PATIENT_ID, retry_after=5
    )
    bot.telegram.clear()
    await bot.tick(hours=1, minutes=30)
    await bot.tick(seconds=4)
    assert len(bot.telegram.sent(PATIENT_ID)) == 1  # the refused one
    await bot.tick(seconds=1)
    await bot.tick(seconds=10)
    delivered = [c for c in bot.telegram.sent(PATIENT_ID) if "Posture break" in c.text]
    assert len(delivered) == 2  # refused once, delivered once
    sent = [r for r in await bot.outbox("posture") if r["status"] == "sent"]
    assert len(sent) == 1 and sent[0]["attempts"] == 2


async def test_staff_patient_card_bad_input(bot: Bot) -> None:
    for text, expected in [
        ("/patient", "/patient 12"),
        ("/patient x", "/patient 12"),
        ("/patient 77", "no patient"),
    ]:
        await bot.send(text, STAFF_ID)
        assert expected in bot.telegram.last_text(STAFF_ID)
    await bot.send("/patient 1", PATIENT_ID)
    assert "for clinic staff" in bot.telegram.last_text(PATIENT_ID)
    await bot.enroll("New P.")
    await bot.send("/patient 1", ADMIN_ID)
    assert "invite pending" in bot.telegram.last_text(
        ADMIN_ID
    ) and "Nothing scheduled." in bot.telegram.last_text(ADMIN_ID)


async def test_daily_exercise_through_dst_changes_in_telegram(bot: Bot) -> None:
    """09:00 local every day, once a day, across both changes, in Los Angeles and in Sydney."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    await bot.enrolled_patient()
    await bot.enrolled_patient("Syd N.", user_id=OTHER_ID)
    await turn_on(bot, "set:extime", "set:extime:0800")  # Los Angeles patient: 08:00
    await bot.press("set:tz:type", OTHER_ID)
    await bot.send("Australia/Sydney", OTHER_ID)
    await bot.press("set:extime:0800", OTHER_ID)
    # Los Angeles springs forward on 8 March and falls back on 1 November; Sydney falls back on
    # 5 April and springs forward on 4 October.
    changes = [
        datetime(2026, month, day, 12, tzinfo=UTC) for month, day in ((3, 5), (4, 2), (10, 1), (10, 29))
    ]
    for start in changes:
        bot.clock.set(start)
        await bot.services.scheduler.plan_all()
        bot.telegram.clear()
        for _ in range(24 * 8):  # a week and a day, hour by hour, planning as the bot does
            await bot.tick(hours=1)
            await bot.services.scheduler.plan_all()
        for user, zone in ((PATIENT_ID, "America/Los_Angeles"), (OTHER_ID, "Australia/Sydney")):
            sent = [
                r
                for r in await bot.outbox("exercise")
                if r["status"] == "sent" and r["sent_at"] >= start.strftime("%Y-%m-%dT%H:%M:%SZ")
            ]
            local = [
                datetime.fromisoformat(r["sent_at"].replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
                for r in sent
                if r["patient_id"] == (1 if user == PATIENT_ID else 2)
            ]
            days = [t.date() for t in local]
            assert len(days) == len(set(days)) >= 7, (zone, local)
            assert {t.strftime("%H:%M") for t in local} == {"08:00"}, (zone, local)
