"""Storage unit tests: a real SQLite file per test, opened through the same Database the bot uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.renderers import OUTBOX_KINDS

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
STAFF = 1002


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "clinic.sqlite3", kinds=OUTBOX_KINDS)
    await database.open()
    yield database
    await database.close()


async def joined_patient(db: Database, name: str = "Ada", user_id: int = 2001, chat_id: int = 2001) -> int:
    """A patient who was enrolled by staff and joined through their invite, as the bot does it."""
    token_hash = f"hash-{user_id}"
    patient_id = await db.create_patient_with_invite(NOW, STAFF, name, token_hash, NOW + timedelta(days=7))
    invite = await db.invite_by_hash(token_hash)
    assert invite is not None
    assert await db.mark_invite_opened(NOW, invite.id, user_id)
    assert await db.link_patient(NOW, invite.id, patient_id, user_id, chat_id, "America/Los_Angeles")
    return patient_id
