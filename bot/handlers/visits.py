"""Visits and care plans: staff /visit, /visits, /plan and /due; the patient's /visit; and the
buttons under the day-before reminder and the nudge to book. Thin: the rules live in bot/visits.py
and bot/care_plans.py, the messages in bot/visit_messages.py, the words in bot/content/visits.toml."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from telegram import Update

from bot import callbacks
from bot.care_plans import PlanError, parse_plan
from bot.content.visits import NONE_ITEM
from bot.db import Patient, Visit
from bot.handlers.common import own_patient, remove_buttons, reply
from bot.handlers.staff import patient_number
from bot.kinds import Kind
from bot.messages import OutgoingMessage
from bot.services import ClinicContext, Services
from bot.visit_messages import VisitRenderers
from bot.visits import (
    ALL_KINDS,
    NUDGE_KINDS,
    PREVISIT,
    VISIT_KINDS,
    VisitInputError,
    cancelled_notice,
    care_plan_of,
    check_bookable,
    confirm_key,
    due_date,
    due_patients,
    encode_plan,
    language_of,
    nudge_send,
    parse_visit_time,
    snoozed_nudge,
    visit_sends,
)

log = logging.getLogger(__name__)

_WHEN = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:[ T]+|\s*)(\d{1,2}:\d{2})$")
VISITS_DAYS = 14
MAX_LINES = 30
PLAN_OFF = frozenset({"off", "remove", "stop", "none", "delete", "cancel"})


def _staff_text(services: Services, key: str, **values: object) -> str:
    return services.content.visits.staff(key, services.content.texts.clinic_fields(), **values)


def _clinic_when(services: Services, visit: Visit) -> str:
    local = visit.visit_at.astimezone(services.settings.clinic_zone)
    return services.content.visits.when(local.replace(tzinfo=None))


def _renderers(services: Services) -> VisitRenderers:
    return VisitRenderers(services.db, services.content, services.clock, services.settings.clinic_zone)


async def _staff_patient(update: Update, services: Services, args: list[str], usage: str) -> Patient | None:
    """The patient a staff command names (replying with the usage or "no such patient" otherwise)."""
    number = patient_number(args[0]) if args else None
    if number is None:
        await reply(update, _staff_text(services, usage))
        return None
    patient = await services.db.patient(number)
    if patient is None:
        await reply(update, _staff_text(services, "not_found", number=number))
    return patient


async def visit_command(update: Update, context: ClinicContext) -> None:
    """Staff: ``/visit 12 2026-12-09 15:00`` books, ``/visit 12 cancel`` cancels, ``/visit 12`` shows."""
    services = context.services
    user = update.effective_user
    args = context.args or []
    patient = await _staff_patient(update, services, args, "visit_usage")
    if patient is None or user is None:
        return
    rest = " ".join(args[1:]).strip()
    if not rest:
        await _show_visit(update, services, patient)
    elif rest.lower() == "cancel":
        await _cancel_visit(update, services, user.id, patient)
    else:
        await _book_visit(update, services, user.id, patient, rest)


async def _show_visit(update: Update, services: Services, patient: Patient) -> None:
    visit = await services.db.next_visit(patient.id, services.clock.now())
    if visit is None:
        await reply(
            update, _staff_text(services, "nothing_to_cancel", number=patient.id, name=patient.display_name)
        )
        return
    when = _clinic_when(services, visit)
    await reply(
        update, _staff_text(services, "show", number=patient.id, name=patient.display_name, when=when)
    )


async def _book_visit(update: Update, services: Services, staff_id: int, patient: Patient, text: str) -> None:
    named = {"number": patient.id, "name": patient.display_name}
    if patient.status != "active":
        key = "not_joined" if patient.status == "invited" else "stopped"
        await reply(update, _staff_text(services, key, **named))
        return
    timing = services.content.visits.timing
    now = services.clock.now()
    match = _WHEN.match(text)
    try:
        if match is None:
            raise VisitInputError("visit_bad_date")
        visit_at = parse_visit_time(match.group(1), match.group(2), services.settings.clinic_zone)
    except VisitInputError as error:
        values = {"text": text[:40], "number": patient.id, **error.values}
        await reply(update, _staff_text(services, error.reason, **values))
        return
    local = services.content.visits.when(
        visit_at.astimezone(services.settings.clinic_zone).replace(tzinfo=None)
    )
    problem = check_bookable(visit_at, now, timing)
    if problem is not None:
        await reply(update, _staff_text(services, problem, when=local))
        return
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    visit_id, _, replaced = await services.db.book_visit(
        now,
        staff_id,
        patient.id,
        visit_at,
        lambda vid: visit_sends(vid, visit_at, prefs, timing, now),
        ALL_KINDS,
    )
    log.info("staff %s booked visit %s for patient #%s", staff_id, visit_id, patient.id)
    await services.scheduler.send_now([confirm_key(visit_id)])
    note = _staff_text(services, await _confirmation_state(services, confirm_key(visit_id)))
    if replaced:
        note = f"{_staff_text(services, 'booked_replaced')} {note}"
    await reply(update, _staff_text(services, "booked", when=local, sent=note, **named))


async def _confirmation_state(services: Services, key: str) -> str:
    """Sent; on its way (held a second or two by Telegram's pace for one chat); or waiting for the
    patient's quiet hours to end."""
    if await services.db.outbox_status(key) == "sent":
        return "confirm_sent"
    waiting = await services.db.outbox_by_keys([key])
    if waiting and waiting[0].due_at - services.clock.now() <= timedelta(minutes=1):
        return "confirm_soon"
    return "confirm_waiting"


async def _cancel_visit(update: Update, services: Services, staff_id: int, patient: Patient) -> None:
    named = {"number": patient.id, "name": patient.display_name}
    now = services.clock.now()
    visit = await services.db.next_visit(patient.id, now)
    if visit is None or await services.db.cancel_visit(now, staff_id, patient.id, VISIT_KINDS) is None:
        await reply(update, _staff_text(services, "nothing_to_cancel", **named))
        return
    when = _clinic_when(services, visit)
    # The patient is told through the outbox like every message about a visit (quiet hours apply).
    notice = cancelled_notice(visit, now)
    await services.db.enqueue(now, patient.id, [notice])
    await services.scheduler.send_now([notice.key])
    await refresh_nudge(services, patient.id)
    await reply(update, _staff_text(services, "cancelled", when=when, **named))


async def refresh_nudge(services: Services, patient_id: int) -> None:
    """Re-queue the patient's nudge to book from their plan as it stands now (after a new session, a
    cancelled visit or a new plan): the old one is cancelled, the new one keyed by its due day."""
    now = services.clock.now()
    status = await services.db.plan_status(patient_id, now)
    if status is None:
        return
    prefs = await services.db.prefs(patient_id, services.settings.clinic_timezone)
    send = nudge_send(status, prefs, services.content.visits.timing, services.settings.clinic_zone, now)
    await services.db.replace_nudges(now, patient_id, [send] if send else [], NUDGE_KINDS)
    await services.scheduler.rearm()


async def patient_visit_command(update: Update, context: ClinicContext) -> None:
    """A patient's ``/visit``: their next visit. With arguments it is the staff command: refused."""
    services = context.services
    clinic = services.content.texts.clinic_fields()
    if context.args:
        await reply(update, services.content.texts.render("staff.only_staff"))
        return
    patient = await own_patient(update, context)
    if patient is None:
        await reply(update, services.content.visits.patient("not_patient", clinic))
        return
    lang = language_of(patient)
    visit = await services.db.next_visit(patient.id, services.clock.now())
    if visit is None:
        await reply(update, services.content.visits.patient("no_visit", clinic, lang))
        return
    when = _renderers(services).when(visit, lang)
    await reply(update, services.content.visits.patient("your_visit", clinic, lang, when=when))


async def visits_command(update: Update, context: ClinicContext) -> None:
    """Staff: ``/visits`` lists the visits booked in the coming 14 days, with pre-visit flags."""
    services = context.services
    now = services.clock.now()
    visits, total = await services.db.upcoming_visits(now, now + timedelta(days=VISITS_DAYS), MAX_LINES)
    if not visits:
        await reply(update, _staff_text(services, "visits_none", days=VISITS_DAYS))
        return
    lines = [_staff_text(services, "visits_header", days=VISITS_DAYS)]
    for visit, name in visits:
        checks = [item for item in await services.db.visit_checks(visit.id) if item != NONE_ITEM]
        flags = ""
        if checks:
            staff_items = [_staff_item(services, key) for key in checks]
            flags = " " + _staff_text(services, "visits_flags", items=", ".join(staff_items))
        if visit.reschedule_asked_at is not None:
            flags += " " + _staff_text(services, "visits_reschedule")
        when = _clinic_when(services, visit)
        lines.append(
            _staff_text(services, "visits_line", when=when, number=visit.patient_id, name=name, flags=flags)
        )
    if total > len(visits):
        lines.append(_staff_text(services, "visits_more", count=total - len(visits)))
    await reply(update, "\n".join(lines))


def _staff_item(services: Services, key: str) -> str:
    """How staff read a safety-check answer ("blood thinners or a bleeding problem")."""
    item = services.content.visits.item(key)
    return item.staff if item is not None else key


async def plan_command(update: Update, context: ClinicContext) -> None:
    """Staff: ``/plan 12 weekly x6 then monthly`` sets, ``/plan 12`` shows, ``/plan 12 off`` removes."""
    services = context.services
    user = update.effective_user
    args = context.args or []
    patient = await _staff_patient(update, services, args, "plan_usage")
    if patient is None or user is None:
        return
    named = {"number": patient.id, "name": patient.display_name}
    text = " ".join(args[1:]).strip()
    now = services.clock.now()
    if not text:
        await reply(update, await plan_summary(services, patient, "plan_show"))
        return
    if text.lower() in PLAN_OFF:
        await services.db.remove_care_plan(now, user.id, patient.id, NUDGE_KINDS)
        await reply(update, _staff_text(services, "plan_removed", **named))
        return
    try:
        plan = parse_plan(text)
    except PlanError as error:
        await reply(update, _staff_text(services, error.reason, text=text[:60], number=patient.id))
        return
    await services.db.set_care_plan(now, user.id, patient.id, encode_plan(plan), [], NUDGE_KINDS)
    await refresh_nudge(services, patient.id)
    await reply(update, await plan_summary(services, patient, "plan_set"))


async def plan_summary(services: Services, patient: Patient, key: str) -> str:
    named = {"number": patient.id, "name": patient.display_name}
    status = await services.db.plan_status(patient.id, services.clock.now())
    if status is None:
        return _staff_text(services, "plan_none", **named)
    due = due_date(status, services.settings.clinic_zone)
    tail = (
        _staff_text(services, "plan_due", date=f"{due:%a %b %d}")
        if due
        else _staff_text(services, "plan_complete")
    )
    if status.next_visit is not None:
        local = status.next_visit.astimezone(services.settings.clinic_zone).replace(tzinfo=None)
        tail += " " + _staff_text(services, "plan_booked", when=services.content.visits.when(local))
    if not status.plan.nudges_on:
        tail += " " + _staff_text(services, "plan_nudges_off")
    return _staff_text(services, key, plan=care_plan_of(status.plan).describe(), due=tail, **named)


async def due_command(update: Update, context: ClinicContext) -> None:
    """Staff: ``/due`` lists patients due or overdue by their care plan, with no visit booked."""
    services = context.services
    zone = services.settings.clinic_zone
    today = services.clock.now().astimezone(zone).date()
    rows = due_patients(await services.db.plan_statuses(services.clock.now()), today, zone)
    if not rows:
        await reply(update, _staff_text(services, "due_none"))
        return
    lines = [_staff_text(services, "due_header")]
    for row in rows[:MAX_LINES]:
        days = row.days_over(today)
        late = (
            _staff_text(services, "due_today")
            if days == 0
            else _staff_text(services, "due_one_day")
            if days == 1
            else _staff_text(services, "due_days_over", days=days)
        )
        last = row.status.last_session or _staff_text(services, "due_never")
        lines.append(
            _staff_text(
                services,
                "due_line",
                number=row.status.plan.patient_id,
                name=row.status.display_name,
                due=f"{row.due:%a %b %d}",
                late=late,
                last=last,
                plan=care_plan_of(row.status.plan).describe(),
            )
        )
    if len(rows) > MAX_LINES:
        lines.append(_staff_text(services, "due_more", count=len(rows) - MAX_LINES))
    await reply(update, "\n".join(lines))


async def visit_button(update: Update, context: ClinicContext) -> None:
    """A safety-check answer under the day-before reminder, or "I need to reschedule"."""
    query = update.callback_query
    services = context.services
    if query is None:
        return
    await query.answer()
    clinic = services.content.texts.clinic_fields()
    visit_field, answer = callbacks.VISIT.parse(query.data) or ("", "")
    visit_id = callbacks.number(visit_field)
    patient = await own_patient(update, context)
    visit = await services.db.visit(visit_id) if visit_id is not None else None
    if patient is None or visit is None or visit.patient_id != patient.id:
        await reply(update, services.content.texts.render("fallback.stale_button"))
        return
    lang = language_of(patient)
    if visit.status != "booked" or visit.visit_at <= services.clock.now():
        await reply(update, services.content.visits.patient("check_closed", clinic, lang))
        return
    if answer == "reschedule":
        await _reschedule(update, services, patient, visit)
    elif answer == NONE_ITEM or services.content.visits.item(answer) is not None:
        await _safety_answer(update, services, patient, visit, answer)
    else:
        await reply(update, services.content.texts.render("fallback.stale_button"))


async def _safety_answer(
    update: Update, services: Services, patient: Patient, visit: Visit, answer: str
) -> None:
    clinic = services.content.texts.clinic_fields()
    lang = language_of(patient)
    texts = services.content.visits
    if not await services.db.record_visit_check(services.clock.now(), visit.id, answer):
        await reply(update, texts.patient("check_already", clinic, lang))
        return
    item = texts.item(answer)
    if item is None:  # "None of these"
        when = _renderers(services).when(visit, lang, relative=True)
        text = texts.patient("none_reply", clinic, lang, when=when)
        await reply(
            update, text, OutgoingMessage(text, _renderers(services).reschedule_button(visit.id, lang))
        )
        return
    log.info("pre-visit flag for patient #%s visit %s: %s", patient.id, visit.id, item.key)
    category = _staff_text(services, "flag_category", item=item.staff, when=_clinic_when(services, visit))
    await reply(update, texts.patient("flag_reply", clinic, lang))
    await services.alerts.report(patient, PREVISIT, category, f"previsit:{visit.id}:{item.key}")


async def _reschedule(update: Update, services: Services, patient: Patient, visit: Visit) -> None:
    clinic = services.content.texts.clinic_fields()
    lang = language_of(patient)
    if not await services.db.ask_reschedule(services.clock.now(), visit.id):
        await reply(update, services.content.visits.patient("reschedule_already", clinic, lang))
        return
    when = _clinic_when(services, visit)
    note = _staff_text(services, "reschedule_note", number=patient.id, name=patient.display_name, when=when)
    await reply(update, services.content.visits.patient("reschedule_reply", clinic, lang))
    await services.alerts.note(OutgoingMessage(note))


async def nudge_button(update: Update, context: ClinicContext) -> None:
    """The patient's answer to the nudge to book: booked, remind me next week, or stop these."""
    query = update.callback_query
    services = context.services
    if query is None:
        return
    await query.answer()
    clinic = services.content.texts.clinic_fields()
    item_field, action = callbacks.NUDGE.parse(query.data) or ("", "")
    item_id = callbacks.number(item_field)
    patient = await own_patient(update, context)
    item = await services.db.outbox_item(item_id) if item_id is not None else None
    valid = item is not None and item.kind == Kind.VISIT_NUDGE and item.status == "sent"
    if (
        patient is None
        or item is None
        or not valid
        or item.patient_id != patient.id
        or action not in {"booked", "later", "stop"}
    ):
        await reply(update, services.content.texts.render("fallback.stale_button"))
        return
    lang = language_of(patient)
    now = services.clock.now()
    if not await services.db.record_reminder_response(now, patient.id, item, action):
        await reply(update, services.content.visits.patient("nudge_stale", clinic, lang))
        return
    await remove_buttons(update)
    if action == "booked":
        note = _staff_text(services, "said_booked_note", number=patient.id, name=patient.display_name)
        await services.alerts.note(OutgoingMessage(note))
    elif action == "later":
        prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
        due = str(item.payload.get("due", ""))
        send = snoozed_nudge(patient.id, date.fromisoformat(due), prefs, services.content.visits.timing, now)
        if send is not None:
            await services.db.enqueue(now, patient.id, [send])
            await services.scheduler.rearm()
    else:
        await services.db.stop_nudges(patient.id, NUDGE_KINDS)
    await reply(update, services.content.visits.patient(f"nudge_{action}_reply", clinic, lang))


async def visit_card_lines(services: Services, patient: Patient) -> str:
    """The patient card's lines about the next visit and the care plan (staff, clinic time)."""
    now = services.clock.now()
    visit = await services.db.next_visit(patient.id, now)
    lines = [
        _staff_text(services, "card_visit", when=_clinic_when(services, visit))
        if visit is not None
        else _staff_text(services, "card_no_visit")
    ]
    status = await services.db.plan_status(patient.id, now)
    if status is None:
        lines.append(_staff_text(services, "card_no_plan"))
    else:
        due = due_date(status, services.settings.clinic_zone)
        tail = _staff_text(services, "card_plan_due", date=f"{due:%a %b %d}") if due else ""
        lines.append(_staff_text(services, "card_plan", plan=care_plan_of(status.plan).describe(), due=tail))
    return "\n".join(lines)


async def rebooking_figures(services: Services) -> str:
    """/stats: nudges to book sent, followed by a booking, answered, turned off; who is due now."""
    now = services.clock.now()
    zone = services.settings.clinic_zone
    figures = await services.db.rebooking_figures(now, Kind.VISIT_NUDGE)
    due = due_patients(await services.db.plan_statuses(now), now.astimezone(zone).date(), zone)
    overdue = sum(1 for row in due if row.days_over(now.astimezone(zone).date()) > 0)
    return _staff_text(
        services,
        "stats",
        sent=figures["nudges_sent"],
        booked_after=figures["booked_after"],
        said_booked=figures["said_booked"],
        stopped=figures["stopped"],
        due=len(due),
        overdue=overdue,
    )
