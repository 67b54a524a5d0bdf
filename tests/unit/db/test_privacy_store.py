"""Privacy in storage: the export, erasure that leaves no trace, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import Database, PlannedSend
from bot.kinds import Kind
from tests.unit.db.conftest import NOW, STAFF, joined_patient

POSTURE = Kind.POSTURE

DAY = timedelta(days=1)


async def test_the_export_holds_one_patients_data_only(db: Database) -> None:
    ada, bob = await joined_patient(db, "Ada", 1), await joined_patient(db, "Bob", 2)
    for patient_id in (ada, bob):
        await db.record_session(NOW, STAFF, patient_id, "2026-03-02", ("neck",), lambda _: [])
        await db.log_question(NOW, patient_id, "soreness", "routine")
    await db.enqueue(NOW, ada, [PlannedSend(POSTURE, "p", {}, NOW + DAY)])
    export = await db.patient_export(ada)
    assert (
        export["sessions"] == [{"session_at": "2026-03-02T17:00:00Z", "areas": "neck"}]
        or len(export["sessions"]) == 1
    )
    assert [r["kind"] for r in export["upcoming"]] == [POSTURE]
    assert [(r["topic"], r["count"]) for r in export["questions"]] == [("soreness", 1)]
    assert export["alerts"] == [] and export["checkins"] == [] and export["responses"] == []


async def test_erasure_removes_the_patient_and_keeps_anonymous_counts(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.record_session(NOW, STAFF, patient_id, "2026-03-02", ("neck",), lambda _: [])
    await db.log_question(NOW, patient_id, "soreness", "routine")
    await db.create_alert(NOW, patient_id, "urgent", "pain", "r")
    assert await db.erase_patient(NOW, patient_id, actor_id=STAFF)
    assert not await db.erase_patient(NOW, patient_id, actor_id=STAFF)
    for table in ("patients", "invites", "sessions", "alerts", "prefs", "outbox"):
        assert await db.table_rows(table) == [], table
    [question] = await db.table_rows("questions")
    assert question["patient_id"] is None and question["topic"] == "soreness"
    audit = await db.table_rows("audit_log")
    assert all(r["detail"] == "" for r in audit if r["patient_id"] == patient_id)
    assert audit[-1]["action"] == "patient_erased"


async def test_retention_drops_only_what_is_finished_and_old_enough(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(
        NOW, patient_id, [PlannedSend(POSTURE, "old", {}, NOW), PlannedSend(POSTURE, "waiting", {}, NOW)]
    )
    old, _ = await db.due_outbox(NOW)
    await db.mark_sent(NOW, old.id)
    alert_id = await db.create_alert(NOW, patient_id, "urgent", "pain", "r")
    await db.handle_alert(NOW, alert_id, STAFF)
    await db.create_alert(NOW, patient_id, "urgent", "pain", "r")  # still open: kept

    later = NOW + 400 * DAY
    assert await db.purge_expired(later, invites_days=30, outbox_days=90, alerts_days=365) == {
        "invites": 1,
        "outbox": 1,
        "alerts": 1,
        "questions": 0,
    }
    assert [r["idempotency_key"] for r in await db.table_rows("outbox")] == ["waiting"]
    assert len(await db.table_rows("alerts")) == 1
    assert await db.purge_expired(later, invites_days=30, outbox_days=90, alerts_days=365) == {
        "invites": 0,
        "outbox": 0,
        "alerts": 0,
        "questions": 0,
    }


async def test_only_known_tables_can_be_read_whole(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        await db.table_rows("sqlite_master")


async def test_erasure_says_where_open_alerts_were_posted(db: Database) -> None:
    patient_id = await joined_patient(db)
    handled = await db.create_alert(NOW, patient_id, "urgent", "pain", "r")
    still_open = await db.create_alert(NOW, patient_id, "emergency", "chest", "r")
    await db.add_alert_message(handled, -100, 7)
    await db.add_alert_message(still_open, -100, 8)
    await db.add_alert_message(still_open, 1001, 9)
    await db.handle_alert(NOW, handled, STAFF)
    erasure = await db.erase_patient(NOW, patient_id, actor_id=STAFF)
    assert erasure is not None and erasure.patient_id == patient_id
    assert erasure.open_alert_messages == [(-100, 8), (1001, 9)]
    assert erasure.scrub.done
    assert await db.table_rows("alert_messages") == []
    assert await db.erase_patient(NOW, patient_id, actor_id=STAFF) is None


async def test_erased_numbers_are_never_given_again(db: Database) -> None:
    first = await joined_patient(db, "Ada", 1)
    await db.erase_patient(NOW, first, actor_id=STAFF)
    assert await joined_patient(db, "Bob", 2) == first + 1


async def test_retention_also_drops_unopened_expired_invites_and_old_question_topics(db: Database) -> None:
    waiting = await db.create_patient_with_invite(NOW, STAFF, "Never came", "h", NOW + 7 * DAY)
    patient_id = await joined_patient(db)
    await db.log_question(NOW, patient_id, "soreness", "routine")
    purged = await db.purge_expired(
        NOW + 8 * DAY, invites_days=30, outbox_days=90, alerts_days=365, questions_days=7
    )
    assert purged == {"invites": 1, "outbox": 0, "alerts": 0, "questions": 1}
    assert await db.invite_by_hash("h") is None and await db.patient(waiting) is not None
