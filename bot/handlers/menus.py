"""Command menus per role and language, published with setMyCommands scopes.

Patients see the patient menu in their Telegram app's language when the bot speaks it (setMyCommands
with a ``language_code``); a patient who picks another language in /settings gets that language's menu
in their own chat (a chat scope, which Telegram puts before the others).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.content import BASE_LANGUAGE, Content, MenuEntries, Menus

log = logging.getLogger(__name__)


def _commands(*groups: MenuEntries) -> list[BotCommand]:
    seen: set[str] = set()
    commands: list[BotCommand] = []
    for group in groups:
        for command, description in group:
            if command not in seen:
                seen.add(command)
                commands.append(BotCommand(command, description))
    return commands


def patient_commands(menus: Menus) -> list[BotCommand]:
    return _commands(menus.patient)


def staff_commands(menus: Menus, *, admin: bool) -> list[BotCommand]:
    return _commands(menus.staff, menus.admin if admin else (), menus.patient)


async def publish_menus(
    bot: Bot, content: Content, staff_ids: frozenset[int], admin_ids: frozenset[int]
) -> None:
    """Patients see the patient menu in their app's language; staff and admins see theirs (in the base
    language) in their own chat."""
    menus = content.menus
    await bot.set_my_commands(patient_commands(menus), scope=BotCommandScopeAllPrivateChats())
    for code in content.languages:
        if code != BASE_LANGUAGE:
            await bot.set_my_commands(
                patient_commands(content.for_language(code).menus),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=code,
            )
    for user_id in sorted(staff_ids | admin_ids):
        try:
            await bot.set_my_commands(
                staff_commands(menus, admin=user_id in admin_ids), scope=BotCommandScopeChat(user_id)
            )
        except TelegramError as exc:
            # Usually "chat not found": this person has not opened the bot yet.
            log.info("could not set the menu for staff %s: %s", user_id, type(exc).__name__)


async def show_patient_menu(bot: Bot, chat_id: int | None, content: Content) -> None:
    """A patient chose a language: their own chat's menu in it, whatever their app's language."""
    if chat_id is None:
        return
    try:
        await bot.set_my_commands(patient_commands(content.menus), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # the menu is a convenience; the choice itself is stored
        log.info("could not set the menu for chat %s: %s", chat_id, type(exc).__name__)


async def reset_patient_menu(bot: Bot, chat_id: int | None) -> None:
    """An erased patient's chat goes back to the menu of their app's language (the chat's own is gone)."""
    if chat_id is None:
        return
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.info("could not reset the menu for chat %s: %s", chat_id, type(exc).__name__)
