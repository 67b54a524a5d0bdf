"""The demo's engine: the real bot, one staff member and one patient, and a clock that moves on command.

Everything the bot does is the production code from :func:`bot.app.build_application`; only Telegram
(an in-process fake at the request layer) and time (a virtual clock) are stand-ins. Moving the clock
steps from one due moment to the next and runs the same jobs the running bot's job queue would
(delivery, staff alerts, broadcast progress, planning, retention), so quiet hours, work hours and
grace periods apply as they do for real.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from telegram import Update

from bot import app as bot_app
from bot.app import build_application
from bot.clock import VirtualClock
from bot.config import Settings
from bot.demo.telegram import ApiCall, FakeTelegram
from bot.demo.transcript import (
    Button,
    ShownMessage,
    buttons_line,
    header,
    markup_buttons,
    plain_text,
    stamp,
)
from bot.demo.updates import PATIENT_ID, STAFF_ID, DemoUpdates
from bot.handlers.broadcasts import progress_job as broadcast_progress_job
from bot.privacy import retention_job
from bot.services import SERVICES_KEY, ClinicApplication, ClinicContext, Services

DEMO_TOKEN = "123456:DEMOdemoDEMOdemoDEMOdemoDEMOdemo_x"  # never sent anywhere
_SENDS = {"sendMessage", "sendPhoto", "sendAnimation", "sendDocument", "copyMessage", "forwardMessage"}
_EDITS = {"editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
_WAIT = re.compile(r"(\d+)\s*([dhm])")
_INVITE = re.compile(r"\?start=([A-Za-z0-9_-]+)")
# Patient numbers as staff see them ("#12 – Jane D.", "patient #12"), not broadcast numbers.
_PATIENT_NUMBER = re.compile(r"(?<!roadcast )#(\d+)")
# A stuck row (due, but not sent) must not make the clock crawl: look again this much later.
_STUCK_STEP = timedelta(minutes=1)
# The running bot plans every PLAN_SECONDS; plans reach through tomorrow, so planning on the
# virtual clock every few hours plans the same sends, and keeps a wait of months quick.
PLAN_EVERY = timedelta(hours=6)


class DemoTelegram(FakeTelegram):
    """The fake Bot API, telling the demo about every call Telegram accepted, as it happens."""

    def __init__(self, demo: Demo) -> None:
        super().__init__()
        self._demo = demo

    def handle(self, call: ApiCall) -> tuple[int, bytes]:
        self.now = int(self._demo.clock.now().timestamp())
        status, body = super().handle(call)
        if status == 200:
            self._demo.observe(call, json.loads(body)["result"])
        return status, body


@dataclass
class _Due:
    """When the running bot's repeating jobs would next run."""

    plan: datetime
    purge: datetime


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose time runs with the virtual clock as well as the real one.

    What the bot paces with the loop's time (bulk sends, about 28 a second) then sees the virtual
    hours between two reminders pass, instead of holding each send for real milliseconds.
    """

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._clock = clock
        self._start = clock.now()

    def time(self) -> float:
        return super().time() + (self._clock.now() - self._start).total_seconds()


@dataclass
class Demo:
    settings: Settings
    start: datetime
    out: TextIO
    clock: VirtualClock = field(default_factory=lambda: VirtualClock(datetime.now(UTC)))
    telegram: DemoTelegram = field(init=False)
    app: ClinicApplication = field(init=False)
    messages: dict[tuple[int, int], ShownMessage] = field(default_factory=dict, init=False)
    invite: str | None = field(default=None, init=False)
    patient_number: str | None = field(default=None, init=False)
    errors: list[BaseException] = field(default_factory=list, init=False)
    _order: int = field(default=0, init=False)
    updates: DemoUpdates = field(init=False)
    _due: _Due = field(init=False)
    _progress_shown: dict[int, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.clock.set(self.start.astimezone(UTC))
        self.telegram = DemoTelegram(self)
        self.app = build_application(self.settings, request=self.telegram, clock=self.clock)
        self.app.add_error_handler(self._record_error)
        self.updates = DemoUpdates(self.app.bot, self.clock)
        now = self.clock.now()
        self._due = _Due(
            plan=now + PLAN_EVERY,
            purge=now + timedelta(seconds=bot_app.PURGE_FIRST_SECONDS),
        )

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    # -- life cycle ----------------------------------------------------------------------------------

    async def open(self) -> None:
        """Start the bot the way run_polling does, without polling."""
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)
        await self.services.scheduler.planned()

    async def close(self) -> None:
        await self.app.shutdown()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)

    async def run(self, lines: Iterable[str]) -> None:
        for line in lines:
            await self.run_line(line)

    # -- one script line -----------------------------------------------------------------------------

    async def run_line(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            self.print("")
            return
        if line.startswith("#"):
            self.print(line)
            return
        kind, _, rest = line.partition(":")
        kind = kind.strip().lower()
        rest = rest.strip()
        if kind == "wait":
            await self.wait(rest)
        elif kind == "press":
            await self.press(rest)
        elif kind in {"staff", "patient"}:
            await self.say(kind, rest)
        else:
            await self.say("patient", line)

    async def say(self, who: str, text: str) -> None:
        self.print(f"[{self._now_text()}] {who}: {text}")
        if not text:
            self.print(f"! nothing to send: write {who}: followed by a message or a /command")
            return
        expanded = self._expand(text)
        if expanded is None:
            return
        if expanded != text:
            self.print(f"  (sent as: {expanded})")
        user_id = STAFF_ID if who == "staff" else PATIENT_ID
        await self._process(self.updates.message(expanded, user_id))

    async def press(self, pattern: str) -> None:
        self.print(f"[{self._now_text()}] press: {pattern}")
        if not pattern:
            self.print("! press: needs part of a button's label, for example press: yes")
            return
        try:
            wanted = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            self.print(f"! press: {pattern!r} is not a valid pattern ({exc})")
            return
        found = self._newest_button(wanted)
        if found is None:
            self.print(f"! no button matches {pattern!r}")
            return
        message, button = found
        who = "staff" if message.chat_id == STAFF_ID else "patient"
        self.print(f"  ({who} pressed [{button.label}])")
        if button.callback_data:
            await self._process(self.updates.press(message, button.callback_data))
        elif message.reply_keyboard:
            await self._process(self.updates.message(button.label, message.chat_id))
        elif button.url and (invite := _INVITE.search(button.url)):
            # An invite link: the patient opens it, which Telegram turns into /start <token>.
            await self._process(self.updates.message(f"/start {invite.group(1)}", PATIENT_ID))
        else:
            self.print(f"! [{button.label}] opens a web page ({button.url}); the demo stays here")

    async def wait(self, amount: str) -> None:
        self.print(f"[{self._now_text()}] wait: {amount}")
        delta = parse_wait(amount)
        if delta is None:
            self.print("! wait: needs an amount of time such as 30m, 25h, 3d or 1d2h")
            return
        await self.advance(self.clock.now() + delta)

    # -- time ----------------------------------------------------------------------------------------

    async def advance(self, until: datetime) -> None:
        """Move the clock to ``until``, stopping at every moment something falls due on the way."""
        while (moment := await self._next_due()) is not None and moment <= until:
            self.clock.set(moment)
            await self._run_due_jobs()
        self.clock.set(until)
        await self._run_due_jobs()

    async def _next_due(self) -> datetime | None:
        now = self.clock.now()
        candidates = [self._due.plan, self._due.purge]
        for at in (await self.services.scheduler.dispatcher.next_wake(), self.services.alerts.next_wake()):
            if at is not None:
                candidates.append(at if at > now else now + _STUCK_STEP)
        return min(candidates)

    async def _run_due_jobs(self) -> None:
        """What the job queue would run at this moment: planning, delivery, alerts, progress, retention."""
        context = ClinicContext(self.app)
        now = self.clock.now()
        if now >= self._due.plan:
            self._due.plan = now + PLAN_EVERY
            await bot_app._plan(context)
            await self.services.scheduler.planned()
        await self._settle()
        if now >= self._due.purge:
            self._due.purge = now + timedelta(seconds=bot_app.PURGE_SECONDS)
            await retention_job(context)

    async def _settle(self) -> None:
        """Let background work finish and send what is due now, as the wake-up jobs would at once."""
        await asyncio.sleep(0)
        await self.services.scheduler.planned()
        context = ClinicContext(self.app)
        await bot_app._tick(context)
        await broadcast_progress_job(context)

    # -- what the bot sent -----------------------------------------------------------------------

    def observe(self, call: ApiCall, result: Any) -> None:
        """Print one accepted Bot API call as the person in that chat would see it."""
        method, params = call.method, call.params
        if method == "answerCallbackQuery":
            if params.get("text"):
                kind = "alert" if params.get("show_alert") else "toast"
                self.print(f"  ({kind}) {params['text']}")
            return
        if method not in _SENDS and method not in _EDITS and method != "sendMediaGroup":
            return
        chat_id = int(params.get("chat_id") or 0)
        audience = self._audience(chat_id)
        self._order += 1
        if method == "sendMediaGroup":
            items = [item for item in params.get("media") or [] if isinstance(item, dict)]
            body = "\n\n".join(
                f"[photo] {plain_text(str(i.get('caption') or ''), i.get('parse_mode'))}".rstrip()
                for i in items
            )
            self._print_message(audience, f" [album of {len(items)}]", body, [])
            return
        if method in _SENDS:
            message_id = int(result["message_id"])
            buttons, keyboard = markup_buttons(params.get("reply_markup"))
            text = str(params.get("text") or params.get("caption") or "")
            self.messages[(chat_id, message_id)] = ShownMessage(
                message_id, chat_id, text, buttons, keyboard, self._order
            )
            self._print_message(audience, "", self._body(method, params), buttons)
            if chat_id == STAFF_ID:
                self._remember_tokens(text)
            return
        message_id = int(params.get("message_id") or 0)
        shown = self.messages.get((chat_id, message_id))
        buttons, keyboard = markup_buttons(params.get("reply_markup"))
        if shown is None:
            shown = ShownMessage(message_id, chat_id, "")
            self.messages[(chat_id, message_id)] = shown
        shown.buttons, shown.reply_keyboard, shown.order = buttons, keyboard, self._order
        if method == "editMessageReplyMarkup":
            if buttons:
                self.print(header(self.clock_local(), audience, " [buttons changed]"))
                self.print(buttons_line(buttons))
            else:
                self.print(header(self.clock_local(), audience, " [buttons removed]"))
            return
        shown.text = str(params.get("text") or params.get("caption") or "")
        self._print_message(audience, " [edited]", plain_text(shown.text, params.get("parse_mode")), buttons)
        if chat_id == STAFF_ID:
            self._remember_tokens(shown.text)

    def _body(self, method: str, params: dict[str, Any]) -> str:
        caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
        if method == "sendPhoto":
            return f"[photo] {caption}".rstrip()
        if method == "sendAnimation":
            return f"[animation] {caption}".rstrip()
        if method == "sendDocument":
            return f"[document] {caption}".rstrip()
        if method in {"copyMessage", "forwardMessage"}:
            return "[a copy of an earlier message]"
        return plain_text(str(params.get("text") or ""), params.get("parse_mode"))

    def _print_message(self, audience: str, note: str, body: str, buttons: list[Button]) -> None:
        self.print(header(self.clock_local(), audience, note))
        self.print(body)
        if buttons:
            self.print(buttons_line(buttons))

    def _remember_tokens(self, text: str) -> None:
        if invite := _INVITE.findall(text):
            self.invite = invite[-1]
        if numbers := _PATIENT_NUMBER.findall(plain_text(text)):
            self.patient_number = numbers[-1]

    # -- helpers ---------------------------------------------------------------------------------

    def print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def clock_local(self) -> datetime:
        return self.clock.now().astimezone(self.settings.clinic_zone)

    def _now_text(self) -> str:
        return stamp(self.clock_local())

    @staticmethod
    def _audience(chat_id: int) -> str:
        if chat_id == STAFF_ID:
            return "staff"
        if chat_id == PATIENT_ID:
            return "patient"
        return f"chat {chat_id}"

    def _expand(self, text: str) -> str | None:
        for name, value in (("invite", self.invite), ("patient", self.patient_number)):
            if "{" + name + "}" in text:
                if value is None:
                    shown = "invite link" if name == "invite" else "patient number"
                    self.print(f"! {{{name}}}: no {shown} has been shown to staff yet")
                    return None
                text = text.replace("{" + name + "}", value)
        return text

    def _newest_button(self, wanted: re.Pattern[str]) -> tuple[ShownMessage, Button] | None:
        for message in sorted(self.messages.values(), key=lambda m: m.order, reverse=True):
            for button in message.buttons:
                if wanted.search(button.label):
                    return message, button
        return None

    async def _process(self, update: Update) -> None:
        await self.app.process_update(update)
        await self._settle()

    async def _record_error(self, update: object, context: Any) -> None:
        self.errors.append(context.error)
        self.print(f"! the bot failed on that line: {type(context.error).__name__}: {context.error}")


def parse_wait(amount: str) -> timedelta | None:
    """``30m``, ``25h``, ``3d``, or several together (``1d 2h``); None if it is not such an amount."""
    text = amount.strip().lower()
    parts = _WAIT.findall(text)
    if not parts or _WAIT.sub("", text).strip():
        return None
    unit = {"d": "days", "h": "hours", "m": "minutes"}
    delta = timedelta()
    for number, letter in parts:
        delta += timedelta(**{unit[letter]: int(number)})
    return delta
