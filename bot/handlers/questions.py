"""Free-text messages: red flags first, then the answer; staff alerts for anything urgent.

The message text goes to the language detector and the answer engine and nowhere else: not to the
database, not to the logs, not into the staff alert (which names the matched category, or the
language, instead).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.answers import Answer
from bot.db import Patient
from bot.handlers.alerts import alert_staff
from bot.handlers.common import app_language, reply
from bot.handlers.emergency import remind_emergency, send_emergency_reply
from bot.handlers.language import offer_language
from bot.handlers.reminders import typed_zone
from bot.priority import Priority
from bot.services import ClinicContext

log = logging.getLogger(__name__)

ESCALATED = frozenset({"emergency", "urgent"})
# The alert tier of "wrote in a language the bot does not read" (staff.alert_urgency_language).
LANGUAGE_ALERT = "language"
# The fewest words in a message in the patient's other language that bring the offer to switch to it.
OFFER_MIN_WORDS = 3


def reply_priority(urgency: str) -> Priority:
    return Priority.EMERGENCY if urgency == "emergency" else Priority.REPLY


async def hours_since_last_session(context: ClinicContext, patient: Patient) -> float | None:
    session = await context.services.db.last_session(patient.id)
    if session is None:
        return None
    elapsed = context.services.clock.now() - session.session_at
    return max(elapsed.total_seconds() / 3600, 0.0)


async def on_typed_zone(update: Update, context: ClinicContext) -> None:
    """Text while /settings waits for a zone name: red flags first, as for every patient message;
    a routine message that names a zone sets it, anything else is answered as a question."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    patient = await services.db.patient_by_user(user.id)
    if patient is not None:
        hours = await hours_since_last_session(context, patient)
        urgency = services.languages.read(message.text, patient.language, hours).answer.urgency
        if urgency not in ESCALATED and await typed_zone(update, context, patient, message.text):
            return
    await on_text(update, context)


async def on_text(update: Update, context: ClinicContext) -> None:
    """Answer a patient's question in the language it was written in; strangers get red-flag routing
    too, then how to join. A message in a language the bot does not read gets the notice (and staff an
    alert), unless the English read of it found a red flag: then that reply goes first, the notice after."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    patient = await services.db.patient_by_user(user.id)
    hours = await hours_since_last_session(context, patient) if patient else None
    usual = patient.language if patient is not None else app_language(update, context)
    reading = services.languages.read(message.text, usual, hours)
    result = reading.answer
    # Ids, codes and rule ids only: never the text, never a name.
    log.debug(
        "user %s: language %s, topic %s, urgency %s, rule %s",
        *(user.id, reading.language, result.topic, result.urgency, result.rule),
    )
    if reading.needs_notice_only:
        await notice_foreign_language(update, context, patient, reading.language)
        return
    # Answered in the language it was written in where the bot reads it, else in the patient's own.
    language = usual if reading.foreign else reading.language
    # A word or two ("gracias") is no reason to offer a patient the other language.
    offer = language != usual and len(message.text.split()) >= OFFER_MIN_WORDS
    await answer_question(update, context, patient, result, language, offer_switch=offer)
    if reading.foreign:
        notice = services.languages.notice(reading.language)
        await reply(update, notice, priority=reply_priority(result.urgency))


async def notice_foreign_language(
    update: Update, context: ClinicContext, patient: Patient | None, language: str
) -> None:
    """The fixed notice in the patient's language and English; staff hear who wrote in which language
    (never what). Strangers get the notice alone."""
    languages = context.services.languages
    await reply(update, languages.notice(language))
    if patient is not None:
        category = f"wrote in {languages.name(language)}"
        await context.services.alerts.report(patient, LANGUAGE_ALERT, category, f"language.{language}")


async def answer_question(
    update: Update,
    context: ClinicContext,
    patient: Patient | None,
    result: Answer,
    language: str,
    *,
    offer_switch: bool = False,
) -> None:
    """Send the engine's answer in ``language``; record the topic and urgency (never the text); alert
    staff if urgent; offer a patient who wrote in the other language to switch to it."""
    services = context.services
    texts = services.content.for_language(language).texts
    user = update.effective_user
    if patient is None:
        # Not enrolled: safety replies still go out, and staff can preview answers.
        if result.urgency in ESCALATED or (user is not None and services.access.is_staff(user.id)):
            await reply(update, result.reply, priority=reply_priority(result.urgency))
        else:
            await reply(update, texts.render("fallback.stranger_text"))
        return
    now = services.clock.now()
    category = result.category or result.rule
    if result.urgency == "emergency":
        # The alert is recorded first so that the 911 reply's buttons can name it; staff hear of it
        # right after the reply has gone out.
        alert_id = await services.alerts.record(patient, result.urgency, category, result.rule)
        await send_emergency_reply(update, texts, result.reply, alert_id)
        await services.db.log_question(now, patient.id, result.topic, result.urgency)
        await services.alerts.flush()
        return
    window = timedelta(minutes=services.content.safety.emergency_repeat_minutes)
    earlier = (
        await services.db.open_emergency(patient.id, now - window) if result.urgency == "routine" else None
    )
    if earlier is not None:
        # Pushback after a 911 instruction ("it's probably nothing") is not answered with home advice.
        await remind_emergency(update, context, earlier, language)
    else:
        await reply(update, result.reply, priority=reply_priority(result.urgency))
    await services.db.log_question(now, patient.id, result.topic, result.urgency)
    if result.urgency in ESCALATED:
        await alert_staff(context, patient, result.urgency, category, result.rule)
    if offer_switch:
        await offer_language(update, context, patient, language)
