"""``python -m bot`` runs the bot; ``ask`` tries the answer engine without Telegram; ``backup`` copies the
database."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Update


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "ask":
        from bot import ask_cli

        return ask_cli.main(args[1:], stdin=sys.stdin, stdout=sys.stdout)
    if args and args[0] == "demo":
        from bot import demo

        return demo.main(args[1:], stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr)
    if args and args[0] == "backup":
        return run_backup(args[1:])
    if args and args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if args:
        print(f"unknown command: {args[0]!r} (try: python -m bot --help)", file=sys.stderr)
        return 2
    return run_bot()


USAGE = """usage: python -m bot                 run the bot (long polling, or a webhook if WEBHOOK_URL is set)
       python -m bot demo ...        try the bot without a token (see: python -m bot demo --help)
       python -m bot ask ...         ask the answer engine (see: python -m bot ask --help)
       python -m bot backup <path>   write a consistent copy of the database to <path>"""


def run_backup(args: list[str]) -> int:
    from bot.backup import BackupError, backup
    from bot.config import load_database_path

    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m bot backup <path>", file=sys.stderr)
        return 2
    source = load_database_path(os.environ)
    try:
        size = backup(source, Path(args[0]))
    except (BackupError, OSError, sqlite3.Error) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {args[0]} ({size:,} bytes)")
    return 0


def run_bot() -> int:
    from bot.app import build_application
    from bot.config import ConfigError, configure_logging, load_settings
    from bot.content import ContentError
    from bot.startup import StartupError, connect

    try:
        settings = load_settings(os.environ)
        configure_logging(settings.log_level)
        app = build_application(settings)
    except (ConfigError, ContentError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    # Both stop cleanly on SIGINT and SIGTERM; post_shutdown closes the database.
    try:
        if settings.webhook_url:
            from bot.webhook import run_webhook

            run_webhook(app, settings)
        else:
            # Connect first (waiting out network trouble), in the loop run_polling will use; its own
            # initialize then finds the work done.
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(connect(app))
            app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except StartupError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
