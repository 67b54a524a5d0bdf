"""The composition root: one function builds the whole bot, for production and for tests alike."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.alert_desk import AlertDesk
from bot.answers import ANSWERS_FILE, AnswerEngine
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content import BASE_LANGUAGE, Content, has_content_file, load_content
from bot.db import Database
from bot.flood import FloodGuard
from bot.handlers import register_handlers
from bot.handlers.access import Access
from bot.handlers.alerts import alert_message
from bot.handlers.broadcasts import progress_job as broadcast_progress_job
from bot.handlers.commands import check_commands
from bot.handlers.menus import publish_menus
from bot.handlers.pictures import PictureSender
from bot.handlers.sending import telegram_alert_poster, telegram_sender
from bot.multilingual import build_router
from bot.outbox import Dispatcher
from bot.privacy import retention_job
from bot.ratelimit import ClinicRateLimiter
from bot.reminders import PLAN_CHUNK, Grace
from bot.renderers import OUTBOX_KINDS, Renderers
from bot.scheduler import Scheduler
from bot.services import SERVICES_KEY, ClinicApplication, ClinicContext, Services
from bot.staff_notices import StaffNotices
from bot.startup import running_line
from bot.visit_messages import VisitRenderers

log = logging.getLogger(__name__)

WAKE_JOB = "wake"
ALERT_WAKE_JOB = "alert-wake"
NOTICE_WAKE_JOB = "notice-wake"
TICK_SECONDS = 60
PLAN_SECONDS = 10 * 60
# Progress edits in a staff group count against Telegram's 20 messages a minute per group.
PROGRESS_SECONDS = 5
PURGE_SECONDS = 24 * 60 * 60
PURGE_FIRST_SECONDS = 5 * 60


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    content: Content | None = None,
    plan_chunk: int = PLAN_CHUNK,
    engines: Mapping[str, AnswerEngine] | None = None,
) -> ClinicApplication:
    """Build the bot. Tests pass a fake ``request`` (Telegram's side) and a fake ``clock``, may plan
    in smaller chunks (``plan_chunk`` patients per transaction) to see a pass in steps, and may reuse
    answer ``engines`` built once for the clinic's content (they take a second to build)."""
    # Opt in to PTB's coming behaviour: durations such as RetryAfter.retry_after are timedeltas.
    # Without it every 429 raises a deprecation warning (see bot.ratelimit.retry_seconds).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    clock = clock or SystemClock()
    content = content or load_content(settings.clinic_profile_path)
    check_commands(content)
    app = _telegram_application(settings, request)
    services = _services(app, settings, clock, content, plan_chunk, engines or answer_engines(content))
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app, services.access.staff, services.access.admins, settings.staff_chat_id)
    return app


def _services(
    app: ClinicApplication,
    settings: Settings,
    clock: Clock,
    content: Content,
    plan_chunk: int,
    engines: Mapping[str, AnswerEngine],
) -> Services:
    """Everything the handlers use, wired once: storage, the scheduler, the answer engines, the desks."""
    db = Database(settings.database_path, kinds=OUTBOX_KINDS)
    access = Access(settings.admin_ids)
    pictures = PictureSender(app.bot, db, clock)
    dispatcher = Dispatcher(db, clock, telegram_sender(app.bot, pictures), settings.clinic_timezone)
    Renderers(db, content, clock, default_timezone=settings.clinic_timezone).register(dispatcher)
    VisitRenderers(db, content, clock, settings.clinic_zone).register(dispatcher)
    grace = Grace.from_settings(settings)

    def staff_chats() -> list[int]:
        """Alerts go to the staff group, or to each admin when there is none."""
        if settings.staff_chat_id is not None:
            return [settings.staff_chat_id]
        return sorted(access.admin_ids)

    alert_desk = AlertDesk(
        db,
        clock,
        telegram_alert_poster(app.bot),
        partial(alert_message, content.texts, content.languages, settings.clinic_zone),
        staff_chats,
        _armer(app, ALERT_WAKE_JOB, _flush_alerts),
    )
    return Services(
        settings=settings,
        clock=clock,
        content=content,
        db=db,
        access=access,
        scheduler=Scheduler(
            db, dispatcher, content.reminders, clock, grace, _armer(app, WAKE_JOB, _wake), plan_chunk
        ),
        engines=engines,
        languages=build_router(engines, content.texts.clinic_fields()["clinic_phone"]),
        flood=FloodGuard(
            clock, settings.flood_max_per_minute, timedelta(seconds=settings.flood_pause_seconds)
        ),
        alerts=alert_desk,
        notices=StaffNotices(
            db,
            clock,
            content.texts,
            alert_desk,
            telegram_alert_poster(app.bot),
            staff_chats,
            _armer(app, NOTICE_WAKE_JOB, _flush_notices),
        ),
        pictures=pictures,
    )


def answer_engines(content: Content) -> dict[str, AnswerEngine]:
    """One answer engine per language whose answer content ships (bot/content/<code>/answers.toml)."""
    engines = {BASE_LANGUAGE: AnswerEngine.load(content.clinic)}
    for code in content.languages:
        if code != BASE_LANGUAGE and has_content_file(ANSWERS_FILE, code):
            engines[code] = AnswerEngine.load(content.clinic, language=code)
    return engines


def _telegram_application(settings: Settings, request: BaseRequest | None) -> ClinicApplication:
    """PTB's application: HTML by default, no link previews, our rate limiter and start/stop hooks."""
    builder: Any = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(ContextTypes(context=ClinicContext))
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .rate_limiter(ClinicRateLimiter())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        root = settings.telegram_api_base_url.rstrip("/").removesuffix("/bot")
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app: ClinicApplication = builder.build()
    return app


def _armer(
    app: ClinicApplication, name: str, callback: Callable[[ClinicContext], Coroutine[Any, Any, None]]
) -> Callable[[float], None]:
    def arm(delay_seconds: float) -> None:
        """One wake-up job of a kind at a time, at the next due send; late is fine, never skipped."""
        queue = app.job_queue
        if queue is None:
            return
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
        queue.run_once(callback, when=delay_seconds, name=name, job_kwargs={"misfire_grace_time": None})

    return arm


async def _post_init(app: ClinicApplication) -> None:
    """Open the database, load staff and publish menus; then, behind the bot (which answers updates
    meanwhile), send what fell due while it was down and plan ahead."""
    services: Services = app.bot_data[SERVICES_KEY]
    await services.db.open()
    await services.access.load(services.db)
    await publish_menus(app.bot, services.content, services.access.staff_ids, services.settings.admin_ids)
    if app.job_queue is not None:
        # Safety nets: the wake-up job does the real work; these catch anything it could miss.
        app.job_queue.run_repeating(_tick, interval=TICK_SECONDS, first=TICK_SECONDS, name="tick")
        app.job_queue.run_repeating(_plan, interval=PLAN_SECONDS, first=PLAN_SECONDS, name="plan")
        app.job_queue.run_repeating(
            retention_job, interval=PURGE_SECONDS, first=PURGE_FIRST_SECONDS, name="retention"
        )
        app.job_queue.run_repeating(
            broadcast_progress_job,
            interval=PROGRESS_SECONDS,
            first=PROGRESS_SECONDS,
            name="broadcast-progress",
        )
    # What start-up built (the answer engine's model, PTB, the content) lives as long as the bot: keep
    # it out of the garbage collector's full passes, which would otherwise stall the event loop for
    # tens of milliseconds now and then (most often while planning allocates).
    gc.freeze()
    services.scheduler.start()
    log.info(running_line(app.bot.username))


async def _wake(context: ClinicContext) -> None:
    await context.services.scheduler.deliver_now()


async def _tick(context: ClinicContext) -> None:
    """The safety net behind both wake-up jobs."""
    await context.services.scheduler.deliver_now()
    await context.services.alerts.flush()
    await context.services.notices.flush()


async def _flush_notices(context: ClinicContext) -> None:
    await context.services.notices.flush()


async def _flush_alerts(context: ClinicContext) -> None:
    await context.services.alerts.flush()


async def _plan(context: ClinicContext) -> None:
    """The periodic pass (plans reach tomorrow as each time zone's day turns over), behind the bot."""
    context.services.scheduler.plan_in_background()


async def _post_shutdown(app: ClinicApplication) -> None:
    services: Services = app.bot_data[SERVICES_KEY]
    await services.scheduler.stop()
    await services.db.close()
    gc.unfreeze()
