"""The connection: opening the file, migrating it, and serialized transactions over it.

Writes are serialized with one lock and ``BEGIN IMMEDIATE``, because one shared aiosqlite connection is
one shared transaction: without the lock, one coroutine's rollback could discard another's insert.
Every per-aggregate query class in this package builds on :class:`Connection`, so they all share the
one connection and the one lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db.rows import OutboxKinds
from bot.db.schema import MIGRATIONS, Migration
from bot.files import create_private_file, database_files, private_file, private_folder

BUSY_TIMEOUT_MS = 5000


class Rollback(Exception):
    """Raised inside a transaction to undo it when a guarded update found nothing to change."""


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ",".join("?" * count)


class Connection:
    """One SQLite file, opened in ``post_init`` and closed in ``post_shutdown``."""

    def __init__(self, path: Path, *, kinds: OutboxKinds) -> None:
        self.path = path
        self.kinds = kinds
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        private_folder(self.path.parent)
        # SQLite gives the -wal and -shm files the database file's own mode, so 0600 here covers them.
        create_private_file(self.path)
        for path in database_files(self.path):
            private_file(path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Deleted rows are overwritten, not left readable in free pages.
        await conn.execute("PRAGMA secure_delete = ON")
        self._conn = conn
        await self._migrate()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"the database {self.path} was written by a newer version of the bot (schema {version})"
            )
        for index in range(version, len(MIGRATIONS)):
            await self._run_migration(index + 1, MIGRATIONS[index])

    async def _run_migration(self, version: int, migration: Migration) -> None:
        """One migration in its own transaction, ending with ``PRAGMA user_version = version``.

        SQL text runs statement by statement. A coroutine runs with foreign keys off (they can only be
        switched off outside a transaction) and must leave ``PRAGMA foreign_key_check`` clean.
        """
        if isinstance(migration, str):
            async with self.transaction() as conn:
                for statement in migration.split(";"):
                    if statement.strip():
                        await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {version}")
            return
        await self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            async with self.transaction() as conn:
                await migration(conn)
                async with conn.execute("PRAGMA foreign_key_check") as cur:
                    broken = list(await cur.fetchall())
                if broken:
                    raise RuntimeError(f"migration {version} broke {len(broken)} foreign keys")
                await conn.execute(f"PRAGMA user_version = {version}")
        finally:
            await self.conn.execute("PRAGMA foreign_keys = ON")

    async def schema_version(self) -> int:
        row = await self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A serialized write transaction; everything inside commits together or not at all."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._lock, self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock, self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def _count(self, sql: str, params: Iterable[Any] = ()) -> int:
        """The single number a ``SELECT COUNT(*)`` (or ``SUM``) returns; 0 when there is none."""
        row = await self._one(sql, params)
        return int(row[0] or 0) if row else 0

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement in its own transaction; return the number of rows it changed."""
        async with self.transaction() as conn, conn.execute(sql, tuple(params)) as cur:
            return cur.rowcount

    async def _insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Insert one row in its own transaction; return its id."""
        async with self.transaction() as conn, conn.execute(sql, tuple(params)) as cur:
            row_id = cur.lastrowid
        assert row_id is not None
        return row_id
