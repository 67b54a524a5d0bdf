"""Staff alerts: who needs a call and how urgently, with a "Handled" button that records who took it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot, Message, Update
from telegram.error import TelegramError

from bot import callbacks
from bot.content import Language, Texts
from bot.content.languages import staff_name
from bot.db import Erasure, Patient
from bot.handlers.common import remove_buttons
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import clock_time
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)


def staff_time(local: datetime, *, with_day: bool = False) -> str:
    """Times for staff in the same 12-hour style patients see ("Mon Mar 02, 9:05 AM")."""
    day = local.strftime("%a %b %d, ") if with_day else ""
    return day + clock_time(local.time())


def alert_message(
    texts: Texts,
    languages: Mapping[str, Language],
    zone: ZoneInfo,
    alert_id: int,
    patient: Patient,
    urgency: str,
    category: str,
    created_at: datetime,
    repeats: int = 0,
    last_at: datetime | None = None,
    patient_answer: str | None = None,
) -> OutgoingMessage:
    """The staff alert: patient, urgency, matched category, what the patient was told; never their words.

    ``repeats`` counts the further messages of the same kind grouped into this alert since. The
    alert says which language the patient reads ("Spanish"), so whoever calls knows.
    """
    text = texts.render(
        "staff.alert",
        urgency_label=texts.render(f"staff.alert_urgency_{urgency}"),
        number=patient.id,
        name=patient.display_name,
        category=category,
        advice=texts.render(f"staff.alert_advice_{urgency}"),
        time=staff_time(created_at.astimezone(zone), with_day=True),
    )
    text = f"{text}\n{texts.render('staff.alert_language', language=staff_name(languages, patient.language))}"
    if repeats:
        last = staff_time((last_at or created_at).astimezone(zone))
        more = (
            texts.render("staff.alert_repeat", time=last)
            if repeats == 1
            else texts.render("staff.alert_repeats", count=repeats, time=last)
        )
        text = f"{text}\n{more}"
    if patient_answer is not None:  # the patient's button under the 911 reply
        button = texts.render_plain(f"emergency.{patient_answer}_button")
        text = f"{text}\n{texts.render('staff.alert_answered', button=button)}"
    return OutgoingMessage(
        text, ((Button(texts.render("staff.alert_button"), callbacks.ALERT.data(alert_id)),),)
    )


async def alert_staff(
    context: ClinicContext, patient: Patient, urgency: str, category: str, rule: str
) -> None:
    """Record an alert and tell staff (the staff group, or each admin when there is none).

    The alert desk groups repeats and never waits: a staff chat at Telegram's limit gets it later.
    """
    await context.services.alerts.report(patient, urgency, category, rule)


async def alert_handled_button(update: Update, context: ClinicContext) -> None:
    """The "Handled" button under an alert: records who handled it, for staff only."""
    services = context.services
    texts = services.content.texts
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    if not services.access.is_staff(user.id):
        await query.answer(texts.render("staff.only_staff"), show_alert=True)
        return
    fields = callbacks.ALERT.parse(query.data)
    alert_id = callbacks.number(fields[0], digits=18) if fields else None
    alert = await services.db.alert(alert_id) if alert_id is not None else None
    if alert is None:
        await query.answer(texts.render_plain("staff.alert_gone"))
        await remove_buttons(update)
        return
    now = services.clock.now()
    if not await services.db.handle_alert(now, alert.id, user.id):
        await query.answer(texts.render("staff.alert_already"))
        await remove_buttons(update)
        return
    services.alerts.handled(alert.id)
    await query.answer(texts.render("staff.alert_done"))
    handled = texts.render(
        "staff.alert_handled",
        handler=user.full_name,
        time=staff_time(now.astimezone(services.settings.clinic_zone)),
    )
    original = query.message.text_html if isinstance(query.message, Message) and query.message.text else ""
    try:
        await query.edit_message_text(f"{original}\n\n{handled}" if original else handled)
    except TelegramError as exc:
        log.info("could not update alert message %s: %s", alert.id, type(exc).__name__)


async def close_erased_alerts(bot: Bot, services: Services, erasure: Erasure) -> None:
    """Edit the erased patient's open alerts in the staff chat: say so, drop the name and the button."""
    text = services.content.texts.render("staff.alert_erased", number=erasure.patient_id)
    for chat_id, message_id in erasure.open_alert_messages:
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("could not close an alert message in chat %s: %s", chat_id, type(exc).__name__)
