"""Help, privacy, contact, stop and the replies to anything unexpected."""

from __future__ import annotations

import pytest

from tests.support.harness import ADMIN_ID, PATIENT_ID, STAFF_ID, STRANGER_ID, Bot


async def test_help_per_role(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/help", PATIENT_ID)
    assert "/contact" in bot.telegram.last_text(PATIENT_ID)
    assert "/enroll" not in bot.telegram.last_text(PATIENT_ID)
    await bot.send("/help", STAFF_ID)
    assert "/enroll" in bot.telegram.last_text(STAFF_ID) and "/staff add" not in bot.telegram.last_text(
        STAFF_ID
    )
    await bot.send("/help", ADMIN_ID)
    assert "/staff add" in bot.telegram.last_text(ADMIN_ID)
    await bot.send("/help", STRANGER_ID)
    assert "invite link" in bot.telegram.last_text(STRANGER_ID)


async def test_privacy_and_contact(bot: Bot) -> None:
    await bot.send("/privacy", STRANGER_ID)
    privacy = bot.telegram.last_text(STRANGER_ID)
    assert "never what you wrote" in privacy and "/stop" in privacy
    await bot.send("/contact", STRANGER_ID)
    contact = bot.telegram.last_text(STRANGER_ID)
    for expected in ["ProCare Chiropractic Clinic", "10915 SE Stark St", "(503) 899-0707", "To book"]:
        assert expected in contact


async def test_stop_and_start_again(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send("/stop", PATIENT_ID)
    assert "won't send you any more messages" in bot.telegram.last_text(PATIENT_ID)
    assert (await bot.db.patient(number)).status == "stopped"  # type: ignore[union-attr]
    await bot.send("/stop", PATIENT_ID)
    assert "already off" in bot.telegram.last_text(PATIENT_ID)
    await bot.send("/start", PATIENT_ID)
    assert "on again" in bot.telegram.last_text(PATIENT_ID)
    assert (await bot.db.patient(number)).status == "active"  # type: ignore[union-attr]


async def test_stop_cancels_pending_messages(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.fail("sendMessage", 429, "Too Many Requests", chat_id=PATIENT_ID, retry_after=30)
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send("/stop", PATIENT_ID)
    bot.clock.advance(minutes=5)
    bot.telegram.clear()
    await bot.services.scheduler.deliver_now()
    assert bot.telegram.texts(PATIENT_ID) == []
    (row,) = await bot.outbox("aftercare")
    assert row["status"] == "cancelled"


async def test_stranger_stop(bot: Bot) -> None:
    await bot.send("/stop", STRANGER_ID)
    assert "invite link" in bot.telegram.last_text(STRANGER_ID)


@pytest.mark.parametrize("command", ["/frobnicate", "/start@other_bot x", "/HELP_ME", "/"])
async def test_unknown_commands(bot: Bot, command: str) -> None:
    await bot.send(command, STRANGER_ID)
    assert len(bot.telegram.texts(STRANGER_ID)) == 1


@pytest.mark.parametrize("kind", ["photo", "sticker", "location", "voice"])
async def test_non_text_messages(bot: Bot, kind: str) -> None:
    await bot.send_media(kind, STRANGER_ID)
    assert "only read text" in bot.telegram.last_text(STRANGER_ID)


async def test_stranger_free_text_explains_how_to_join(bot: Bot) -> None:
    await bot.send("hello, is this the clinic?", STRANGER_ID)
    assert "invite link" in bot.telegram.last_text(STRANGER_ID)
    assert await bot.rows("questions") == []
