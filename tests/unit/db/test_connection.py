"""Opening, migrating and transactions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.db import MIGRATIONS, Database
from bot.renderers import OUTBOX_KINDS
from tests.unit.db.conftest import NOW, STAFF

# The SQL of migrations that have shipped, as fingerprints: editing one would leave databases migrated
# before the edit different from new ones. Append a migration instead.
SHIPPED = (
    "3a0e40e8c8b90bd9309ae05322b471c52de7df37d48838f7e483a5c325589b7e",
    "2aeb61aee6a6e70863178dcd0d001b4070318b7a1ecd255f9107152d2e76efae",
)


def test_shipped_migrations_are_never_edited() -> None:
    for index, fingerprint in enumerate(SHIPPED):
        migration = MIGRATIONS[index]
        assert isinstance(migration, str)
        assert hashlib.sha256(migration.encode()).hexdigest() == fingerprint, f"migration {index + 1}"


async def test_a_new_file_is_migrated_to_the_latest_schema_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    db = Database(path, kinds=OUTBOX_KINDS)
    await db.open()
    assert await db.schema_version() == len(MIGRATIONS)
    await db.add_staff(NOW, 1, STAFF)
    await db.close()
    await db.open()  # a second CREATE TABLE would fail: nothing runs twice
    assert await db.schema_version() == len(MIGRATIONS)
    assert await db.staff_ids() == {STAFF}
    await db.close()


async def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    db = Database(path, kinds=OUTBOX_KINDS)
    await db.open()
    await db.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    await db.close()
    with pytest.raises(RuntimeError, match="newer version"):
        await db.open()
    await db.close()


async def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    async def add_then_fail() -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff (telegram_user_id, added_by, added_at) VALUES (?, ?, ?)", (7, 1, "x")
            )
            raise LookupError("something went wrong halfway")

    with pytest.raises(LookupError):
        await add_then_fail()
    assert await db.staff_ids() == set()
    assert await db.add_staff(NOW, 1, 7)  # and the lock was released


async def test_queries_need_an_open_database(tmp_path: Path) -> None:
    db = Database(tmp_path / "closed.sqlite3", kinds=OUTBOX_KINDS)
    with pytest.raises(RuntimeError, match="not open"):
        await db.staff_ids()
