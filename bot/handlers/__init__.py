"""Handler registration: the order here decides who answers what, so it lives in one place.

Telegram handlers are thin: they read the update, call plain code from ``bot/``, and send what it
returns. Within a group the first matching handler wins, which is what the order below relies on.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import alerts, common, console, privacy, questions, reminders, staff
from bot.patient_settings import OFFER_PREFIX
from bot.patient_settings import PREFIX as SETTINGS_PREFIX
from bot.renderers import CHECKIN_PREFIX, REMINDER_PREFIX
from bot.services import ClinicApplication

STAFF_COMMANDS = {
    "enroll": staff.enroll_command,
    "session": staff.session_command,
    "patient": console.patient_command,
    "patients": console.patients_command,
    "broadcast": console.broadcast_command,
    "broadcasts": console.broadcasts_command,
    "alerts": console.alerts_command,
    "stats": console.stats_command,
}
ADMIN_COMMANDS = {"staff": staff.staff_command}


def register_handlers(
    app: ClinicApplication,
    staff_filter: filters.BaseFilter,
    admin_filter: filters.BaseFilter,
    staff_chat_id: int | None,
) -> None:
    private = filters.ChatType.PRIVATE
    # 0. The flood guard runs first, in a group of its own; it stops the update when someone floods.
    app.add_handler(TypeHandler(Update, privacy.flood_guard), group=-1)
    # Staff commands work in private chats and in the clinic's staff group, if one is configured.
    staff_place = private | filters.Chat(chat_id=staff_chat_id) if staff_chat_id is not None else private

    # 1. Admin and staff commands, guarded once by the role filters. Whoever fails the guard falls
    #    through to the refusal handlers right after, so the refusal never runs for real staff.
    for name, callback in ADMIN_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=admin_filter & staff_place))
        app.add_handler(CommandHandler(name, staff.refuse_admin_command, filters=staff_filter & staff_place))
    for name, callback in STAFF_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=staff_filter & staff_place))
    app.add_handler(CommandHandler("cancel", console.cancel_command, filters=staff_filter & staff_place))
    app.add_handler(
        CommandHandler([*STAFF_COMMANDS, *ADMIN_COMMANDS], staff.refuse_staff_command, filters=private)
    )

    # 2. Everyone's commands, in private chats only (a group is no place for health messages).
    app.add_handler(CommandHandler("start", common.start, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    app.add_handler(CommandHandler("privacy", common.privacy, filters=private))
    app.add_handler(CommandHandler("contact", common.contact, filters=private | staff_place))
    app.add_handler(CommandHandler("stop", common.stop, filters=private))
    app.add_handler(CommandHandler("settings", reminders.settings_command, filters=private))
    app.add_handler(CommandHandler("mydata", privacy.mydata_command, filters=private))
    app.add_handler(CommandHandler("forget", privacy.forget_command, filters=private))

    # 3. Buttons. Anything unrecognised is a stale or forged button and gets a kind answer.
    app.add_handler(CallbackQueryHandler(common.join_button, pattern=rf"^{common.JOIN_PREFIX}"))
    app.add_handler(CallbackQueryHandler(alerts.alert_handled_button, pattern=rf"^{alerts.ALERT_PREFIX}"))
    app.add_handler(CallbackQueryHandler(reminders.checkin_button, pattern=rf"^{CHECKIN_PREFIX}"))
    app.add_handler(CallbackQueryHandler(reminders.reminder_button, pattern=rf"^{REMINDER_PREFIX}"))
    app.add_handler(CallbackQueryHandler(reminders.settings_button, pattern=rf"^{SETTINGS_PREFIX}"))
    app.add_handler(CallbackQueryHandler(reminders.offer_button, pattern=rf"^{OFFER_PREFIX}"))
    app.add_handler(CallbackQueryHandler(privacy.forget_button, pattern=rf"^{privacy.FORGET_PREFIX}"))
    app.add_handler(CallbackQueryHandler(console.patient_list_button, pattern=rf"^{console.LIST_PREFIX}"))
    app.add_handler(CallbackQueryHandler(console.card_button, pattern=rf"^{console.CARD_PREFIX}"))
    app.add_handler(CallbackQueryHandler(console.broadcast_button, pattern=rf"^{console.BROADCAST_PREFIX}"))
    app.add_handler(CallbackQueryHandler(staff.session_button, pattern=rf"^{staff.SESSION_PREFIX}"))
    app.add_handler(CallbackQueryHandler(common.stale_button))

    # 4. Free text: red flags first, then the answer. Edited messages too: an edit can add a red flag.
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND, questions.on_text
        )
    )
    # 5. Fallbacks: unknown commands, then anything else sent in private (photos, stickers, ...).
    app.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.COMMAND, common.unknown_command)
    )
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, common.non_text))

    # 6. The bot added to a group by staff: tell them the id for STAFF_CHAT_ID.
    app.add_handler(ChatMemberHandler(staff.added_to_group, ChatMemberHandler.MY_CHAT_MEMBER))

    app.add_error_handler(common.on_error)
