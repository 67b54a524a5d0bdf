"""Sending the bot's own pictures: each file is uploaded to Telegram once, then sent by its file_id.

The file_id Telegram returns is stored with the hash of the file it came from (a redrawn picture is
uploaded afresh). If Telegram refuses a stored id ("wrong file identifier", "file reference expired"),
the id is forgotten and the file uploaded again. A file is opened only for an upload and closed right
after: no picture is held in memory between sends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from typing import IO

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.db import PictureStore
from bot.messages import Picture
from bot.priority import Priority

log = logging.getLogger(__name__)

MAX_ALBUM = 10
# What Telegram says when it no longer accepts a file_id (the wording varies by case).
REFUSED_ID = (
    "wrong file identifier",
    "file reference",
    "wrong remote file",
    "file_id",
    "failed to get http url content",
    "wrong type of the web page content",
)


def refused_id(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return any(words in text for words in REFUSED_ID)


def sent_file_id(message: Message) -> str | None:
    """The id Telegram gave the picture in a sent message (the largest size of a photo)."""
    if message.photo:
        return message.photo[-1].file_id
    if message.animation is not None:
        return message.animation.file_id
    if message.document is not None:
        return message.document.file_id
    return None


class PictureSender:
    def __init__(self, bot: ExtBot[str], db: PictureStore, clock: Clock) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock

    async def send(
        self,
        chat_id: int,
        picture: Picture,
        caption: str,
        markup: InlineKeyboardMarkup | None = None,
        priority: Priority = Priority.REPLY,
    ) -> None:
        """One picture with its caption (and buttons): by file_id if Telegram has it, else uploaded."""
        file_id = await self._db.telegram_file_id(picture.name, picture.sha256)
        if file_id is not None:
            try:
                await self._send_one(chat_id, picture, file_id, caption, markup, priority)
                return
            except BadRequest as exc:
                if not refused_id(exc):
                    raise
                log.info("Telegram refused the stored id of picture %s; uploading it again", picture.name)
                await self._db.forget_file_id(picture.name)
        with picture.path.open("rb") as file:
            message = await self._send_one(chat_id, picture, file, caption, markup, priority)
        await self._remember(picture, message)

    async def _send_one(
        self,
        chat_id: int,
        picture: Picture,
        media: str | IO[bytes],
        caption: str,
        markup: InlineKeyboardMarkup | None,
        priority: Priority,
    ) -> Message:
        if picture.animated:
            return await self._bot.send_animation(
                chat_id, media, caption=caption, reply_markup=markup, rate_limit_args=priority.value
            )
        return await self._bot.send_photo(
            chat_id, media, caption=caption, reply_markup=markup, rate_limit_args=priority.value
        )

    async def send_album(
        self, chat_id: int, items: Sequence[tuple[Picture, str]], priority: Priority = Priority.REPLY
    ) -> None:
        """Several pictures with captions: still ones as albums of up to ten, animated ones each on
        its own (Telegram's albums take no animations); a lone picture goes as a single photo."""
        stills = [item for item in items if not item[0].animated]
        for start in range(0, len(stills), MAX_ALBUM):
            chunk = stills[start : start + MAX_ALBUM]
            if len(chunk) == 1:
                await self.send(chat_id, chunk[0][0], chunk[0][1], priority=priority)
            else:
                await self._send_group(chat_id, chunk, priority)
        for picture, text in items:
            if picture.animated:
                await self.send(chat_id, picture, text, priority=priority)

    async def _send_group(
        self, chat_id: int, chunk: Sequence[tuple[Picture, str]], priority: Priority
    ) -> None:
        known = await self._db.telegram_file_ids([(picture.name, picture.sha256) for picture, _ in chunk])
        ids = [known.get(picture.name) for picture, _ in chunk]
        try:
            messages = await self._group(chat_id, chunk, ids, priority)
        except BadRequest as exc:
            if not refused_id(exc) or not any(ids):
                raise
            # Telegram does not say which id it refused: upload every picture of this album again.
            log.info("Telegram refused a stored picture id in an album; uploading its pictures again")
            for (picture, _), file_id in zip(chunk, ids, strict=True):
                if file_id is not None:
                    await self._db.forget_file_id(picture.name)
            ids = [None] * len(chunk)
            messages = await self._group(chat_id, chunk, ids, priority)
        for (picture, _), message, file_id in zip(chunk, messages, ids, strict=False):
            if file_id is None:
                await self._remember(picture, message)

    async def _group(
        self,
        chat_id: int,
        chunk: Sequence[tuple[Picture, str]],
        ids: Sequence[str | None],
        priority: Priority,
    ) -> Sequence[Message]:
        with ExitStack() as files:
            media = [
                InputMediaPhoto(
                    file_id if file_id is not None else files.enter_context(picture.path.open("rb")),
                    caption=text,
                )
                for (picture, text), file_id in zip(chunk, ids, strict=True)
            ]
            return await self._bot.send_media_group(chat_id, media, rate_limit_args=priority.value)

    async def _remember(self, picture: Picture, message: Message) -> None:
        file_id = sent_file_id(message)
        if file_id is not None:
            await self._db.remember_file_id(self._clock.now(), picture.name, picture.sha256, file_id)
