"""The command menus per role (menus.toml), as Telegram shows them next to the message box."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.content import ContentError, read_toml

MenuEntries = tuple[tuple[str, str], ...]
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass(frozen=True)
class Menus:
    """Command menus per role (menus.toml); staff see theirs on top of the patients' list."""

    patient: MenuEntries
    staff: MenuEntries
    admin: MenuEntries

    @classmethod
    def load(cls) -> Menus:
        return cls.from_data(read_toml("menus.toml"))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Menus:
        where = "bot/content/menus.toml"

        def entries(role: str) -> MenuEntries:
            raw = data.get(role)
            if not isinstance(raw, list) or not raw:
                raise ContentError(f"{where}: '{role}' must be a list of [command, description]")
            result: list[tuple[str, str]] = []
            for entry in raw:
                if (
                    not isinstance(entry, list)
                    or len(entry) != 2
                    or not all(isinstance(part, str) for part in entry)
                    or not _COMMAND.match(entry[0])
                    or not 3 <= len(entry[1]) <= 256
                ):
                    raise ContentError(f"{where}: bad entry {entry!r} in '{role}'")
                result.append((entry[0], entry[1]))
            return tuple(result)

        return cls(patient=entries("patient"), staff=entries("staff"), admin=entries("admin"))
