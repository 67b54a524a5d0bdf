"""What the demo prints: each bot message as a person reads it, under a line saying when and to whom."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^<>]+>")


def plain_text(text: str, parse_mode: str | None = "HTML") -> str:
    """HTML as Telegram shows it: tags gone, entities decoded, a link's address after its label."""
    if parse_mode != "HTML":
        return text.strip()

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), _TAG.sub("", match.group(2))
        label = html.unescape(label)
        return label if label.strip() in {url, ""} else f"{label} ({url})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text))).strip()


@dataclass(frozen=True)
class Button:
    label: str
    callback_data: str | None = None
    url: str | None = None


def markup_buttons(markup: Any) -> tuple[list[Button], bool]:
    """The buttons of a reply markup, in reading order, and whether they are a reply keyboard
    (whose buttons send their label as a message)."""
    if not markup:
        return [], False
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return [], False
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        buttons = [
            Button(str(b.get("text", "")), b.get("callback_data"), b.get("url")) for row in rows for b in row
        ]
        return buttons, False
    if "keyboard" in markup:
        labels = [b if isinstance(b, str) else b.get("text", "") for row in markup["keyboard"] for b in row]
        return [Button(str(label)) for label in labels], True
    return [], False


@dataclass
class ShownMessage:
    """A message in one of the two chats, as it stands now (edits change it)."""

    message_id: int
    chat_id: int
    text: str  # as sent (HTML), for the callback query's message
    buttons: list[Button] = field(default_factory=list)
    reply_keyboard: bool = False
    order: int = 0  # when it was last sent or edited: the newest buttons win a press


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def header(moment: datetime, audience: str, note: str = "") -> str:
    return f"[{stamp(moment)}] bot -> {audience}{note}"


def buttons_line(buttons: list[Button]) -> str:
    return "buttons: " + " ".join(f"[{b.label}]" for b in buttons)
