"""A broadcast to 5,000 patients against a fake Bot API that behaves like Telegram under load.

Run from the repository root:  python benchmarks/bench_broadcast.py [--patients N] [--blocked N]

The fake answers each call after 20-60 ms, refuses with 429 (retry_after 3 s) whenever more than 30
messages reached it in the last second, and answers 403 for patients who blocked the bot. The real
Application runs with its real JobQueue and rate limiter; in the middle of the broadcast a patient
asks a question through the same Application. Then, still mid-broadcast and through the Application's
own update queue (one update at a time, as in production): one patient sends 30 red-flag messages
while the staff group answers every post with 429 (retry_after 30 s), other patients send red flags,
and staff record ten sessions with /session. Reported: sustained rate as a fraction of 30 messages a
second, 429s received, duplicates, lost messages, the reply time of the patient's question, and the
p50/p99 time to the other patients' 911 answers and to the /session aftercare (target p99 under 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosqlite  # noqa: E402
from support import RunningClock  # noqa: E402
from telegram import Update  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.clock import to_db  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.demo.telegram import ApiCall, FakeTelegram, _error  # noqa: E402
from bot.renderers import OUTBOX_KINDS  # noqa: E402
from bot.services import SERVICES_KEY, Services  # noqa: E402
from tests.support.factories import text_update_json  # noqa: E402

TOKEN = "123456:BENCHtokenBENCHtokenBENCHtokenBEN"  # not a real token
# Tuesday 3 March 2026, 19:00 UTC: 11:00 in Los Angeles, outside everyone's quiet hours.
START = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
FIRST_CHAT = 10_000_000
LIMIT_PER_SECOND = 30
STAFF = 42  # an admin, who records sessions in a private chat with the bot
STAFF_GROUP = -1_000_777
RED_FLAG = "crushing chest pain and my left arm feels heavy"
FLOOD_MESSAGES = 30
FLOODER = 50  # the patient who sends the red-flag stream
ASKERS = 40  # other patients, each sending one red flag during the stream (from patient 101 on)
SESSIONS = 10  # patients whose copy went out early get a session recorded (from patient 11 on)


class LoadedTelegram(FakeTelegram):
    """Telegram under load: latency, a 30-a-second flood limit with 429s, and blocked users."""

    def __init__(self, blocked: set[int]) -> None:
        super().__init__()
        self.blocked = blocked
        self.window: collections.deque[float] = collections.deque()
        self.too_many = 0
        self.handed = 0
        self.copies: collections.Counter[int] = collections.Counter()
        self.first_at: float | None = None
        self.last_at = 0.0
        self.replies: dict[int, float] = {}
        self.received: dict[int, list[tuple[float, str]]] = collections.defaultdict(list)
        self.group_refusals = 0
        self.rng = random.Random(3)

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kw: Any) -> Any:
        await asyncio.sleep(self.rng.uniform(0.02, 0.06))
        return await super().do_request(url, method, request_data, *args, **kw)

    def handle(self, call: ApiCall) -> tuple[int, bytes]:
        if call.chat_id == STAFF_GROUP and call.method in {"sendMessage", "editMessageText"}:
            self.group_refusals += 1  # the staff group is at its 20-a-minute limit throughout
            return _error(429, "Too Many Requests: retry after 30", retry_after=30)
        if call.method != "sendMessage":
            return super().handle(call)
        now = time.monotonic()
        while self.window and now - self.window[0] > 1.0:
            self.window.popleft()
        if len(self.window) >= LIMIT_PER_SECOND:
            self.too_many += 1
            return _error(429, "Too Many Requests: retry after 3", retry_after=3)
        self.window.append(now)
        status, body = super().handle(call)
        chat = call.chat_id or 0
        if "Snow day" in call.text:
            self.handed += 1  # delivered, or refused because the patient blocked the bot
            self.first_at = self.first_at or now
            self.last_at = now
        if status == 200 and "Snow day" in call.text:
            self.copies[chat] += 1
        elif status == 200:
            self.replies[chat] = now
            self.received[chat].append((now, call.text))
        return status, body

    def first_after(self, chat: int, since: float, marker: str) -> float:
        """Seconds from ``since`` until ``chat`` received a message containing ``marker``."""
        times = [at for at, text in self.received[chat] if at >= since and marker in text]
        return min(times) - since if times else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


async def put_at(app: Any, delay: float, text: str, user_id: int) -> float:
    """Hand an update to the Application's own queue after ``delay`` seconds; return when it was put."""
    await asyncio.sleep(delay)
    put = time.monotonic()
    await app.update_queue.put(Update.de_json(text_update_json(text, user_id=user_id), app.bot))
    return put


def reachable(first: int, count: int, blocked: set[int]) -> list[int]:
    """``count`` patient numbers from ``first`` on, skipping those who blocked the bot."""
    numbers = (p for p in itertools.count(first) if FIRST_CHAT + p not in blocked)
    return list(itertools.islice(numbers, count))


async def stream_and_sessions(app: Any, telegram: LoadedTelegram) -> tuple[list[float], list[float]]:
    """The red-flag stream, other patients' red flags and ten /session sends, all at once."""
    askers = reachable(101, ASKERS, telegram.blocked)
    treated = reachable(11, SESSIONS, telegram.blocked)
    flood = [put_at(app, i * 0.33, RED_FLAG, FIRST_CHAT + FLOODER) for i in range(FLOOD_MESSAGES)]
    asking = [put_at(app, 0.1 + n * 0.25, RED_FLAG, FIRST_CHAT + p) for n, p in enumerate(askers)]
    recording = [put_at(app, 0.2 + n * 1.0, f"/session {p} neck", STAFF) for n, p in enumerate(treated)]
    times = await asyncio.gather(*flood, *asking, *recording)
    asked, recorded = times[len(flood) : len(flood) + len(asking)], times[len(flood) + len(asking) :]
    await asyncio.sleep(3)  # let the last answers arrive
    emergency = [telegram.first_after(FIRST_CHAT + p, at, "911") for p, at in zip(askers, asked, strict=True)]
    aftercare = [
        telegram.first_after(FIRST_CHAT + p, at, "Your aftercare")
        for p, at in zip(treated, recorded, strict=True)
    ]
    return emergency, aftercare


def latency_line(what: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    missing = sum(1 for s in ms if s != s)  # NaN: never arrived
    found = [s for s in ms if s == s]
    return (
        f"{what}: p50 {percentile(found, 0.5):.0f} ms, p99 {percentile(found, 0.99):.0f} ms "
        f"over {len(found)} ({missing} missing; target p99 under 1 s)"
    )


async def seed(path: Path, patients: int) -> None:
    db = Database(path, kinds=OUTBOX_KINDS)
    await db.open()
    broadcast_id = await db.create_broadcast(START, 1, "Snow day: the clinic is closed today.")
    await db.close()
    async with aiosqlite.connect(path) as conn:
        when = to_db(START - timedelta(days=30))
        await conn.executemany(
            "INSERT INTO patients (id, display_name, telegram_user_id, chat_id, status, created_at, "
            "joined_at, status_changed_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
            [
                (i, f"Patient {i}", FIRST_CHAT + i, FIRST_CHAT + i, when, when, when)
                for i in range(1, patients + 1)
            ],
        )
        await conn.executemany(
            "INSERT INTO prefs (patient_id, timezone) VALUES (?, 'America/Los_Angeles')",
            [(i,) for i in range(1, patients + 1)],
        )
        await conn.commit()
    assert broadcast_id == 1


async def run(patients: int, blocked_count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        await seed(path, patients)
        rng = random.Random(5)
        blocked = {FIRST_CHAT + i for i in rng.sample(range(1, patients + 1), blocked_count)}
        telegram = LoadedTelegram(blocked)
        clock = RunningClock(START)
        settings = Settings(
            telegram_bot_token=TOKEN,
            database_path=path,
            admin_ids=frozenset({STAFF}),
            staff_chat_id=STAFF_GROUP,
        )
        app = build_application(settings, request=telegram, clock=clock)
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        services: Services = app.bot_data[SERVICES_KEY]
        queued = await services.db.queue_broadcast(
            clock.now(), 1, 1, clock.now(), clock.now() + timedelta(hours=24)
        )
        print(f"broadcast queued to {queued:,} patients ({blocked_count} of them blocked the bot)")
        began = time.monotonic()
        await app.start()
        await services.scheduler.rearm()

        # Mid-broadcast, a patient asks a question.
        await asyncio.sleep(5)
        asker = FIRST_CHAT + patients  # the last patient, whose copy is still waiting
        asked = time.monotonic()
        await app.process_update(
            Update.de_json(text_update_json("is it normal to be this sore?", user_id=asker), app.bot)
        )
        reply_seconds = telegram.replies.get(asker, float("nan")) - asked
        emergency, aftercare = await stream_and_sessions(app, telegram)
        mid_broadcast = (await services.db.broadcast_counts(1))["pending"] > 0

        while True:
            counts = await services.db.broadcast_counts(1)
            if counts["pending"] == 0 or time.monotonic() - began > 900:
                break
            await asyncio.sleep(0.5)
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)

    sent = sum(telegram.copies.values())
    duration = (telegram.last_at - (telegram.first_at or telegram.last_at)) or 1.0
    rate = telegram.handed / duration
    duplicates = sum(n - 1 for n in telegram.copies.values() if n > 1)
    reachable = patients - blocked_count
    lost = reachable - len(telegram.copies)
    print(
        f"handed {telegram.handed:,} messages to Telegram in {duration:.1f} s ({sent:,} delivered): "
        f"{rate:.1f} messages/s = {rate / LIMIT_PER_SECOND:.2f} of 30/s"
    )
    print(f"429s received: {telegram.too_many}")
    print(f"duplicates: {duplicates}, lost: {lost}")
    print(f"patients marked blocked: {counts['blocked']}, failed: {counts['failed']}")
    print(f"reply to a patient's question mid-broadcast: {reply_seconds * 1000:.0f} ms (target under 2 s)")
    when = "mid-broadcast" if mid_broadcast else "after the broadcast (too few patients to overlap)"
    print(
        f"{when}, one patient sending {FLOOD_MESSAGES} red flags, "
        f"the staff group refusing with 429 ({telegram.group_refusals} refusals):"
    )
    print(latency_line("  911 answer to another patient's red flag", emergency))
    print(latency_line("  /session aftercare delivered", aftercare))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--blocked", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(run(args.patients, args.blocked))


if __name__ == "__main__":
    main()
