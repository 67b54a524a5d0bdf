"""The updates the demo's two people send: typed messages and button presses, as Telegram would."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update

from bot.clock import VirtualClock
from bot.demo.transcript import Button, ShownMessage, plain_text

STAFF_ID = 1001
PATIENT_ID = 2001
STAFF_NAME = "Sam"
PATIENT_NAME = "Jane"


class DemoUpdates:
    """Builds updates with ids that only go up, dated by the virtual clock."""

    def __init__(self, bot: Bot, clock: VirtualClock) -> None:
        self._bot = bot
        self._clock = clock
        self._ids = 0

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        name = STAFF_NAME if user_id == STAFF_ID else PATIENT_NAME
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def message(self, text: str, user_id: int) -> Update:
        user = self._user(user_id)
        message: dict[str, Any] = {
            "message_id": 10_000 + self._next_id(),
            "date": int(self._clock.now().timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return Update.de_json({"update_id": self._next_id(), "message": message}, self._bot)

    def press(self, shown: ShownMessage, data: str) -> Update:
        user = self._user(shown.chat_id)
        message: dict[str, Any] = {
            "message_id": shown.message_id,
            "date": int(self._clock.now().timestamp()),
            "chat": {"id": shown.chat_id, "type": "private", "first_name": user["first_name"]},
            "from": {"id": self._bot.id, "is_bot": True, "first_name": "ProCare"},
            "text": plain_text(shown.text) or "...",
            "reply_markup": {"inline_keyboard": [[_button_json(b)] for b in shown.buttons]},
        }
        query = {
            "id": str(self._next_id()),
            "from": user,
            "chat_instance": str(shown.chat_id),
            "data": data,
            "message": message,
        }
        return Update.de_json({"update_id": self._next_id(), "callback_query": query}, self._bot)


def _button_json(button: Button) -> dict[str, str]:
    if button.url:
        return {"text": button.label, "url": button.url}
    return {"text": button.label, "callback_data": button.callback_data or "-"}
