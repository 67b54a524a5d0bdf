"""Staff are told when a patient joins, stops, comes back or erases their data; bursts come as one summary."""

from __future__ import annotations

from pathlib import Path

from tests.support.harness import (
    ADMIN_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    Bot,
    make_settings,
    running_bot,
)

FIRST_USER = 6000


def notices(bot: Bot, chat_id: int = STAFF_CHAT_ID) -> list[str]:
    return bot.telegram.texts(chat_id)


async def test_join_stop_return_and_erase_are_posted_at_once_with_the_patient_number(bot: Bot) -> None:
    number = await bot.enrolled_patient("Jane D.")
    assert notices(bot) == [f"🔔 👋 Patient #{number} – Jane D. joined."]
    # The patient's own reply went first; the notice never holds it up.
    order = [c.chat_id for c in bot.telegram.sent() if c.chat_id in {PATIENT_ID, STAFF_CHAT_ID}]
    assert order[-1] == STAFF_CHAT_ID and PATIENT_ID in order[:-1]

    bot.clock.advance(minutes=2)
    await bot.send("/stop", PATIENT_ID)
    assert notices(bot)[-1] == f"🔔 ⏹ Patient #{number} – Jane D. stopped all messages (/stop)."
    bot.clock.advance(minutes=2)
    await bot.send("/start", PATIENT_ID)
    assert notices(bot)[-1] == f"🔔 ▶️ Patient #{number} – Jane D. turned messages back on."
    bot.clock.advance(minutes=2)
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    # Erased: the number only, since the name went with the data.
    assert notices(bot)[-1] == f"🔔 🗑 Patient #{number} erased their data."
    assert len(notices(bot)) == 4


async def test_no_notice_for_nothing_changed_or_for_what_patients_write(bot: Bot) -> None:
    await bot.enrolled_patient("Jane D.")
    before = len(notices(bot))
    bot.clock.advance(minutes=2)
    await bot.send("/start", PATIENT_ID)  # already active
    await bot.send("my neck is a bit stiff today", PATIENT_ID)
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:no", PATIENT_ID)
    assert len(notices(bot)) == before
    assert not any("stiff" in text for text in notices(bot))


async def test_a_bulk_enrolment_is_gathered_into_one_summary_after_the_minute(bot: Bot) -> None:
    numbers = []
    for i in range(6):
        numbers.append(await bot.enrolled_patient(f"Pat{i} Q.", user_id=FIRST_USER + i))
        bot.clock.advance(seconds=5)
    assert notices(bot) == [f"🔔 👋 Patient #{numbers[0]} – Pat0 Q. joined."]
    await bot.services.notices.flush()  # not yet a minute since the first
    assert len(notices(bot)) == 1
    bot.clock.advance(seconds=30)
    await bot.services.notices.flush()
    assert len(notices(bot)) == 2
    summary = notices(bot)[-1]
    assert summary.startswith("🔔 <b>5 more in the last minute</b>")
    for i, number in enumerate(numbers[1:], start=1):
        assert f"👋 Patient #{number} – Pat{i} Q. joined." in summary
    # A join right after the summary waits a minute, and then goes alone.
    late = await bot.enrolled_patient("Late L.", user_id=FIRST_USER + 99)
    assert len(notices(bot)) == 2
    bot.clock.advance(minutes=1)
    await bot.services.notices.flush()
    assert notices(bot)[-1] == f"🔔 👋 Patient #{late} – Late L. joined."
    # Quiet for a minute: the next one goes out at once again.
    bot.clock.advance(minutes=2)
    await bot.send("/stop", FIRST_USER)
    assert notices(bot)[-1].endswith("stopped all messages (/stop).")


async def test_without_a_staff_group_the_admins_are_told(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path, staff_chat_id=None)) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        number = await bot.enrolled_patient("Jane D.")
        assert notices(bot, ADMIN_ID)[-1] == f"🔔 👋 Patient #{number} – Jane D. joined."
        assert not any("joined." in text for text in notices(bot, STAFF_ID))


async def test_a_staff_group_at_its_limit_gets_the_notice_later_and_alerts_keep_their_room(bot: Bot) -> None:
    bot.telegram.fail(
        "sendMessage", 429, "Too Many Requests: retry after 20", chat_id=STAFF_CHAT_ID, retry_after=20
    )
    number = await bot.enrolled_patient("Jane D.")
    assert len(bot.telegram.texts(PATIENT_ID)) >= 2  # the patient was answered all the same
    assert not any("joined" in c.text for c in bot.telegram.delivered if c.chat_id == STAFF_CHAT_ID)
    bot.clock.advance(seconds=10)
    await bot.services.notices.flush()
    assert not any("joined" in c.text for c in bot.telegram.delivered if c.chat_id == STAFF_CHAT_ID)
    bot.clock.advance(seconds=15)
    await bot.services.notices.flush()
    delivered = [c.text for c in bot.telegram.delivered if c.chat_id == STAFF_CHAT_ID]
    assert delivered == [f"🔔 👋 Patient #{number} – Jane D. joined."]
    assert bot.errors == []
