"""Updates as Telegram would send them, built from JSON so that PTB parses them for real."""

from __future__ import annotations

import itertools
from typing import Any

from telegram import Bot, Update

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
DATE = 1_790_000_000


def user_json(user_id: int, first_name: str = "Pat", language_code: str | None = "en") -> dict[str, Any]:
    """A Telegram user; ``language_code`` is their app's language (None: Telegram did not say)."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def chat_json(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Pat"}
    return {"id": chat_id, "type": chat_type, "title": "Clinic staff"}


def message_json(
    text: str | None,
    *,
    user_id: int,
    chat_id: int | None = None,
    chat_type: str = "private",
    first_name: str = "Pat",
    language_code: str | None = "en",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": DATE,
        "chat": chat_json(chat_id if chat_id is not None else user_id, chat_type),
        "from": user_json(user_id, first_name, language_code),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    message.update(extra or {})
    return message


def text_update_json(text: str, *, user_id: int, edited: bool = False, **kwargs: Any) -> dict[str, Any]:
    key = "edited_message" if edited else "message"
    message = message_json(text, user_id=user_id, **kwargs)
    if edited:
        message["edit_date"] = DATE + 60
    return {"update_id": next(_update_ids), key: message}


def text_update(bot: Bot, text: str, *, user_id: int, edited: bool = False, **kwargs: Any) -> Update:
    return Update.de_json(text_update_json(text, user_id=user_id, edited=edited, **kwargs), bot)


def media_update(bot: Bot, kind: str, *, user_id: int) -> Update:
    extra: dict[str, Any] = {
        "photo": {"photo": [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}]},
        "sticker": {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "su",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        "location": {"location": {"latitude": 45.5, "longitude": -122.6}},
        "voice": {"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3}},
    }[kind]
    message = message_json(None, user_id=user_id, extra=extra)
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def callback_update_json(
    data: str,
    *,
    user_id: int,
    chat_id: int | None = None,
    message_text: str = "...",
    language_code: str | None = "en",
) -> dict[str, Any]:
    chat = chat_id if chat_id is not None else user_id
    message = {
        "message_id": next(_message_ids),
        "date": DATE,
        "chat": chat_json(chat, "private" if chat > 0 else "supergroup"),
        "from": {"id": 7_000_000_001, "is_bot": True, "first_name": "ProCare"},
        "text": message_text,
    }
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user_json(user_id, language_code=language_code),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        },
    }


def callback_update(bot: Bot, data: str, *, user_id: int, **kwargs: Any) -> Update:
    return Update.de_json(callback_update_json(data, user_id=user_id, **kwargs), bot)
