"""Storage: the schema, its migrations and every query, over one aiosqlite connection.

The database is the source of truth for everything the bot has promised to send. Writes are serialized
with one lock and ``BEGIN IMMEDIATE``, because one shared aiosqlite connection is one shared transaction:
without the lock, one coroutine's rollback could discard another's insert. Times are stored as UTC text
(see :func:`bot.clock.to_db`). Patients' free-text messages are never stored here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import from_db, to_db
from bot.files import create_private_file, database_files, private_file, private_folder
from bot.localtime import hhmm, parse_hhmm

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Emptying the write-ahead log after an erasure: how often to try and how long each try may wait.
SCRUB_ATTEMPTS = 4
SCRUB_BUSY_MS = 500
SCRUB_PAUSE_SECONDS = 0.05

_PLAIN_ID = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)", re.IGNORECASE)


async def _never_reuse_ids(conn: aiosqlite.Connection) -> None:
    """Rebuild every table keyed by ``id INTEGER PRIMARY KEY`` with AUTOINCREMENT.

    Without it SQLite hands out max(id) + 1, so erasing the newest patient freed their number (and
    their alerts' ids) for the next one, and an old button in the staff chat acted on the new patient.
    Each table is rebuilt from its own CREATE statement as stored, so columns that other migrations
    added come along; rows, indexes and triggers are copied, and sqlite_sequence starts at each
    table's current largest id.
    """
    async with conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ) as cur:
        tables = [(str(name), str(sql)) for name, sql in await cur.fetchall()]
    for name, sql in tables:
        if not _PLAIN_ID.search(sql):
            continue
        async with conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (name,),
        ) as cur:
            extras = [str(row[0]) for row in await cur.fetchall()]
        async with conn.execute(f'PRAGMA table_info("{name}")') as cur:
            columns = ", ".join(f'"{row[1]}"' for row in await cur.fetchall())
        rebuilt = f"{name}__rebuilt"
        create = _PLAIN_ID.sub("id INTEGER PRIMARY KEY AUTOINCREMENT", sql, count=1)
        create = re.sub(
            rf'^CREATE\s+TABLE\s+("?){re.escape(name)}\1', f'CREATE TABLE "{rebuilt}"', create, count=1
        )
        await conn.execute(create)
        await conn.execute(f'INSERT INTO "{rebuilt}" ({columns}) SELECT {columns} FROM "{name}"')
        await conn.execute(f'DROP TABLE "{name}"')
        await conn.execute(f'ALTER TABLE "{rebuilt}" RENAME TO "{name}"')
        for extra in extras:
            await conn.execute(extra)
        await conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
        await conn.execute(
            f'INSERT INTO sqlite_sequence (name, seq) SELECT ?, MAX(id) FROM "{name}" '
            "HAVING MAX(id) IS NOT NULL",
            (name,),
        )
    await conn.execute(
        # Every message showing an alert (the first post, and copies /alerts shows later).
        "CREATE TABLE alert_messages ("
        " alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
        " chat_id INTEGER NOT NULL,"
        " message_id INTEGER NOT NULL,"
        " PRIMARY KEY (chat_id, message_id))"
    )
    await conn.execute("CREATE INDEX alert_messages_alert ON alert_messages(alert_id)")


# Each migration runs in its own transaction and moves PRAGMA user_version to its index + 1. A migration
# is SQL text, or a coroutine for what SQL alone cannot say; coroutines run with foreign keys off (so a
# table can be rebuilt without cascading deletes) and must leave PRAGMA foreign_key_check clean.
#
# Query plans: with a day's reminders planned the outbox holds hundreds of thousands of pending rows,
# and without statistics SQLite would pick the (status, due_at) index for any "status = 'pending'"
# test and walk all of them. Queries that find rows by id, patient or key write "+status" to keep
# that index out of the choice.
Migration = str | Callable[[aiosqlite.Connection], Awaitable[None]]
MIGRATIONS: tuple[Migration, ...] = (
    """
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL,
        telegram_user_id INTEGER UNIQUE,
        chat_id INTEGER,
        status TEXT NOT NULL DEFAULT 'invited'
            CHECK (status IN ('invited', 'active', 'stopped', 'blocked')),
        created_at TEXT NOT NULL,
        joined_at TEXT,
        status_changed_at TEXT NOT NULL
    );
    CREATE TABLE invites (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        opened_by INTEGER,
        opened_at TEXT,
        used_at TEXT,
        revoked_at TEXT
    );
    CREATE INDEX invites_patient ON invites(patient_id);
    CREATE TABLE staff (
        telegram_user_id INTEGER PRIMARY KEY,
        added_by INTEGER NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        recorded_by INTEGER NOT NULL,
        session_at TEXT NOT NULL,
        clinic_date TEXT NOT NULL,
        areas TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_patient ON sessions(patient_id, session_at);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL DEFAULT '{}',
        due_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        sent_at TEXT,
        last_error TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, due_at);
    CREATE INDEX outbox_patient ON outbox(patient_id, status);
    CREATE TABLE prefs (
        patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
        timezone TEXT NOT NULL,
        quiet_start TEXT NOT NULL DEFAULT '21:00',
        quiet_end TEXT NOT NULL DEFAULT '08:00',
        posture_on INTEGER NOT NULL DEFAULT 0,
        work_start TEXT NOT NULL DEFAULT '09:00',
        work_end TEXT NOT NULL DEFAULT '17:00',
        posture_every_minutes INTEGER NOT NULL DEFAULT 90,
        exercise_on INTEGER NOT NULL DEFAULT 0,
        exercise_time TEXT NOT NULL DEFAULT '18:00',
        paused_until TEXT,
        planned_through TEXT
    );
    CREATE TABLE checkin_answers (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        answer TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        UNIQUE (session_id, step)
    );
    CREATE TABLE reminder_responses (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        outbox_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        response TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (outbox_id)
    );
    CREATE INDEX reminder_responses_patient ON reminder_responses(patient_id, at);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        patient_id INTEGER,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER REFERENCES patients(id) ON DELETE SET NULL,
        asked_at TEXT NOT NULL,
        topic TEXT NOT NULL,
        urgency TEXT NOT NULL
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        urgency TEXT NOT NULL,
        category TEXT NOT NULL,
        rule TEXT NOT NULL,
        handled_by INTEGER,
        handled_at TEXT
    );
    """,
    # 2: broadcasts. The text is the staff's own announcement (never a patient's words).
    """
    CREATE TABLE broadcasts (
        id INTEGER PRIMARY KEY,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        text TEXT NOT NULL,
        audience_days INTEGER,
        send_at TEXT,
        status TEXT NOT NULL DEFAULT 'draft'
            CHECK (status IN ('draft', 'queued', 'done', 'cancelled')),
        recipients INTEGER NOT NULL DEFAULT 0,
        progress_chat_id INTEGER,
        progress_message_id INTEGER,
        finished_at TEXT
    );
    CREATE INDEX outbox_kind_status ON outbox(kind, status);
    """,
    # 3: ids are never reused (see _never_reuse_ids), and staff alert messages are remembered so they
    # can be closed when the patient is erased.
    _never_reuse_ids,
    # 4: the patient's answer to the buttons under a 911 reply ("called": help is on the way, "mistake":
    # they are OK), which ends the reminders that follow the reply. One of two words, never free text.
    """
    ALTER TABLE alerts ADD COLUMN patient_answer TEXT CHECK (patient_answer IN ('called', 'mistake'));
    ALTER TABLE alerts ADD COLUMN patient_answered_at TEXT;
    """,
)


@dataclass(frozen=True)
class Patient:
    id: int
    display_name: str
    telegram_user_id: int | None
    chat_id: int | None
    status: str
    created_at: datetime
    joined_at: datetime | None

    @property
    def can_receive(self) -> bool:
        return self.status == "active" and self.chat_id is not None


@dataclass(frozen=True)
class Invite:
    id: int
    patient_id: int
    expires_at: datetime
    opened_by: int | None
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Session:
    id: int
    patient_id: int
    session_at: datetime
    clinic_date: str
    areas: tuple[str, ...]


@dataclass(frozen=True)
class OutboxItem:
    id: int
    patient_id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    expires_at: datetime | None = None
    status: str = "pending"

    @property
    def was_sent(self) -> bool:
        """Delivered to the patient: only then can a button under it be real."""
        return self.status == "sent"


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    text: str
    audience_days: int | None
    send_at: datetime | None
    status: str
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class PatientSummary:
    """One line of the staff's patient list."""

    id: int
    display_name: str
    status: str
    last_session: datetime | None


@dataclass(frozen=True)
class PlannedSend:
    """A message promised for later: what, under which idempotency key, due and useful until when."""

    kind: str
    key: str
    payload: dict[str, Any]
    due_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PlannedChunk:
    """What one step of a planning pass did: the last patient it looked at (None when there were no
    more), how many patients it planned, how many rows it added, and the earliest due time it wrote."""

    last_id: int | None
    patients: int
    added: int
    earliest: datetime | None


@dataclass(frozen=True)
class Prefs:
    """A patient's reminder settings; times are wall-clock times in their own time zone."""

    timezone: str
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    posture_on: bool = False
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    posture_every_minutes: int = 90
    exercise_on: bool = False
    exercise_time: time = time(18, 0)
    paused_until: datetime | None = None
    planned_through: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_paused(self, moment: datetime) -> bool:
        return self.paused_until is not None and moment < self.paused_until

    @property
    def wants_reminders(self) -> bool:
        return self.posture_on or self.exercise_on


@dataclass(frozen=True)
class Erasure:
    """A patient erased: their number, where their open alerts were posted, and what the log kept."""

    patient_id: int
    open_alert_messages: list[tuple[int, int]]
    scrub: Scrub


@dataclass(frozen=True)
class Scrub:
    """The result of emptying the write-ahead log: done, or how many pages were still left behind."""

    done: bool
    attempts: int
    busy: int
    log_pages: int
    checkpointed: int


@dataclass(frozen=True)
class Alert:
    id: int
    patient_id: int
    urgency: str
    category: str
    handled_by: int | None
    rule: str = ""
    patient_answer: str | None = None  # "called" or "mistake": see answer_emergency


# One encoder for every payload (json.dumps would build a new one per call when sorting keys).
_payload_json = json.JSONEncoder(sort_keys=True).encode


def _opt_time(text: str | None) -> datetime | None:
    return from_db(text) if text is not None else None


def _patient(row: aiosqlite.Row) -> Patient:
    return Patient(
        id=row["id"],
        display_name=row["display_name"],
        telegram_user_id=row["telegram_user_id"],
        chat_id=row["chat_id"],
        status=row["status"],
        created_at=from_db(row["created_at"]),
        joined_at=_opt_time(row["joined_at"]),
    )


def _prefs(row: aiosqlite.Row) -> Prefs:
    return Prefs(
        timezone=row["timezone"],
        quiet_start=parse_hhmm(row["quiet_start"]),
        quiet_end=parse_hhmm(row["quiet_end"]),
        posture_on=bool(row["posture_on"]),
        work_start=parse_hhmm(row["work_start"]),
        work_end=parse_hhmm(row["work_end"]),
        posture_every_minutes=row["posture_every_minutes"],
        exercise_on=bool(row["exercise_on"]),
        exercise_time=parse_hhmm(row["exercise_time"]),
        paused_until=_opt_time(row["paused_until"]),
        planned_through=row["planned_through"],
    )


def _outbox_item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        patient_id=row["patient_id"],
        kind=row["kind"],
        idempotency_key=row["idempotency_key"],
        payload=json.loads(row["payload"]),
        due_at=from_db(row["due_at"]),
        attempts=row["attempts"],
        expires_at=_opt_time(row["expires_at"]),
        status=row["status"],
    )


def _session(row: aiosqlite.Row) -> Session:
    return Session(
        id=row["id"],
        patient_id=row["patient_id"],
        session_at=from_db(row["session_at"]),
        clinic_date=row["clinic_date"],
        areas=tuple(a for a in row["areas"].split(",") if a),
    )


class Database:
    """One SQLite file, opened in ``post_init`` and closed in ``post_shutdown``."""

    def __init__(self, path: Path) -> None:
        self.path = path
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
            migration = MIGRATIONS[index]
            if isinstance(migration, str):
                async with self.transaction() as conn:
                    for statement in migration.split(";"):
                        if statement.strip():
                            await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {index + 1}")
                continue
            # Foreign keys can only be switched off outside a transaction.
            await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                async with self.transaction() as conn:
                    await migration(conn)
                    async with conn.execute("PRAGMA foreign_key_check") as cur:
                        broken = list(await cur.fetchall())
                    if broken:
                        raise RuntimeError(f"migration {index + 1} broke {len(broken)} foreign keys")
                    await conn.execute(f"PRAGMA user_version = {index + 1}")
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

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement in its own transaction; return the number of rows it changed."""
        async with self.transaction() as conn, conn.execute(sql, tuple(params)) as cur:
            return cur.rowcount

    # --- audit ------------------------------------------------------------------------------------

    async def audit(
        self,
        conn: aiosqlite.Connection,
        now: datetime,
        actor_id: int,
        action: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Record a staff action inside the caller's transaction (who, what, when; no free text)."""
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, patient_id, detail) VALUES (?, ?, ?, ?, ?)",
            (to_db(now), actor_id, action, patient_id, detail),
        )

    # --- staff ------------------------------------------------------------------------------------

    async def staff_ids(self) -> set[int]:
        return {row[0] for row in await self._all("SELECT telegram_user_id FROM staff")}

    async def add_staff(self, now: datetime, admin_id: int, user_id: int) -> bool:
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT OR IGNORE INTO staff (telegram_user_id, added_by, added_at) VALUES (?, ?, ?)",
                (user_id, admin_id, to_db(now)),
            ) as cur:
                added = cur.rowcount == 1
            if added:
                await self.audit(conn, now, admin_id, "staff_add", detail=f"user={user_id}")
        return added

    async def remove_staff(self, now: datetime, admin_id: int, user_id: int) -> bool:
        async with self.transaction() as conn:
            async with conn.execute("DELETE FROM staff WHERE telegram_user_id = ?", (user_id,)) as cur:
                removed = cur.rowcount == 1
            if removed:
                await self.audit(conn, now, admin_id, "staff_remove", detail=f"user={user_id}")
        return removed

    # --- patients and invites ---------------------------------------------------------------------

    async def create_patient_with_invite(
        self, now: datetime, staff_id: int, display_name: str, token_hash: str, expires_at: datetime
    ) -> int:
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT INTO patients (display_name, created_at, status_changed_at) VALUES (?, ?, ?)",
                (display_name, to_db(now), to_db(now)),
            ) as cur:
                patient_id = cur.lastrowid
            assert patient_id is not None
            await self._insert_invite(conn, now, staff_id, patient_id, token_hash, expires_at)
            await self.audit(conn, now, staff_id, "enroll", patient_id)
        return patient_id

    async def replace_invite(
        self, now: datetime, staff_id: int, patient_id: int, token_hash: str, expires_at: datetime
    ) -> None:
        """Issue a new invite for a patient; every older unused invite stops working."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE patient_id = ? AND used_at IS NULL "
                "AND revoked_at IS NULL",
                (to_db(now), patient_id),
            )
            await self._insert_invite(conn, now, staff_id, patient_id, token_hash, expires_at)
            await self.audit(conn, now, staff_id, "invite_new", patient_id)

    async def _insert_invite(
        self,
        conn: aiosqlite.Connection,
        now: datetime,
        staff_id: int,
        patient_id: int,
        token_hash: str,
        expires_at: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO invites (patient_id, token_hash, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (patient_id, token_hash, staff_id, to_db(now), to_db(expires_at)),
        )

    async def invite_by_hash(self, token_hash: str) -> Invite | None:
        row = await self._one("SELECT * FROM invites WHERE token_hash = ?", (token_hash,))
        return self._invite(row) if row else None

    async def invite_by_id(self, invite_id: int) -> Invite | None:
        row = await self._one("SELECT * FROM invites WHERE id = ?", (invite_id,))
        return self._invite(row) if row else None

    @staticmethod
    def _invite(row: aiosqlite.Row) -> Invite:
        return Invite(
            id=row["id"],
            patient_id=row["patient_id"],
            expires_at=from_db(row["expires_at"]),
            opened_by=row["opened_by"],
            used_at=_opt_time(row["used_at"]),
            revoked_at=_opt_time(row["revoked_at"]),
        )

    async def mark_invite_opened(self, now: datetime, invite_id: int, user_id: int) -> bool:
        """Bind an invite to the first Telegram account that opens it; False if another got there first."""
        changed = await self._write(
            "UPDATE invites SET opened_by = ?, opened_at = ? WHERE id = ? AND "
            "(opened_by IS NULL OR opened_by = ?)",
            (user_id, to_db(now), invite_id, user_id),
        )
        return changed == 1

    async def link_patient(
        self, now: datetime, invite_id: int, patient_id: int, user_id: int, chat_id: int, timezone: str
    ) -> bool:
        """Use the invite and link the account, atomically; False if the invite was used meanwhile."""
        try:
            return await self._link_patient(now, invite_id, patient_id, user_id, chat_id, timezone)
        except _Rollback:
            return False

    async def _link_patient(
        self, now: datetime, invite_id: int, patient_id: int, user_id: int, chat_id: int, timezone: str
    ) -> bool:
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL "
                "AND opened_by = ?",
                (to_db(now), invite_id, user_id),
            ) as cur:
                if cur.rowcount != 1:
                    return False
            async with conn.execute(
                # A new invite for a joined patient (a new phone) moves them to the new account.
                "UPDATE patients SET telegram_user_id = ?, chat_id = ?, status = 'active', "
                "joined_at = COALESCE(joined_at, ?), status_changed_at = ? WHERE id = ?",
                (user_id, chat_id, to_db(now), to_db(now), patient_id),
            ) as cur:
                if cur.rowcount != 1:
                    raise _Rollback
            await conn.execute(
                "INSERT OR IGNORE INTO prefs (patient_id, timezone) VALUES (?, ?)", (patient_id, timezone)
            )
        return True

    async def patient(self, patient_id: int) -> Patient | None:
        row = await self._one("SELECT * FROM patients WHERE id = ?", (patient_id,))
        return _patient(row) if row else None

    async def patient_by_user(self, user_id: int) -> Patient | None:
        row = await self._one("SELECT * FROM patients WHERE telegram_user_id = ?", (user_id,))
        return _patient(row) if row else None

    async def set_patient_status(
        self, now: datetime, patient_id: int, status: str, staff_id: int | None = None
    ) -> None:
        """Change a patient's status; leaving 'active' cancels everything still waiting to be sent.

        ``staff_id`` is given when staff made the change, which then goes into the audit trail.
        """
        async with self.transaction() as conn:
            if staff_id is not None:
                await self.audit(conn, now, staff_id, f"patient_{status}", patient_id)
            await conn.execute(
                "UPDATE patients SET status = ?, status_changed_at = ? WHERE id = ?",
                (status, to_db(now), patient_id),
            )
            if status != "active":
                await conn.execute(
                    "UPDATE outbox SET status = 'cancelled', last_error = ? "
                    "WHERE patient_id = ? AND status = 'pending'",
                    (f"patient {status}", patient_id),
                )

    # --- sessions and the outbox ------------------------------------------------------------------

    async def record_session(
        self,
        now: datetime,
        staff_id: int,
        patient_id: int,
        clinic_date: str,
        areas: tuple[str, ...],
        follow_ups: Callable[[int], list[PlannedSend]],
    ) -> tuple[int, list[str]]:
        """Store a session and queue its messages in one transaction.

        ``follow_ups(session_id)`` says what to queue. A key already in the outbox is skipped, which is
        how a second session on the same day does not send aftercare twice. Check-ins still pending
        from an earlier session are cancelled: the newest session is the one to ask about.
        Returns the session id and the keys that were actually queued.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "INSERT INTO sessions (patient_id, recorded_by, session_at, clinic_date, areas) "
                "VALUES (?, ?, ?, ?, ?)",
                (patient_id, staff_id, to_db(now), clinic_date, ",".join(areas)),
            ) as cur:
                session_id = cur.lastrowid
            assert session_id is not None
            await conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'newer session' "
                "WHERE patient_id = ? AND kind = 'checkin' AND status = 'pending'",
                (patient_id,),
            )
            queued = [
                send.key
                for send in follow_ups(session_id)
                if await self._enqueue(conn, now, patient_id, send)
            ]
            await self.audit(conn, now, staff_id, "session", patient_id, detail="areas=" + ",".join(areas))
        return session_id, queued

    async def sessions_on(self, patient_id: int, clinic_date: str) -> list[Session]:
        """A patient's sessions on one clinic day, oldest first (a second /session asks first)."""
        rows = await self._all(
            "SELECT * FROM sessions WHERE patient_id = ? AND clinic_date = ? ORDER BY session_at, id",
            (patient_id, clinic_date),
        )
        return [_session(row) for row in rows]

    async def set_session_areas(
        self, now: datetime, session_id: int, staff_id: int, areas: tuple[str, ...], sends: list[PlannedSend]
    ) -> bool:
        """Correct a session's areas and queue the follow-up for the tips that were missing, at once."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE sessions SET areas = ? WHERE id = ? RETURNING patient_id",
                (",".join(areas), session_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            for send in sends:
                await self._enqueue(conn, now, row[0], send)
            await self.audit(
                conn, now, staff_id, "session_correct", row[0], detail="areas=" + ",".join(areas)
            )
        return True

    async def undo_session(self, now: datetime, session_id: int, staff_id: int) -> int | None:
        """Remove a session recorded by mistake and cancel what it queued that has not gone out.

        Returns how many messages were cancelled, or None if the session no longer exists. Messages
        already sent stay sent; their rows stay for the outbox's own history.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "DELETE FROM sessions WHERE id = ? RETURNING patient_id", (session_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            async with conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'session undone' "
                "WHERE patient_id = ? AND status = 'pending' AND kind IN ('aftercare', 'checkin') "
                "AND json_extract(payload, '$.session_id') = ?",
                (row[0], session_id),
            ) as cur:
                cancelled = cur.rowcount
            await self.audit(conn, now, staff_id, "session_undo", row[0], detail=f"session={session_id}")
        return cancelled

    async def enqueue(self, now: datetime, patient_id: int, sends: Iterable[PlannedSend]) -> list[str]:
        """Queue messages; keys already queued (or sent) are skipped. Returns the keys queued."""
        async with self.transaction() as conn:
            return [send.key for send in sends if await self._enqueue(conn, now, patient_id, send)]

    async def _enqueue(
        self, conn: aiosqlite.Connection, now: datetime, patient_id: int, send: PlannedSend
    ) -> bool:
        async with conn.execute(
            "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
            (
                patient_id,
                send.kind,
                send.key,
                _payload_json(send.payload),
                to_db(send.due_at),
                to_db(now),
                to_db(send.expires_at) if send.expires_at else None,
            ),
        ) as cur:
            return cur.rowcount == 1

    async def replan(
        self,
        now: datetime,
        patient_id: int,
        kinds: Iterable[str],
        sends: Iterable[PlannedSend],
        planned_through: str | None,
    ) -> None:
        """Replace a patient's future reminders of these kinds with a fresh plan, in one transaction."""
        kinds = tuple(kinds)
        async with self.transaction() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE patient_id = ? AND +status IN ('pending', 'cancelled') "
                f"AND due_at > ? AND kind IN ({','.join('?' * len(kinds))})",
                (patient_id, to_db(now), *kinds),
            )
            for send in sends:
                await self._enqueue(conn, now, patient_id, send)
            await conn.execute(
                "UPDATE prefs SET planned_through = ? WHERE patient_id = ?", (planned_through, patient_id)
            )

    async def plan_chunk(
        self,
        now: datetime,
        after_id: int,
        limit: int,
        through: dict[str, str],
        plan: Callable[[int, Prefs], list[PlannedSend]],
        *,
        mark_planned: bool,
    ) -> PlannedChunk:
        """One step of a planning pass, in one short transaction.

        Reads the next ``limit`` active patients after ``after_id`` (by number) who want reminders and
        are not planned through ``through[their time zone]``, writes what ``plan`` gives for each, and
        with ``mark_planned`` records them as planned that far. Reading and writing in one transaction
        means a patient who changes their settings meanwhile never gets a plan made from the old ones.
        """
        if not through:
            return PlannedChunk(None, 0, 0, None)
        cases = " ".join("WHEN ? THEN ?" for _ in through)
        zones = [value for pair in through.items() for value in pair]
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT prefs.* FROM prefs JOIN patients ON patients.id = prefs.patient_id "
                "WHERE prefs.patient_id > ? AND patients.status = 'active' "
                "AND (prefs.posture_on = 1 OR prefs.exercise_on = 1) "
                f"AND COALESCE(prefs.planned_through, '') < CASE prefs.timezone {cases} END "
                "ORDER BY prefs.patient_id LIMIT ?",
                (after_id, *zones, limit),
            ) as cur:
                chosen = [(int(row["patient_id"]), _prefs(row)) for row in await cur.fetchall()]
            if not chosen:
                return PlannedChunk(None, 0, 0, None)
            created = to_db(now)
            rows = []
            earliest: datetime | None = None
            for patient_id, prefs in chosen:
                for send in plan(patient_id, prefs):
                    rows.append(
                        (
                            patient_id,
                            send.kind,
                            send.key,
                            _payload_json(send.payload),
                            to_db(send.due_at),
                            created,
                            to_db(send.expires_at) if send.expires_at else None,
                        )
                    )
                    earliest = send.due_at if earliest is None else min(earliest, send.due_at)
            before = conn.total_changes
            await conn.executemany(
                "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
                rows,
            )
            added = conn.total_changes - before
            if mark_planned:
                await conn.executemany(
                    "UPDATE prefs SET planned_through = ? WHERE patient_id = ?",
                    [(through[prefs.timezone], patient_id) for patient_id, prefs in chosen],
                )
        return PlannedChunk(chosen[-1][0], len(chosen), added, earliest)

    # --- preferences ------------------------------------------------------------------------------

    async def prefs(self, patient_id: int, default_timezone: str) -> Prefs:
        row = await self._one("SELECT * FROM prefs WHERE patient_id = ?", (patient_id,))
        return _prefs(row) if row else Prefs(timezone=default_timezone)

    async def update_prefs(self, patient_id: int, default_timezone: str, **changes: object) -> Prefs:
        """Change some settings (names as in :class:`Prefs`); returns the settings now in force."""
        allowed = set(Prefs.__dataclass_fields__) - {"planned_through"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"unknown settings: {sorted(set(changes) - allowed)}")
        stored = {
            name: hhmm(value)
            if isinstance(value, time)
            else to_db(value)
            if isinstance(value, datetime)
            else int(value)
            if isinstance(value, bool)
            else value
            for name, value in changes.items()
        }
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO prefs (patient_id, timezone) VALUES (?, ?)",
                (patient_id, default_timezone),
            )
            assignments = ", ".join(f"{name} = ?" for name in stored)
            await conn.execute(
                f"UPDATE prefs SET {assignments} WHERE patient_id = ?", (*stored.values(), patient_id)
            )
        return await self.prefs(patient_id, default_timezone)

    async def reminder_timezones(self) -> list[str]:
        """The time zones of patients who want reminders: a handful, however many patients there are."""
        rows = await self._all(
            "SELECT DISTINCT timezone FROM prefs WHERE posture_on = 1 OR exercise_on = 1 ORDER BY timezone"
        )
        return [str(row[0]) for row in rows]

    async def session(self, session_id: int) -> Session | None:
        row = await self._one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def last_session(self, patient_id: int) -> Session | None:
        row = await self._one(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY session_at DESC, id DESC LIMIT 1",
            (patient_id,),
        )
        return _session(row) if row else None

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
            (to_db(now), limit),
        )
        return [_outbox_item(row) for row in rows]

    async def outbox_by_keys(self, keys: list[str]) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' "
            f"AND idempotency_key IN ({','.join('?' * len(keys))}) ORDER BY due_at, id",
            keys,
        )
        return [_outbox_item(row) for row in rows]

    async def pending_ids(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        rows = await self._all(
            f"SELECT id FROM outbox WHERE id IN ({','.join('?' * len(ids))}) AND +status = 'pending'", ids
        )
        return {int(row[0]) for row in rows}

    async def outbox_item(self, item_id: int) -> OutboxItem | None:
        row = await self._one("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return _outbox_item(row) if row else None

    async def next_due(self) -> datetime | None:
        row = await self._one("SELECT MIN(due_at) FROM outbox WHERE status = 'pending'")
        return from_db(row[0]) if row and row[0] else None

    async def upcoming(self, patient_id: int, limit: int = 10) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT * FROM outbox WHERE patient_id = ? AND +status = 'pending' ORDER BY due_at, id LIMIT ?",
            (patient_id, limit),
        )
        return [_outbox_item(row) for row in rows]

    async def reschedule(self, item_id: int, due_at: datetime) -> None:
        await self._write(
            "UPDATE outbox SET due_at = ? WHERE id = ? AND status = 'pending'", (to_db(due_at), item_id)
        )

    async def mark_sent(self, now: datetime, item_id: int) -> None:
        await self._write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
            "WHERE id = ?",
            (to_db(now), item_id),
        )

    async def mark_attempt_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; reschedule it, or give up when ``retry_at`` is None."""
        if retry_at is None:
            await self._write(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, item_id),
            )
        else:
            await self._write(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ?",
                (error, to_db(retry_at), item_id),
            )

    async def outbox_status(self, idempotency_key: str) -> str | None:
        row = await self._one("SELECT status FROM outbox WHERE idempotency_key = ?", (idempotency_key,))
        return str(row[0]) if row else None

    async def cancel_outbox(self, item_id: int, reason: str) -> None:
        await self._write(
            "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ? AND status = 'pending'",
            (reason, item_id),
        )

    # --- answers to check-ins and reminders ---------------------------------------------------------

    async def record_checkin_answer(
        self, now: datetime, patient_id: int, session_id: int, step: str, answer: str
    ) -> bool:
        """Keep the button a patient pressed; False if this check-in was already answered."""
        async with (
            self.transaction() as conn,
            conn.execute(
                "INSERT INTO checkin_answers (patient_id, session_id, step, answer, answered_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_id, step) DO NOTHING",
                (patient_id, session_id, step, answer, to_db(now)),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def record_reminder_response(
        self, now: datetime, patient_id: int, item: OutboxItem, response: str
    ) -> bool:
        """Done, snoozed or skipped: one response per reminder; False if it already has one."""
        async with (
            self.transaction() as conn,
            conn.execute(
                "INSERT INTO reminder_responses (patient_id, outbox_id, kind, response, at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(outbox_id) DO NOTHING",
                (patient_id, item.id, item.kind, response, to_db(now)),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def done_count(self, patient_id: int, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM reminder_responses WHERE patient_id = ? AND response = 'done' AND at >= ?",
            (patient_id, to_db(since)),
        )
        return int(row[0]) if row else 0

    # --- questions and alerts ---------------------------------------------------------------------

    async def log_question(self, now: datetime, patient_id: int, topic: str, urgency: str) -> None:
        """Keep the topic and urgency of a question for the clinic's statistics; never its text."""
        await self._write(
            "INSERT INTO questions (patient_id, asked_at, topic, urgency) VALUES (?, ?, ?, ?)",
            (patient_id, to_db(now), topic, urgency),
        )

    async def create_alert(
        self, now: datetime, patient_id: int, urgency: str, category: str, rule: str
    ) -> int:
        async with (
            self.transaction() as conn,
            conn.execute(
                "INSERT INTO alerts (patient_id, created_at, urgency, category, rule) VALUES (?, ?, ?, ?, ?)",
                (patient_id, to_db(now), urgency, category, rule),
            ) as cur,
        ):
            alert_id = cur.lastrowid
        assert alert_id is not None
        return alert_id

    async def add_alert_message(self, alert_id: int, chat_id: int, message_id: int) -> None:
        """Remember where an alert was posted, so it can be closed if the patient is erased."""
        await self._write(
            "INSERT OR REPLACE INTO alert_messages (alert_id, chat_id, message_id) VALUES (?, ?, ?)",
            (alert_id, chat_id, message_id),
        )

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self._one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        if row is None:
            return None
        return Alert(
            id=row["id"],
            patient_id=row["patient_id"],
            urgency=row["urgency"],
            category=row["category"],
            handled_by=row["handled_by"],
            rule=row["rule"],
            patient_answer=row["patient_answer"],
        )

    async def handle_alert(self, now: datetime, alert_id: int, staff_id: int) -> bool:
        """Mark an alert handled; False if it was already handled (or is gone)."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE alerts SET handled_by = ?, handled_at = ? WHERE id = ? AND handled_by IS NULL",
                (staff_id, to_db(now), alert_id),
            ) as cur:
                handled = cur.rowcount == 1
            if handled:
                await self.audit(conn, now, staff_id, "alert_handled", detail=f"alert={alert_id}")
        return handled

    # --- broadcasts ---------------------------------------------------------------------------------

    async def create_broadcast(self, now: datetime, staff_id: int, text: str) -> int:
        async with (
            self.transaction() as conn,
            conn.execute(
                "INSERT INTO broadcasts (created_by, created_at, text) VALUES (?, ?, ?)",
                (staff_id, to_db(now), text),
            ) as cur,
        ):
            broadcast_id = cur.lastrowid
        assert broadcast_id is not None
        return broadcast_id

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = await self._one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            return None
        return Broadcast(
            id=row["id"],
            created_by=row["created_by"],
            text=row["text"],
            audience_days=row["audience_days"],
            send_at=_opt_time(row["send_at"]),
            status=row["status"],
            recipients=row["recipients"],
            progress_chat_id=row["progress_chat_id"],
            progress_message_id=row["progress_message_id"],
        )

    async def set_broadcast_draft(
        self, broadcast_id: int, *, audience_days: int | None, send_at: datetime | None
    ) -> bool:
        """Change who gets a draft and when; False once it is no longer a draft."""
        changed = await self._write(
            "UPDATE broadcasts SET audience_days = ?, send_at = ? WHERE id = ? AND status = 'draft'",
            (audience_days, to_db(send_at) if send_at else None, broadcast_id),
        )
        return changed == 1

    _RECIPIENTS = (
        "FROM patients WHERE status = 'active' AND chat_id IS NOT NULL AND (? IS NULL OR EXISTS "
        "(SELECT 1 FROM sessions WHERE sessions.patient_id = patients.id AND sessions.session_at >= ?))"
    )

    async def count_recipients(self, now: datetime, audience_days: int | None) -> int:
        since = to_db(now - timedelta(days=audience_days)) if audience_days else None
        row = await self._one(f"SELECT COUNT(*) {self._RECIPIENTS}", (audience_days, since))
        return int(row[0]) if row else 0

    async def queue_broadcast(
        self, now: datetime, broadcast_id: int, staff_id: int, due_at: datetime, expires_at: datetime
    ) -> int | None:
        """Turn a draft into one outbox row per recipient, once; None if it was already queued."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE broadcasts SET status = 'queued', send_at = ? WHERE id = ? AND status = 'draft' "
                "RETURNING audience_days",
                (to_db(due_at), broadcast_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            days = row[0]
            since = to_db(now - timedelta(days=days)) if days else None
            async with conn.execute(
                "INSERT INTO outbox (patient_id, kind, idempotency_key, payload, due_at, created_at, "
                "expires_at) SELECT id, 'broadcast', 'broadcast:' || ? || ':' || id, ?, ?, ?, ? "
                f"{self._RECIPIENTS} ON CONFLICT(idempotency_key) DO NOTHING",
                (
                    broadcast_id,
                    json.dumps({"broadcast_id": broadcast_id}),
                    to_db(due_at),
                    to_db(now),
                    to_db(expires_at),
                    days,
                    since,
                ),
            ) as cur:
                recipients = cur.rowcount
            await conn.execute(
                "UPDATE broadcasts SET recipients = ? WHERE id = ?", (recipients, broadcast_id)
            )
            await self.audit(
                conn, now, staff_id, "broadcast", detail=f"broadcast={broadcast_id} to={recipients}"
            )
        return recipients

    async def set_broadcast_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        """How a broadcast is going: sent, blocked, failed, cancelled and still pending."""
        prefix = f"broadcast:{broadcast_id}:"
        rows = await self._all(
            "SELECT status, last_error = 'recipient gone' AS gone, COUNT(*) FROM outbox "
            "WHERE idempotency_key >= ? AND idempotency_key < ? GROUP BY status, gone",
            (prefix, prefix[:-1] + ";"),
        )
        counts = {"sent": 0, "blocked": 0, "failed": 0, "cancelled": 0, "pending": 0}
        for status, gone, count in rows:
            key = "blocked" if gone else status
            counts[key] = counts.get(key, 0) + count
        return counts

    async def broadcast_skipped(self, broadcast_id: int) -> int:
        """Recipients skipped because they stopped or it came too late (not cancelled by staff)."""
        prefix = f"broadcast:{broadcast_id}:"
        row = await self._one(
            "SELECT COUNT(*) FROM outbox WHERE idempotency_key >= ? AND idempotency_key < ? "
            "AND status = 'cancelled' AND last_error IS NOT 'broadcast cancelled'",
            (prefix, prefix[:-1] + ";"),
        )
        return int(row[0]) if row else 0

    async def broadcast_waiting(self, broadcast_id: int, now: datetime) -> tuple[int, datetime | None]:
        """Rows held back (by patients' quiet hours) past now, and the earliest moment they go."""
        prefix = f"broadcast:{broadcast_id}:"
        row = await self._one(
            "SELECT COUNT(*), MIN(due_at) FROM outbox WHERE idempotency_key >= ? AND idempotency_key < ? "
            "AND status = 'pending' AND due_at > ?",
            (prefix, prefix[:-1] + ";", to_db(now)),
        )
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), _opt_time(row[1])

    async def cancel_broadcast(self, now: datetime, broadcast_id: int, staff_id: int) -> bool:
        """Stop a draft or a running broadcast; what was already sent stays sent."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('draft', 'queued')",
                (to_db(now), broadcast_id),
            ) as cur:
                if cur.rowcount != 1:
                    return False
            prefix = f"broadcast:{broadcast_id}:"
            await conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'broadcast cancelled' "
                "WHERE idempotency_key >= ? AND idempotency_key < ? AND +status = 'pending'",
                (prefix, prefix[:-1] + ";"),
            )
            await self.audit(conn, now, staff_id, "broadcast_cancel", detail=f"broadcast={broadcast_id}")
        return True

    async def finish_broadcast(self, now: datetime, broadcast_id: int) -> bool:
        changed = await self._write(
            "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'queued'",
            (to_db(now), broadcast_id),
        )
        return changed == 1

    async def running_broadcasts(self) -> list[int]:
        return [
            row[0] for row in await self._all("SELECT id FROM broadcasts WHERE status = 'queued' ORDER BY id")
        ]

    # --- the staff console ---------------------------------------------------------------------------

    async def find_patients(self, query: str, offset: int, limit: int) -> tuple[list[PatientSummary], int]:
        """Patients by number or by a piece of their name, newest first, one page at a time."""
        where, params = "1 = 1", list[Any]()
        if query.strip().lstrip("#").isdigit():
            where, params = "patients.id = ?", [int(query.strip().lstrip("#"))]
        elif query.strip():
            where, params = "patients.display_name LIKE ? ESCAPE '\\'", [f"%{_like(query.strip())}%"]
        total_row = await self._one(f"SELECT COUNT(*) FROM patients WHERE {where}", params)
        rows = await self._all(
            "SELECT patients.id, display_name, status, MAX(sessions.session_at) AS last_session "
            f"FROM patients LEFT JOIN sessions ON sessions.patient_id = patients.id WHERE {where} "
            "GROUP BY patients.id ORDER BY patients.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        summaries = [
            PatientSummary(r["id"], r["display_name"], r["status"], _opt_time(r["last_session"]))
            for r in rows
        ]
        return summaries, int(total_row[0]) if total_row else 0

    async def recent_sessions(self, patient_id: int, limit: int = 3) -> list[Session]:
        rows = await self._all(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY session_at DESC, id DESC LIMIT ?",
            (patient_id, limit),
        )
        return [_session(row) for row in rows]

    async def checkin_answers(self, patient_id: int, limit: int = 5) -> list[tuple[datetime, str, str]]:
        rows = await self._all(
            "SELECT answered_at, step, answer FROM checkin_answers WHERE patient_id = ? "
            "ORDER BY answered_at DESC, id DESC LIMIT ?",
            (patient_id, limit),
        )
        return [(from_db(r[0]), r[1], r[2]) for r in rows]

    async def open_alerts(
        self, patient_id: int | None = None, limit: int = 20
    ) -> list[tuple[Alert, datetime]]:
        rows = await self._all(
            "SELECT * FROM alerts WHERE handled_by IS NULL AND (? IS NULL OR patient_id = ?) "
            "ORDER BY created_at, id LIMIT ?",
            (patient_id, patient_id, limit),
        )
        return [
            (
                Alert(
                    r["id"],
                    r["patient_id"],
                    r["urgency"],
                    r["category"],
                    r["handled_by"],
                    r["rule"],
                    r["patient_answer"],
                ),
                from_db(r["created_at"]),
            )
            for r in rows
        ]

    async def open_emergency(self, patient_id: int, since: datetime) -> Alert | None:
        """This patient's latest emergency alert since ``since``, while it still needs a 911 reminder:
        neither the patient (a button under the 911 reply) nor staff (Handled) have closed it."""
        row = await self._one(
            "SELECT * FROM alerts WHERE patient_id = ? AND urgency = 'emergency' AND created_at >= ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (patient_id, to_db(since)),
        )
        if row is None or row["handled_by"] is not None or row["patient_answer"] is not None:
            return None
        return await self.alert(int(row["id"]))

    async def answer_emergency(self, now: datetime, alert_id: int, patient_id: int, answer: str) -> bool:
        """Record the patient's button under a 911 reply; False if it is not theirs or already answered."""
        async with (
            self.transaction() as conn,
            conn.execute(
                "UPDATE alerts SET patient_answer = ?, patient_answered_at = ? "
                "WHERE id = ? AND patient_id = ? AND urgency = 'emergency' AND patient_answer IS NULL",
                (answer, to_db(now), alert_id, patient_id),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def count_open_alerts(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM alerts WHERE handled_by IS NULL")
        return int(row[0]) if row else 0

    async def stats(self, now: datetime) -> dict[str, Any]:
        """The clinic's figures: counts and rates only, never a message text."""
        week, month = to_db(now - timedelta(days=7)), to_db(now - timedelta(days=30))

        async def one(sql: str, *params: Any) -> int:
            row = await self._one(sql, params)
            return int(row[0] or 0) if row else 0

        topics = await self._all(
            "SELECT topic, COUNT(*) FROM questions WHERE asked_at >= ? GROUP BY topic "
            "ORDER BY COUNT(*) DESC, topic",
            (month,),
        )
        return {
            "enrolled": await one("SELECT COUNT(*) FROM patients WHERE status != 'invited'"),
            "invited": await one("SELECT COUNT(*) FROM patients WHERE status = 'invited'"),
            "active": await one("SELECT COUNT(*) FROM patients WHERE status = 'active'"),
            "sessions_week": await one("SELECT COUNT(*) FROM sessions WHERE session_at >= ?", week),
            "checkins_sent": await one(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'checkin' AND status = 'sent' AND sent_at >= ?",
                month,
            ),
            "checkins_answered": await one(
                "SELECT COUNT(*) FROM checkin_answers WHERE answered_at >= ?", month
            ),
            "reminders_sent": await one(
                "SELECT COUNT(*) FROM outbox WHERE kind IN ('posture', 'exercise') AND status = 'sent' "
                "AND sent_at >= ?",
                month,
            ),
            "reminders_done": await one(
                "SELECT COUNT(*) FROM reminder_responses WHERE response = 'done' AND at >= ?", month
            ),
            "topics": [(str(t), int(c)) for t, c in topics],
        }

    # --- privacy: export, erasure, retention, backup --------------------------------------------------

    async def patient_export(self, patient_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one patient, table by table (for /mydata)."""
        queries = {
            "sessions": "SELECT session_at, areas FROM sessions WHERE patient_id = ? ORDER BY session_at",
            "upcoming": "SELECT kind, due_at FROM outbox WHERE patient_id = ? AND +status = 'pending' "
            "ORDER BY due_at",
            "checkins": "SELECT answered_at, step, answer FROM checkin_answers WHERE patient_id = ? "
            "ORDER BY answered_at",
            "questions": "SELECT topic, COUNT(*) AS count, MAX(asked_at) AS last FROM questions "
            "WHERE patient_id = ? GROUP BY topic ORDER BY count DESC",
            "responses": "SELECT kind, response, COUNT(*) AS count FROM reminder_responses "
            "WHERE patient_id = ? GROUP BY kind, response",
            "alerts": "SELECT created_at, urgency, category, patient_answer FROM alerts WHERE patient_id = ? "
            "ORDER BY created_at",
        }
        return {name: [dict(r) for r in await self._all(sql, (patient_id,))] for name, sql in queries.items()}

    async def erase_patient(self, now: datetime, patient_id: int, actor_id: int) -> Erasure | None:
        """Delete a patient and everything about them, and make sure the bytes are gone from disk.

        What stays: the topic and urgency of their past questions with no link to them (anonymous
        counts), and the audit trail's who-did-what-when with its details cleared. ``secure_delete``
        zeroes the freed space; the checkpoint afterwards empties the write-ahead log. Returns where
        their open alerts were posted, so those messages can be closed; None if there was no such patient.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT chat_id, message_id FROM alert_messages JOIN alerts ON alerts.id = alert_id "
                "WHERE alerts.patient_id = ? AND alerts.handled_by IS NULL ORDER BY alert_id",
                (patient_id,),
            ) as cur:
                messages = [(int(chat), int(message)) for chat, message in await cur.fetchall()]
            async with conn.execute("DELETE FROM patients WHERE id = ?", (patient_id,)) as cur:
                erased = cur.rowcount == 1
            if erased:
                await conn.execute("UPDATE audit_log SET detail = '' WHERE patient_id = ?", (patient_id,))
                await self.audit(conn, now, actor_id, "patient_erased", patient_id)
        if not erased:
            return None
        return Erasure(patient_id, messages, await self.scrub())

    async def purge_expired(
        self,
        now: datetime,
        *,
        invites_days: int,
        outbox_days: int,
        alerts_days: int,
        questions_days: int = 365,
    ) -> dict[str, int]:
        """Retention: drop finished invites (and, once expired, invites nobody ever opened), delivered or
        closed outbox rows, handled alerts and the topics of old questions."""
        purged: dict[str, int] = {}
        statements: dict[str, tuple[str, tuple[datetime, ...]]] = {
            "invites": (
                "DELETE FROM invites WHERE COALESCE(used_at, revoked_at, expires_at) < ? "
                "OR (opened_at IS NULL AND used_at IS NULL AND expires_at <= ?)",
                (now - timedelta(days=invites_days), now),
            ),
            "outbox": (
                "DELETE FROM outbox WHERE status != 'pending' AND COALESCE(sent_at, due_at) < ?",
                (now - timedelta(days=outbox_days),),
            ),
            "alerts": (
                "DELETE FROM alerts WHERE handled_at IS NOT NULL AND handled_at < ?",
                (now - timedelta(days=alerts_days),),
            ),
            "questions": (
                "DELETE FROM questions WHERE asked_at < ?",
                (now - timedelta(days=questions_days),),
            ),
        }
        async with self.transaction() as conn:
            for name, (sql, cutoffs) in statements.items():
                async with conn.execute(sql, tuple(to_db(c) for c in cutoffs)) as cur:
                    purged[name] = cur.rowcount
        if any(purged.values()):
            await self.scrub()
        return purged

    async def scrub(self) -> Scrub:
        """Copy the write-ahead log into the database file and truncate it, so deleted rows that
        still sat in old log frames are gone from the disk too.

        The checkpoint reports (busy, pages in the log, pages checkpointed). A reader holding an old
        snapshot (a backup running, say) keeps it from finishing, so it is tried again a few times;
        if old pages still remain, that is logged (counts only) and the next scrub finishes the job.
        """
        busy = log_pages = checkpointed = 0
        for attempt in range(1, SCRUB_ATTEMPTS + 1):
            async with self._lock:
                await self.conn.execute(f"PRAGMA busy_timeout = {SCRUB_BUSY_MS}")
                try:
                    async with self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                        row = await cur.fetchone()
                finally:
                    await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            busy, log_pages, checkpointed = (int(v) for v in row) if row else (1, -1, -1)
            if busy == 0 and log_pages == checkpointed:
                return Scrub(True, attempt, busy, log_pages, checkpointed)
            await asyncio.sleep(SCRUB_PAUSE_SECONDS * attempt)
        log.warning(
            "erasure: the write-ahead log could not be emptied after %s attempts "
            "(busy=%s, log pages=%s, checkpointed=%s); the next checkpoint will finish it",
            SCRUB_ATTEMPTS,
            busy,
            log_pages,
            checkpointed,
        )
        return Scrub(False, SCRUB_ATTEMPTS, busy, log_pages, checkpointed)

    async def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table, for tests and the data export; ``table`` is never user input."""
        if table not in {
            "patients",
            "invites",
            "staff",
            "sessions",
            "outbox",
            "audit_log",
            "questions",
            "alerts",
            "prefs",
            "checkin_answers",
            "reminder_responses",
            "broadcasts",
            "alert_messages",
        }:
            raise ValueError(f"unknown table {table}")
        return [dict(row) for row in await self._all(f"SELECT * FROM {table} ORDER BY rowid")]


def _like(text: str) -> str:
    """Escape LIKE's wildcards in what staff typed."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Rollback(Exception):
    """Raised inside a transaction to undo it when a guarded update found nothing to change."""
