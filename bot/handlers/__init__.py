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

from bot import callbacks
from bot.handlers import (
    alerts,
    broadcasts,
    common,
    console,
    emergency,
    flood,
    privacy,
    programme,
    questions,
    reminders,
    sessions,
    staff,
    visits,
)
from bot.handlers.commands import Role, commands_for
from bot.handlers.pending import AwaitingInput, Pending
from bot.services import ClinicApplication

# Derived from the one declaration of the staff commands (bot/handlers/commands.py).
STAFF_COMMANDS = commands_for(Role.STAFF)
ADMIN_COMMANDS = commands_for(Role.ADMIN)


def register_handlers(
    app: ClinicApplication,
    staff_filter: filters.BaseFilter,
    admin_filter: filters.BaseFilter,
    staff_chat_id: int | None,
) -> None:
    private = filters.ChatType.PRIVATE
    # 0. The flood guard runs first, in a group of its own; it stops the update when someone floods.
    app.add_handler(TypeHandler(Update, flood.flood_guard), group=-1)
    # Staff commands work in private chats and in the clinic's staff group, if one is configured.
    staff_place = private | filters.Chat(chat_id=staff_chat_id) if staff_chat_id is not None else private

    # First-run helpers: an admin's /staffchat in any group (STAFF_CHAT_ID may not be set yet; in
    # private it is a registered admin command like the others), and anyone's /myid, anywhere.
    app.add_handler(
        CommandHandler("staffchat", staff.staffchat_command, filters=admin_filter & filters.ChatType.GROUPS)
    )
    app.add_handler(CommandHandler("myid", staff.myid_command))
    # 1. Admin and staff commands, then 2. everyone's commands.
    _register_staff_commands(app, staff_filter, admin_filter, staff_place)
    _register_everyones_commands(app, private, staff_place)

    # 3. Buttons. Anything unrecognised is a stale or forged button and gets a kind answer.
    _register_buttons(app)

    # 4. Free text. First what the bot is waiting for (bot/handlers/pending.py): staff's broadcast
    #    text or time, a patient's typed time zone (which still goes through the red-flag check
    #    first). Then questions: red flags first, then the answer. Edited messages too: an edit can
    #    add a red flag.
    text = private & filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND
    app.add_handler(
        AwaitingInput(
            app.user_data, broadcasts.BROADCAST_INPUT, broadcasts.typed_broadcast_input, text & staff_filter
        )
    )
    app.add_handler(AwaitingInput(app.user_data, {Pending.TIME_ZONE}, questions.on_typed_zone, text))
    app.add_handler(MessageHandler(text, questions.on_text))
    # 5. Fallbacks: unknown commands, then anything else sent in private (photos, stickers, ...).
    app.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.COMMAND, common.unknown_command)
    )
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, common.non_text))

    # 6. The bot added to a group by staff: tell them the id for STAFF_CHAT_ID.
    app.add_handler(ChatMemberHandler(staff.added_to_group, ChatMemberHandler.MY_CHAT_MEMBER))

    app.add_error_handler(common.on_error)


def _register_buttons(app: ClinicApplication) -> None:
    """Every button family, by its callback prefix (bot/callbacks.py); anything else is stale."""
    app.add_handler(CallbackQueryHandler(common.join_button, pattern=callbacks.JOIN.pattern))
    app.add_handler(CallbackQueryHandler(alerts.alert_handled_button, pattern=callbacks.ALERT.pattern))
    app.add_handler(CallbackQueryHandler(emergency.emergency_button, pattern=callbacks.EMERGENCY.pattern))
    app.add_handler(CallbackQueryHandler(reminders.checkin_button, pattern=callbacks.CHECKIN.pattern))
    app.add_handler(CallbackQueryHandler(reminders.reminder_button, pattern=callbacks.REMINDER.pattern))
    app.add_handler(CallbackQueryHandler(reminders.settings_button, pattern=callbacks.SETTINGS.pattern))
    app.add_handler(CallbackQueryHandler(reminders.offer_button, pattern=callbacks.OFFER.pattern))
    app.add_handler(CallbackQueryHandler(privacy.forget_button, pattern=callbacks.FORGET.pattern))
    app.add_handler(CallbackQueryHandler(console.patient_list_button, pattern=callbacks.PATIENT_LIST.pattern))
    app.add_handler(CallbackQueryHandler(console.card_button, pattern=callbacks.CARD.pattern))
    app.add_handler(CallbackQueryHandler(broadcasts.broadcast_button, pattern=callbacks.BROADCAST.pattern))
    app.add_handler(CallbackQueryHandler(sessions.session_button, pattern=callbacks.SESSION.pattern))
    app.add_handler(CallbackQueryHandler(visits.visit_button, pattern=callbacks.VISIT.pattern))
    app.add_handler(CallbackQueryHandler(visits.nudge_button, pattern=callbacks.NUDGE.pattern))
    app.add_handler(CallbackQueryHandler(programme.programme_button, pattern=callbacks.PROGRAMME.pattern))
    app.add_handler(CallbackQueryHandler(common.stale_button))


def _register_staff_commands(
    app: ClinicApplication,
    staff_filter: filters.BaseFilter,
    admin_filter: filters.BaseFilter,
    staff_place: filters.BaseFilter,
) -> None:
    """Staff commands work in private chats and in the clinic's staff group, if one is configured."""
    private = filters.ChatType.PRIVATE
    # 1. Admin and staff commands, guarded once by the role filters. Whoever fails the guard falls
    #    through to the refusal handlers right after, so the refusal never runs for real staff.
    for name, callback in ADMIN_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=admin_filter & staff_place))
        app.add_handler(CommandHandler(name, staff.refuse_admin_command, filters=staff_filter & staff_place))
    for name, callback in STAFF_COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=staff_filter & staff_place))
    app.add_handler(CommandHandler("cancel", broadcasts.cancel_command, filters=staff_filter & staff_place))
    # /visit is both: staff book with it (above); a patient's /visit, with no arguments, shows theirs.
    app.add_handler(CommandHandler("visit", visits.patient_visit_command, filters=private))
    app.add_handler(
        CommandHandler([*STAFF_COMMANDS, *ADMIN_COMMANDS], staff.refuse_staff_command, filters=private)
    )


def _register_everyones_commands(
    app: ClinicApplication, private: filters.BaseFilter, staff_place: filters.BaseFilter
) -> None:
    # 2. Everyone's commands, in private chats only (a group is no place for health messages).
    app.add_handler(CommandHandler("start", common.start, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    app.add_handler(CommandHandler("privacy", common.privacy, filters=private))
    app.add_handler(CommandHandler("contact", common.contact, filters=private | staff_place))
    app.add_handler(CommandHandler("stop", common.stop, filters=private))
    app.add_handler(CommandHandler("settings", reminders.settings_command, filters=private))
    app.add_handler(CommandHandler("exercises", programme.exercises_command, filters=private))
    app.add_handler(CommandHandler("mydata", privacy.mydata_command, filters=private))
    app.add_handler(CommandHandler("forget", privacy.forget_command, filters=private))
