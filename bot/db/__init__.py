"""Storage: the schema, its migrations and every query, over one aiosqlite connection.

The database is the source of truth for everything the bot has promised to send. Times are stored as
UTC text (see :func:`bot.clock.to_db`). Patients' free-text messages are never stored here.

Layout: :mod:`.connection` (opening, migrating, serialized transactions), :mod:`.schema` (the
migrations), :mod:`.rows` (the row types), one query module per aggregate, and :mod:`.stores` (one
protocol per aggregate, which domain code is typed against). :class:`Database` composes the query
classes over one shared connection and write lock; it is the one object handlers receive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.db.alerts import AlertQueries
from bot.db.broadcasts import BroadcastQueries
from bot.db.connection import Connection
from bot.db.outbox import OutboxQueries
from bot.db.patients import PatientQueries
from bot.db.planning import PlanningQueries
from bot.db.prefs import PrefsQueries
from bot.db.privacy import PrivacyQueries
from bot.db.programmes import Programme, ProgrammeEntry, ProgrammeQueries
from bot.db.rows import (
    Alert,
    Broadcast,
    Erasure,
    Invite,
    OutboxItem,
    OutboxKinds,
    Patient,
    PatientSummary,
    PlannedChunk,
    PlannedSend,
    Prefs,
    Scrub,
    Session,
)
from bot.db.schema import MIGRATIONS, Migration
from bot.db.sessions import SessionQueries
from bot.db.staff import StaffQueries
from bot.db.stats import StatsQueries
from bot.db.stores import (
    AlertStore,
    BroadcastStore,
    OutboxStore,
    PatientStore,
    PictureStore,
    PlanningStore,
    PrefsStore,
    PrivacyStore,
    ProgrammeStore,
    SessionStore,
    StaffStore,
    StatsStore,
    Store,
    VisitStore,
)
from bot.db.visits import PlanStatus, StoredPlan, Visit, VisitQueries


class Database(
    PatientQueries,
    StaffQueries,
    OutboxQueries,
    PrefsQueries,
    PlanningQueries,
    SessionQueries,
    BroadcastQueries,
    AlertQueries,
    StatsQueries,
    PrivacyQueries,
    ProgrammeQueries,
    VisitQueries,
    Connection,
):
    """One SQLite file, opened in ``post_init`` and closed in ``post_shutdown``; every query, by aggregate."""


if TYPE_CHECKING:

    def _satisfies_the_interface(db: Database) -> Store:
        return db


__all__ = [
    "MIGRATIONS",
    "Alert",
    "AlertStore",
    "Broadcast",
    "BroadcastStore",
    "Database",
    "Erasure",
    "Invite",
    "Migration",
    "OutboxItem",
    "OutboxKinds",
    "OutboxStore",
    "Patient",
    "PatientStore",
    "PatientSummary",
    "PictureStore",
    "PlanStatus",
    "PlannedChunk",
    "PlannedSend",
    "PlanningStore",
    "Prefs",
    "PrefsStore",
    "PrivacyStore",
    "Programme",
    "ProgrammeEntry",
    "ProgrammeStore",
    "Scrub",
    "Session",
    "SessionStore",
    "StaffStore",
    "StatsStore",
    "Store",
    "StoredPlan",
    "Visit",
    "VisitStore",
]
