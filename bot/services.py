"""What every handler can reach: settings, clock, content, storage and delivery, through a typed context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.alert_desk import AlertDesk
from bot.clock import Clock
from bot.config import Settings
from bot.content import BASE_LANGUAGE, Content
from bot.db import Database
from bot.flood import FloodGuard
from bot.scheduler import Scheduler
from bot.staff_notices import StaffNotices

if TYPE_CHECKING:
    from bot.answers import AnswerEngine
    from bot.handlers.access import Access
    from bot.handlers.pictures import PictureSender
    from bot.multilingual import LanguageRouter

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    clock: Clock
    content: Content
    db: Database
    access: Access
    scheduler: Scheduler
    # The answer engine of each language the bot reads, by language code (the base language's always).
    engines: Mapping[str, AnswerEngine]
    languages: LanguageRouter  # which language a message is in, and which engine reads it
    flood: FloodGuard
    alerts: AlertDesk
    notices: StaffNotices
    # The bot's pictures (exercises), each uploaded to Telegram once and then sent by its file_id.
    pictures: PictureSender

    @property
    def engine(self) -> AnswerEngine:
        """The base language's answer engine."""
        return self.engines[BASE_LANGUAGE]

    def engine_for(self, language: str) -> AnswerEngine:
        """The engine that reads ``language``; the base language's when there is none for it."""
        return self.engines.get(language) or self.engine


class ClinicContext(CallbackContext[ExtBot[str], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the services one attribute away instead of behind string keys."""

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])


ClinicApplication = Application[
    ExtBot[str],
    ClinicContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ClinicContext],
]
