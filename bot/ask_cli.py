"""`python -m bot ask`: answer a message from the command line, for clinic staff and for batch checks.

Examples::

    python -m bot ask "is it normal to be sore" --hours-since-session 20 --json
    python -m bot ask "у меня болит спина"                  # language: ru, and the notice the patient gets
    python -m bot ask "sore back" --lang ru                 # force a language instead of detecting it
    python -m bot ask --jsonl < messages.jsonl      # {"text": ..., "hours_since_session": ...} per line

The language of each message is detected as the bot does it (bot/multilingual.py); the output names it
(``language``, ISO 639-1) and the reply is what the patient would get: the answer in English or Spanish,
otherwise the notice that the assistant reads only English and Spanish. Field names stay English.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from bot.answers import Answer
from bot.content import ContentError, load_clinic
from bot.multilingual import LanguageRouter, MessageLanguage, Reading, build_router, load_engines

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    """Bad command-line arguments (reported on one line, exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports errors to the caller instead of exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="python -m bot ask",
        description="Answer a patient message the way the bot would (red flags first, then the topic).",
    )
    parser.add_argument("text", nargs="?", help="the patient's message (omit with --jsonl)")
    parser.add_argument(
        "--hours-since-session",
        type=float,
        default=None,
        metavar="HOURS",
        help="hours since the last session",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--html",
        action="store_true",
        help="print the reply as the Telegram HTML the bot sends (default: plain text)",
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read JSON lines {"text": ..., "hours_since_session": ...} from stdin, write one JSON line each',
    )
    parser.add_argument(
        "--lang",
        metavar="CODE",
        default=None,
        help="read every message as this language (ISO 639-1: en, es, ru...) instead of detecting it",
    )
    return parser


def reading_dict(router: LanguageRouter, reading: Reading) -> dict[str, Any]:
    """The JSON form of a reading: the message's language, then the answer as the patient gets it
    (a message in a language the bot does not read: the notice, after a red-flag answer if one was found)."""
    result = reading.answer
    if reading.needs_notice_only:
        result = Answer(
            topic="other_language",
            urgency="routine",
            reply="",
            rule=f"language.{reading.language}",
            category=f"wrote in {router.name(reading.language)}",
        )
    return {
        "language": reading.language,
        **answer_dict(result),
        "reply": "\n\n".join(router.replies(reading)),
    }


def answer_dict(result: Answer) -> dict[str, Any]:
    """The JSON form of an answer (the patient's text is never echoed)."""
    return {
        "topic": result.topic,
        "urgency": result.urgency,
        "reply": result.reply,
        "rule": result.rule,
        "category": result.category,
        "evidence": result.evidence,
        "variant": result.variant,
    }


_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def plain_text(telegram_html: str) -> str:
    """The reply as a person reads it in Telegram: no tags, entities decoded, links as "text (url)"."""
    text = _LINK.sub(
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})", telegram_html
    )
    return html.unescape(_TAG.sub("", text))


def _readable(router: LanguageRouter, reading: Reading, *, as_html: bool = False) -> str:
    fields = reading_dict(router, reading)
    reply = fields["reply"] if as_html else plain_text(fields["reply"])
    return (
        f"urgency:  {fields['urgency']}\n"
        f"topic:    {fields['topic']}\n"
        f"rule:     {fields['rule']}\n"
        f"category: {fields['category'] or '-'}\n"
        f"evidence: {fields['evidence'] or '-'}\n"
        f"variant:  {fields['variant'] or '-'}\n"
        f"language: {reading.language} ({router.name(reading.language)})\n"
        f"\n{reply}\n"
    )


def _hours(value: Any) -> float | None:
    """hours_since_session from a JSON line: null/absent, or a finite number >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError("'hours_since_session' must be null or a number >= 0")
    return float(value)


def _language(value: Any) -> str | None:
    """A language code given on the command line or in a JSON line: null/absent, or one the bot knows."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().lower() not in MessageLanguage.codes():
        known = ", ".join(sorted(MessageLanguage.codes()))
        raise ValueError(f"'language' must be one of {known}")
    return value.strip().lower()


def _jsonl_line(router: LanguageRouter, line: str, number: int, forced: str | None) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"line {number}: not valid JSON ({exc.msg})"}
    if not isinstance(item, dict):
        return {"error": f"line {number}: expected a JSON object"}
    text = item.get("text")
    if not isinstance(text, str):
        return {"error": f"line {number}: 'text' must be a string"}
    try:
        hours = _hours(item.get("hours_since_session"))
        language = _language(item.get("language")) or forced
    except ValueError as exc:
        return {"error": f"line {number}: {exc}"}
    return reading_dict(router, router.read(text, hours_since_session=hours, language=language))


def _write(stdout: TextIO, obj: dict[str, Any]) -> None:
    stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main(argv: Sequence[str], *, stdin: TextIO, stdout: TextIO) -> int:
    """Run the `ask` subcommand; argv is what follows `ask`. Returns the process exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
        if args.jsonl and args.text is not None:
            raise _UsageError("give either a message or --jsonl, not both")
        if not args.jsonl and args.text is None:
            raise _UsageError("a message is required (or use --jsonl to read messages from stdin)")
        hours = args.hours_since_session
        if hours is not None and (not math.isfinite(hours) or hours < 0):
            raise _UsageError("--hours-since-session must be a number >= 0")
        try:
            forced = _language(args.lang)
        except ValueError as exc:
            raise _UsageError(f"--lang: {exc}".replace("'language' ", "")) from exc
    except _UsageError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help: argparse has printed the help
        return exc.code if isinstance(exc.code, int) else EXIT_OK

    try:
        clinic = load_clinic()
        router = build_router(load_engines(clinic), html.escape(clinic.phone, quote=False))
    except ContentError as exc:
        print(f"{parser.prog}: content error: {exc}", file=sys.stderr)
        return EXIT_FAILURE

    if not args.jsonl:
        reading = router.read(args.text, hours_since_session=hours, language=forced)
        if args.json:
            _write(stdout, reading_dict(router, reading))
        else:
            stdout.write(_readable(router, reading, as_html=args.html))
        return EXIT_OK

    try:
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            _write(stdout, _jsonl_line(router, line, number, forced))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{parser.prog}: error: cannot read stdin: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], stdin=sys.stdin, stdout=sys.stdout))
