"""Typed input a chat is waiting for, named in one place.

After "Type the broadcast text" or "Type a zone name" the next message from that person is an
answer to the bot, not a question. Each such wait is a named :class:`Pending` state kept in the
person's ``user_data`` (one at a time: asking for something new replaces the old wait), and the
handler table registers one :class:`AwaitingInput` handler per state ahead of the question handler,
so bot/handlers/__init__.py shows who answers what.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.services import ClinicContext

Handler = Callable[[Update, ClinicContext], Coroutine[Any, Any, None]]

KEY = "pending_input"


class Pending(StrEnum):
    BROADCAST_TEXT = "broadcast text"  # after /broadcast with no text
    BROADCAST_TIME = "broadcast time"  # after "Type a date and time"
    BROADCAST_TRANSLATION = "broadcast translation"  # after "Add a Spanish version"
    TIME_ZONE = "time zone"  # after /settings → time zone → "Type a zone name"


@dataclass(frozen=True)
class Awaited:
    state: Pending
    # What the input is for, where that matters (the broadcast draft's id, and a language code).
    ref: int = 0
    value: str = ""


def expect(context: ClinicContext, state: Pending, ref: int = 0, value: str = "") -> None:
    """Take this person's next text message as ``state``'s input."""
    if context.user_data is not None:
        context.user_data[KEY] = Awaited(state, ref, value)


def awaited(context: ClinicContext) -> Awaited | None:
    value = context.user_data.get(KEY) if context.user_data is not None else None
    return value if isinstance(value, Awaited) else None


def clear(context: ClinicContext, states: Collection[Pending] = tuple(Pending)) -> Awaited | None:
    """Stop waiting (only if the wait is one of ``states``); returns what was awaited, if anything."""
    current = awaited(context)
    if current is None or current.state not in states or context.user_data is None:
        return None
    del context.user_data[KEY]
    return current


class AwaitingInput(MessageHandler[ClinicContext, None]):
    """A message handler that matches only while the sender is awaited for one of ``states``."""

    def __init__(
        self,
        user_data: Mapping[int, Mapping[Any, Any]],
        states: Collection[Pending],
        callback: Handler,
        message_filter: filters.BaseFilter,
    ) -> None:
        super().__init__(message_filter, callback)
        self._user_data = user_data
        self._states = frozenset(states)

    def check_update(self, update: object) -> bool | dict[str, list[Any]] | None:
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        data = self._user_data.get(update.effective_user.id)
        current = data.get(KEY) if data is not None else None
        if not isinstance(current, Awaited) or current.state not in self._states:
            return None
        return super().check_update(update)
