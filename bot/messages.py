"""A message as the bot means to send it: text, rows of buttons, maybe a picture or a file (the text then
its caption); before Telegram sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Picture:
    """A picture the bot ships (an exercise's), by reference: the file is opened only when sent.

    ``sha256`` tells a redrawn picture from the one Telegram already has a copy of.
    """

    name: str
    path: Path
    sha256: str
    animated: bool = False


@dataclass(frozen=True)
class Attachment:
    """A small file sent with the message (the text becomes its caption): a calendar entry, say."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OutgoingMessage:
    # With a picture, the text is its caption (at most 1,024 characters).
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    picture: Picture | None = None
    document: Attachment | None = None
