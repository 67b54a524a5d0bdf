"""Buttons under check-ins and reminders, /settings, and the staff view of a patient's schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Message, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.callbacks import Callback
from bot.db import OutboxItem, Patient, PlannedSend
from bot.handlers import pending
from bot.handlers.alerts import alert_staff
from bot.handlers.common import own_patient, remove_buttons, reply, show
from bot.handlers.pending import Pending
from bot.kinds import Kind
from bot.patient_settings import SettingsScreens, parse_button, valid_zone
from bot.programmes import record_exercise_answer, reminder_day, split_answer
from bot.reminder_kinds import REMINDER_KINDS
from bot.reminders import CHECKIN, answer_checkin, was_sent, zone_of
from bot.services import ClinicContext

log = logging.getLogger(__name__)

SNOOZE = timedelta(minutes=30)
SNOOZE_MARK = ":snooze:"


def screens(context: ClinicContext) -> SettingsScreens:
    services = context.services
    return SettingsScreens(services.content.reminders, services.content.texts.clinic_fields())


def rtext(context: ClinicContext, key: str) -> str:
    services = context.services
    return services.content.reminders.render(key, services.content.texts.clinic_fields())


async def pressing_patient(update: Update, context: ClinicContext) -> Patient | None:
    """The enrolled patient who pressed a button, after acknowledging the press."""
    if update.callback_query is None:
        return None
    await update.callback_query.answer()
    return await own_patient(update, context)


async def toast(update: Update, text: str) -> None:
    """Answer a press with a short notice over the chat; nothing is sent and nothing changes."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200])


def split_item_button(data: str | None, callback: Callback) -> tuple[int, str] | None:
    fields = callback.parse(data)
    item_id = callbacks.number(fields[0], digits=11) if fields else None
    return (item_id, fields[1]) if fields and item_id is not None else None


async def pressed_item(
    update: Update, context: ClinicContext, callback: Callback, kinds: frozenset[str]
) -> tuple[Patient, OutboxItem, str] | None:
    """The patient, and the message of theirs the button was under, if the button is genuine.

    A button acts only on a message of one of ``kinds`` that was sent to this very patient. Anything
    else (a made-up id, another patient's message, one that was never sent) is forged or stale: the
    press gets a toast and changes nothing.
    """
    query = update.callback_query
    if query is None:
        return None
    parsed = split_item_button(query.data, callback)
    patient = await own_patient(update, context)
    item = await context.services.db.outbox_item(parsed[0]) if parsed else None
    if (
        parsed is None
        or patient is None
        or item is None
        or item.patient_id != patient.id
        or item.kind not in kinds
        or not was_sent(item)
    ):
        key = "reminder_replies.stale" if callback is callbacks.REMINDER else "checkin_replies.closed"
        await toast(update, rtext(context, key))
        return None
    await query.answer()
    return patient, item, parsed[1]


async def checkin_button(update: Update, context: ClinicContext) -> None:
    """An answer to a check-in: fitting advice, maybe a follow-up, and a staff alert when it calls for one."""
    services = context.services
    pressed = await pressed_item(update, context, callbacks.CHECKIN, frozenset({CHECKIN}))
    if pressed is None:
        return
    patient, item, answer_key = pressed
    now = services.clock.now()
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    result = await answer_checkin(
        services.db, services.content.reminders, now, patient.id, item, answer_key, prefs
    )
    if result.status == "invalid":
        await reply(update, rtext(context, "checkin_replies.expired"))
        return
    if result.status == "ok":
        await show_choice(update, context, item, answer_key)
    else:
        await remove_buttons(update)
    await reply(update, rtext(context, result.reply_key))
    if result.status != "ok":
        return
    log.info("patient #%s answered a check-in", patient.id)
    if result.alert_urgency is not None and result.alert_category is not None:
        await alert_staff(
            context, patient, result.alert_urgency, result.alert_category, f"checkin.{answer_key}"
        )
    if result.queued_follow_up:
        await services.scheduler.rearm()


async def show_choice(update: Update, context: ClinicContext, item: OutboxItem, answer_key: str) -> None:
    """The check-in keeps its question and says what was chosen ("You said: a bit sore"), buttons gone."""
    query = update.callback_query
    step = context.services.content.reminders.steps.get(str(item.payload.get("step", "")))
    answer = step.answer(answer_key) if step is not None else None
    if query is None or answer is None or not isinstance(query.message, Message) or not query.message.text:
        await remove_buttons(update)
        return
    said = context.services.content.texts.render("checkin.you_said", answer=answer.label.lower())
    try:
        await query.edit_message_text(f"{query.message.text_html}\n\n{said}", reply_markup=None)
    except BadRequest:
        await remove_buttons(update)


def snooze_key(item: OutboxItem) -> str:
    """The key of a snoozed copy: the original reminder's key and the row snoozed, so it never grows."""
    root = item.idempotency_key.split(SNOOZE_MARK, 1)[0]
    return f"{root}{SNOOZE_MARK}{item.id}"


async def reminder_button(update: Update, context: ClinicContext) -> None:
    """Done, Snooze or Skip under a posture or exercise reminder that was sent to this patient."""
    services = context.services
    pressed = await pressed_item(update, context, callbacks.REMINDER, REMINDER_KINDS)
    if pressed is None:
        return
    patient, item, answer = pressed
    # Under an exercise of the home programme the answer names it too ("done:chin_tuck").
    response, exercise = split_answer(answer, services.content)
    if response not in {"done", "snooze", "skip"}:
        await reply(update, rtext(context, "reminder_replies.stale"))
        return
    now = services.clock.now()
    if not await services.db.record_reminder_response(now, patient.id, item, response):
        await remove_buttons(update)
        return
    if exercise is not None and item.kind == Kind.EXERCISE:
        prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
        day = reminder_day(item, zone_of(prefs))
        await record_exercise_answer(services.db, now, patient.id, exercise, day, response)
    await remove_buttons(update)
    if response == "snooze":
        later = PlannedSend(item.kind, snooze_key(item), item.payload, now + SNOOZE, now + SNOOZE + SNOOZE)
        await services.db.enqueue(now, patient.id, [later])
        await services.scheduler.rearm()
    key = {"done": "done", "snooze": "snoozed", "skip": "skipped"}[response]
    await reply(update, rtext(context, f"reminder_replies.{key}"))


async def settings_command(update: Update, context: ClinicContext) -> None:
    services = context.services
    patient = await own_patient(update, context)
    if patient is None:
        await reply(update, rtext(context, "settings.only_patients"))
        return
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    message = screens(context).overview(prefs, services.clock.now())
    await reply(update, message.text, message)


async def settings_button(update: Update, context: ClinicContext) -> None:
    """Every /settings button: show a list of choices, or apply one and show the overview again."""
    services = context.services
    query = update.callback_query
    parsed = parse_button(query.data or "") if query else None
    now = services.clock.now()
    view = screens(context)
    choice_known = parsed is not None and (
        parsed.name == "menu"
        or (parsed.name == "tz" and parsed.value == "type")
        or (not parsed.value and parsed.name != "resume")
        or view.change(parsed.name, parsed.value, now) is not None
    )
    if parsed is None or not choice_known:
        await toast(update, rtext(context, "reminder_replies.stale"))  # forged or out of date
        return
    patient = await pressing_patient(update, context)
    if patient is None:
        await reply(update, rtext(context, "settings.only_patients"))
        return
    if parsed.name == "tz" and parsed.value == "type":
        pending.expect(context, Pending.TIME_ZONE)
        await reply(update, rtext(context, "settings.type_zone"))
        return
    if parsed.name == "menu" or (not parsed.value and parsed.name != "resume"):
        message = view.submenu(parsed.name) if parsed.name != "menu" else None
        if message is None:
            prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
            message = view.overview(prefs, now)
        await show(update, message)
        return
    changes = view.change(parsed.name, parsed.value, now)
    if changes is None:
        await reply(update, rtext(context, "reminder_replies.stale"))
        return
    await apply_changes(context, patient, changes)
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    await show(update, view.overview(prefs, now))


async def apply_changes(context: ClinicContext, patient: Patient, changes: dict[str, object]) -> None:
    services = context.services
    prefs = await services.db.update_prefs(patient.id, services.settings.clinic_timezone, **changes)
    await services.scheduler.replan(patient.id, prefs)
    log.info("patient #%s changed settings: %s", patient.id, ", ".join(sorted(changes)))


async def offer_button(update: Update, context: ClinicContext) -> None:
    """The reminder offer after joining: switch on what the patient picked, then show settings."""
    services = context.services
    patient = await pressing_patient(update, context)
    query = update.callback_query
    fields = callbacks.OFFER.parse(query.data) if query else None
    choice = fields[0] if fields else ""
    if patient is None or choice not in {*REMINDER_KINDS, "none"}:
        await reply(update, rtext(context, "settings.only_patients"))
        return
    await remove_buttons(update)
    if choice == Kind.EXERCISE:
        # Daily exercise needs a time the patient picks, not one picked for them.
        message = screens(context).submenu("extime")
        assert message is not None
        await reply(update, message.text, message)
        return
    if choice != "none":
        view = screens(context)
        changes = view.change(Kind.POSTURE if choice == Kind.POSTURE else "ex", "on", services.clock.now())
        if changes:
            await apply_changes(context, patient, changes)
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    message = screens(context).overview(prefs, services.clock.now())
    await reply(update, message.text, message)


async def typed_zone(update: Update, context: ClinicContext, patient: Patient, text: str) -> bool:
    """After "Type a zone name", take a routine message as the zone. True if it was handled here.

    Called only after the red-flag check found nothing, so a zone prompt never delays safety advice.
    A sentence is not a zone name: it goes on to be answered as a question.
    """
    if pending.clear(context, {Pending.TIME_ZONE}) is None:
        return False
    services = context.services
    zone = valid_zone(text)
    if zone is None:
        if any(ch.isspace() for ch in text.strip()):
            return False
        await reply(update, rtext(context, "settings.bad_zone"))
        return True
    await apply_changes(context, patient, {"timezone": zone})
    clinic = services.content.texts.clinic_fields()
    await reply(update, services.content.reminders.render("settings.zone_set", clinic, timezone=zone))
    return True
