"""Settings: every key read in one place, and a bad value stops start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from tests.support.harness import TOKEN

ROOT = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, env_file=tmp_path / "missing.env")


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.database_path == Path("data/clinic.sqlite3")
    assert settings.clinic_timezone == "America/Los_Angeles"
    assert settings.invite_ttl_days == 7
    assert settings.admin_ids == frozenset()
    assert settings.staff_chat_id is None and settings.telegram_api_base_url is None
    assert TOKEN not in repr(settings)


def test_every_key(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.toml"
    profile.write_text('name="X"\naddress="Y"\nphone="1"\nbooking_url=""\nhours=[]\nservices=[]\n')
    settings = load(
        tmp_path,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:8081",
        DATABASE_PATH=str(tmp_path / "db.sqlite3"),
        ADMIN_IDS=" 11, 22 ,",
        STAFF_CHAT_ID="-100123",
        CLINIC_TIMEZONE="Australia/Sydney",
        INVITE_TTL_DAYS="3",
        LOG_LEVEL="debug",
        CLINIC_PROFILE_PATH=str(profile),
    )
    assert settings.admin_ids == frozenset({11, 22})
    assert settings.staff_chat_id == -100123
    assert settings.clinic_timezone == "Australia/Sydney"
    assert settings.invite_ttl_days == 3 and settings.log_level == "DEBUG"
    assert settings.clinic_profile_path == profile


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", ""),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_BASE_URL", "localhost:8081"),
        ("ADMIN_IDS", "12,abc"),
        ("STAFF_CHAT_ID", "staff"),
        ("CLINIC_TIMEZONE", "Mars/Olympus"),
        ("INVITE_TTL_DAYS", "0"),
        ("INVITE_TTL_DAYS", "seven"),
        ("LOG_LEVEL", "LOUD"),
        ("CLINIC_PROFILE_PATH", "/nonexistent/clinic.toml"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load(tmp_path, **{key: value})


def test_env_file_fills_in_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nINVITE_TTL_DAYS=5\nADMIN_IDS=7\n")
    settings = load_settings({"ADMIN_IDS": "8"}, env_file=env_file)
    assert settings.invite_ttl_days == 5 and settings.admin_ids == frozenset({8})


def test_start_up_without_token_says_how_to_get_one_and_offers_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM")}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("cannot start: TELEGRAM_BOT_TOKEN is required")
    assert len(lines) <= 5
    assert "@BotFather" in result.stderr and "/newbot" in result.stderr
    assert "python -m bot demo" in result.stderr
    assert "Traceback" not in result.stderr
