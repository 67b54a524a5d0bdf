"""Patients' own data: /mydata shows it, /forget erases it."""

from __future__ import annotations

import logging

from telegram import Update

from bot import callbacks
from bot.handlers.alerts import close_erased_alerts
from bot.handlers.common import own_patient, patient_content, remove_buttons, reply, their_content
from bot.handlers.menus import reset_patient_menu
from bot.outbox import Button, OutgoingMessage
from bot.privacy import my_data
from bot.services import ClinicContext
from bot.staff_notices import PatientEvent

log = logging.getLogger(__name__)


async def mydata_command(update: Update, context: ClinicContext) -> None:
    services = context.services
    patient = await own_patient(update, context)
    content = patient_content(update, context, patient)
    if patient is None:
        await reply(update, content.texts.render("privacy.nothing_stored"))
        return
    for message in await my_data(services.db, content, patient, services.settings.clinic_timezone):
        await reply(update, message)


async def forget_command(update: Update, context: ClinicContext) -> None:
    """Ask first: erasing cannot be undone."""
    texts = (await their_content(update, context)).texts
    if await own_patient(update, context) is None:
        await reply(update, texts.render("privacy.nothing_stored"))
        return
    confirm = OutgoingMessage(
        texts.render("privacy.forget_confirm"),
        (
            (
                Button(texts.render("privacy.forget_yes"), callbacks.FORGET.data("yes")),
                Button(texts.render("privacy.forget_no"), callbacks.FORGET.data("no")),
            ),
        ),
    )
    await reply(update, confirm.text, confirm)


async def forget_button(update: Update, context: ClinicContext) -> None:
    """Erase the data of whoever pressed the button; the button names no patient, so it can't be aimed."""
    services = context.services
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await remove_buttons(update)
    patient = await own_patient(update, context)
    texts = patient_content(update, context, patient).texts
    if patient is None:
        await reply(update, texts.render("privacy.nothing_stored"))
    elif callbacks.FORGET.parse(query.data) == ("yes",):
        erasure = await services.db.erase_patient(services.clock.now(), patient.id, actor_id=0)
        log.info("patient #%s erased their data", patient.id)
        if erasure is not None:
            await close_erased_alerts(context.bot, services, erasure)
        if not services.access.is_staff(query.from_user.id):
            # A language chosen in /settings set this chat's own menu: back to their app's language.
            await reset_patient_menu(context.bot, patient.chat_id)
        await reply(update, texts.render("privacy.forget_done"))
        if erasure is not None:
            await services.notices.notify(PatientEvent.ERASED, patient.id)
    else:
        await reply(update, texts.render("privacy.forget_kept"))
