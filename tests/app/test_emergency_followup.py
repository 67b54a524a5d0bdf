"""After a 911 reply, through the real Application: the buttons under it end the reminders, thank the
patient and tell staff; staff's Handled ends them too; until then a follow-up message gets a short
reminder in the patient's words with the same buttons; a new red flag is still answered as itself; the
state is in the database (a restart keeps it); forged or stale presses change nothing."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from bot.answers import AnswerEngine
from bot.content import ContentError, load_clinic, read_toml
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

CHEST = "crushing chest pain and my left arm feels heavy"
NERVES = "numb around my groin"
ROUTINE = "is it normal to be sore after my massage?"
PHONE = "(503) 899-0707"


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def last_buttons(bot: Bot, chat_id: int = PATIENT_ID) -> list[str]:
    return bot.telegram.sent(chat_id)[-1].button_data


def toasts(bot: Bot) -> list[str]:
    return [str(c.params.get("text") or "") for c in bot.telegram.calls if c.method == "answerCallbackQuery"]


async def answers(bot: Bot) -> list[str | None]:
    return [row["patient_answer"] for row in await bot.rows("alerts")]


async def test_the_911_reply_carries_buttons_tied_to_its_alert(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(CHEST, PATIENT_ID)
    (reply,) = bot.telegram.sent(PATIENT_ID)
    assert plain(reply.text).startswith("Call 911 now")
    assert reply.button_data == ["sos:1:called", "sos:1:mistake"]
    markup = str(reply.params["reply_markup"])
    assert "I've called 911 / help is here" in markup and "I'm OK / sent by mistake" in markup
    assert "EMERGENCY" in bot.telegram.last_text(STAFF_CHAT_ID)  # staff still hear at once
    assert await answers(bot) == [None]


async def test_called_ends_the_reminders_thanks_the_patient_and_tells_staff(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(CHEST, PATIENT_ID)
    bot.clock.advance(minutes=2)
    await bot.press("sos:1:called", PATIENT_ID)

    thanks = bot.telegram.last_text(PATIENT_ID)
    assert "Thank you" in thanks and "clinic team" in thanks
    note = bot.telegram.last_text(STAFF_CHAT_ID)
    assert f"Patient #{number}" in note and "I've called 911 / help is here" in note and "09:02" in note
    assert await answers(bot) == ["called"]
    assert any(c.method == "editMessageReplyMarkup" for c in bot.telegram.calls)  # buttons taken off

    await bot.send("/alerts", STAFF_ID)  # the open alert shows what the patient tapped
    assert "The patient tapped “I've called 911 / help is here”" in bot.telegram.last_text(STAFF_ID)

    bot.clock.advance(minutes=5)
    await bot.send("the ambulance is here now", PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)
    await bot.send(ROUTINE, PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)


async def test_sent_by_mistake_asks_them_to_call_the_clinic_if_anything_changes(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(CHEST, PATIENT_ID)
    await bot.press("sos:1:mistake", PATIENT_ID)

    thanks = bot.telegram.last_text(PATIENT_ID)
    assert "If anything changes" in thanks and PHONE in thanks
    note = bot.telegram.last_text(STAFF_CHAT_ID)
    assert f"Patient #{number}" in note and "I'm OK / sent by mistake" in note
    assert await answers(bot) == ["mistake"]
    await bot.send(ROUTINE, PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)


async def test_staff_pressing_handled_ends_the_reminders(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(CHEST, PATIENT_ID)
    await bot.send(ROUTINE, PATIENT_ID)
    assert "please call 911 now" in bot.telegram.last_text(PATIENT_ID).lower()

    await bot.press("alert:1", STAFF_ID, chat_id=STAFF_CHAT_ID)
    await bot.send(ROUTINE, PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)
    assert await answers(bot) == [None]  # the patient never answered; staff took it


async def test_follow_up_gets_a_reminder_in_patient_words_and_a_new_red_flag_its_own_answer(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(NERVES, PATIENT_ID)
    assert last_buttons(bot) == ["sos:1:called", "sos:1:mistake"]

    bot.clock.advance(minutes=10)
    await bot.send("it's probably nothing right? i feel a bit better now", PATIENT_ID)
    reminder = bot.telegram.sent(PATIENT_ID)[-1]
    assert "please call 911 now" in reminder.text.lower()
    assert "numbness between the legs, bladder or bowel changes, or weak legs" in reminder.text
    assert "nerve compression" not in reminder.text and "saddle" not in reminder.text  # never staff words
    assert reminder.button_data == ["sos:1:called", "sos:1:mistake"]
    assert len(await bot.rows("alerts")) == 1  # a reminder is not a new alert

    await bot.send(CHEST, PATIENT_ID)  # a real new red flag is answered as itself
    new = bot.telegram.sent(PATIENT_ID)[-1]
    assert plain(new.text).startswith("Call 911 now") and "numbness between" not in new.text
    assert new.button_data == ["sos:2:called", "sos:2:mistake"]
    assert len(await bot.rows("alerts")) == 2

    await bot.press("sos:2:called", PATIENT_ID)  # the latest 911 reply is answered
    await bot.send(ROUTINE, PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)


async def test_reminders_stop_after_the_window(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(CHEST, PATIENT_ID)
    bot.clock.advance(minutes=61)
    await bot.send(ROUTINE, PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)


async def test_a_restart_keeps_the_state(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    clock = FakeClock()
    async with running_bot(settings, clock=clock) as first:
        await first.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await first.enrolled_patient()
        await first.send(CHEST, PATIENT_ID)
    clock.advance(minutes=5)
    async with running_bot(settings, clock=clock) as second:
        await second.send(ROUTINE, PATIENT_ID)
        reminder = second.telegram.sent(PATIENT_ID)[-1]
        assert "chest pain" in reminder.text and reminder.button_data == ["sos:1:called", "sos:1:mistake"]
        await second.press("sos:1:called", PATIENT_ID)  # a button from before the restart still works
        assert "Thank you" in second.telegram.last_text(PATIENT_ID)
    async with running_bot(settings, clock=clock) as third:
        await third.send(ROUTINE, PATIENT_ID)
        assert "911 now" not in third.telegram.last_text(PATIENT_ID)
        assert [row["patient_answer"] for row in await third.rows("alerts")] == ["called"]


async def test_forged_and_stale_presses_get_a_toast_and_change_nothing(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.enrolled_patient("Sam K.", OTHER_ID)
    await bot.send(CHEST, PATIENT_ID)
    bot.telegram.clear()

    for data, user in [
        ("sos:1:called", OTHER_ID),  # another patient's alert
        ("sos:1:called", STAFF_ID),  # not a patient
        ("sos:99:called", PATIENT_ID),  # no such alert
        ("sos:1:maybe", PATIENT_ID),  # no such answer
        ("sos:x:called", PATIENT_ID),
    ]:
        await bot.press(data, user)
    assert len(toasts(bot)) == 5 and all("expired" in t for t in toasts(bot))
    assert bot.telegram.sent(PATIENT_ID) == [] and bot.telegram.sent(OTHER_ID) == []
    assert bot.telegram.sent(STAFF_CHAT_ID) == []
    assert await answers(bot) == [None]

    await bot.press("sos:1:mistake", PATIENT_ID)
    bot.telegram.clear()
    await bot.press("sos:1:called", PATIENT_ID)  # stale: already answered
    assert toasts(bot) == ["Thanks, I already have your answer."]
    assert bot.telegram.sent() == []
    assert await answers(bot) == ["mistake"]


def test_every_emergency_and_urgent_rule_names_its_worry_in_patient_words() -> None:
    clinic = load_clinic()
    engine = AnswerEngine.load(clinic)
    for rule_id in engine.rule_ids:
        worry = engine.worry(rule_id)
        assert worry and len(worry) <= 80, rule_id
    answers, red_flags = copy.deepcopy(read_toml("answers.toml")), copy.deepcopy(read_toml("red_flags.toml"))
    del red_flags["rule"][0]["worry"]
    with pytest.raises(ContentError, match="'worry'"):
        AnswerEngine.from_data(answers, red_flags, clinic)
