"""Messages in other languages through the real bot: the notice, the staff alert, nothing of them kept."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.support.harness import PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, STRANGER_ID, Bot

ENGLISH_NOTICE = (
    "This assistant reads only English and Spanish. In an emergency call 911. To talk to us, call"
)
CLINIC_PHONE = "(503) 899-0707"
RUSSIAN = "у меня сильно болит спина после массажа, что делать?"


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def file_bytes(bot: Bot) -> bytes:
    path = bot.services.settings.database_path
    return b"".join(p.read_bytes() for p in [path, Path(f"{path}-wal")] if p.exists())


async def test_russian_gets_the_notice_and_staff_an_alert_and_nothing_is_kept(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    number = await bot.enrolled_patient("Olga K.")
    bot.telegram.clear()
    await bot.send(RUSSIAN, PATIENT_ID)

    (notice,) = bot.telegram.texts(PATIENT_ID)
    assert notice.startswith("Этот помощник понимает только английский и испанский языки.")
    assert "звоните 911" in notice
    assert f"{ENGLISH_NOTICE} {CLINIC_PHONE}." in notice
    assert notice.count(CLINIC_PHONE) == 2
    (alert,) = bot.telegram.sent(STAFF_CHAT_ID)
    assert f"#{number}" in alert.text and "Olga K." in alert.text
    assert "wrote in Russian" in alert.text and "Please call them" in alert.text
    assert "болит" not in alert.text
    assert alert.button_data == ["alert:1"]

    (row,) = await bot.rows("alerts")
    assert (row["patient_id"], row["urgency"], row["category"], row["rule"]) == (
        number,
        "language",
        "wrote in Russian",
        "language.ru",
    )
    assert await bot.rows("questions") == []
    await bot.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    stored = file_bytes(bot)
    for word in ("болит", "спина", "массажа"):
        assert word.encode() not in stored
    assert not any(word in record.getMessage() for record in caplog.records for word in ("болит", "спина"))


async def test_more_russian_is_one_alert_with_a_count(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(RUSSIAN, PATIENT_ID)
    bot.clock.advance(minutes=1)
    await bot.send("спасибо, я подожду звонка", PATIENT_ID)
    assert len(bot.telegram.texts(PATIENT_ID)) == 2  # a notice each time
    assert len(await bot.rows("alerts")) == 1
    await bot.tick(seconds=30)
    (edit,) = bot.telegram.sent(STAFF_CHAT_ID, methods=("editMessageText",))
    assert "wrote in Russian" in edit.text and "1 more message like this" in edit.text


@pytest.mark.parametrize(
    ("text", "opening", "language"),
    [
        ("我的脖子按摩以后很痛，怎么办？", "本助手只能看懂英语和西班牙语。", "Chinese"),
        (
            "tôi bị đau lưng sau khi mát xa",
            "Trợ lý này chỉ đọc được tiếng Anh và tiếng Tây Ban Nha.",
            "Vietnamese",
        ),
        ("أشعر بألم في ظهري بعد التدليك", "هذا المساعد يقرأ اللغتين الإنجليزية والإسبانية فقط.", "Arabic"),
        ("허리가 너무 아파요", "이 도우미는 영어와 스페인어만 읽을 수 있습니다.", "Korean"),
        ("masakit ang likod ko pagkatapos ng masahe", "Ang assistant na ito ay nakakabasa lamang", "Tagalog"),
    ],
)
async def test_other_languages_get_their_notice(bot: Bot, text: str, opening: str, language: str) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(text, PATIENT_ID)
    notice = bot.telegram.last_text(PATIENT_ID)
    assert notice.startswith(opening)
    assert ENGLISH_NOTICE in notice
    assert f"wrote in {language}" in bot.telegram.last_text(STAFF_CHAT_ID)
    await bot.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    assert text.encode() not in file_bytes(bot)


async def test_mixed_english_red_flag_still_gets_the_911_reply(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send("I have chest pain, очень больно", PATIENT_ID)
    assert plain(bot.telegram.texts(PATIENT_ID)[0]).startswith("Call 911 now")
    assert "EMERGENCY" in bot.telegram.last_text(STAFF_CHAT_ID)
    (row,) = await bot.rows("alerts")
    assert (row["patient_id"], row["urgency"]) == (number, "emergency")


async def test_a_red_flag_in_english_words_inside_russian_goes_first_then_the_notice(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send("у меня с утра chest pain и очень трудно дышать, что мне делать сейчас?", PATIENT_ID)
    first, notice = bot.telegram.texts(PATIENT_ID)
    assert plain(first).startswith("Call 911 now")
    assert notice.startswith("Этот помощник")
    (row,) = await bot.rows("alerts")
    assert row["urgency"] == "emergency"  # the red flag's alert, not a second one for the language


@pytest.mark.parametrize("text", ["ok", "gracias", "thanks!!", "7/10", "👍", "спасибо"])
async def test_short_messages_are_not_taken_for_another_language(bot: Bot, text: str) -> None:
    await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(text, PATIENT_ID)
    # "gracias" is Spanish: answered in Spanish, then the one-time offer to switch
    reply = bot.telegram.texts(PATIENT_ID)[0]
    if text == "спасибо":  # Cyrillic is Russian however short: the notice, not an English answer
        assert reply.startswith("Этот помощник")
    else:
        assert "reads only English and Spanish" not in reply
        assert [row for row in await bot.rows("alerts") if row["urgency"] == "language"] == []


async def test_a_stranger_gets_the_notice_and_staff_no_alert(bot: Bot) -> None:
    await bot.send(RUSSIAN, STRANGER_ID)
    (notice,) = bot.telegram.texts(STRANGER_ID)
    assert notice.startswith("Этот помощник") and ENGLISH_NOTICE in notice
    assert bot.telegram.texts(STAFF_CHAT_ID) == []
    assert await bot.rows("alerts") == []


async def test_the_language_alert_shows_in_mydata_and_goes_with_forget(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(RUSSIAN, PATIENT_ID)
    bot.telegram.clear()
    await bot.send("/mydata", PATIENT_ID)
    assert "wrote in Russian" in "\n".join(bot.telegram.texts(PATIENT_ID))
    await bot.send("/alerts", STAFF_ID)
    assert "wrote in Russian" in bot.telegram.last_text(STAFF_ID)


async def test_spanish_is_answered_in_spanish_and_staff_alerted_in_english(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send("es normal sentir dolor después del masaje?", PATIENT_ID)
    answer, offer = bot.telegram.texts(PATIENT_ID)  # the answer, then the one-time offer to switch
    assert "español" in offer
    assert "sesión" in answer and "reads only English and Spanish" not in answer
    bot.telegram.clear()
    await bot.send("no puedo orinar y tengo la entrepierna dormida", PATIENT_ID)
    assert plain(bot.telegram.texts(PATIENT_ID)[0]).startswith("Llame al 911")
    alert = bot.telegram.last_text(STAFF_CHAT_ID)
    assert "EMERGENCY" in alert and f"#{number}" in alert and "orinar" not in alert
    assert [row["urgency"] for row in await bot.rows("alerts")] == ["emergency"]
