"""The staff console in Telegram: find a patient, open their card, act on it; alerts; figures.

Broadcasts have their own module (bot/handlers/broadcasts.py).

Every button here re-checks that the person pressing it is staff right now (a removed staff member's
old buttons stop working) and re-reads what it acts on from the database (stale buttons say so).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import TelegramError

from bot import callbacks
from bot.aftercare import area_labels
from bot.callbacks import Callback
from bot.content import TEXT_KEYS
from bot.db import Patient
from bot.enrollment import invite_link, reissue_invite
from bot.handlers.alerts import alert_message, close_erased_alerts
from bot.handlers.common import reply, show
from bot.handlers.sending import keyboard
from bot.handlers.sessions import record_and_report
from bot.handlers.staff import command_text, deliver_invite, patient_number
from bot.handlers.visits import rebooking_figures, visit_card_lines
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import SettingsScreens, clock_time, window_text
from bot.priority import Priority
from bot.programmes import card_line as programme_card_line
from bot.programmes import stats_line as programme_stats_line
from bot.reminders import zone_of
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

PAGE_SIZE = 8
MAX_QUERY_BYTES = 30  # callback data holds at most 64 bytes


def staff_user(update: Update, services: Services) -> int | None:
    user = update.effective_user
    return user.id if user is not None and services.access.is_staff(user.id) else None


async def pressing_staff(
    update: Update, services: Services, callback: Callback, *, answer: bool = True
) -> tuple[int, tuple[str, ...]] | None:
    """The staff member who pressed a console button and the button's fields; refuses anyone else.

    With ``answer=False`` the caller answers the press itself (with a toast when the data is stale).
    """
    query = update.callback_query
    if query is None:
        return None
    staff_id = staff_user(update, services)
    if staff_id is None:
        await query.answer(services.content.texts.render("staff.only_staff"), show_alert=True)
        return None
    if answer:
        await query.answer()
    return staff_id, callback.parse(query.data) or ("",) * callback.fields


def short(query: str) -> str:
    data = query.encode()[:MAX_QUERY_BYTES]
    return data.decode(errors="ignore")


# --- /patients and the patient card ---------------------------------------------------------------


async def patients_command(update: Update, context: ClinicContext) -> None:
    """``/patients`` or ``/patients jan``: a page of patients, each a button to their card."""
    await show(update, await patient_page(context.services, short(command_text(update).strip()), 0))


async def patient_page(services: Services, query: str, offset: int) -> OutgoingMessage:
    texts = services.content.texts
    summaries, total = await services.db.find_patients(query, offset, PAGE_SIZE)
    if total == 0:
        return OutgoingMessage(texts.render("console.patients_none"))
    zone = services.settings.clinic_zone
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                texts.render_plain(
                    "console.patients_button",
                    number=p.id,
                    name=p.display_name,
                    status=texts.render_plain(f"staff.status_{p.status}"),
                    last=" "
                    + texts.render_plain(
                        "console.patients_last", date=p.last_session.astimezone(zone).strftime("%b %d")
                    )
                    if p.last_session
                    else "",
                ),
                callbacks.CARD.data(p.id),
            ),
        )
        for p in summaries
    ]
    nav: list[Button] = []
    if offset > 0:
        nav.append(
            Button(
                texts.render("console.prev_button"),
                callbacks.PATIENT_LIST.data(max(offset - PAGE_SIZE, 0), query),
            )
        )
    if offset + PAGE_SIZE < total:
        nav.append(
            Button(
                texts.render("console.next_button"), callbacks.PATIENT_LIST.data(offset + PAGE_SIZE, query)
            )
        )
    if nav:
        rows.append(tuple(nav))
    header = texts.render(
        "console.patients_header",
        first=offset + 1,
        last=offset + len(summaries),
        total=total,
        # Texts are stripped when loaded, so the space before an optional part is added here.
        markup={"query": " " + texts.render("console.patients_query", query=query) if query else ""},
    )
    return OutgoingMessage(header, tuple(rows))


async def patient_command(update: Update, context: ClinicContext) -> None:
    """``/patient 12``: the patient card, with its buttons."""
    services = context.services
    texts = services.content.texts
    args = context.args or []
    number = patient_number(args[0]) if len(args) == 1 else None
    patient = await services.db.patient(number) if number is not None else None
    if number is None:
        await reply(update, texts.render("staff.patient_usage"))
    elif patient is None:
        await reply(update, texts.render("staff.session_not_found", number=number))
    else:
        user = update.effective_user
        admin = user is not None and services.access.is_admin(user.id)
        card = await patient_card(services, patient, admin=admin)
        await reply(update, card.text, card)


async def patient_list_button(update: Update, context: ClinicContext) -> None:
    services = context.services
    pressed = await pressing_staff(update, services, callbacks.PATIENT_LIST)
    if pressed is None:
        return
    raw_offset, text = pressed[1]
    offset = int(raw_offset) if raw_offset.isdigit() and len(raw_offset) < 7 else 0
    await show(update, await patient_page(services, short(text), offset))


async def patient_card(services: Services, patient: Patient, *, admin: bool) -> OutgoingMessage:
    """Everything staff need about one patient, with the three actions they take most."""
    texts = services.content.texts
    db = services.db
    prefs = await db.prefs(patient.id, services.settings.clinic_timezone)
    view = SettingsScreens(services.content.reminders, texts.clinic_fields())
    text = texts.render(
        "console.card",
        number=patient.id,
        name=patient.display_name,
        status=texts.render(f"staff.status_{patient.status}"),
        timezone=view.zone_label(prefs.timezone),
        quiet=window_text(prefs.quiet_start, prefs.quiet_end),
        done=await db.done_count(patient.id, services.clock.now() - timedelta(days=7)),
        markup=await card_sections(services, patient, zone_of(prefs)),
    )
    # The home exercise programme and its adherence (bot/programmes.py).
    today = services.clock.now().astimezone(zone_of(prefs)).date()
    text += "\n\n" + await programme_card_line(services.db, services.content, patient.id, today)
    return OutgoingMessage(text, card_buttons(services, patient.id, admin=admin))


async def card_sections(services: Services, patient: Patient, zone: ZoneInfo) -> dict[str, str]:
    """The card's lists: recent sessions, check-in answers, open alerts and what is coming."""
    texts = services.content.texts
    db = services.db
    none = texts.render("console.none")
    aftercare = services.content.aftercare
    sessions = [
        texts.render(
            "console.session_line",
            date=s.session_at.astimezone(zone).strftime("%a %b %d"),
            areas=f" ({', '.join(area_labels(s.areas, aftercare))})" if s.areas else "",
        )
        for s in await db.recent_sessions(patient.id)
    ]
    labels = {
        step.name: {answer.key: answer.label for answer in step.answers}
        for step in services.content.reminders.steps.values()
    }
    checkins = [
        texts.render(
            "console.checkin_line",
            date=at.astimezone(zone).strftime("%b %d"),
            step=step.replace("_", " "),
            answer=labels.get(step, {}).get(answer, answer),
        )
        for at, step, answer in await db.checkin_answers(patient.id)
    ]
    alerts = [
        texts.render(
            "console.alert_line",
            date=created.astimezone(services.settings.clinic_zone).strftime("%b %d, ")
            + clock_time(created.astimezone(services.settings.clinic_zone).time()),
            urgency=alert.urgency,
            category=alert.category,
        )
        for alert, created in await db.open_alerts(patient.id)
    ]
    upcoming = [
        texts.render(
            "staff.patient_upcoming_line",
            when=item.due_at.astimezone(zone).strftime("%a %b %d, ")
            + clock_time(item.due_at.astimezone(zone).time()),
            what=texts.render(f"staff.kind_{item.kind}"),
        )
        for item in await db.upcoming(patient.id, limit=10)
    ]
    return {
        "visit_plan": await visit_card_lines(services, patient),
        "sessions": "\n".join(sessions) or none,
        "checkins": "\n".join(checkins) or none,
        "alerts": "\n".join(alerts) or none,
        "upcoming": "\n".join(upcoming) or texts.render("staff.patient_nothing"),
    }


def card_buttons(services: Services, patient_id: int, *, admin: bool) -> tuple[tuple[Button, ...], ...]:
    texts = services.content.texts
    return (
        (
            Button(texts.render("console.button_session"), callbacks.CARD.data(patient_id, "session")),
            Button(texts.render("console.button_invite"), callbacks.CARD.data(patient_id, "invite")),
        ),
        (
            Button(texts.render("console.button_stop"), callbacks.CARD.data(patient_id, "stop")),
            # Erasing is for admins; other staff don't see the button (and are refused if they forge it).
            *(
                [Button(texts.render("console.button_erase"), callbacks.CARD.data(patient_id, "erase"))]
                if admin
                else []
            ),
        ),
    )


ERASE_NONCES = "erase_nonces"
ERASE_CONFIRM_FOR = timedelta(minutes=10)
CARD_ACTIONS = frozenset({"", "session", "invite", "invite_yes", "stop", "erase", "erase_yes"})


def new_erase_nonce(context: ClinicContext, patient_id: int, admin_id: int) -> str:
    """A one-time code for one admin's erase confirmation of one patient, kept only on the server."""
    nonces: dict[str, tuple[int, int, datetime]] = context.bot_data.setdefault(ERASE_NONCES, {})
    now = context.services.clock.now()
    for stale in [n for n, (_, _, at) in nonces.items() if now - at > ERASE_CONFIRM_FOR]:
        del nonces[stale]
    nonce = secrets.token_urlsafe(9)
    nonces[nonce] = (patient_id, admin_id, now)
    return nonce


def use_erase_nonce(context: ClinicContext, nonce: str, patient_id: int, admin_id: int) -> bool:
    """True once for a nonce issued to this admin for this patient within the last ten minutes."""
    nonces: dict[str, tuple[int, int, datetime]] = context.bot_data.setdefault(ERASE_NONCES, {})
    issued = nonces.pop(nonce, None)
    if issued is None:
        return False
    for_patient, for_admin, at = issued
    fresh = context.services.clock.now() - at <= ERASE_CONFIRM_FOR
    return fresh and for_patient == patient_id and for_admin == admin_id


async def card_button(update: Update, context: ClinicContext) -> None:
    """``pc:12`` opens the card; ``pc:12:session``, ``:invite`` and ``:stop`` act on the patient.

    Erasing is for admins only, and its confirmation carries a one-time nonce checked here, so a forged
    ``erase_yes`` cannot skip the question.
    """
    services = context.services
    pressed = await pressing_staff(update, services, callbacks.CARD, answer=False)
    query = update.callback_query
    if pressed is None or query is None:
        return
    staff_id, (raw_id, action, nonce) = pressed
    number = callbacks.number(raw_id, digits=9)
    valid_id = number is not None
    patient = await services.db.patient(number) if number is not None else None
    if patient is None or action not in CARD_ACTIONS:
        gone = valid_id and action in CARD_ACTIONS
        await query.answer(services.content.texts.render_plain("console.gone" if gone else "console.stale"))
        return
    refusal = card_refusal(context, staff_id, patient.id, action, nonce)
    if refusal is not None:
        await query.answer(services.content.texts.render_plain(refusal), show_alert=True)
        return
    await query.answer()
    if await card_action(update, context, staff_id, patient, action):
        return
    refreshed = await services.db.patient(patient.id)
    if refreshed is not None:
        card = await patient_card(services, refreshed, admin=services.access.is_admin(staff_id))
        if action:
            await reply(update, card.text, card)
        else:
            await show(update, card)


def card_refusal(
    context: ClinicContext, staff_id: int, patient_id: int, action: str, nonce: str
) -> str | None:
    """Why this card button may not be pressed by this person now (a text key), or None."""
    if action in {"erase", "erase_yes"} and not context.services.access.is_admin(staff_id):
        return "console.erase_only_admin"
    if action == "erase_yes" and not use_erase_nonce(context, nonce, patient_id, staff_id):
        return "console.erase_expired"
    return None


def confirmation(
    context: ClinicContext, key: str, patient: Patient, yes: str, yes_data: str
) -> OutgoingMessage:
    """A question before an action that cannot be undone, with its yes and cancel buttons."""
    texts = context.services.content.texts
    return OutgoingMessage(
        texts.render(key, number=patient.id, name=patient.display_name),
        (
            (
                Button(texts.render(yes), callbacks.CARD.data(patient.id, yes_data)),
                Button(texts.render("console.button_cancel"), callbacks.CARD.data(patient.id)),
            ),
        ),
    )


async def card_action(
    update: Update, context: ClinicContext, staff_id: int, patient: Patient, action: str
) -> bool:
    """Do what a card button asks; True when it answered in full (no refreshed card follows)."""
    services = context.services
    texts = services.content.texts
    now = services.clock.now()
    if action == "erase":
        code = new_erase_nonce(context, patient.id, staff_id)
        confirm = confirmation(
            context, "console.erase_confirm", patient, "console.erase_yes", f"erase_yes:{code}"
        )
        await reply(update, confirm.text, confirm)
    elif action == "erase_yes":
        erasure = await services.db.erase_patient(now, patient.id, actor_id=staff_id)
        log.info("staff %s erased patient #%s", staff_id, patient.id)
        if erasure is not None:
            await close_erased_alerts(context.bot, services, erasure)
        await show(update, OutgoingMessage(texts.render("console.erased", number=patient.id)))
    elif action == "invite" and patient.telegram_user_id is not None:
        confirm = confirmation(context, "console.invite_confirm", patient, "console.invite_yes", "invite_yes")
        await reply(update, confirm.text, confirm)
    elif action in {"invite", "invite_yes"}:
        await new_invite(update, context, staff_id, patient)
    else:
        if action == "session":
            await record_and_report(update, context, staff_id, patient, [])
        elif action == "stop":
            if patient.status == "active":
                await services.db.set_patient_status(now, patient.id, "stopped", staff_id=staff_id)
            await reply(
                update, texts.render("console.stopped_done", number=patient.id, name=patient.display_name)
            )
        return False
    return True


async def new_invite(update: Update, context: ClinicContext, staff_id: int, patient: Patient) -> None:
    """A fresh link (the old one stops working); a joined patient's current account is told."""
    services = context.services
    texts = services.content.texts
    enrollment = await reissue_invite(
        services.db, services.clock.now(), staff_id, patient.id, services.settings.invite_ttl_days
    )
    link = invite_link(context.bot.username, enrollment.token)
    expires = enrollment.expires_at.astimezone(services.settings.clinic_zone).strftime("%b %d, %Y")
    text = texts.render(
        "console.invite_done", number=patient.id, name=patient.display_name, expires=expires, link=link
    )
    await deliver_invite(update, context, patient.id, patient.display_name, text, link)
    if patient.chat_id is not None and patient.status in {"active", "stopped"}:
        try:
            await context.bot.send_message(patient.chat_id, texts.render("privacy.new_link_notice"))
        except TelegramError as exc:
            log.info("could not tell patient #%s about a new link: %s", patient.id, type(exc).__name__)


# --- /alerts and /stats ---------------------------------------------------------------------------

MAX_ALERTS_SHOWN = 10


async def alerts_command(update: Update, context: ClinicContext) -> None:
    """Open alerts, oldest first, each with its Handled button."""
    services = context.services
    texts = services.content.texts
    alerts = await services.db.open_alerts(limit=MAX_ALERTS_SHOWN)
    if not alerts:
        await reply(update, texts.render("console.alerts_none"))
        return
    chat = update.effective_chat
    for alert, created in alerts:
        patient = await services.db.patient(alert.patient_id)
        if patient is not None and chat is not None:
            message = alert_message(
                texts,
                services.settings.clinic_zone,
                alert.id,
                patient,
                alert.urgency,
                alert.category,
                created,
                patient_answer=alert.patient_answer,
            )
            sent = await context.bot.send_message(
                chat.id, message.text, reply_markup=keyboard(message), rate_limit_args=Priority.REPLY.value
            )
            # Remembered like the first post, so it is closed too if the patient is erased.
            await services.db.add_alert_message(alert.id, chat.id, sent.message_id)
    remaining = await services.db.count_open_alerts() - len(alerts)
    if remaining > 0:
        await reply(update, texts.render("console.alerts_more", count=remaining))


def percent(part: int, whole: int, empty: str) -> str:
    return f"{round(100 * part / whole)}% ({part}/{whole})" if whole else empty


def topic_name(services: Services, topic: str) -> str:
    """The topic as staff say it ("Heat or ice", not "heat_ice"); any other topic, tidied."""
    key = f"topic_names.{topic}"
    return services.content.texts.render_plain(key) if key in TEXT_KEYS else topic.replace("_", " ")


async def stats_command(update: Update, context: ClinicContext) -> None:
    services = context.services
    texts = services.content.texts
    figures: dict[str, Any] = await services.db.stats(services.clock.now())
    empty = texts.render("console.stats_no_data")
    topics = [
        texts.render("console.stats_topic_line", topic=topic_name(services, t), count=c)
        for t, c in figures["topics"]
    ]
    await reply(
        update,
        texts.render(
            "console.stats",
            enrolled=figures["enrolled"],
            active=figures["active"],
            invited=figures["invited"],
            sessions=figures["sessions_week"],
            checkin_rate=percent(figures["checkins_answered"], figures["checkins_sent"], empty),
            done_rate=percent(figures["reminders_done"], figures["reminders_sent"], empty),
            alerts=await services.db.count_open_alerts(),
            markup={"topics": "\n".join(topics) or empty},
        )
        # Home exercises, counted in the clinic's days.
        + "\n\n"
        + await programme_stats_line(
            services.db,
            services.content,
            services.clock.now().astimezone(services.settings.clinic_zone).date(),
        )
        + "\n"
        + await rebooking_figures(services),
    )
