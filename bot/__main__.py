"""``python -m bot`` runs the bot; ``python -m bot ask ...`` tries the answer engine without Telegram."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from telegram import Update


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "ask":
        from bot import ask_cli

        return ask_cli.main(args[1:], stdin=sys.stdin, stdout=sys.stdout)
    if args and args[0] in {"-h", "--help", "help"}:
        print(
            "usage: python -m bot            run the bot (long polling)\n"
            "       python -m bot ask ...    ask the answer engine (see: python -m bot ask --help)"
        )
        return 0
    if args:
        print(f"unknown command: {args[0]!r} (try: python -m bot --help)", file=sys.stderr)
        return 2
    return run_bot()


def run_bot() -> int:
    from bot.app import build_application
    from bot.config import ConfigError, configure_logging, load_settings
    from bot.content import ContentError

    try:
        settings = load_settings(os.environ)
        configure_logging(settings.log_level)
        app = build_application(settings)
    except (ConfigError, ContentError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    # run_polling stops cleanly on SIGINT and SIGTERM; post_shutdown closes the database.
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
