"""A message in the other language the bot speaks is answered in that language, with a one-time offer
to switch (buttons in that language; the choice stored on the patient, the offer too, once)."""

from __future__ import annotations

from bot.content import load_content
from tests.support.harness import PATIENT_ID, STAFF_CHAT_ID, Bot

SPANISH_QUESTION = "tengo mucho dolor en la espalda después de la sesión, ¿es normal?"
ENGLISH_QUESTION = "is it normal to be this sore after the session today?"


def offers(bot: Bot) -> list[str]:
    return [t for t in bot.telegram.texts(PATIENT_ID) if "from now on" in t or "de ahora en adelante" in t]


async def test_an_english_patient_writing_spanish_is_offered_spanish_once(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(SPANISH_QUESTION, PATIENT_ID)
    offer = bot.telegram.sent(PATIENT_ID)[-1]
    assert offer.text == (
        "Me escribió en español, así que le respondí en español. "
        "¿Quiere que le escriba en español de ahora en adelante?"
    )
    assert offer.button_data == ["lang:es", "lang:keep"]
    patient = await bot.db.patient(number)
    assert patient is not None and patient.language == "en" and patient.language_offered_at is not None

    await bot.send(SPANISH_QUESTION, PATIENT_ID)
    assert len(offers(bot)) == 1  # once, ever
    await bot.send("/mydata", PATIENT_ID)
    assert "Offered to switch language once, on Mar 02, 2026." in bot.telegram.last_text(PATIENT_ID)

    await bot.press("lang:es", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "Listo. De ahora en adelante le escribiré en español."
    patient = await bot.db.patient(number)
    assert patient is not None and patient.language == "es"
    await bot.send("/help", PATIENT_ID)
    assert "<b>Lo que puedo hacer</b>" in bot.telegram.last_text(PATIENT_ID)


async def test_no_keeps_the_language(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send(ENGLISH_QUESTION, PATIENT_ID)
    offer = bot.telegram.sent(PATIENT_ID)[-1]
    assert offer.text.startswith("You wrote in English, so I answered in English.")
    assert offer.button_data == ["lang:en", "lang:keep"]
    await bot.press("lang:keep", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID).startswith("De acuerdo, le seguiré escribiendo en español.")
    patient = await bot.db.patient(number)
    assert patient is not None and patient.language == "es"


async def test_messages_in_the_patients_own_language_bring_no_offer(bot: Bot) -> None:
    await bot.enrolled_patient()
    for text in (ENGLISH_QUESTION, "ok thanks", "gracias", "👍"):
        await bot.send(text, PATIENT_ID)
    assert offers(bot) == []


async def test_a_forged_offer_button_changes_nothing(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.press("lang:xx", PATIENT_ID)
    assert "This button no longer works" in bot.telegram.last_text(PATIENT_ID)
    patient = await bot.db.patient(number)
    assert patient is not None and patient.language == "en"
    await bot.press("lang:es", 9999)  # not a patient
    assert bot.telegram.texts(STAFF_CHAT_ID)[-1].endswith("joined.")


async def test_erasing_the_patient_erases_their_language(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    spanish = load_content().for_language("es").texts
    assert bot.telegram.last_text(PATIENT_ID) == spanish.render("privacy.forget_done")
    assert await bot.db.patient(number) is None


async def test_erasing_a_patient_who_chose_spanish_resets_their_chat_menu(bot: Bot) -> None:
    await bot.enrolled_patient(language_code="es")
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    reset = [c for c in bot.telegram.calls if c.method == "deleteMyCommands"][-1]
    assert reset.params["scope"] == {"type": "chat", "chat_id": PATIENT_ID}
