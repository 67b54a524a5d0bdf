"""Patients and invites, staff and the audit trail."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database, PlannedSend
from bot.kinds import Kind
from bot.outbox import can_receive
from tests.unit.db.conftest import NOW, STAFF, joined_patient

POSTURE = Kind.POSTURE


async def test_an_invite_is_bound_to_the_first_account_and_used_once(db: Database) -> None:
    patient_id = await db.create_patient_with_invite(NOW, STAFF, "Ada", "h1", NOW + timedelta(days=7))
    invite = await db.invite_by_hash("h1")
    assert invite is not None and invite.patient_id == patient_id and invite.opened_by is None
    assert await db.mark_invite_opened(NOW, invite.id, 2001)
    assert not await db.mark_invite_opened(NOW, invite.id, 2002)  # someone else's phone
    assert not await db.link_patient(NOW, invite.id, patient_id, 2002, 2002, "UTC")
    assert await db.link_patient(NOW, invite.id, patient_id, 2001, 2001, "UTC")
    assert not await db.link_patient(NOW, invite.id, patient_id, 2001, 2001, "UTC")  # used

    patient = await db.patient_by_user(2001)
    assert patient is not None and patient.id == patient_id and patient.joined_at == NOW
    assert can_receive(patient)
    assert (await db.prefs(patient_id, "Europe/London")).timezone == "UTC"  # set when joining


async def test_a_new_invite_revokes_the_old_one(db: Database) -> None:
    patient_id = await db.create_patient_with_invite(NOW, STAFF, "Ada", "old", NOW + timedelta(days=7))
    await db.replace_invite(NOW, STAFF, patient_id, "new", NOW + timedelta(days=7))
    old, new = await db.invite_by_hash("old"), await db.invite_by_hash("new")
    assert old is not None and old.revoked_at == NOW
    assert new is not None and new.revoked_at is None
    assert [r["action"] for r in await db.table_rows("audit_log")] == ["enroll", "invite_new"]


async def test_leaving_active_cancels_what_waits_and_is_audited(db: Database) -> None:
    patient_id = await joined_patient(db)
    await db.enqueue(NOW, patient_id, [PlannedSend(POSTURE, "p:1", {}, NOW + timedelta(hours=1))])
    await db.set_patient_status(NOW, patient_id, "stopped", staff_id=STAFF)
    patient = await db.patient(patient_id)
    assert patient is not None and patient.status == "stopped" and not can_receive(patient)
    assert await db.outbox_status("p:1") == "cancelled"
    assert (await db.table_rows("outbox"))[0]["last_error"] == "patient stopped"
    assert (await db.table_rows("audit_log"))[-1]["action"] == "patient_stopped"


async def test_patients_are_found_by_number_or_by_a_piece_of_the_name(db: Database) -> None:
    ada = await joined_patient(db, "Ada Lovelace", 2001)
    await joined_patient(db, "Grace 100%_Hopper", 2002)
    await db.record_session(NOW, STAFF, ada, "2026-03-02", (), lambda _: [])

    found, total = await db.find_patients(f"#{ada}", 0, 10)
    assert total == 1 and found[0].display_name == "Ada Lovelace" and found[0].last_session == NOW
    found, total = await db.find_patients("100%_", 0, 10)  # wildcards are taken literally
    assert total == 1 and found[0].display_name == "Grace 100%_Hopper"
    assert (await db.find_patients("A%a", 0, 10))[1] == 0  # would match "Ada" as a wildcard
    found, total = await db.find_patients("", 0, 1)
    assert total == 2 and [p.display_name for p in found] == ["Grace 100%_Hopper"]  # newest first


async def test_staff_are_added_and_removed_once_each_with_an_audit_line(db: Database) -> None:
    assert await db.add_staff(NOW, 1, 55)
    assert not await db.add_staff(NOW, 1, 55)
    assert await db.staff_ids() == {55}
    assert await db.remove_staff(NOW, 1, 55)
    assert not await db.remove_staff(NOW, 1, 55)
    audit = [(r["action"], r["detail"]) for r in await db.table_rows("audit_log")]
    assert audit == [("staff_add", "user=55"), ("staff_remove", "user=55")]
