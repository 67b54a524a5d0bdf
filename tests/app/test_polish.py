"""Small things a clinic notices: full stops after initials, "1 day", 12-hour staff times, readable
topics, a check-in that shows the choice, exercise that asks for its time, plain text from `ask`."""

from __future__ import annotations

import io

from bot.ask_cli import main as ask_main
from tests.support.harness import PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, Bot


async def test_initials_do_not_end_in_two_full_stops(bot: Bot) -> None:
    await bot.enrolled_patient("Jane D.")
    texts = bot.telegram.texts(PATIENT_ID)
    assert any("You're all set, Jane D. After each visit" in text for text in texts)
    assert not any(".." in text for text in texts)
    await bot.send("/stop", PATIENT_ID)
    await bot.send("/start", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID).startswith("Welcome back, Jane D. Messages")


async def test_pause_offers_one_day_not_one_days(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.press("set:pause", PATIENT_ID)
    shown = [c for c in bot.telegram.calls if c.method in {"sendMessage", "editMessageText"}][-1]
    labels = [b["text"] for row in shown.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:4] == ["1 day", "3 days", "7 days", "14 days"]


async def test_staff_see_alert_times_in_the_12_hour_style(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("my calf is swollen red and warm", PATIENT_ID)  # 9:00 AM in the clinic
    alert = bot.telegram.sent(STAFF_CHAT_ID)[-1]
    assert "Mon Mar 02, 9:00 AM" in alert.text and "09:00" not in alert.text
    bot.clock.advance(minutes=95)
    await bot.press(alert.button_data[0], STAFF_ID, chat_id=STAFF_CHAT_ID, message_text=alert.text)
    handled = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "10:35 AM" in handled.text


async def test_stats_names_topics_as_staff_say_them(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("should I use heat or ice on it", PATIENT_ID)
    await bot.send("/stats", STAFF_ID)
    stats = bot.telegram.last_text(STAFF_ID)
    assert "• Heat or ice: 1" in stats and "heat_ice" not in stats


async def test_a_pressed_check_in_keeps_the_question_and_shows_the_choice(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    await bot.tick(hours=30)
    (question,) = [
        c for c in bot.telegram.sent(PATIENT_ID) if any(d.startswith("ci:") for d in c.button_data)
    ]
    bit = next(d for d in question.button_data if d.endswith(":bit"))
    await bot.press(bit, PATIENT_ID, message_text="How is the soreness today?")
    edited = [c for c in bot.telegram.calls if c.method == "editMessageText" and c.chat_id == PATIENT_ID][-1]
    assert edited.text == "How is the soreness today?\n\n<i>You said: a bit sore</i>"
    assert "reply_markup" not in edited.params or not edited.params["reply_markup"]


async def test_turning_on_daily_exercise_asks_for_the_time(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/settings", PATIENT_ID)
    assert "set:extime" in bot.telegram.sent(PATIENT_ID)[-1].button_data
    assert "set:ex:on" not in bot.telegram.sent(PATIENT_ID)[-1].button_data
    await bot.press("set:extime", PATIENT_ID)
    shown = [c for c in bot.telegram.calls if c.method in {"sendMessage", "editMessageText"}][-1]
    assert shown.text == "When should I send your daily exercise reminder?"
    assert (await bot.rows("prefs"))[0]["exercise_on"] == 0


async def test_aftercare_water_heading_says_what_to_do(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number}", STAFF_ID)
    aftercare = bot.telegram.last_text(PATIENT_ID)
    assert "<b>Water: keep drinking through the day</b>" in aftercare and "Drink as usual" not in aftercare


def test_ask_prints_plain_text_unless_html() -> None:
    plain, marked = io.StringIO(), io.StringIO()
    assert ask_main(["my calf is swollen red and warm"], stdin=io.StringIO(), stdout=plain) == 0
    assert ask_main(["my calf is swollen red and warm", "--html"], stdin=io.StringIO(), stdout=marked) == 0
    assert "<b>" in marked.getvalue()
    assert "<b>" not in plain.getvalue() and "</" not in plain.getvalue() and "&amp;" not in plain.getvalue()
    assert "urgency:  urgent" in plain.getvalue()


async def test_patient_list_header_and_buttons_are_spaced(bot: Bot) -> None:
    number = await bot.enrolled_patient("Janet W.")
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send("/patients jan", STAFF_ID)
    shown = bot.telegram.sent(STAFF_ID)[-1]
    assert "<b>Patients</b> 1–1 of 1 matching “jan”" in shown.text
    labels = [b["text"] for row in shown.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"#{number} Janet W. · active · Mar 02"]
