"""Each patient's language: choosing it in /settings, and the one-time offer to switch after a message
written in another language the bot speaks (that message is answered in its own language)."""

from __future__ import annotations

import logging

from telegram import Update

from bot import callbacks
from bot.db import Patient
from bot.handlers.common import own_patient, patient_content, remove_buttons, reply, show
from bot.handlers.menus import show_patient_menu
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import SettingsScreens
from bot.services import ClinicContext

log = logging.getLogger(__name__)

KEEP = "keep"


async def set_language(context: ClinicContext, patient: Patient, language: str) -> None:
    """Store the patient's language and give their chat the command menu in it."""
    services = context.services
    await services.db.set_patient_language(patient.id, language)
    log.info("patient #%s changed settings: language", patient.id)
    if patient.telegram_user_id is not None and not services.access.is_staff(patient.telegram_user_id):
        # Staff who are patients too keep their staff menu.
        await show_patient_menu(context.bot, patient.chat_id, services.content.for_language(language))


async def change_language(update: Update, context: ClinicContext, patient: Patient, language: str) -> None:
    """The patient picked a language in /settings: store it, show their settings in it, say so in it."""
    services = context.services
    await set_language(context, patient, language)
    content = services.content.for_language(language)
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    await show(update, SettingsScreens(content).overview(prefs, services.clock.now()))
    await reply(update, content.texts.render("language.changed"))


async def offer_language(update: Update, context: ClinicContext, patient: Patient, language: str) -> None:
    """After answering a message written in ``language`` (not the patient's own): offer, once ever,
    to write to them in it. The offer is in that language; its buttons name no patient."""
    services = context.services
    if patient.language_offered_at is not None or language not in services.content.languages:
        return
    if not await services.db.mark_language_offered(services.clock.now(), patient.id):
        return
    texts = services.content.for_language(language).texts
    offer = OutgoingMessage(
        texts.render("language.offer"),
        (
            (
                Button(texts.render_plain("language.offer_yes"), callbacks.LANGUAGE_OFFER.data(language)),
                Button(texts.render_plain("language.offer_no"), callbacks.LANGUAGE_OFFER.data(KEEP)),
            ),
        ),
    )
    await reply(update, offer.text, offer)


async def language_offer_button(update: Update, context: ClinicContext) -> None:
    """Yes: the patient's language becomes the one offered. No: it stays; either way, said in it."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    patient = await own_patient(update, context)
    fields = callbacks.LANGUAGE_OFFER.parse(query.data)
    choice = fields[0] if fields else ""
    content = patient_content(update, context, patient)
    if patient is None or (choice != KEEP and choice not in context.services.content.languages):
        await reply(update, content.texts.render("fallback.stale_button"))
        return
    await remove_buttons(update)
    if choice == KEEP:
        await reply(update, content.texts.render("language.kept"))
        return
    await set_language(context, patient, choice)
    await reply(update, context.services.content.for_language(choice).texts.render("language.changed"))
