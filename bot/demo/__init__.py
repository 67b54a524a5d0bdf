"""``python -m bot demo``: try the whole bot in a terminal, with no token, no phone and no network.

The real application runs against an in-process Telegram (:mod:`bot.demo.telegram`) and a virtual
clock (:mod:`bot.demo.driver`); one staff member (an admin) and one patient take turns. Lines:

    staff: /enroll Jane D.      send as the staff member (text or a /command)
    patient: hello              send as the patient (a line with no prefix is the patient too)
    press: yes                  press the newest button whose label matches (a regex), in either chat
    wait: 25h                   move the clock on (30m, 25h, 3d), delivering what falls due in order
    # a comment                 printed as it is
    {invite} {patient}          the newest invite token / patient number shown to staff
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.clock import VirtualClock
from bot.config import ConfigError, Settings, load_settings
from bot.content import ContentError
from bot.demo.driver import DEMO_TOKEN, Demo, VirtualTimeLoop
from bot.demo.updates import PATIENT_ID, STAFF_ID

PROMPT = "demo> "
INTRO = """ProCare demo: you are both Sam (clinic staff, an admin) and Jane (a patient).
Type  staff: /enroll Jane D.   then  patient: /start {invite}   then  press: agree
Other lines: patient: <text>, press: <part of a button label>, wait: 25h, # comment. Ctrl-D ends."""


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="python -m bot demo",
        description="Run the real bot against a simulated Telegram and a virtual clock: "
        "no token, no network.",
        epilog="Script lines: 'staff: <text>', 'patient: <text>' (or a bare line), 'press: <regex>', "
        "'wait: 25h|30m|3d', '# comment'; {invite} and {patient} expand to the newest invite token "
        "and patient number shown to staff.",
    )
    parse.add_argument(
        "--script", metavar="FILE", help="run the lines of FILE ('-' for standard input) and exit"
    )
    parse.add_argument(
        "--start",
        metavar="YYYY-MM-DD HH:MM",
        help="where the virtual clock starts, in the clinic's local time (default: now)",
    )
    parse.add_argument(
        "--db", metavar="PATH", type=Path, help="keep the database here (default: a temporary one)"
    )
    return parse


def main(argv: Sequence[str], *, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    try:
        args = parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        base = demo_settings(Path("unused.sqlite3"))
    except ConfigError as exc:
        print(f"cannot start the demo: {exc}", file=stderr)
        return 2
    try:
        start = parse_start(args.start, base) if args.start else datetime.now(base.clinic_zone)
    except ValueError:
        print(f'--start expects "YYYY-MM-DD HH:MM", got {args.start!r}', file=stderr)
        return 2
    start = start.replace(second=0, microsecond=0)
    try:
        lines, interactive = _lines(args.script, stdin, stdout)
    except OSError as exc:
        print(f"cannot read the script: {exc}", file=stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="procare-demo-") as scratch:
        path = args.db if args.db is not None else Path(scratch) / "demo.sqlite3"
        settings = dataclasses.replace(base, database_path=path)
        if interactive:
            print(INTRO, file=stdout)
        try:
            _run(settings, start, lines, stdout)
        except ContentError as exc:
            print(f"cannot start the demo: {exc}", file=stderr)
            return 2
        except KeyboardInterrupt:
            return 130
    return 0


def demo_settings(database_path: Path) -> Settings:
    """The clinic's own settings (time zone, profile, grace periods), with a stand-in token, the demo's
    staff member as the only admin, no staff group, and no webhook or custom API server."""
    environ = dict(os.environ) | {"TELEGRAM_BOT_TOKEN": DEMO_TOKEN}
    for name in ("ADMIN_IDS", "STAFF_CHAT_ID", "WEBHOOK_URL", "WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL"):
        environ[name] = ""
    settings = load_settings(environ)
    return dataclasses.replace(
        settings,
        telegram_bot_token=DEMO_TOKEN,
        database_path=database_path,
        admin_ids=frozenset({STAFF_ID}),
        staff_chat_id=None,
        webhook_url=None,
        webhook_secret=None,
        telegram_api_base_url=None,
    )


def parse_start(text: str, settings: Settings) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=settings.clinic_zone)


def _lines(script: str | None, stdin: TextIO, stdout: TextIO) -> tuple[Iterator[str], bool]:
    if script is None:
        interactive = stdin.isatty()
        return _prompted(stdin, stdout) if interactive else iter(stdin), interactive
    if script == "-":
        return iter(stdin), False
    return iter(Path(script).read_text(encoding="utf-8").splitlines()), False


def _prompted(stdin: TextIO, stdout: TextIO) -> Iterator[str]:
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return
        yield line


def _run(settings: Settings, start: datetime, lines: Iterator[str], out: TextIO) -> None:
    clock = VirtualClock(start.astimezone(UTC))
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(clock)) as runner:
        runner.run(_demo(Demo(settings, start, out, clock), lines))


async def _demo(demo: Demo, lines: Iterator[str]) -> None:
    await demo.open()
    try:
        await demo.run(lines)
    finally:
        await demo.close()


__all__ = ["PATIENT_ID", "STAFF_ID", "Demo", "main"]
