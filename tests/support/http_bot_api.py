"""A local Bot API server over real HTTP, for the end-to-end test: the fake's answers behind a socket.

It serves ``/bot<token>/<method>`` like Telegram's server (form-encoded or multipart requests, JSON
answers) and hands out queued updates to ``getUpdates``, so the bot runs its real polling loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from bot.demo.telegram import ApiCall, FakeTelegram


def _value(raw: str) -> Any:
    """Form values are JSON for anything that is not a plain string."""
    if raw[:1] in "{[" or raw in {"true", "false", "null"} or raw.lstrip("-").isdigit():
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class LocalBotApi:
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> LocalBotApi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_for(self, check: Callable[[FakeTelegram], bool], timeout: float = 15) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: check(self.fake))

        await asyncio.wait_for(until(), timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _, path, _ = lines[0].split(" ", 2)
                headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, payload = await self._answer(path, headers.get("content-type", ""), body)
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, path: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        method = path.rsplit("/", 1)[-1]
        params, files = self._parse(content_type, body)
        if method == "getUpdates":
            try:
                update = await asyncio.wait_for(self.updates.get(), timeout=0.2)
            except TimeoutError:
                return 200, b'{"ok": true, "result": []}'
            return 200, json.dumps({"ok": True, "result": [update]}).encode()
        result = self.fake.handle(ApiCall(method, params, files))
        async with self._changed:
            self._changed.notify_all()
        return result

    @staticmethod
    def _parse(content_type: str, body: bytes) -> tuple[dict[str, Any], tuple[str, ...]]:
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            params: dict[str, Any] = {}
            files: list[str] = []
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if part.get_filename():
                    files.append(str(name))
                else:
                    params[str(name)] = _value(part.get_content())
            return params, tuple(files)
        if body and content_type.startswith("application/json"):
            return json.loads(body), ()
        return {k: _value(v) for k, v in parse_qsl(body.decode())}, ()
