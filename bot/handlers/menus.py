"""Command menus per role, published with setMyCommands scopes."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.content import MenuEntries, Menus

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


async def publish_menus(bot: Bot, menus: Menus, staff_ids: frozenset[int], admin_ids: frozenset[int]) -> None:
    """Patients see the patient menu; each staff member and admin sees theirs in their own chat."""
    await bot.set_my_commands(patient_commands(menus), scope=BotCommandScopeAllPrivateChats())
    for user_id in sorted(staff_ids | admin_ids):
        try:
            await bot.set_my_commands(
                staff_commands(menus, admin=user_id in admin_ids), scope=BotCommandScopeChat(user_id)
            )
        except TelegramError as exc:
            # Usually "chat not found": this person has not opened the bot yet.
            log.info("could not set the menu for staff %s: %s", user_id, type(exc).__name__)
