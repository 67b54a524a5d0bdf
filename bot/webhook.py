"""Webhook mode: PTB's own webhook handler behind a stricter door.

PTB's handler compares the secret with ``!=`` and its server accepts bodies of up to 100 MB. Here the
same handler checks the secret in constant time, and the server refuses any body over 1 MB from its
Content-Length, before reading or parsing it. It listens on 127.0.0.1 unless WEBHOOK_LISTEN says
otherwise: the public side is the clinic's HTTPS reverse proxy.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from http import HTTPStatus
from urllib.parse import urlsplit

import tornado.web
from telegram import Update
from telegram.ext._utils.webhookhandler import TelegramHandler
from tornado.httpserver import HTTPServer

from bot.config import Settings
from bot.services import ClinicApplication
from bot.startup import connect

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SecretCheckingHandler(TelegramHandler):
    """PTB's webhook handler with the secret compared in constant time (and required)."""

    def _validate_post(self) -> None:
        if self.request.headers.get("Content-Type", None) != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, (self.secret_token or "").encode()) or not self.secret_token:
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="wrong or missing secret token")


class _NoUpdateContent(logging.Filter):
    """PTB logs an update it cannot read, content and all, at CRITICAL; keep the event, drop the content."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Received data was" in str(record.msg):
            record.msg = "an update posted to the webhook could not be read (its content is not logged)"
            record.args = ()
        return True


_UPDATER_LOG = logging.getLogger("telegram.ext.Updater")


def start_webhook_server(
    app: ClinicApplication, *, listen: str, port: int, url_path: str, secret_token: str
) -> HTTPServer:
    """Serve Telegram's updates into the application's queue; the caller starts and stops the app."""
    if not any(isinstance(f, _NoUpdateContent) for f in _UPDATER_LOG.filters):
        _UPDATER_LOG.addFilter(_NoUpdateContent())
    path = "/" + url_path.strip("/")
    web_app = tornado.web.Application(
        [
            (
                rf"{path}/?",
                SecretCheckingHandler,
                {"bot": app.bot, "update_queue": app.update_queue, "secret_token": secret_token},
            )
        ]
    )
    server = HTTPServer(web_app, max_body_size=MAX_BODY_BYTES, max_buffer_size=2 * MAX_BODY_BYTES)
    server.listen(port, address=listen)
    return server


def run_webhook(app: ClinicApplication, settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, the way ``Application.run_webhook`` does, with the stricter server."""
    asyncio.run(_serve(app, settings))


async def _serve(app: ClinicApplication, settings: Settings) -> None:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await connect(app)
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        await app.start()
        server = start_webhook_server(
            app,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path,
            secret_token=settings.webhook_secret,
        )
        log.info("webhook server listening on %s:%s", settings.webhook_listen, settings.webhook_port)
        try:
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
