"""A fake Bot API at PTB's request layer: records every call and answers like Telegram, errors included."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "procare_clinic_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "tg-spoiler",
    "blockquote",
    "span",
}
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_SEND_METHODS = {
    "sendMessage",
    "sendPhoto",
    "sendAnimation",
    "sendMediaGroup",
    "sendDocument",
    "copyMessage",
    "forwardMessage",
}
MAX_CAPTION = 1024
# Where each picture-sending method carries its file: an upload (multipart) or a file_id string.
_FILE_PARAM = {"sendPhoto": "photo", "sendAnimation": "animation", "sendDocument": "document"}
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"


@dataclass(frozen=True)
class Upload:
    """A file sent with a call, as Telegram receives it: its part name, file name and bytes."""

    part: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    files: tuple[str, ...] = ()
    uploads: tuple[Upload, ...] = ()

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def button_data(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Failure:
    """One error Telegram will answer with, the next time ``method`` is called (for ``chat_id``)."""

    method: str
    error_code: int
    description: str
    chat_id: int | None = None
    retry_after: int | None = None
    times: int = 1


def html_error(text: str) -> str | None:
    """Telegram's own check of HTML parse mode, as far as it matters to us."""
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _ALLOWED_TAGS:
            return f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
        if closing:
            if not stack or stack.pop() != tag:
                return f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"'
        else:
            stack.append(tag)
    if stack:
        return f"Bad Request: can't parse entities: can't find end tag for \"{stack[-1]}\""
    bare = _TAG.sub("", text)
    if "<" in bare:
        return "Bad Request: can't parse entities: unexpected character '<'"
    if "&" in _ENTITY.sub("", bare):
        return "Bad Request: can't parse entities: character '&' is reserved"
    return None


@dataclass
class FakeTelegram(BaseRequest):
    calls: list[ApiCall] = field(default_factory=list)
    delivered: list[ApiCall] = field(default_factory=list)  # messages Telegram accepted
    failures: list[Failure] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    missing_chats: set[int] = field(default_factory=set)
    timeouts: int = 0  # the next this many calls time out (the message may or may not have arrived)
    now: int = 1_790_000_000
    # Pictures: the file_ids this Telegram has given out, ids it now refuses (with its answer), and
    # the name of every file uploaded to it, in order.
    file_ids: set[str] = field(default_factory=set)
    refused_file_ids: dict[str, str] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._message_ids = itertools.count(100)
        self._file_numbers = itertools.count(1)

    def refuse_file_ids(self, description: str = "Bad Request: file reference expired") -> None:
        """From now on, every file_id given out so far is refused (as after Telegram moved the file)."""
        self.refused_file_ids.update(dict.fromkeys(self.file_ids, description))

    # -- what tests look at --------------------------------------------------------------------

    def sent(
        self,
        chat_id: int | None = None,
        methods: Iterable[str] = ("sendMessage", "sendPhoto", "sendDocument"),
    ) -> list[ApiCall]:
        wanted = set(methods)
        return [c for c in self.calls if c.method in wanted and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.sent(chat_id)]

    def last_text(self, chat_id: int) -> str:
        texts = self.texts(chat_id)
        assert texts, f"nothing was sent to chat {chat_id}"
        return texts[-1]

    def clear(self) -> None:
        self.calls.clear()
        self.delivered.clear()

    def fail(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        chat_id: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        self.failures.append(Failure(method, error_code, description, chat_id, retry_after, times))

    # -- BaseRequest ------------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        if self.timeouts > 0 and api_method != "getMe":
            self.timeouts -= 1
            raise TimedOut("fake timeout")
        params = dict(request_data.parameters) if request_data else {}
        parts = request_data.multipart_data if request_data and request_data.contains_files else {}
        uploads = tuple(
            Upload(name, str(part[0]), part[1] if isinstance(part[1], bytes) else part[1].read())
            for name, part in parts.items()
        )
        return self.handle(ApiCall(api_method, params, tuple(parts), uploads))

    def handle(self, call: ApiCall) -> tuple[int, bytes]:
        """Answer one Bot API call as Telegram would (status code and JSON body)."""
        self.calls.append(call)
        error = self._error_for(call)
        if error is not None:
            return error
        if call.method in _SEND_METHODS:
            self.delivered.append(call)
        return 200, json.dumps({"ok": True, "result": self._result(call)}).encode()

    def _error_for(self, call: ApiCall) -> tuple[int, bytes] | None:
        for failure in self.failures:
            if failure.method == call.method and failure.chat_id in (None, call.chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return _error(failure.error_code, failure.description, failure.retry_after)
        chat_id = call.chat_id
        if call.method in _SEND_METHODS | {"setMyCommands", "deleteMyCommands"} and chat_id is None:
            scope = call.params.get("scope") or {}
            chat_id = scope.get("chat_id") if isinstance(scope, dict) else None
        if chat_id is not None and chat_id in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        if call.method in _SEND_METHODS and chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if call.method in {"sendMessage", "editMessageText"}:
            text = str(call.params.get("text", ""))
            if not text.strip():
                return _error(400, "Bad Request: message text is empty")
            if len(text) > MAX_TEXT:
                return _error(400, "Bad Request: message is too long")
        if len(str(call.params.get("caption") or "")) > MAX_CAPTION:
            return _error(400, "Bad Request: message caption is too long")
        if call.method == "sendDocument" and not (call.uploads or call.params.get("document")):
            return _error(400, "Bad Request: there is no document in the request")
        if call.params.get("parse_mode") == "HTML":
            problem = html_error(call.text)
            if problem:
                return _error(400, problem)
        picture_problem = self._picture_error(call)
        if picture_problem is not None:
            return _error(400, picture_problem)
        for data in call.button_data:
            if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def _file_id_error(self, file_id: object) -> str | None:
        if not isinstance(file_id, str) or file_id.startswith("attach://"):
            return None
        if file_id in self.refused_file_ids:
            return self.refused_file_ids[file_id]
        return None if file_id in self.file_ids else WRONG_FILE_ID

    def _picture_error(self, call: ApiCall) -> str | None:
        """Telegram's checks of pictures: known file ids, caption length, album size and captions."""
        if call.method in _FILE_PARAM:
            if len(str(call.params.get("caption") or "")) > MAX_CAPTION:
                return "Bad Request: message caption is too long"
            return self._file_id_error(call.params.get(_FILE_PARAM[call.method]))
        if call.method != "sendMediaGroup":
            return None
        media = _media(call)
        if not 2 <= len(media) <= 10:
            return "Bad Request: wrong number of media in the album (2 to 10)"
        for item in media:
            caption = str(item.get("caption") or "")
            if len(caption) > MAX_CAPTION:
                return "Bad Request: message caption is too long"
            problem = html_error(caption) if item.get("parse_mode") == "HTML" else None
            problem = problem or self._file_id_error(item.get("media"))
            if problem:
                return problem
        return None

    def _file(self, call: ApiCall, given: object, upload: str) -> str:
        """The file_id of a sent picture: the one it was sent by, or a new one for an upload."""
        if isinstance(given, str) and not given.startswith("attach://"):
            return given
        self.uploads.append(upload)
        file_id = f"file-{next(self._file_numbers)}"
        self.file_ids.add(file_id)
        return file_id

    def _picture(self, call: ApiCall, message: dict[str, Any]) -> None:
        param = _FILE_PARAM[call.method]
        given = call.params.get(param)
        file_id = self._file(call, given, call.files[0] if call.files else param)
        size = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 480, "height": 480}
        if call.method == "sendPhoto":
            message["photo"] = [size]
        elif call.method == "sendAnimation":
            message["animation"] = size | {"duration": 2}
        else:
            name = call.uploads[0].filename if call.uploads else "file"
            message["document"] = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name}
        if "caption" in call.params:
            message["caption"] = call.params["caption"]

    def _album(self, call: ApiCall) -> list[dict[str, Any]]:
        messages = []
        for item in _media(call):
            message = self._message(ApiCall("sendMessage", {"chat_id": call.chat_id}))
            media = item.get("media")
            upload = str(media).removeprefix("attach://")
            file_id = self._file(call, media, upload)
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 480, "height": 480}
            ]
            if item.get("caption"):
                message["caption"] = item["caption"]
            messages.append(message)
        return messages

    def _message(self, call: ApiCall) -> dict[str, Any]:
        chat_id = call.chat_id or 0
        message: dict[str, Any] = {
            "message_id": int(call.params.get("message_id") or next(self._message_ids)),
            "date": self.now,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "chat"},
            "from": bot_user(),
        }
        if call.method in _FILE_PARAM:
            self._picture(call, message)
        elif "text" in call.params:
            message["text"] = call.params["text"]
        if "reply_markup" in call.params:
            message["reply_markup"] = call.params["reply_markup"]
        return message

    def _result(self, call: ApiCall) -> Any:
        if call.method == "getMe":
            return bot_user() | {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if call.method == "sendMediaGroup":
            return self._album(call)
        if call.method in _SEND_METHODS or call.method.startswith("editMessage"):
            return self._message(call)
        if call.method == "getUpdates":
            return []
        if call.method in {
            "answerCallbackQuery",
            "setMyCommands",
            "deleteMyCommands",
            "deleteWebhook",
            "setWebhook",
            "close",
            "logOut",
        }:
            return True
        raise AssertionError(f"the fake Bot API does not know {call.method}")


def bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "ProCare", "username": BOT_USERNAME}


def _error(code: int, description: str, retry_after: int | None = None) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return code, json.dumps(body).encode()


def _media(call: ApiCall) -> list[dict[str, Any]]:
    """The items of an album, however the request carried them (a list, or its JSON)."""
    media = call.params.get("media") or []
    if isinstance(media, str):
        media = json.loads(media)
    return [item for item in media if isinstance(item, dict)]
