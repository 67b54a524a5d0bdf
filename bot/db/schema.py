"""The schema, as the ordered list of migrations that builds it.

Each migration runs in its own transaction and moves ``PRAGMA user_version`` to its index + 1, so a
database written by any earlier version is brought up to date in order. Append; never edit one that
has shipped.
"""

from __future__ import annotations

# Each migration runs in its own transaction and moves PRAGMA user_version to its index + 1.
MIGRATIONS: tuple[str, ...] = (
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
)
