"""Broadcasts with a Spanish version: patients who read Spanish get it, the others the English one; the
preview shows both; without a Spanish version everyone gets the English."""

from __future__ import annotations

from tests.support.harness import OTHER_ID, PATIENT_ID, STAFF_ID, Bot

ENGLISH = "Closed Monday for the <holiday> & back Tuesday"
SPANISH = "Cerrado el lunes por el <feriado> & abierto el martes"


async def two_patients(bot: Bot) -> None:
    """One patient who reads English, one who reads Spanish."""
    await bot.enrolled_patient("Jane D.", PATIENT_ID)
    await bot.enrolled_patient("Ana G.", OTHER_ID, language_code="es-MX")
    bot.telegram.clear()


async def test_a_broadcast_with_a_spanish_version(bot: Bot) -> None:
    await two_patients(bot)
    await bot.send(f"/broadcast {ENGLISH}", STAFF_ID)
    audience = bot.telegram.sent(STAFF_ID)[-1]
    assert "bc:1:lang:es" in audience.button_data
    await bot.press("bc:1:lang:es", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID).startswith("Send me the Spanish version of the message")
    await bot.send("   ", STAFF_ID)
    assert "empty" in bot.telegram.last_text(STAFF_ID)  # asked again, still for the Spanish
    await bot.send(SPANISH, STAFF_ID)
    again = bot.telegram.sent(STAFF_ID)[-1]
    assert again.text == "✅ Spanish version saved.\nWho should get it?"
    assert "bc:1:aud:all" in again.button_data and "bc:1:lang:es" in again.button_data
    (row,) = await bot.rows("broadcasts")
    assert row["text"] == ENGLISH and '"es"' in row["translations"]

    await bot.press("bc:1:aud:all", STAFF_ID)
    await bot.press("bc:1:when:now", STAFF_ID)
    english, spanish, preview = bot.telegram.sent(STAFF_ID)[-3:]
    assert "&lt;holiday&gt; &amp; back" in english.text
    assert "&lt;feriado&gt; &amp; abierto" in spanish.text and "— ProCare Chiropractic Clinic" in spanish.text
    assert "To: 2 patients (all active)" in preview.text
    assert "1 of them read Spanish and get the Spanish version above." in preview.text
    assert all(c.chat_id == STAFF_ID for c in bot.telegram.sent())  # nothing to patients yet

    await bot.press("bc:1:send", STAFF_ID, message_text=preview.text)
    await bot.tick(seconds=2)
    assert bot.telegram.texts(PATIENT_ID) == [english.text]
    assert bot.telegram.texts(OTHER_ID) == [spanish.text]


async def test_a_broadcast_without_a_spanish_version_goes_to_everyone_in_english(bot: Bot) -> None:
    await two_patients(bot)
    await bot.send(f"/broadcast {ENGLISH}", STAFF_ID)
    await bot.press("bc:1:aud:all", STAFF_ID)
    await bot.press("bc:1:when:now", STAFF_ID)
    sample, preview = bot.telegram.sent(STAFF_ID)[-2:]
    assert "1 of them read Spanish. There is no Spanish version, so they get the English one." in preview.text
    await bot.press("bc:1:send", STAFF_ID, message_text=preview.text)
    await bot.tick(seconds=2)
    assert bot.telegram.texts(PATIENT_ID) == [sample.text]
    # The English announcement in the Spanish frame (the clinic's signature reads the same).
    assert bot.telegram.texts(OTHER_ID) == [sample.text]


async def test_the_spanish_version_cannot_change_once_sent_and_bad_buttons_are_refused(bot: Bot) -> None:
    await two_patients(bot)
    await bot.send(f"/broadcast {ENGLISH}", STAFF_ID)
    await bot.press("bc:1:lang:xx", STAFF_ID)
    assert "out of date" in bot.telegram.last_text(STAFF_ID)
    await bot.press("bc:1:lang:es", STAFF_ID)
    await bot.press("bc:1:aud:all", STAFF_ID)
    await bot.press("bc:1:when:now", STAFF_ID)
    await bot.press("bc:1:send", STAFF_ID)
    await bot.send(SPANISH, STAFF_ID)  # the draft was sent meanwhile
    assert "already sent or cancelled" in bot.telegram.last_text(STAFF_ID)
    (row,) = await bot.rows("broadcasts")
    assert row["translations"] == "{}"
    await bot.send("/broadcast hola", PATIENT_ID)  # a patient cannot broadcast, in any language
    assert await bot.rows("broadcasts") == [row]
