"""Settings: the only place that reads the environment (and a ``.env`` file, if there is one).

A missing or malformed value raises :class:`ConfigError` with one line that names the key, so that
start-up fails with a sentence a clinic's admin can act on instead of a traceback.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_DATABASE_PATH = Path("data") / "clinic.sqlite3"
DEFAULT_TIMEZONE = "America/Los_Angeles"
DEFAULT_INVITE_TTL_DAYS = 7
MAX_INVITE_TTL_DAYS = 90
DEFAULT_GRACE_MINUTES = 60
# Behind the clinic's HTTPS reverse proxy; another address only when WEBHOOK_LISTEN says so.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know about its deployment."""

    telegram_bot_token: str = field(repr=False)
    telegram_api_base_url: str | None = None
    database_path: Path = DEFAULT_DATABASE_PATH
    admin_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    clinic_timezone: str = DEFAULT_TIMEZONE
    invite_ttl_days: int = DEFAULT_INVITE_TTL_DAYS
    log_level: str = "INFO"
    clinic_profile_path: Path | None = None
    posture_grace_minutes: int = DEFAULT_GRACE_MINUTES
    exercise_grace_minutes: int = DEFAULT_GRACE_MINUTES
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    webhook_port: int = 8443
    retention_invites_days: int = 30
    retention_outbox_days: int = 90
    retention_alerts_days: int = 365
    retention_questions_days: int = 365
    flood_max_per_minute: int = 20
    flood_pause_seconds: int = 120

    @property
    def clinic_zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)


def _reader(environ: Mapping[str, str], env_file: Path | None) -> Callable[[str], str | None]:
    """Look up a key: the environment first, then ``env_file``; blank counts as unset."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k: v for k, v in environ.items() if v is not None})

    def get(key: str) -> str | None:
        raw = values.get(key)
        if raw is None or not raw.strip():
            return None
        return raw.strip()

    return get


def load_database_path(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Path:
    """Only DATABASE_PATH, for commands such as ``backup`` that need no bot token."""
    return Path(_reader(environ, env_file)("DATABASE_PATH") or DEFAULT_DATABASE_PATH)


NO_TOKEN = """TELEGRAM_BOT_TOKEN is required, and it is not set.
  To get one: in Telegram, open @BotFather, send /newbot and follow the steps; it answers with a token.
  Put it in a file named .env here (TELEGRAM_BOT_TOKEN=123456:ABC...) or in the environment.
  To try the bot first, without a token: python -m bot demo"""


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Build settings from the environment; values in ``env_file`` fill in what the environment lacks."""
    get = _reader(environ, env_file)
    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        raise ConfigError(NO_TOKEN)
    if not TOKEN_SHAPE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC...)")

    base_url = _parse_api_base_url(get("TELEGRAM_API_BASE_URL"))

    return Settings(
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE_PATH),
        admin_ids=_parse_ids(get("ADMIN_IDS")),
        staff_chat_id=_parse_int("STAFF_CHAT_ID", get("STAFF_CHAT_ID")),
        clinic_timezone=_parse_zone(get("CLINIC_TIMEZONE") or DEFAULT_TIMEZONE),
        invite_ttl_days=_parse_range(
            "INVITE_TTL_DAYS", get("INVITE_TTL_DAYS"), DEFAULT_INVITE_TTL_DAYS, 1, MAX_INVITE_TTL_DAYS
        ),
        log_level=_parse_log_level(get("LOG_LEVEL") or "INFO"),
        clinic_profile_path=_parse_existing_file("CLINIC_PROFILE_PATH", get("CLINIC_PROFILE_PATH")),
        posture_grace_minutes=_parse_range(
            "POSTURE_GRACE_MINUTES", get("POSTURE_GRACE_MINUTES"), DEFAULT_GRACE_MINUTES, 0, 24 * 60
        ),
        exercise_grace_minutes=_parse_range(
            "EXERCISE_GRACE_MINUTES", get("EXERCISE_GRACE_MINUTES"), DEFAULT_GRACE_MINUTES, 0, 24 * 60
        ),
        **_webhook(get),
        retention_invites_days=_parse_range(
            "RETENTION_INVITES_DAYS", get("RETENTION_INVITES_DAYS"), 30, 1, 3650
        ),
        retention_outbox_days=_parse_range(
            "RETENTION_OUTBOX_DAYS", get("RETENTION_OUTBOX_DAYS"), 90, 1, 3650
        ),
        retention_alerts_days=_parse_range(
            "RETENTION_ALERTS_DAYS", get("RETENTION_ALERTS_DAYS"), 365, 1, 3650
        ),
        retention_questions_days=_parse_range(
            "RETENTION_QUESTIONS_DAYS", get("RETENTION_QUESTIONS_DAYS"), 365, 30, 3650
        ),
        flood_max_per_minute=_parse_range("FLOOD_MAX_PER_MINUTE", get("FLOOD_MAX_PER_MINUTE"), 20, 3, 1000),
        flood_pause_seconds=_parse_range("FLOOD_PAUSE_SECONDS", get("FLOOD_PAUSE_SECONDS"), 120, 5, 86400),
    )


def _parse_api_base_url(raw: str | None) -> str | None:
    """https:// anywhere; plain http:// only to this machine, since the token travels in every URL."""
    if raw is None:
        return None
    if not re.match(r"^https?://[^\s/?#]+(/[^\s]*)?$", raw):
        raise ConfigError("TELEGRAM_API_BASE_URL must start with http:// or https://")
    parts = urlsplit(raw)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL may use http:// only for a server on this machine "
            "(127.0.0.1, ::1 or localhost); use https:// for any other host"
        )
    return raw


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_int(key: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number (a Telegram chat id), got {raw!r}") from None


def _parse_ids(raw: str | None) -> frozenset[int]:
    if raw is None:
        return frozenset()
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _parse_zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CLINIC_TIMEZONE must be an IANA time zone such as America/Los_Angeles, got {raw!r}"
        ) from None
    return raw


WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def _webhook(get: Callable[[str], str | None]) -> dict[str, Any]:
    """Webhook mode is on when WEBHOOK_URL is set; then a strong WEBHOOK_SECRET is required."""
    url = get("WEBHOOK_URL")
    if url is None:
        return {}
    if not url.startswith("https://"):
        raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)")
    secret = get("WEBHOOK_SECRET")
    if secret is None or not WEBHOOK_SECRET_SHAPE.match(secret):
        raise ConfigError(
            "WEBHOOK_SECRET is required with WEBHOOK_URL: 16-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    return {
        "webhook_url": url,
        "webhook_secret": secret,
        "webhook_listen": get("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        "webhook_port": _parse_range("WEBHOOK_PORT", get("WEBHOOK_PORT"), 8443, 1, 65535),
    }


def _parse_range(key: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{key} must be a whole number from {low} to {high}")
    return int(raw)


def _parse_log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _parse_existing_file(key: str, raw: str | None) -> Path | None:
    if raw is None:
        return None
    path = Path(raw)
    if not path.is_file():
        raise ConfigError(f"{key} points to {raw!r}, which is not a readable file")
    return path


# Third-party loggers that print payloads at DEBUG or INFO: PTB logs request parameters and whole
# updates (message texts), httpx/httpcore the URL with the bot token, hpack the headers, aiosqlite
# every SQL statement with its parameters (patients' names), APScheduler job arguments, tornado the
# webhook requests. They stay at WARNING whatever LOG_LEVEL says.
PAYLOAD_LOGGERS = (
    "telegram",
    "telegram.ext",
    "httpx",
    "httpcore",
    "hpack",
    "aiosqlite",
    "apscheduler",
    "tornado",
)


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``; loggers that would print patient data or the token stay at WARNING."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=getattr(logging, level)
    )
    logging.getLogger().setLevel(getattr(logging, level))
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, getattr(logging, level)))
