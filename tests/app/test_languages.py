"""Each patient's language, through the real application: joining from a Spanish Telegram app, everything
the bot sends them in Spanish, /settings switching it, the one-time offer, staff alerts naming it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.content import Content, load_content
from bot.content.languages import telegram_language
from bot.demo.telegram import ApiCall
from tests.support.harness import PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, STRANGER_ID, Bot

# The harness clock starts on Monday 2 March 2026, 17:00 UTC = 09:00 in Los Angeles (PST).
# Expected Spanish is rendered from bot/content/es/ itself, so a wording change there needs no test change.
ES: Content = load_content().for_language("es")


def es(key: str, **values: object) -> str:
    return ES.texts.render(key, **values)


def es_reminder(key: str, **values: object) -> str:
    return ES.reminders.render(key, ES.texts.clinic_fields(), **values)


def labels(call: ApiCall) -> list[str]:
    markup: dict[str, Any] = call.params.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


def last(bot: Bot, chat_id: int = PATIENT_ID) -> ApiCall:
    return bot.telegram.sent(chat_id)[-1]


async def patient_language(bot: Bot, number: int) -> str:
    patient = await bot.db.patient(number)
    assert patient is not None
    return patient.language


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("es-419", "es"),
        ("ES", "es"),
        ("en-US", "en"),
        ("fr", "en"),
        (None, "en"),
    ],
)
def test_telegram_language_codes(code: str | None, language: str) -> None:
    assert telegram_language(code, load_content().languages) == language


async def test_a_patient_from_a_spanish_app_joins_in_spanish(bot: Bot) -> None:
    number, token = await bot.enroll()
    await bot.send(f"/start {token}", PATIENT_ID, language_code="es-MX")
    consent = last(bot)
    assert consent.text == es("invite.consent", name="Jane D.")
    assert "llame al 911" in consent.text and "ProCare Chiropractic Clinic" in consent.text
    assert labels(consent) == [es("invite.agree_button")]

    await bot.press(consent.button_data[0], PATIENT_ID, language_code="es-MX")
    joined, offer = bot.telegram.texts(PATIENT_ID)[-2:]
    assert joined == es("invite.joined", name="Jane D.")
    assert offer == es_reminder("settings.offer")
    assert labels(last(bot)) == [es_reminder(f"settings.offer_{k}") for k in ("posture", "exercise", "none")]
    assert await patient_language(bot, number) == "es"
    # Staff read the join notice in English.
    assert "joined" in bot.telegram.last_text(STAFF_CHAT_ID)


async def test_a_spanish_patient_gets_aftercare_check_ins_and_reminders_in_spanish(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.press("offer:posture", PATIENT_ID)
    assert "Idioma: Español" in bot.telegram.last_text(PATIENT_ID)
    await bot.send(f"/session {number} neck", STAFF_ID)
    assert "Aftercare sent" in bot.telegram.last_text(STAFF_ID)  # staff stay in English
    aftercare = bot.telegram.last_text(PATIENT_ID)
    neck = next(area for area in ES.aftercare.areas if area.key == "neck")
    assert aftercare.startswith("<b>ProCare Chiropractic Clinic: cómo cuidarse")
    assert neck.tip in aftercare and neck.tip.startswith("• Cuello")
    assert "<b>Llame al 911</b>" in aftercare and "(503) 899-0707" in aftercare

    await bot.tick(hours=1, minutes=30)  # 10:30 on a weekday: the first posture break
    posture = last(bot)
    assert posture.text.startswith(es_reminder("posture.intro"))
    assert labels(posture) == [es_reminder("posture.done_button"), es_reminder("posture.snooze_button")]
    await bot.press(posture.button_data[0], PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es_reminder("reminder_replies.done")

    await bot.tick(hours=22, minutes=30)
    checkin = next(c for c in reversed(bot.telegram.sent(PATIENT_ID)) if c.button_data[0].startswith("ci:"))
    assert checkin.text.startswith("Hola, Jane D. ¿Cómo se siente después de su sesión")
    assert "ayer" in checkin.text
    assert labels(checkin) == [answer.label for answer in ES.reminders.steps["first"].answers]
    await bot.press(checkin.button_data[1], PATIENT_ID, message_text=checkin.text)
    edited = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    bit = ES.reminders.steps["first"].answers[1].label.lower()
    assert es("checkin.you_said", answer=bit) in edited.params["text"]
    assert bot.telegram.last_text(PATIENT_ID) == es_reminder("checkin_replies.bit")


async def test_help_settings_mydata_privacy_and_errors_in_spanish(bot: Bot) -> None:
    await bot.enrolled_patient(language_code="es")
    await bot.send("/help", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("help.patient")
    assert "<b>Lo que puedo hacer</b>" in es("help.patient")
    await bot.send("/settings", PATIENT_ID)
    settings = last(bot)
    assert settings.text.startswith(ES.reminders.templates["settings.overview"].split("\n")[0])
    assert "Idioma: Español" in settings.text
    assert labels(settings)[-1] == es("language.button") == "🌐 Idioma"
    assert es_reminder("settings.button_timezone") in labels(settings)
    await bot.send("/mydata", PATIENT_ID)
    mydata = bot.telegram.last_text(PATIENT_ID)
    assert mydata.startswith(es("privacy.mydata_header")) and "Idioma: Español" in mydata
    assert es("staff.status_active") in mydata
    for command, key in [("/privacy", "privacy.patient"), ("/contact", "contact.card")]:
        await bot.send(command, PATIENT_ID)
        assert bot.telegram.last_text(PATIENT_ID) == es(key)
    await bot.send("/nosuchthing", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("fallback.unknown_command")
    await bot.send_media("photo", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("fallback.non_text")
    await bot.send("/enroll Ann B.", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("staff.only_staff")
    await bot.press("set:nonsense:1", PATIENT_ID)
    toast = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1]
    assert toast.params["text"] == es_reminder("reminder_replies.stale")
    await bot.send("/myid", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("setup.myid", user_id=PATIENT_ID)
    await bot.send("/stop", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("stop.done")


async def test_settings_switch_the_language_and_back(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send("/settings", PATIENT_ID)
    assert "Language: English" in bot.telegram.last_text(PATIENT_ID)
    await bot.press("set:lang", PATIENT_ID)
    choices = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert choices.params["text"] == "Which language should I write to you in?"
    assert [b["text"] for row in choices.params["reply_markup"]["inline_keyboard"] for b in row] == [
        "English",
        "Español",
        "« Back",
    ]

    await bot.press("set:lang:es", PATIENT_ID)
    overview = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "Idioma: Español" in overview.params["text"] and "Zona horaria" in overview.params["text"]
    assert bot.telegram.last_text(PATIENT_ID) == es("language.changed")
    assert await patient_language(bot, number) == "es"
    menu = [c for c in bot.telegram.calls if c.method == "setMyCommands"][-1]
    assert menu.params["scope"] == {"type": "chat", "chat_id": PATIENT_ID}
    assert [c["description"] for c in menu.params["commands"]] == [d for _, d in ES.menus.patient]
    await bot.send("/help", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("help.patient")

    await bot.press("set:lang:en", PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == "Done. I'll write to you in English from now on."
    assert await patient_language(bot, number) == "en"
    await bot.send("/help", PATIENT_ID)
    assert "<b>What I can do</b>" in bot.telegram.last_text(PATIENT_ID)
    # A made-up language is a stale button: a toast, and nothing changes.
    await bot.press("set:lang:xx", PATIENT_ID)
    assert await patient_language(bot, number) == "en"


async def test_english_patients_are_unchanged(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="en-GB")
    assert await patient_language(bot, number) == "en"
    await bot.send(f"/session {number}", STAFF_ID)
    assert "<b>Your aftercare from ProCare Chiropractic Clinic</b>" in bot.telegram.last_text(PATIENT_ID)
    await bot.send("/help", PATIENT_ID)
    assert "<b>What I can do</b>" in bot.telegram.last_text(PATIENT_ID)


async def test_a_patient_from_another_app_language_reads_english(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="ru")
    assert await patient_language(bot, number) == "en"
    assert "You're all set" in bot.telegram.texts(PATIENT_ID)[-2]


async def test_strangers_read_the_language_of_their_app(bot: Bot) -> None:
    await bot.send("/start", STRANGER_ID, language_code="es")
    assert bot.telegram.last_text(STRANGER_ID) == es("start.stranger")
    await bot.send("/mydata", STRANGER_ID, language_code="es")
    assert bot.telegram.last_text(STRANGER_ID) == es("privacy.nothing_stored")
    await bot.send("hola, ¿qué es esto?", STRANGER_ID, language_code="es-419")
    assert bot.telegram.last_text(STRANGER_ID) == es("fallback.stranger_text")
    await bot.send("/start", STRANGER_ID + 1, language_code="de")
    assert "To join, ask the front desk" in bot.telegram.last_text(STRANGER_ID + 1)


async def test_a_joined_patient_keeps_their_language_on_a_new_phone(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send(f"/patient {number}", STAFF_ID)
    card = last(bot, STAFF_ID)
    assert "Language: Spanish." in card.text
    await bot.press(f"pc:{number}:invite", STAFF_ID)
    await bot.press(f"pc:{number}:invite_yes", STAFF_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("privacy.new_link_notice")
    link = [t for t in bot.telegram.texts(STAFF_ID) if "New invite link" in t][-1]
    token = link.split("?start=")[1].split()[0]
    await bot.join(token, PATIENT_ID + 5, language_code="en")
    assert await patient_language(bot, number) == "es"


async def test_staff_alerts_say_the_patients_language(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.tick(hours=24)
    checkin = last(bot)
    await bot.press(checkin.button_data[3], PATIENT_ID)  # "Something worrying"
    assert bot.telegram.last_text(PATIENT_ID) == es_reminder("checkin_replies.worry")
    assert "<b>Llame al 911</b>" in bot.telegram.last_text(PATIENT_ID)
    alert = bot.telegram.last_text(STAFF_CHAT_ID)
    assert "URGENT" in alert and f"#{number}" in alert and "Language: Spanish" in alert


async def test_the_spanish_menu_is_published_for_spanish_apps(bot: Bot) -> None:
    from tests.support.harness import make_settings, running_bot

    async with running_bot(make_settings(bot.services.settings.database_path.parent / "menus")) as fresh:
        calls = [c for c in fresh.telegram.calls if c.method == "setMyCommands"]
    spanish = next(c for c in calls if c.params.get("language_code") == "es")
    assert spanish.params["scope"] == {"type": "all_private_chats"}
    assert [c["description"] for c in spanish.params["commands"]] == [d for _, d in ES.menus.patient]
    assert "idioma" in dict(ES.menus.patient)["settings"]
    assert all("language_code" not in c.params for c in calls if c is not spanish)


async def test_a_spanish_red_flag_gets_a_spanish_911_reply_and_an_english_staff_alert(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send("tengo dolor en el pecho y me falta el aire", PATIENT_ID)
    reply = last(bot)
    assert reply.text.startswith("<b>Llame al 911 ahora.</b>")
    assert labels(reply) == [es("emergency.called_button"), es("emergency.mistake_button")]
    alert = bot.telegram.last_text(STAFF_CHAT_ID)
    assert "EMERGENCY" in alert and f"#{number}" in alert and "Language: Spanish" in alert
    assert "pecho" not in alert  # never the patient's words
    assert [r["urgency"] for r in await bot.rows("questions")] == ["emergency"]

    # Pushback before they tap a button: the 911 reminder, in Spanish, naming the worry in Spanish.
    await bot.send("no es nada, ya se me pasó", PATIENT_ID)
    repeat = last(bot)
    assert repeat.text.startswith("<b>Si todavía no lo ha hecho, llame al 911 ahora</b>")
    assert labels(repeat) == labels(reply)
    await bot.press(repeat.button_data[1], PATIENT_ID)
    assert bot.telegram.last_text(PATIENT_ID) == es("emergency.thanks_mistake")
    assert "I'm OK / sent by mistake" in bot.telegram.last_text(STAFF_CHAT_ID)  # staff read English


async def test_a_spanish_question_is_answered_in_spanish(bot: Bot) -> None:
    number = await bot.enrolled_patient(language_code="es")
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.tick(hours=20)
    await bot.send("¿es normal tener dolor después de la sesión?", PATIENT_ID)
    answer = bot.telegram.last_text(PATIENT_ID)
    assert answer.startswith("Su sesión fue hace unas 20 horas.")
    assert [r["topic"] for r in await bot.rows("questions")] == ["soreness"]


async def test_dates_read_in_the_patients_language(bot: Bot) -> None:
    await bot.enrolled_patient(language_code="es")
    await bot.send("/mydata", PATIENT_ID)
    assert "02 mar 2026" in bot.telegram.last_text(PATIENT_ID)  # joined on Monday 2 March 2026
    await bot.send("/settings", PATIENT_ID)
    await bot.press("set:pause:7", PATIENT_ID)
    overview = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "lun 09 mar" in overview.params["text"]
    assert ES.texts.day(date(2026, 3, 9)) == "lun 09 mar"
    assert load_content().texts.day(date(2026, 3, 9), year=True) == "Mar 09, 2026"
