"""Staff commands: enroll patients, record sessions, manage staff. Guarded once, in handlers/__init__."""

from __future__ import annotations

import io
import logging

import segno
from telegram import Bot, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.content import Texts
from bot.enrollment import MAX_DISPLAY_NAME, clean_display_name, enroll, invite_link
from bot.handlers.common import reply, their_content
from bot.handlers.menus import staff_commands
from bot.services import ClinicContext

log = logging.getLogger(__name__)


def command_text(update: Update) -> str:
    """What follows the command word, as typed (context.args would lose the spacing)."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def patient_number(raw: str) -> int | None:
    raw = raw.strip().lstrip("#")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


async def enroll_command(update: Update, context: ClinicContext) -> None:
    """``/enroll Jane D.``: a new patient number and a one-time invite link (and its QR code)."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    if user is None:
        return
    raw_name = command_text(update)
    if not raw_name.strip():
        await reply(update, texts.render("staff.enroll_usage"))
        return
    name = clean_display_name(raw_name)
    if name is None:
        await reply(update, texts.render("staff.enroll_bad_name", max_length=MAX_DISPLAY_NAME))
        return
    now = services.clock.now()
    enrollment = await enroll(services.db, now, user.id, name, services.settings.invite_ttl_days)
    link = invite_link(context.bot.username, enrollment.token)
    expires = enrollment.expires_at.astimezone(services.settings.clinic_zone).strftime("%b %d, %Y")
    log.info("staff %s enrolled patient #%s", user.id, enrollment.patient_id)
    text = texts.render(
        "staff.enroll_done", number=enrollment.patient_id, name=name, link=link, expires=expires
    )
    await deliver_invite(update, context, enrollment.patient_id, name, text, link)


async def deliver_invite(
    update: Update, context: ClinicContext, number: int, name: str, text: str, link: str
) -> None:
    """Give staff an invite link and its QR code: in a private chat here, privately from a group.

    A link in the staff group could be tapped by anyone in it, and the first account to open a link
    owns it; so from the group the link goes to the staff member's private chat with the bot.
    """
    texts = context.services.content.texts
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    caption = texts.render("staff.enroll_qr_caption", number=number, name=name)
    if chat.type == "private":
        await reply(update, text)
        await send_qr(context.bot, chat.id, link, caption)
        return
    try:
        await context.bot.send_message(user.id, text)
    except (Forbidden, BadRequest) as exc:
        # 403: they never started a chat with the bot (or blocked it); 400: chat not found.
        log.info("could not send an invite privately to staff %s: %s", user.id, type(exc).__name__)
        await reply(
            update,
            texts.render(
                "console.invite_no_private_chat",
                number=number,
                name=name,
                staff=user.full_name,
                bot_username=context.bot.username,
            ),
        )
        return
    await send_qr(context.bot, user.id, link, caption)
    await reply(
        update, texts.render("console.invite_sent_privately", number=number, name=name, staff=user.full_name)
    )


async def send_qr(bot: Bot, chat_id: int, link: str, caption: str) -> None:
    """The same link as a QR code, for a patient standing at the front desk."""
    image = io.BytesIO()
    segno.make(link, error="m").save(image, kind="png", scale=8, border=2)
    try:
        await bot.send_photo(chat_id, image.getvalue(), caption=caption)
    except TelegramError as exc:
        # The text link already went out; the QR code is a convenience.
        log.warning("could not send the invite QR code: %s", type(exc).__name__)


async def staff_command(update: Update, context: ClinicContext) -> None:
    """``/staff``, ``/staff add <id>``, ``/staff remove <id>`` (admins only)."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    if user is None:
        return
    args = context.args or []
    if not args:
        admins = ", ".join(str(i) for i in sorted(services.access.admin_ids)) or texts.render(
            "staff.staff_none"
        )
        staff = ", ".join(str(i) for i in sorted(services.access.staff_ids)) or texts.render(
            "staff.staff_none"
        )
        await reply(update, texts.render("staff.staff_list", admins=admins, staff=staff))
        return
    action = args[0].lower()
    target = args[1] if len(args) == 2 else ""
    if action not in {"add", "remove"} or not target.isdigit() or len(target) > 15:
        await reply(update, texts.render("staff.staff_usage"))
        return
    target_id = int(target)
    now = services.clock.now()
    if action == "add":
        if await services.db.add_staff(now, user.id, target_id):
            services.access.grant(target_id)
            await show_staff_menu(context, target_id)
            await reply(update, texts.render("staff.staff_added", user_id=target_id))
        else:
            await reply(update, texts.render("staff.staff_already", user_id=target_id))
        return
    if services.access.is_admin(target_id):
        await reply(update, texts.render("staff.staff_is_admin", user_id=target_id))
    elif await services.db.remove_staff(now, user.id, target_id):
        services.access.revoke(target_id)
        await hide_staff_menu(context, target_id)
        await reply(update, texts.render("staff.staff_removed", user_id=target_id))
    else:
        await reply(update, texts.render("staff.staff_not_found", user_id=target_id))


async def show_staff_menu(context: ClinicContext, user_id: int) -> None:
    try:
        await context.bot.set_my_commands(
            staff_commands(context.services.content.menus, admin=False),
            scope=BotCommandScopeChat(user_id),
        )
    except TelegramError as exc:
        # The person has not opened the bot yet; their menu is set at the next start-up.
        log.info("could not set the staff menu for %s: %s", user_id, type(exc).__name__)


async def hide_staff_menu(context: ClinicContext, user_id: int) -> None:
    try:
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        log.info("could not reset the menu for %s: %s", user_id, type(exc).__name__)


async def refuse_staff_command(update: Update, context: ClinicContext) -> None:
    """Anyone who is not staff trying a staff command: say so (in their language), and do nothing."""
    texts = (await their_content(update, context)).texts
    await reply(update, _refusal(update, context, texts, "staff.only_staff"))


async def refuse_admin_command(update: Update, context: ClinicContext) -> None:
    await reply(update, _refusal(update, context, context.services.content.texts, "staff.only_admin"))


def _refusal(update: Update, context: ClinicContext, texts: Texts, key: str) -> str:
    """Before any admin is set up (a first run), the refusal says how to become one (in English: it is
    for whoever sets the bot up)."""
    user = update.effective_user
    if not context.services.access.admin_ids and user is not None:
        return context.services.content.texts.render("setup.not_staff_yet", user_id=user.id)
    return texts.render(key)


async def myid_command(update: Update, context: ClinicContext) -> None:
    """Anyone's own Telegram user id, for ADMIN_IDS or for staff to be added with /staff add."""
    user = update.effective_user
    if user is not None:
        texts = (await their_content(update, context)).texts
        await reply(update, texts.render("setup.myid", user_id=user.id))


async def staffchat_command(update: Update, context: ClinicContext) -> None:
    """An admin in a group: the group's id for STAFF_CHAT_ID (for when the bot missed being added)."""
    chat = update.effective_chat
    if chat is None:
        return
    texts = context.services.content.texts
    if chat.type in {"group", "supergroup"}:
        await reply(update, texts.render("setup.staffchat", chat_id=chat.id))
    else:
        await reply(update, texts.render("setup.staffchat_private"))


async def added_to_group(update: Update, context: ClinicContext) -> None:
    """When staff add the bot to a group, say the group's id, which STAFF_CHAT_ID needs."""
    change = update.my_chat_member
    if change is None or change.chat.type not in {"group", "supergroup"}:
        return
    joined = change.new_chat_member.status in {"member", "administrator"}
    was_out = change.old_chat_member.status in {"left", "kicked"}
    if joined and was_out and context.services.access.is_staff(change.from_user.id):
        text = context.services.content.texts.render("staff.group_added", chat_id=change.chat.id)
        await context.bot.send_message(change.chat.id, text)
