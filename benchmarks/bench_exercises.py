"""How long a patient's /exercises takes on the bot's side, and that no picture stays in memory.

Run from the repository root:  python benchmarks/bench_exercises.py [--runs N]

The real Application answers /exercises for a patient whose programme holds as many exercises as an
album shows (up to 10 from the library), against the fake Telegram. Time spent inside the fake
Telegram (its answer to each Bot API call) is measured and taken off, so the figures are the bot's
own work: reading the patient and the programme, rendering the captions, building the request (and,
on the first send, reading the picture files for the upload). Reported: the first /exercises (uploads)
and p50/p99 of the following ones (by file_id), and, with tracemalloc, the memory still held after
the upload and during a send by file_id, beside the total size of the pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.demo.telegram import FakeTelegram  # noqa: E402
from tests.support.harness import ADMIN_ID, PATIENT_ID, STAFF_ID, Bot, make_settings, running_bot  # noqa: E402


@dataclass
class TimedTelegram(FakeTelegram):
    """The fake Telegram, adding up the time spent answering (to be taken off the bot's figures)."""

    spent: float = field(default=0.0)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self.spent += time.perf_counter() - started


async def timed_exercises(bot: Bot, telegram: TimedTelegram) -> float:
    """Seconds the bot itself spent on one /exercises, Telegram's answers excluded."""
    telegram.spent = 0.0
    telegram.clear()
    started = time.perf_counter()
    await bot.send("/exercises", PATIENT_ID)
    return time.perf_counter() - started - telegram.spent


async def measure(runs: int) -> None:
    telegram = TimedTelegram()
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(make_settings(Path(folder)), telegram=telegram) as bot:
            await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
            number = await bot.enrolled_patient()
            library = list(bot.services.content.exercises.exercises.values())[:10]
            for exercise in library:
                await bot.send(f"/program {number} add {exercise.id}", STAFF_ID)
            pictures = sum(e.picture.path.stat().st_size for e in library)
            telegram.uploads.clear()
            first = await timed_exercises(bot, telegram)
            uploads = len(telegram.uploads)
            times = []
            for _ in range(runs):
                bot.clock.advance(minutes=1)  # a patient sending /exercises once a minute is no flood
                times.append(await timed_exercises(bot, telegram))
            assert len(telegram.uploads) == uploads, "a picture was uploaded twice"
            held, peak = await memory(bot, telegram, library)
    times.sort()
    print(f"programme: {len(library)} exercises, pictures {pictures / 1024:.0f} KB in all")
    print(f"first /exercises (uploads {uploads} pictures): {first * 1000:.1f} ms, Telegram excluded")
    print(
        f"/exercises by file_id, {runs} runs: p50 {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {times[max(int(len(times) * 0.99) - 1, 0)] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )
    print(
        f"memory still held after uploading every picture again: {held / 1024:.0f} KB; "
        f"peak during a send by file_id: {peak / 1024:.0f} KB (the pictures: {pictures / 1024:.0f} KB)"
    )


async def memory(bot: Bot, telegram: TimedTelegram, library: list[Any]) -> tuple[int, int]:
    """With tracemalloc (which slows everything, so apart from the timings): what an upload of every
    picture leaves held, and the peak of a send by file_id."""
    for exercise in library:
        await bot.db.forget_file_id(exercise.picture.name)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    bot.clock.advance(minutes=1)
    await timed_exercises(bot, telegram)
    telegram.calls.clear()  # the fake keeps what it was sent; the bot keeps nothing
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    bot.clock.advance(minutes=1)
    await timed_exercises(bot, telegram)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return held, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(measure(args.runs))


if __name__ == "__main__":
    main()
