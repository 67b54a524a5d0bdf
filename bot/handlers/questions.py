"""Free-text messages: red flags first, then the answer; staff alerts for anything urgent.

The message text goes to the answer engine and nowhere else: not to the database, not to the logs,
not into the staff alert (which names the matched category instead).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.db import Patient
from bot.handlers.alerts import alert_staff
from bot.handlers.common import app_language, reply
from bot.handlers.emergency import remind_emergency, send_emergency_reply
from bot.handlers.language import offer_language
from bot.handlers.reminders import typed_zone
from bot.priority import Priority
from bot.reply_language import written_in
from bot.services import ClinicContext

log = logging.getLogger(__name__)

ESCALATED = frozenset({"emergency", "urgent"})


def reply_priority(urgency: str) -> Priority:
    return Priority.EMERGENCY if urgency == "emergency" else Priority.REPLY


async def hours_since_last_session(context: ClinicContext, patient: Patient) -> float | None:
    session = await context.services.db.last_session(patient.id)
    if session is None:
        return None
    elapsed = context.services.clock.now() - session.session_at
    return max(elapsed.total_seconds() / 3600, 0.0)


def message_language(update: Update, context: ClinicContext, patient: Patient | None, text: str) -> str:
    """The language to read and answer ``text`` in: the one it is written in, if the bot reads it,
    else the patient's own (a stranger's: their Telegram app's)."""
    usual = patient.language if patient is not None else app_language(update, context)
    return written_in(text, usual, context.services.engines)


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
        engine = services.engine_for(message_language(update, context, patient, message.text))
        urgency = engine.answer(message.text, hours_since_session=hours).urgency
        if urgency not in ESCALATED and await typed_zone(update, context, patient, message.text):
            return
    await on_text(update, context)


async def on_text(update: Update, context: ClinicContext) -> None:
    """Answer a patient's question; strangers get red-flag routing too, then how to join."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    patient = await services.db.patient_by_user(user.id)
    hours = await hours_since_last_session(context, patient) if patient else None
    language = message_language(update, context, patient, message.text)
    texts = services.content.for_language(language).texts
    result = services.engine_for(language).answer(message.text, hours_since_session=hours)
    # Ids and rule ids only: never the text, never a name.
    log.debug("user %s: topic %s, urgency %s, rule %s", user.id, result.topic, result.urgency, result.rule)

    if patient is None:
        # Not enrolled: safety replies still go out, and staff can preview answers.
        if result.urgency in ESCALATED or services.access.is_staff(user.id):
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
    if language != patient.language:
        await offer_language(update, context, patient, language)
