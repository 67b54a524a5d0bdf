"""Patients' questions in Telegram: red flags first, session-aware answers, staff alerts, no text kept."""

from __future__ import annotations

import re

from tests.support.harness import (
    ADMIN_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    STRANGER_ID,
    Bot,
    make_settings,
    running_bot,
)

EMERGENCY = "crushing chest pain and my left arm feels heavy"
URGENT = "my calf is swollen, red and warm since this morning"
ROUTINE = "is it normal to be sore after my massage?"


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


async def test_routine_question_is_answered_and_only_its_topic_kept(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    bot.clock.advance(hours=30)
    bot.telegram.clear()
    await bot.send(ROUTINE, PATIENT_ID)

    (reply,) = bot.telegram.texts(PATIENT_ID)
    assert "30 hours" in reply or "yesterday" in reply
    assert 3 <= len([line for line in plain(reply).splitlines() if line.strip()]) <= 8
    (question,) = await bot.rows("questions")
    assert (question["patient_id"], question["topic"], question["urgency"]) == (number, "soreness", "routine")
    assert question["asked_at"] == "2026-03-03T23:00:00Z"
    assert bot.telegram.texts(STAFF_CHAT_ID) == []


async def test_emergency_leads_with_911_and_alerts_staff(bot: Bot) -> None:
    number = await bot.enrolled_patient("Jane <D>")
    bot.telegram.clear()
    await bot.send(EMERGENCY, PATIENT_ID)

    reply = plain(bot.telegram.last_text(PATIENT_ID))
    assert reply.startswith("Call 911 now")
    (alert_call,) = bot.telegram.sent(STAFF_CHAT_ID)
    assert f"#{number}" in alert_call.text and "Jane &lt;D&gt;" in alert_call.text
    assert "EMERGENCY" in alert_call.text
    assert "chest" not in alert_call.text.split("Matched:")[0]
    assert EMERGENCY not in alert_call.text
    assert alert_call.button_data == ["alert:1"]
    (alert,) = await bot.rows("alerts")
    assert (alert["patient_id"], alert["urgency"], alert["handled_by"]) == (number, "emergency", None)
    (question,) = await bot.rows("questions")
    assert question["topic"] == "red_flag" and question["urgency"] == "emergency"


async def test_urgent_gives_clinic_phone_and_alerts(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(URGENT, PATIENT_ID)
    reply = bot.telegram.last_text(PATIENT_ID)
    assert "(503) 899-0707" in reply and "911" in reply
    assert "URGENT" in bot.telegram.last_text(STAFF_CHAT_ID)


async def test_handled_button_records_who_and_when(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(EMERGENCY, PATIENT_ID)

    await bot.press("alert:1", PATIENT_ID, chat_id=STAFF_CHAT_ID)  # not staff: refused
    await bot.press("alert:1", STRANGER_ID, chat_id=STAFF_CHAT_ID)
    assert (await bot.rows("alerts"))[0]["handled_by"] is None

    await bot.press("alert:1", STAFF_ID, chat_id=STAFF_CHAT_ID, message_text="EMERGENCY – patient #1")
    (alert,) = await bot.rows("alerts")
    assert alert["handled_by"] == STAFF_ID and alert["handled_at"] == "2026-03-02T17:00:00Z"
    edit = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "Handled by" in edit.text
    assert "alert_handled" in [row["action"] for row in await bot.rows("audit_log")]

    await bot.press("alert:1", ADMIN_ID, chat_id=STAFF_CHAT_ID)
    assert (await bot.rows("alerts"))[0]["handled_by"] == STAFF_ID
    answers = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"]
    assert answers[-1].params.get("text") == "Already handled."

    await bot.press("alert:99", STAFF_ID, chat_id=STAFF_CHAT_ID)
    await bot.press("alert:x", STAFF_ID, chat_id=STAFF_CHAT_ID)


async def test_alerts_go_to_admins_without_a_staff_group(tmp_path: object) -> None:
    async with running_bot(make_settings(tmp_path, staff_chat_id=None)) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await bot.enrolled_patient(user_id=PATIENT_ID)
        await bot.send(EMERGENCY, PATIENT_ID)
        assert "EMERGENCY" in bot.telegram.last_text(ADMIN_ID)
        assert bot.errors == []


async def test_alert_delivery_failure_does_not_hurt_the_patient_reply(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.telegram.missing_chats.add(STAFF_CHAT_ID)
    await bot.send(EMERGENCY, PATIENT_ID)
    assert plain(bot.telegram.last_text(PATIENT_ID)).startswith("Call 911 now")
    assert len(await bot.rows("alerts")) == 1  # still open for the staff console


async def test_strangers_get_safety_replies_but_nothing_is_kept(bot: Bot) -> None:
    await bot.send(EMERGENCY, STRANGER_ID)
    assert plain(bot.telegram.last_text(STRANGER_ID)).startswith("Call 911 now")
    await bot.send(ROUTINE, STRANGER_ID)
    assert "invite link" in bot.telegram.last_text(STRANGER_ID)
    assert await bot.rows("questions") == [] and await bot.rows("alerts") == []
    assert bot.telegram.texts(STAFF_CHAT_ID) == []


async def test_staff_can_preview_answers(bot: Bot) -> None:
    await bot.send(ROUTINE, STAFF_ID)
    assert "sore" in bot.telegram.last_text(STAFF_ID).lower()
    assert await bot.rows("questions") == []


async def test_edited_message_is_checked_again(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send(EMERGENCY, PATIENT_ID, edited=True)
    assert plain(bot.telegram.last_text(PATIENT_ID)).startswith("Call 911 now")


async def test_stopped_patient_still_gets_answers(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/stop", PATIENT_ID)
    await bot.send(EMERGENCY, PATIENT_ID)
    assert plain(bot.telegram.last_text(PATIENT_ID)).startswith("Call 911 now")


async def test_strange_and_huge_text_gets_a_reply(bot: Bot) -> None:
    await bot.enrolled_patient()
    for text in ["a" * 4096, "🙂" * 1000, "\u202e\u0000\u200b", "<b>bold</b> & <script>", "   ", "?"]:
        bot.telegram.clear()
        await bot.send(text, PATIENT_ID)
        assert len(bot.telegram.texts(PATIENT_ID)) == 1, text


async def test_message_text_never_reaches_the_database_file(bot: Bot) -> None:
    await bot.enrolled_patient()
    secret = "my zebra-tango shoulder is sore"
    await bot.send(secret, PATIENT_ID)
    await bot.send(f"{EMERGENCY} zebra-tango", PATIENT_ID)
    await bot.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    path = bot.services.settings.database_path
    for file in [path, path.with_name(path.name + "-wal")]:
        if file.exists():
            assert b"zebra" not in file.read_bytes()


async def test_pushback_after_a_911_instruction_gets_the_instruction_again(bot: Bot) -> None:
    """Guidance §4.9: "it's probably nothing" after an emergency answer is not met with home advice."""
    await bot.enrolled_patient()
    await bot.send(EMERGENCY, PATIENT_ID)
    bot.clock.advance(minutes=10)
    await bot.send("it's probably nothing right? i feel a bit better now", PATIENT_ID)
    repeat = bot.telegram.last_text(PATIENT_ID)
    assert "please call 911 now" in repeat.lower() and "warm pack" not in repeat.lower()
    assert len(await bot.rows("alerts")) == 1  # no second alert for the pushback
    bot.clock.advance(minutes=55)
    await bot.send("is it normal to be sore after my massage?", PATIENT_ID)
    assert "911 now" not in bot.telegram.last_text(PATIENT_ID)
