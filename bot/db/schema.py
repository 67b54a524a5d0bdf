"""The schema, as the ordered list of migrations that builds it.

Each migration runs in its own transaction and moves ``PRAGMA user_version`` to its index + 1, so a
database written by any earlier version is brought up to date in order. Append; never edit one that
has shipped.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import aiosqlite

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
    # 5: home exercise programmes. A programme is a list of exercise ids from the library with a dose
    # preset each (no free text); ``version`` lets staff buttons see that it changed meanwhile.
    # Adherence is one word per exercise and local day. ``telegram_files`` keeps the file_id Telegram
    # gave each picture (not patient data), with the hash of the file it was uploaded from.
    """
    CREATE TABLE programmes (
        patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
        version INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        updated_by INTEGER
    );
    CREATE TABLE programme_exercises (
        patient_id INTEGER NOT NULL REFERENCES programmes(patient_id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        preset TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (patient_id, exercise)
    );
    CREATE TABLE exercise_adherence (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        local_day TEXT NOT NULL,
        response TEXT NOT NULL CHECK (response IN ('done', 'skip')),
        at TEXT NOT NULL,
        UNIQUE (patient_id, exercise, local_day)
    );
    CREATE INDEX exercise_adherence_day ON exercise_adherence(local_day);
    CREATE TABLE telegram_files (
        picture TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        file_id TEXT NOT NULL,
        uploaded_at TEXT NOT NULL
    );
    """,
    # 6: visits (the next appointment, its pre-visit safety-check answers: item keys, never free text)
    # and care plans (the interval staff set, which says when the next visit is due).
    """
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        visit_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled', 'replaced')),
        booked_by INTEGER NOT NULL,
        booked_at TEXT NOT NULL,
        cancelled_at TEXT,
        reschedule_asked_at TEXT
    );
    CREATE INDEX visits_patient ON visits(patient_id, status, visit_at);
    CREATE INDEX visits_status_at ON visits(status, visit_at);
    CREATE TABLE visit_checks (
        visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
        item TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (visit_id, item)
    );
    CREATE TABLE care_plans (
        patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
        interval TEXT NOT NULL,
        visits INTEGER,
        then_interval TEXT,
        started_at TEXT NOT NULL,
        set_by INTEGER NOT NULL,
        nudges_on INTEGER NOT NULL DEFAULT 1
    );
    """,
)
