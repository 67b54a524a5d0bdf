"""The staff console in Telegram: find a patient, open their card, act on it; broadcasts; alerts; figures.

Every button here re-checks that the person pressing it is staff right now (a removed staff member's
old buttons stop working) and re-reads what it acts on from the database (stale buttons say so).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.aftercare import area_labels
from bot.broadcasts import AUDIENCES, USEFUL_FOR, check_text, parse_when, when_choices
from bot.content import TEXT_KEYS
from bot.db import Broadcast, Patient
from bot.enrollment import invite_link, reissue_invite
from bot.handlers.alerts import alert_message, close_erased_alerts
from bot.handlers.common import reply, show
from bot.handlers.sending import keyboard
from bot.handlers.staff import command_text, deliver_invite, patient_number, record_and_report
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import SettingsScreens, clock_time, window_text
from bot.priority import Priority
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

LIST_PREFIX = "pl:"
CARD_PREFIX = "pc:"
BROADCAST_PREFIX = "bc:"
PAGE_SIZE = 8
AWAITING = "console_awaiting"
OPEN_DRAFT = "console_open_draft"  # the broadcast draft this staff member is composing, for /cancel
MAX_QUERY_BYTES = 30  # callback data holds at most 64 bytes


def staff_user(update: Update, services: Services) -> int | None:
    user = update.effective_user
    return user.id if user is not None and services.access.is_staff(user.id) else None


async def pressing_staff(
    update: Update, services: Services, prefix: str, *, answer: bool = True
) -> tuple[int, str] | None:
    """The staff member who pressed a console button and what follows the prefix; refuses anyone else.

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
    return staff_id, (query.data or "").removeprefix(prefix)


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
                f"{CARD_PREFIX}{p.id}",
            ),
        )
        for p in summaries
    ]
    nav: list[Button] = []
    if offset > 0:
        nav.append(
            Button(texts.render("console.prev_button"), f"{LIST_PREFIX}{max(offset - PAGE_SIZE, 0)}:{query}")
        )
    if offset + PAGE_SIZE < total:
        nav.append(Button(texts.render("console.next_button"), f"{LIST_PREFIX}{offset + PAGE_SIZE}:{query}"))
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
    pressed = await pressing_staff(update, services, LIST_PREFIX)
    if pressed is None:
        return
    raw_offset, _, text = pressed[1].partition(":")
    offset = int(raw_offset) if raw_offset.isdigit() and len(raw_offset) < 7 else 0
    await show(update, await patient_page(services, short(text), offset))


async def patient_card(services: Services, patient: Patient, *, admin: bool) -> OutgoingMessage:
    """Everything staff need about one patient, with the three actions they take most."""
    texts = services.content.texts
    db = services.db
    prefs = await db.prefs(patient.id, services.settings.clinic_timezone)
    zone = prefs.zone
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
    view = SettingsScreens(services.content.reminders, texts.clinic_fields())
    text = texts.render(
        "console.card",
        number=patient.id,
        name=patient.display_name,
        status=texts.render(f"staff.status_{patient.status}"),
        timezone=view.zone_label(prefs.timezone),
        quiet=window_text(prefs.quiet_start, prefs.quiet_end),
        done=await db.done_count(patient.id, services.clock.now() - timedelta(days=7)),
        markup={
            "sessions": "\n".join(sessions) or none,
            "checkins": "\n".join(checkins) or none,
            "alerts": "\n".join(alerts) or none,
            "upcoming": "\n".join(upcoming) or texts.render("staff.patient_nothing"),
        },
    )
    buttons = (
        (
            Button(texts.render("console.button_session"), f"{CARD_PREFIX}{patient.id}:session"),
            Button(texts.render("console.button_invite"), f"{CARD_PREFIX}{patient.id}:invite"),
        ),
        (
            Button(texts.render("console.button_stop"), f"{CARD_PREFIX}{patient.id}:stop"),
            # Erasing is for admins; other staff don't see the button (and are refused if they forge it).
            *(
                [Button(texts.render("console.button_erase"), f"{CARD_PREFIX}{patient.id}:erase")]
                if admin
                else []
            ),
        ),
    )
    return OutgoingMessage(text, buttons)


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
    texts = services.content.texts
    pressed = await pressing_staff(update, services, CARD_PREFIX, answer=False)
    query = update.callback_query
    if pressed is None or query is None:
        return
    staff_id, data = pressed
    raw_id, _, rest = data.partition(":")
    action, _, nonce = rest.partition(":")
    valid_id = raw_id.isdigit() and len(raw_id) < 10
    patient = await services.db.patient(int(raw_id)) if valid_id else None
    if patient is None or action not in CARD_ACTIONS:
        gone = valid_id and action in CARD_ACTIONS
        await query.answer(texts.render_plain("console.gone" if gone else "console.stale"))
        return
    if action in {"erase", "erase_yes"} and not services.access.is_admin(staff_id):
        await query.answer(texts.render_plain("console.erase_only_admin"), show_alert=True)
        return
    if action == "erase_yes" and not use_erase_nonce(context, nonce, patient.id, staff_id):
        await query.answer(texts.render_plain("console.erase_expired"), show_alert=True)
        return
    await query.answer()
    now = services.clock.now()
    if action == "erase":
        code = new_erase_nonce(context, patient.id, staff_id)
        confirm = OutgoingMessage(
            texts.render("console.erase_confirm", number=patient.id, name=patient.display_name),
            (
                (
                    Button(texts.render("console.erase_yes"), f"{CARD_PREFIX}{patient.id}:erase_yes:{code}"),
                    Button(texts.render("console.button_cancel"), f"{CARD_PREFIX}{patient.id}"),
                ),
            ),
        )
        await reply(update, confirm.text, confirm)
        return
    if action == "erase_yes":
        erasure = await services.db.erase_patient(now, patient.id, actor_id=staff_id)
        log.info("staff %s erased patient #%s", staff_id, patient.id)
        if erasure is not None:
            await close_erased_alerts(context.bot, services, erasure)
        await show(update, OutgoingMessage(texts.render("console.erased", number=patient.id)))
        return
    if action == "invite" and patient.telegram_user_id is not None:
        confirm = OutgoingMessage(
            texts.render("console.invite_confirm", number=patient.id, name=patient.display_name),
            (
                (
                    Button(texts.render("console.invite_yes"), f"{CARD_PREFIX}{patient.id}:invite_yes"),
                    Button(texts.render("console.button_cancel"), f"{CARD_PREFIX}{patient.id}"),
                ),
            ),
        )
        await reply(update, confirm.text, confirm)
        return
    if action == "session":
        await record_and_report(update, context, staff_id, patient, [])
    elif action in {"invite", "invite_yes"}:
        await new_invite(update, context, staff_id, patient)
        return
    elif action == "stop":
        if patient.status == "active":
            await services.db.set_patient_status(now, patient.id, "stopped", staff_id=staff_id)
        await reply(
            update, texts.render("console.stopped_done", number=patient.id, name=patient.display_name)
        )
    refreshed = await services.db.patient(patient.id)
    if refreshed is not None:
        card = await patient_card(services, refreshed, admin=services.access.is_admin(staff_id))
        if action:
            await reply(update, card.text, card)
        else:
            await show(update, card)


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
        ),
    )


# --- /broadcast -----------------------------------------------------------------------------------


def awaiting(context: ClinicContext) -> tuple[str, int] | None:
    value = context.user_data.get(AWAITING) if context.user_data is not None else None
    return value if isinstance(value, tuple) else None


def await_input(context: ClinicContext, what: str, broadcast_id: int = 0) -> None:
    if context.user_data is not None:
        context.user_data[AWAITING] = (what, broadcast_id)


def stop_awaiting(context: ClinicContext) -> bool:
    return context.user_data is not None and context.user_data.pop(AWAITING, None) is not None


async def broadcast_command(update: Update, context: ClinicContext) -> None:
    """``/broadcast`` asks for the text; ``/broadcast <text>`` starts with it."""
    text = command_text(update)
    if not text.strip():
        await_input(context, "text")
        await reply(update, context.services.content.texts.render("console.broadcast_ask"))
        return
    await start_draft(update, context, text)


async def cancel_command(update: Update, context: ClinicContext) -> None:
    """Stop waiting for typed input and drop the open broadcast draft, so its Send button stops working."""
    services = context.services
    texts = services.content.texts
    stopped = stop_awaiting(context)
    draft_id = context.user_data.pop(OPEN_DRAFT, None) if context.user_data is not None else None
    user = update.effective_user
    if isinstance(draft_id, int) and user is not None:
        draft = await services.db.broadcast(draft_id)
        if draft is not None and draft.status == "draft":
            stopped = await services.db.cancel_broadcast(services.clock.now(), draft_id, user.id) or stopped
    await reply(update, texts.render("console.cancelled" if stopped else "console.cancel_nothing"))


async def staff_typed(update: Update, context: ClinicContext, text: str) -> bool:
    """A staff member's text while the console waits for input (broadcast text or time)."""
    state = awaiting(context)
    if state is None or staff_user(update, context.services) is None:
        return False
    stop_awaiting(context)
    what, broadcast_id = state
    if what == "text":
        await start_draft(update, context, text)
    elif what == "when":
        services = context.services
        when = parse_when(text, services.clock.now(), services.settings.clinic_zone)
        if when is None:
            await_input(context, "when", broadcast_id)
            await reply(update, services.content.texts.render("console.broadcast_bad_when"))
        else:
            await choose_when(update, context, broadcast_id, when)
    return True


async def start_draft(update: Update, context: ClinicContext, raw: str) -> None:
    services = context.services
    texts = services.content.texts
    staff_id = staff_user(update, services)
    if staff_id is None:
        return
    check = check_text(raw)
    if check.problem is not None:
        await_input(context, "text")
        if check.problem == "empty":
            await reply(update, texts.render("console.broadcast_empty"))
        else:
            await reply(
                update, texts.render("console.broadcast_too_long", length=len(check.text), limit=4000)
            )
        return
    broadcast_id = await services.db.create_broadcast(services.clock.now(), staff_id, check.text)
    if context.user_data is not None:
        context.user_data[OPEN_DRAFT] = broadcast_id
    now = services.clock.now()
    rows = []
    for days in AUDIENCES:
        count = await services.db.count_recipients(now, days)
        label = (
            texts.render("console.audience_all", count=count)
            if days is None
            else texts.render("console.audience_recent", days=days, count=count)
        )
        rows.append((Button(label, f"{BROADCAST_PREFIX}{broadcast_id}:aud:{days or 'all'}"),))
    rows.append((Button(texts.render("console.button_cancel"), f"{BROADCAST_PREFIX}{broadcast_id}:cancel"),))
    await reply(update, texts.render("console.broadcast_audience"), OutgoingMessage("", tuple(rows)))


async def broadcast_button(update: Update, context: ClinicContext) -> None:
    """Every button of the broadcast dialog: audience, time, send, cancel (also of a running one)."""
    services = context.services
    texts = services.content.texts
    pressed = await pressing_staff(update, services, BROADCAST_PREFIX)
    if pressed is None:
        return
    staff_id, data = pressed
    parts = data.split(":")
    broadcast = (
        await services.db.broadcast(int(parts[0])) if parts[0].isdigit() and len(parts[0]) < 10 else None
    )
    action, value = [*parts, "", ""][1:3]
    if broadcast is None:
        await reply(update, texts.render("console.stale"))
        return
    now = services.clock.now()
    if action == "cancel":
        done = await services.db.cancel_broadcast(now, broadcast.id, staff_id)
        await show(
            update,
            OutgoingMessage(
                texts.render("console.broadcast_cancelled" if done else "console.broadcast_already")
            ),
        )
        return
    if broadcast.status != "draft":
        await show(update, OutgoingMessage(texts.render("console.broadcast_already")))
        return
    if action == "aud" and value in {str(d or "all") for d in AUDIENCES}:
        days = None if value == "all" else int(value)
        await services.db.set_broadcast_draft(broadcast.id, audience_days=days, send_at=None)
        choices = when_choices(now, services.settings.clinic_zone)
        rows = [
            (Button(texts.render(f"console.when_{key}"), f"{BROADCAST_PREFIX}{broadcast.id}:when:{key}"),)
            for key in choices
        ]
        rows.append(
            (Button(texts.render("console.when_type"), f"{BROADCAST_PREFIX}{broadcast.id}:when:type"),)
        )
        rows.append(
            (Button(texts.render("console.button_cancel"), f"{BROADCAST_PREFIX}{broadcast.id}:cancel"),)
        )
        await show(update, OutgoingMessage(texts.render("console.broadcast_when"), tuple(rows)))
    elif action == "when" and value == "type":
        await_input(context, "when", broadcast.id)
        await reply(update, texts.render("console.broadcast_type_when"))
    elif action == "when" and value in when_choices(now, services.settings.clinic_zone):
        await choose_when(
            update, context, broadcast.id, when_choices(now, services.settings.clinic_zone)[value]
        )
    elif action == "send":
        await queue(update, context, broadcast.id, staff_id)
    else:
        await reply(update, texts.render("console.stale"))


async def choose_when(
    update: Update, context: ClinicContext, broadcast_id: int, when: datetime | None
) -> None:
    """Store the time and show the preview with the recipient count."""
    services = context.services
    texts = services.content.texts
    broadcast = await services.db.broadcast(broadcast_id)
    if broadcast is None or broadcast.status != "draft":
        await reply(update, texts.render("console.broadcast_already"))
        return
    await services.db.set_broadcast_draft(broadcast_id, audience_days=broadcast.audience_days, send_at=when)
    count = await services.db.count_recipients(services.clock.now(), broadcast.audience_days)
    audience = (
        texts.render("console.audience_all_short")
        if broadcast.audience_days is None
        else texts.render("console.audience_recent_short", days=broadcast.audience_days)
    )
    await reply(update, texts.render("console.broadcast_message", text=broadcast.text))
    preview = texts.render(
        "console.broadcast_preview",
        patients=counted(services, "broadcasts.patients", count),
        audience=audience,
        when=describe_when(services, when),
    )
    buttons = (
        (
            Button(texts.render("console.button_send"), f"{BROADCAST_PREFIX}{broadcast_id}:send"),
            Button(texts.render("console.button_cancel"), f"{BROADCAST_PREFIX}{broadcast_id}:cancel"),
        ),
    )
    await reply(update, preview, OutgoingMessage(preview, buttons))


def describe_when(services: Services, when: datetime | None) -> str:
    if when is None:
        return services.content.texts.render("console.when_now_short")
    local = when.astimezone(services.settings.clinic_zone)
    return local.strftime("%a %b %d, ") + clock_time(local.time())


async def queue(update: Update, context: ClinicContext, broadcast_id: int, staff_id: int) -> None:
    """Confirmed: one outbox row per recipient, once, then a progress message that keeps itself current."""
    services = context.services
    texts = services.content.texts
    broadcast = await services.db.broadcast(broadcast_id)
    if broadcast is None:
        return
    now = services.clock.now()
    due = max(broadcast.send_at or now, now)
    recipients = await services.db.queue_broadcast(now, broadcast_id, staff_id, due, due + USEFUL_FOR)
    if recipients is None:
        await show(update, OutgoingMessage(texts.render("console.broadcast_already")))
        return
    log.info("staff %s queued broadcast %s to %s patients", staff_id, broadcast_id, recipients)
    if recipients == 0:
        await services.db.finish_broadcast(now, broadcast_id)
        await show(update, OutgoingMessage(texts.render("console.broadcast_no_recipients")))
        return
    if context.user_data is not None and context.user_data.get(OPEN_DRAFT) == broadcast_id:
        del context.user_data[OPEN_DRAFT]
    queued = await services.db.broadcast(broadcast_id)
    assert queued is not None
    progress = progress_message(services, queued, await broadcast_figures(services, queued))
    query = update.callback_query
    chat = update.effective_chat
    if query is not None and isinstance(query.message, Message) and chat is not None:
        await show(update, progress)
        await services.db.set_broadcast_progress_message(broadcast_id, chat.id, query.message.message_id)
    await services.scheduler.rearm()


@dataclass(frozen=True)
class BroadcastFigures:
    """Every count staff see about a broadcast; together they add up to its recipients."""

    sent: int
    blocked: int
    failed: int
    cancelled: int  # by staff
    skipped: int  # stopped, erased, or too late to be useful
    pending: int
    waiting: int  # pending, held for patients' quiet hours
    waiting_until: datetime | None


async def broadcast_figures(services: Services, broadcast: Broadcast) -> BroadcastFigures:
    db = services.db
    counts = await db.broadcast_counts(broadcast.id)
    skipped_rows = await db.broadcast_skipped(broadcast.id)
    waiting, until = await db.broadcast_waiting(broadcast.id, services.clock.now())
    if broadcast.send_at is not None and broadcast.send_at > services.clock.now():
        waiting, until = 0, None  # a scheduled broadcast is not waiting for quiet hours yet
    erased = max(broadcast.recipients - sum(counts.values()), 0)  # erased patients' rows are gone
    return BroadcastFigures(
        sent=counts["sent"],
        blocked=counts["blocked"],
        failed=counts["failed"],
        cancelled=counts["cancelled"] - skipped_rows,
        skipped=skipped_rows + erased,
        pending=counts["pending"],
        waiting=waiting,
        waiting_until=until,
    )


def counted(services: Services, key: str, count: int, until: str = "") -> str:
    """A count with its noun right: ``{key}_one`` for 1, ``{key}_other`` otherwise."""
    form = "one" if count == 1 else "other"
    return services.content.texts.render(f"{key}_{form}", count=f"{count:,}", until=until)


def figures_line(services: Services, figures: BroadcastFigures, total: int, *, every: bool = False) -> str:
    """ "sent 3 of 5, 1 has blocked the bot, …": while sending the counts that are not zero, in the
    final report (``every``) each of them, zeros too, so staff see nothing was left out."""
    parts = [
        services.content.texts.render("broadcasts.figure_sent", sent=f"{figures.sent:,}", total=f"{total:,}")
    ]
    for key, count in (
        ("blocked", figures.blocked),
        ("failed", figures.failed),
        ("skipped", figures.skipped),
        ("not_sent", figures.cancelled),
    ):
        if count or every:
            parts.append(counted(services, f"broadcasts.{key}", count))
    if figures.waiting and figures.waiting_until is not None:
        until = describe_time(services, figures.waiting_until)
        parts.append(counted(services, "broadcasts.waiting", figures.waiting, until=until))
    return ", ".join(parts)


def describe_time(services: Services, moment: datetime) -> str:
    """Clinic time, 12-hour style; the day too when it is more than a day away."""
    local = moment.astimezone(services.settings.clinic_zone)
    if moment - services.clock.now() < timedelta(hours=24):
        return clock_time(local.time())
    return local.strftime("%a %b %d, ") + clock_time(local.time())


def progress_message(services: Services, broadcast: Broadcast, figures: BroadcastFigures) -> OutgoingMessage:
    """Sending, scheduled, or finished: what the staff's progress message says now."""
    texts = services.content.texts
    broadcast_id = broadcast.id
    if broadcast.status != "queued" or figures.pending == 0:
        line = figures_line(services, figures, broadcast.recipients, every=True)
        return OutgoingMessage(texts.render("console.broadcast_done", id=broadcast.id, figures=line))
    line = figures_line(services, figures, broadcast.recipients)
    stop = (
        (Button(texts.render("console.button_stop_broadcast"), f"{BROADCAST_PREFIX}{broadcast_id}:cancel"),),
    )
    if broadcast.send_at is not None and broadcast.send_at > services.clock.now():
        when = describe_when(services, broadcast.send_at)
        return OutgoingMessage(
            texts.render(
                "console.broadcast_scheduled",
                id=broadcast.id,
                patients=counted(services, "broadcasts.patients", broadcast.recipients),
                when=when,
            ),
            stop,
        )
    text = texts.render("console.broadcast_progress", id=broadcast.id, figures=line)
    return OutgoingMessage(text, stop)


async def refresh_broadcasts(bot: ExtBot[Any], services: Services, shown: dict[int, str]) -> None:
    """Edit each running broadcast's progress message; close the ones with nothing left to send.

    ``shown`` remembers the last text per broadcast, so an unchanged message is not edited again.
    """
    for broadcast_id in await services.db.running_broadcasts():
        broadcast = await services.db.broadcast(broadcast_id)
        if broadcast is None:
            continue
        figures = await broadcast_figures(services, broadcast)
        finished = figures.pending == 0 and await services.db.finish_broadcast(
            services.clock.now(), broadcast_id
        )
        message = progress_message(services, broadcast, figures)
        if shown.get(broadcast_id) != message.text and broadcast.progress_message_id is not None:
            shown[broadcast_id] = message.text
            try:
                await bot.edit_message_text(
                    message.text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                    reply_markup=keyboard(message),
                )
            except TelegramError as exc:
                log.info("could not update broadcast %s progress: %s", broadcast_id, type(exc).__name__)
        if finished:
            log.info("broadcast %s finished: %s", broadcast_id, figures)
            await post_final_report(bot, services, broadcast, message)


async def post_final_report(
    bot: ExtBot[Any], services: Services, broadcast: Broadcast, report: OutgoingMessage
) -> None:
    """The final figures as a new message in the chat it was sent from, so staff get a notification."""
    if broadcast.progress_chat_id is None:
        return
    try:
        await bot.send_message(
            broadcast.progress_chat_id,
            report.text,
            reply_parameters=ReplyParameters(broadcast.progress_message_id, allow_sending_without_reply=True)
            if broadcast.progress_message_id is not None
            else None,
            rate_limit_args=Priority.ALERT.value,
        )
    except TelegramError as exc:
        log.info("could not post broadcast %s final report: %s", broadcast.id, type(exc).__name__)


# --- /broadcasts ----------------------------------------------------------------------------------


async def broadcasts_command(update: Update, context: ClinicContext) -> None:
    """``/broadcasts``: the scheduled and running broadcasts, each with its Cancel button."""
    services = context.services
    texts = services.content.texts
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    for broadcast_id in await services.db.running_broadcasts():
        broadcast = await services.db.broadcast(broadcast_id)
        if broadcast is None:
            continue
        figures = await broadcast_figures(services, broadcast)
        progress = progress_message(services, broadcast, figures)
        preview = " ".join(broadcast.text.split())
        preview = preview if len(preview) <= 60 else preview[:59] + "…"
        lines.append(texts.render("broadcasts.line", status=progress.text, preview=preview, markup={}))
        rows.append(
            (
                Button(
                    texts.render_plain("broadcasts.cancel_button", id=broadcast.id),
                    f"{BROADCAST_PREFIX}{broadcast.id}:cancel",
                ),
            )
        )
    if not lines:
        await reply(update, texts.render("broadcasts.none"))
        return
    text = texts.render("broadcasts.header", markup={"lines": "\n\n".join(lines)})
    await reply(update, text, OutgoingMessage(text, tuple(rows)))
