"""A message as the bot means to send it: text plus rows of buttons, before Telegram sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
