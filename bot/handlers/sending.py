"""The bridge from plain messages to Telegram: build keyboards, send, and translate errors."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.alert_desk import AlertPoster
from bot.handlers.pictures import PictureSender
from bot.outbox import OutgoingMessage, RecipientGone, RetryLater, Sender, SendFailed
from bot.priority import Priority
from bot.ratelimit import retry_seconds

log = logging.getLogger(__name__)


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in message.buttons]
    )


def is_chat_gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "chat not found" in text or "user is deactivated" in text or "peer_id_invalid" in text


def telegram_sender(bot: ExtBot[str], pictures: PictureSender | None = None) -> Sender:
    async def send(chat_id: int, message: OutgoingMessage, priority: Priority = Priority.BULK) -> None:
        try:
            if message.picture is not None and pictures is not None:
                # The text is the picture's caption (an exercise reminder).
                await pictures.send(chat_id, message.picture, message.text, keyboard(message), priority)
            elif message.document is not None:
                # The text becomes the file's caption: one message, the file right under its explanation.
                attachment = message.document
                await bot.send_document(
                    chat_id,
                    InputFile(attachment.data, filename=attachment.filename, attach=True),
                    caption=message.text,
                    reply_markup=keyboard(message),
                    rate_limit_args=priority.value,
                )
            else:
                await bot.send_message(
                    chat_id, message.text, reply_markup=keyboard(message), rate_limit_args=priority.value
                )
        except Forbidden as exc:
            raise RecipientGone(str(exc)) from exc
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc)) from exc
        except BadRequest as exc:
            # BadRequest subclasses NetworkError, so it must be caught first.
            if is_chat_gone(exc):
                raise RecipientGone(str(exc)) from exc
            log.error("Telegram refused a message as malformed: %s", exc.message)
            raise SendFailed(f"bad request: {exc.message}") from exc
        except TimedOut as exc:
            # It may have been delivered; a retry can repeat it, which beats losing it.
            raise SendFailed("timed out") from exc
        except (NetworkError, TelegramError) as exc:
            raise SendFailed(type(exc).__name__) from exc

    return send


def telegram_alert_poster(bot: ExtBot[str]) -> AlertPoster:
    """Post or update a staff alert; a 429 becomes RetryLater (the desk holds that chat), never a wait."""

    async def post(chat_id: int, message: OutgoingMessage, message_id: int | None) -> int:
        markup = keyboard(message)
        try:
            if message_id is None:
                sent = await bot.send_message(
                    chat_id, message.text, reply_markup=markup, rate_limit_args=Priority.ALERT.value
                )
                return sent.message_id
            await bot.edit_message_text(
                message.text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
                rate_limit_args=Priority.ALERT.value,
            )
            return message_id
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc)) from exc
        except BadRequest as exc:
            if message_id is not None and "not modified" in exc.message.lower():
                return message_id
            raise SendFailed(f"bad request: {exc.message}") from exc
        except TelegramError as exc:
            raise SendFailed(type(exc).__name__) from exc

    return post
