"""Visits through the real application: booking with a calendar file, the day-before reminder and its
pre-visit safety check, downtime, cancelling, stopping and erasing, and DST in the clinic's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.demo.telegram import ApiCall
from tests.support.harness import (
    ADMIN_ID,
    OTHER_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    STRANGER_ID,
    Bot,
    FakeClock,
    make_settings,
    running_bot,
)

# The harness starts on Monday 2026-03-02 09:00 in Los Angeles (17:00 UTC). Clocks go forward on
# Sunday 2026-03-08 and back on Sunday 2026-11-01.
ADDRESS = "10915 SE Stark St. Suite 200, Portland, OR 97216"
ITEMS = ["fever", "injury", "bleeding", "wound", "bones"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def documents(bot: Bot, chat_id: int = PATIENT_ID) -> list[ApiCall]:
    return bot.telegram.sent(chat_id, methods=("sendDocument",))


def calendar_of(call: ApiCall) -> Calendar:
    assert len(call.uploads) == 1 and call.uploads[0].filename == "visit.ics"
    return Calendar.from_ical(call.uploads[0].data)


async def booked(bot: Bot, when: str = "2026-03-04 15:00") -> int:
    number = await bot.enrolled_patient()
    await bot.send(f"/visit {number} {when}", STAFF_ID)
    return number


async def reminder(bot: Bot) -> ApiCall:
    calls = [c for c in bot.telegram.sent(PATIENT_ID) if "A reminder: your visit" in c.text]
    assert len(calls) == 1, [c.text for c in bot.telegram.sent(PATIENT_ID)]
    return calls[0]


async def test_booking_sends_a_confirmation_with_a_calendar_file(bot: Bot) -> None:
    number = await booked(bot)
    [confirmation] = documents(bot)
    assert "Your next visit: Wednesday, Mar 4 at 3:00 PM" in confirmation.text
    assert ADDRESS in confirmation.text and "(503) 899-0707" in confirmation.text
    raw = confirmation.uploads[0].data.decode()
    assert "DTSTART;TZID=America/Los_Angeles:20260304T150000" in raw
    assert "BEGIN:VTIMEZONE" in raw and "TZID:America/Los_Angeles" in raw
    [event] = calendar_of(confirmation).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Visit at ProCare Chiropractic Clinic"
    assert str(event["LOCATION"]) == ADDRESS
    assert (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() == 3600
    staff = bot.telegram.last_text(STAFF_ID)
    assert f"Booked: patient #{number} Jane D., Wednesday, Mar 4 at 3:00 PM" in staff
    assert "sent a confirmation" in staff
    [visit] = await bot.rows("visits")
    assert (visit["patient_id"], visit["visit_at"], visit["status"]) == (
        number,
        "2026-03-04T23:00:00Z",
        "booked",
    )
    kinds = {
        row["kind"]: row["status"] for row in await bot.rows("outbox") if row["kind"].startswith("visit")
    }
    assert kinds == {"visit_confirm": "sent", "visit_reminder": "pending"}
    # The patient's own /visit, and staff's /visit 12 without a time.
    await bot.send("/visit", PATIENT_ID)
    assert "Your next visit: <b>Wednesday, Mar 4 at 3:00 PM</b>" in bot.telegram.last_text(PATIENT_ID)
    await bot.send(f"/visit {number}", STAFF_ID)
    assert "next visit Wednesday, Mar 4 at 3:00 PM" in bot.telegram.last_text(STAFF_ID)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "Usage: <code>/visit 12"),
        ("abc", "Usage: <code>/visit 12"),
        ("99 2026-03-04 15:00", "There is no patient #99"),
        ("{n} tomorrow 3pm", "couldn't read “tomorrow 3pm”"),
        ("{n} 2026-13-01 10:00", "couldn't read"),
        ("{n} 2026-03-04 25:00", "couldn't read"),
        ("{n} 2026-03-01 10:00", "Sunday, Mar 1 at 10:00 AM has already passed"),
        ("{n} 2026-03-02 08:59", "has already passed"),
        ("{n} 2027-03-03 10:00", "more than a year away"),
        ("{n} 2026-03-08 02:30", "02:30 does not exist on 2026-03-08"),
        ("{n} 2026-11-01 01:30", "01:30 happens twice on 2026-11-01"),
    ],
)
async def test_bad_visit_input_gets_a_clear_reply(bot: Bot, args: str, expected: str) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(f"/visit {args.format(n=number)}".strip(), STAFF_ID)
    assert expected in bot.telegram.last_text(STAFF_ID)
    assert await bot.rows("visits") == [] and documents(bot) == []


async def test_patients_and_strangers_cannot_book(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/visit {number} 2026-03-04 15:00", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "Sorry, that command is for clinic staff."
    await bot.send("/visit", STRANGER_ID)
    assert "ask the clinic for your invite link" in bot.telegram.last_text(STRANGER_ID)
    await bot.send("/visit", PATIENT_ID)
    assert "You have no visit booked" in bot.telegram.last_text(PATIENT_ID)
    number, _ = await bot.enroll("Not Joined")
    await bot.send(f"/visit {number} 2026-03-04 15:00", STAFF_ID)
    assert "hasn't joined yet" in bot.telegram.last_text(STAFF_ID)
    assert await bot.rows("visits") == []


async def test_the_day_before_at_six_the_reminder_asks_the_safety_check(bot: Bot) -> None:
    await booked(bot)
    await bot.tick(hours=32, minutes=59)  # Tue 17:59 local
    assert not [c for c in bot.telegram.sent(PATIENT_ID) if "A reminder" in c.text]
    await bot.tick(minutes=1)  # Tue 18:00 local
    sent = await reminder(bot)
    assert "your visit is <b>tomorrow at 3:00 PM</b>" in sent.text
    assert sent.button_data == [f"vs:1:{item}" for item in [*ITEMS, "none"]]
    labels = [b["text"] for row in sent.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "Fever or an infection",
        "A new injury in the last 3 days",
        "Blood thinners or a bleeding problem",
        "An open wound or skin problem",
        "Fragile bones (osteoporosis)",
        "None of these",
    ]
    await bot.tick(hours=1)
    await reminder(bot)  # not twice


@pytest.mark.parametrize(
    ("item", "staff_words"),
    [
        ("fever", "fever or an infection"),
        ("injury", "a new injury in the last 3 days"),
        ("bleeding", "blood thinners or a bleeding problem"),
        ("wound", "an open wound or a skin problem"),
        ("bones", "fragile bones (osteoporosis)"),
    ],
)
async def test_each_safety_flag_alerts_staff_and_reassures_the_patient(
    bot: Bot, item: str, staff_words: str
) -> None:
    number = await booked(bot)
    await bot.tick(hours=33)
    bot.telegram.clear()
    await bot.press(f"vs:1:{item}", PATIENT_ID)
    patient = bot.telegram.last_text(PATIENT_ID)
    assert "Your therapist will check this with you before your treatment" in patient
    assert "call us at (503) 899-0707" in patient
    [alert] = bot.telegram.texts(STAFF_CHAT_ID)
    assert "PRE-VISIT CHECK" in alert and f"patient <b>#{number}</b> Jane D." in alert
    assert f"pre-visit check: {staff_words} (visit Wednesday, Mar 4 at 3:00 PM)" in alert
    assert "EMERGENCY" not in alert and "URGENT" not in alert
    [row] = await bot.rows("alerts")
    assert (row["urgency"], row["rule"]) == ("previsit", f"previsit:1:{item}")
    assert [r["item"] for r in await bot.rows("visit_checks")] == [item]
    await bot.press(f"vs:1:{item}", PATIENT_ID)  # twice: no second alert
    assert "already told us" in bot.telegram.last_text(PATIENT_ID)
    assert len(await bot.rows("alerts")) == 1
    await bot.send("/visits", STAFF_ID)
    assert f"#{number} Jane D. ⚠️ {staff_words}" in bot.telegram.last_text(STAFF_ID)


async def test_none_of_these_and_i_need_to_reschedule(bot: Bot) -> None:
    number = await booked(bot)
    await bot.tick(hours=33)
    bot.telegram.clear()
    await bot.press("vs:1:none", PATIENT_ID)
    answer = bot.telegram.sent(PATIENT_ID)[-1]
    assert answer.text == "Thank you. See you tomorrow at 3:00 PM!"
    assert answer.button_data == ["vs:1:reschedule"]
    assert bot.telegram.texts(STAFF_CHAT_ID) == [] and await bot.rows("alerts") == []
    await bot.press("vs:1:reschedule", PATIENT_ID)
    assert "We've let the clinic know" in bot.telegram.last_text(PATIENT_ID)
    [note] = bot.telegram.texts(STAFF_CHAT_ID)
    assert f"Patient #{number} Jane D. needs to reschedule their visit on Wednesday, Mar 4 at 3:00 PM" in note
    await bot.press("vs:1:reschedule", PATIENT_ID)
    assert "already let the clinic know" in bot.telegram.last_text(PATIENT_ID)
    assert len(bot.telegram.texts(STAFF_CHAT_ID)) == 1
    await bot.send("/visits", STAFF_ID)
    assert "↺ asked to reschedule" in bot.telegram.last_text(STAFF_ID)


async def test_forged_and_stale_safety_buttons(bot: Bot) -> None:
    await booked(bot)
    await bot.enrolled_patient("Other P.", user_id=OTHER_ID)
    await bot.tick(hours=33)
    for data in ["vs:1:fever", "vs:1:reschedule"]:
        await bot.press(data, OTHER_ID)  # not their visit
    for data in ["vs:1:nonsense", "vs:x:fever", "vs:", "vs:99:fever"]:
        await bot.press(data, PATIENT_ID)
    assert await bot.rows("alerts") == [] and await bot.rows("visit_checks") == []
    await bot.tick(hours=21)  # Wed 15:00: the visit has begun
    await bot.press("vs:1:fever", PATIENT_ID)
    assert "no longer booked" in bot.telegram.last_text(PATIENT_ID)


async def test_a_reminder_missed_while_down_goes_out_once_after_quiet_hours(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock()
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await booked(bot)  # Wednesday 15:00
    clock.advance(hours=36, minutes=30)  # down until Tue 21:30, in quiet hours
    async with running_bot(settings, clock=clock) as bot:
        assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
        await bot.tick(hours=10, minutes=30)  # Wed 08:00: quiet hours are over
        assert "your visit is <b>today at 3:00 PM</b>" in (await reminder(bot)).text
    clock.advance(minutes=5)
    async with running_bot(settings, clock=clock) as bot:  # a restart right after: not twice
        await bot.tick(hours=1)
        assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
        sent = [
            r for r in await bot.rows("outbox") if r["kind"] == "visit_reminder" and r["status"] == "sent"
        ]
        assert len(sent) == 1


async def test_no_reminder_once_the_visit_is_under_two_hours_away(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock()
    async with running_bot(settings, clock=clock) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await booked(bot, "2026-03-03 09:30")
    clock.advance(hours=23, minutes=10)  # down until Tue 08:10: 1 h 20 min before the visit
    async with running_bot(settings, clock=clock) as bot:
        await bot.tick(minutes=5)
        assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
        [row] = [r for r in await bot.rows("outbox") if r["kind"] == "visit_reminder"]
        assert row["status"] == "cancelled"


async def test_booked_right_after_a_session_the_confirmation_follows_it(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send(f"/visit {number} 2026-03-09 10:00", STAFF_ID)
    assert "Their confirmation with a calendar file is on its way." in bot.telegram.last_text(STAFF_ID)
    await bot.tick(seconds=1)  # one message a second to a chat: it follows the aftercare
    assert len(documents(bot)) == 1


async def test_booked_in_quiet_hours_the_confirmation_waits_for_the_morning(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.tick(hours=13)  # Monday 22:00
    await bot.send(f"/visit {number} 2026-03-09 10:00", STAFF_ID)
    assert "Their confirmation will arrive after their quiet hours." in bot.telegram.last_text(STAFF_ID)
    assert documents(bot) == []
    await bot.tick(hours=10)  # Tuesday 08:00
    assert len(documents(bot)) == 1


async def test_booked_the_evening_before_the_reminder_follows_at_once(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.tick(hours=10)  # Monday 19:00
    await bot.send(f"/visit {number} 2026-03-03 11:00", STAFF_ID)
    await bot.tick(seconds=1)
    assert "your visit is <b>tomorrow at 11:00 AM</b>" in (await reminder(bot)).text


async def test_a_visit_the_day_after_the_clocks_change(bot: Bot) -> None:
    """Monday 2026-03-09 10:00 PDT: the clocks went forward on Sunday."""
    await booked(bot, "2026-03-09 10:00")
    [confirmation] = documents(bot)
    assert "Monday, Mar 9 at 10:00 AM" in confirmation.text
    assert "DTSTART;TZID=America/Los_Angeles:20260309T100000" in confirmation.uploads[0].data.decode()
    [visit] = await bot.rows("visits")
    assert visit["visit_at"] == "2026-03-09T17:00:00Z"  # UTC-7 after the change
    [row] = [r for r in await bot.rows("outbox") if r["kind"] == "visit_reminder"]
    assert row["due_at"] == "2026-03-09T01:00:00Z"  # Sunday 18:00 PDT
    bot.clock.set(utc("2026-03-09T00:59:00"))
    await bot.tick()
    assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
    await bot.tick(minutes=1)
    assert "your visit is <b>tomorrow at 10:00 AM</b>" in (await reminder(bot)).text


async def test_cancel_tells_the_patient_and_drops_the_reminder(bot: Bot) -> None:
    number = await booked(bot)
    await bot.send(f"/visit {number} cancel", STAFF_ID)
    await bot.tick(seconds=1)  # Telegram's one message a second to a chat
    assert (
        f"Cancelled: patient #{number} Jane D.'s visit on Wednesday, Mar 4 at 3:00 PM"
        in bot.telegram.last_text(STAFF_ID)
    )
    assert "Your visit on Wednesday, Mar 4 at 3:00 PM has been cancelled" in bot.telegram.last_text(
        PATIENT_ID
    )
    await bot.tick(hours=34)
    assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
    [visit] = await bot.rows("visits")
    assert visit["status"] == "cancelled"
    await bot.send(f"/visit {number} cancel", STAFF_ID)
    assert "has no visit booked" in bot.telegram.last_text(STAFF_ID)
    await bot.send("/visit", PATIENT_ID)
    assert "no visit booked" in bot.telegram.last_text(PATIENT_ID)


async def test_booking_again_replaces_the_visit_and_its_reminder(bot: Bot) -> None:
    number = await booked(bot)
    await bot.send(f"/visit {number} 2026-03-05 10:00", STAFF_ID)
    assert "It replaces their earlier booking" in bot.telegram.last_text(STAFF_ID)
    await bot.tick(seconds=1)  # its confirmation: one message a second to a chat
    await bot.tick(hours=58)  # Wednesday 19:00
    texts = [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
    assert len(texts) == 1 and "tomorrow at 10:00 AM" in texts[0]
    assert [v["status"] for v in await bot.rows("visits")] == ["replaced", "booked"]


async def test_stopped_patients_get_no_reminder(bot: Bot) -> None:
    number = await booked(bot)
    await bot.send("/stop", PATIENT_ID)
    await bot.tick(hours=33)
    assert not [t for t in bot.telegram.texts(PATIENT_ID) if "A reminder" in t]
    await bot.send(f"/visit {number} 2026-03-06 10:00", STAFF_ID)
    assert "has stopped messages" in bot.telegram.last_text(STAFF_ID)


async def test_mydata_shows_and_forget_erases_visits_and_plans(bot: Bot) -> None:
    number = await booked(bot)
    await bot.send(f"/plan {number} weekly x6 then monthly", STAFF_ID)
    await bot.tick(hours=33)
    await bot.press("vs:1:bleeding", PATIENT_ID)
    await bot.send("/mydata", PATIENT_ID)
    report = "\n".join(bot.telegram.texts(PATIENT_ID)[-3:])
    assert "• Wednesday, Mar 4 at 3:00 PM (booked)" in report
    assert "before it you told us: Blood thinners or a bleeding problem" in report
    assert "weekly for 6 visits, then monthly" in report
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    for table in ("visits", "visit_checks", "care_plans"):
        assert await bot.rows(table) == [], table
    assert [r for r in await bot.rows("outbox") if r["kind"].startswith("visit")] == []
