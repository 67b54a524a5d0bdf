"""A running bot for tests: the real Application, a fake Telegram, a fake clock, a real SQLite file."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.answers import AnswerEngine
from bot.app import answer_engines, build_application
from bot.clock import VirtualClock
from bot.config import Settings
from bot.content import load_content
from bot.db import Database
from bot.demo.telegram import FakeTelegram
from bot.reminders import PLAN_CHUNK
from bot.services import SERVICES_KEY, ClinicApplication, Services
from tests.support import factories

ADMIN_ID = 1001
STAFF_ID = 1002
STAFF_CHAT_ID = -100555
PATIENT_ID = 2001
OTHER_ID = 2002
STRANGER_ID = 3001
TOKEN = "123456:TESTtokenTESTtokenTESTtokenTEST_abcd"  # not a real token


@dataclass
class FakeClock(VirtualClock):
    current: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 17, 0, tzinfo=UTC))


@dataclass
class Bot:
    app: ClinicApplication
    telegram: FakeTelegram
    clock: FakeClock
    errors: list[BaseException] = field(default_factory=list)

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    @property
    def db(self) -> Database:
        return self.services.db

    async def send(self, text: str, user_id: int, **kwargs: Any) -> None:
        await self.app.process_update(factories.text_update(self.app.bot, text, user_id=user_id, **kwargs))

    async def press(self, data: str, user_id: int, **kwargs: Any) -> None:
        await self.app.process_update(
            factories.callback_update(self.app.bot, data, user_id=user_id, **kwargs)
        )

    async def send_media(self, kind: str, user_id: int) -> None:
        await self.app.process_update(factories.media_update(self.app.bot, kind, user_id=user_id))

    async def rows(self, table: str) -> list[dict[str, Any]]:
        return await self.db.table_rows(table)

    async def tick(self, **elapsed: float) -> None:
        """Let time pass, then let the scheduler send what fell due and the alert desk post what waited
        (as their wake-up jobs would)."""
        self.clock.advance(**elapsed)
        await self.services.scheduler.deliver_now()
        await self.services.alerts.flush()

    async def outbox(self, kind: str) -> list[dict[str, Any]]:
        return [row for row in await self.rows("outbox") if row["kind"] == kind]

    # -- whole flows -------------------------------------------------------------------------------

    async def enroll(self, name: str = "Jane D.", staff_id: int = STAFF_ID) -> tuple[int, str]:
        """Enroll a patient; returns their number and the invite token from the link sent to staff."""
        await self.send(f"/enroll {name}", staff_id)
        text = self.telegram.texts(staff_id)[-2]
        number = int(re.search(r"#(\d+)", text).group(1))  # type: ignore[union-attr]
        token = re.search(r"\?start=([A-Za-z0-9_-]+)", text).group(1)  # type: ignore[union-attr]
        return number, token

    async def join(self, token: str, user_id: int = PATIENT_ID, language_code: str | None = "en") -> None:
        """Open the invite link and agree, from a Telegram app set to ``language_code``."""
        await self.send(f"/start {token}", user_id, language_code=language_code)
        data = self.telegram.sent(user_id)[-1].button_data
        assert data, "the consent message has no button"
        await self.press(data[0], user_id, language_code=language_code)

    async def enrolled_patient(
        self, name: str = "Jane D.", user_id: int = PATIENT_ID, language_code: str | None = "en"
    ) -> int:
        number, token = await self.enroll(name)
        await self.join(token, user_id, language_code)
        return number


def make_settings(tmp_path: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_path": tmp_path / "clinic.sqlite3",
        "admin_ids": frozenset({ADMIN_ID}),
        "staff_chat_id": STAFF_CHAT_ID,
    }
    values.update(overrides)
    return Settings(**values)


@functools.cache
def shared_engines(clinic_profile_path: Path | None) -> Mapping[str, AnswerEngine]:
    """The answer engines, built once per clinic profile for the whole run: they take a second to build
    and keep nothing a test could change."""
    return answer_engines(load_content(clinic_profile_path))


@asynccontextmanager
async def running_bot(
    settings: Settings,
    telegram: FakeTelegram | None = None,
    clock: FakeClock | None = None,
    *,
    wait_for_plans: bool = True,
    plan_chunk: int = PLAN_CHUNK,
) -> AsyncIterator[Bot]:
    """Start the bot the way run_polling does (initialize, post_init), without polling.

    Planning runs behind the bot; unless ``wait_for_plans`` is False, the start-up pass is let finish
    first so that tests begin from a settled plan.
    """
    telegram = telegram or FakeTelegram()
    clock = clock or FakeClock()
    engines = shared_engines(settings.clinic_profile_path)
    app = build_application(settings, request=telegram, clock=clock, plan_chunk=plan_chunk, engines=engines)
    bot = Bot(app, telegram, clock)

    async def record_error(update: object, context: Any) -> None:
        bot.errors.append(context.error)

    app.add_error_handler(record_error)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    if wait_for_plans:
        await bot.services.scheduler.planned()
    try:
        yield bot
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
