"""A message as the bot means to send it: text, rows of buttons, maybe a file; before Telegram sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Attachment:
    """A small file sent with the message (the text becomes its caption): a calendar entry, say."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    document: Attachment | None = None
