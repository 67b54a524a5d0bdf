"""The staff commands, declared once: name, handler, who may use it, and how it is tried.

The handler table (bot/handlers/__init__.py), the command menus (bot/content/menus.toml, checked
against this list at start-up), /help (bot/content/texts.toml, checked the same way) and the
security test's authorization matrix all come from here. A new staff command is one entry below,
its menu line and its /help line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.content import Content, ContentError
from bot.handlers import broadcasts, console, programme, sessions, staff, visits
from bot.handlers.pending import Handler


class Role(Enum):
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class StaffCommand:
    name: str
    handler: Handler
    role: Role
    # Arguments worth trying with it (the security test sends each, as someone not allowed).
    tries: tuple[str, ...] = ("",)


COMMANDS: tuple[StaffCommand, ...] = (
    StaffCommand("enroll", staff.enroll_command, Role.STAFF, ("Mallory X.",)),
    StaffCommand("session", sessions.session_command, Role.STAFF, ("1", "1 neck")),
    StaffCommand("patient", console.patient_command, Role.STAFF, ("1",)),
    StaffCommand("patients", console.patients_command, Role.STAFF, ("", "jan")),
    StaffCommand("program", programme.program_command, Role.STAFF, ("1", "1 add chin_tuck")),
    # /visit is also a patient command (their own next visit); with arguments it is staff-only.
    StaffCommand("visit", visits.visit_command, Role.STAFF, ("1 2030-01-02 10:00", "1 cancel")),
    StaffCommand("visits", visits.visits_command, Role.STAFF),
    StaffCommand("plan", visits.plan_command, Role.STAFF, ("1 weekly", "1 off")),
    StaffCommand("due", visits.due_command, Role.STAFF),
    StaffCommand("broadcast", broadcasts.broadcast_command, Role.STAFF, ("Hello all", "")),
    StaffCommand("broadcasts", broadcasts.broadcasts_command, Role.STAFF),
    StaffCommand("alerts", console.alerts_command, Role.STAFF),
    StaffCommand("stats", console.stats_command, Role.STAFF),
    StaffCommand("staff", staff.staff_command, Role.ADMIN, ("", "add 4242", "remove 1002")),
    StaffCommand("staffchat", staff.staffchat_command, Role.ADMIN),
)


def commands_for(role: Role) -> dict[str, Handler]:
    return {command.name: command.handler for command in COMMANDS if command.role is role}


def check_commands(content: Content) -> None:
    """Every staff command has a menu line and a /help line for its role; a missing one is a
    mistake caught at start-up, not a command staff cannot find."""
    menus = {Role.STAFF: content.menus.staff, Role.ADMIN: content.menus.admin}
    for command in COMMANDS:
        if command.name not in {name for name, _ in menus[command.role]}:
            raise ContentError(f"bot/content/menus.toml: '{command.role.value}' lacks /{command.name}")
        help_text = content.texts.render(f"help.{command.role.value}")
        if not re.search(rf"/{command.name}(?![a-z0-9_])", help_text):
            raise ContentError(f"bot/content/texts.toml: help.{command.role.value} lacks /{command.name}")
