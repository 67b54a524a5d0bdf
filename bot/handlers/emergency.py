"""After a 911 reply: two buttons ("I've called 911 / help is here", "I'm OK / sent by mistake") and
short reminders until the patient taps one or staff mark the alert handled.

The state is the alert row itself (``alerts.patient_answer``, ``alerts.handled_by``), so it survives a
restart. A button is tied to its alert and only works for the patient that alert is about.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import callbacks
from bot.content import Texts
from bot.db import Alert, Patient
from bot.handlers.common import patient_content, remove_buttons, reply
from bot.outbox import Button, OutgoingMessage
from bot.priority import Priority
from bot.services import ClinicContext

log = logging.getLogger(__name__)

# What the patient can answer, as stored in alerts.patient_answer.
ANSWERS = ("called", "mistake")


def emergency_message(texts: Texts, text: str, alert_id: int) -> OutgoingMessage:
    """A 911 reply or reminder with the two buttons for its alert."""
    return OutgoingMessage(
        text,
        tuple(
            (
                Button(
                    texts.render_plain(f"emergency.{answer}_button"),
                    callbacks.EMERGENCY.data(alert_id, answer),
                ),
            )
            for answer in ANSWERS
        ),
    )


def parse_emergency_data(data: str) -> tuple[int, str] | None:
    """(alert id, answer) from a button's data, or None for anything else."""
    fields = callbacks.EMERGENCY.parse(data)
    if fields is None:
        return None
    alert_id, answer = callbacks.number(fields[0]), fields[1]
    if alert_id is None or answer not in ANSWERS:
        return None
    return alert_id, answer


async def send_emergency_reply(update: Update, texts: Texts, text: str, alert_id: int) -> None:
    """A 911 reply, its buttons in the language of ``texts`` (the reply's own)."""
    await reply(update, text, emergency_message(texts, text, alert_id), Priority.EMERGENCY)


async def remind_emergency(update: Update, context: ClinicContext, alert: Alert, language: str) -> None:
    """The short reminder for a message that came while a 911 reply is still unanswered: the worry in
    the patient's words (never the staff category), with the same buttons, in ``language``."""
    services = context.services
    texts = services.content.for_language(language).texts
    worry = services.engine_for(language).worry(alert.rule) or texts.render_plain("emergency.worry_unknown")
    repeat = texts.render("fallback.emergency_repeat", worry=worry)
    await send_emergency_reply(update, texts, repeat, alert.id)


async def emergency_button(update: Update, context: ClinicContext) -> None:
    """The patient's answer to a 911 reply: ends the reminders, thanks them and tells the staff."""
    services = context.services
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    parsed = parse_emergency_data(query.data or "")
    patient = await services.db.patient_by_user(user.id)
    texts = patient_content(update, context, patient).texts
    alert = await services.db.alert(parsed[0]) if parsed is not None else None
    if parsed is None or patient is None or alert is None or alert.patient_id != patient.id:
        # Forged, someone else's, or the patient's data was erased since: nothing changes.
        await query.answer(texts.render_plain("emergency.stale"), show_alert=True)
        return
    answer = parsed[1]
    now = services.clock.now()
    if not await services.db.answer_emergency(now, alert.id, patient.id, answer):
        await query.answer(texts.render_plain("emergency.already"))
        return
    log.info("alert %s: patient #%s answered the 911 reply (%s)", alert.id, patient.id, answer)
    services.alerts.handled(alert.id)  # a later red flag is news again, with new buttons
    await query.answer()
    await remove_buttons(update)
    await reply(update, texts.render(f"emergency.thanks_{answer}"))
    await tell_staff(context, patient, alert, answer)


async def tell_staff(context: ClinicContext, patient: Patient, alert: Alert, answer: str) -> None:
    services = context.services
    texts = services.content.texts
    note = texts.render(
        "staff.alert_patient_answer",
        number=patient.id,
        button=texts.render_plain(f"emergency.{answer}_button"),
        time=services.clock.now().astimezone(services.settings.clinic_zone).strftime("%H:%M"),
        category=alert.category,
    )
    await services.alerts.note(OutgoingMessage(note))
