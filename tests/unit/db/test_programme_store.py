"""Programmes, adherence and Telegram's picture ids in storage."""

from __future__ import annotations

from bot.db import Database, ProgrammeEntry
from tests.unit.db.conftest import NOW, STAFF, joined_patient

CHIN = ProgrammeEntry("chin_tuck", "standard")
SQUEEZE = ProgrammeEntry("shoulder_blade_squeeze", "standard")


async def test_a_first_programme_is_made_once_and_kept(db: Database) -> None:
    patient = await joined_patient(db)
    assert await db.programme(patient) is None
    assert await db.start_programme(NOW, patient, [CHIN, SQUEEZE])
    assert not await db.start_programme(NOW, patient, [SQUEEZE])
    programme = await db.programme(patient)
    assert programme is not None and programme.entries == (CHIN, SQUEEZE)
    assert programme.version == 1 and programme.updated_by is None


async def test_a_save_on_an_older_version_changes_nothing(db: Database) -> None:
    patient = await joined_patient(db)
    assert await db.save_programme(NOW, patient, STAFF, 0, [SQUEEZE, CHIN], "add")
    assert not await db.save_programme(NOW, patient, STAFF, 0, [CHIN], "add again")
    assert await db.save_programme(NOW, patient, STAFF, 1, [CHIN], "remove")
    programme = await db.programme(patient)
    assert programme is not None and programme.entries == (CHIN,) and programme.version == 2
    assert programme.updated_by == STAFF
    assert [r["detail"] for r in await db.table_rows("audit_log") if r["action"] == "programme"] == [
        "add",
        "remove",
    ]


async def test_adherence_keeps_the_last_answer_of_a_day_and_counts_days(db: Database) -> None:
    patient = await joined_patient(db)
    await db.save_programme(NOW, patient, STAFF, 0, [CHIN], "add")
    await db.record_adherence(NOW, patient, "chin_tuck", "2026-03-01", "skip")
    await db.record_adherence(NOW, patient, "chin_tuck", "2026-03-01", "done")
    await db.record_adherence(NOW, patient, "shoulder_blade_squeeze", "2026-03-01", "done")
    await db.record_adherence(NOW, patient, "chin_tuck", "2026-03-02", "done")
    await db.record_adherence(NOW, patient, "chin_tuck", "2026-02-20", "done")
    assert await db.exercise_days(patient, "2026-02-24") == 2
    assert await db.exercise_counts(patient, "2026-02-24") == [
        ("chin_tuck", "done", 2),
        ("shoulder_blade_squeeze", "done", 1),
    ]
    assert await db.programme_stats("2026-02-24") == (1, 2)


async def test_picture_ids_belong_to_the_file_they_came_from(db: Database) -> None:
    assert await db.telegram_file_id("chin_tuck.png", "aaa") is None
    await db.remember_file_id(NOW, "chin_tuck.png", "aaa", "file-1")
    assert await db.telegram_file_id("chin_tuck.png", "aaa") == "file-1"
    assert await db.telegram_file_id("chin_tuck.png", "bbb") is None  # redrawn: upload afresh
    await db.remember_file_id(NOW, "chin_tuck.png", "bbb", "file-2")
    assert await db.telegram_file_id("chin_tuck.png", "bbb") == "file-2"
    await db.remember_file_id(NOW, "pelvic_tilt.png", "ccc", "file-3")
    wanted = [("chin_tuck.png", "bbb"), ("pelvic_tilt.png", "old"), ("wall_angels.png", "ddd")]
    assert await db.telegram_file_ids(wanted) == {"chin_tuck.png": "file-2"}
    await db.forget_file_id("chin_tuck.png")
    assert await db.telegram_file_id("chin_tuck.png", "bbb") is None


async def test_erasing_a_patient_erases_their_programme_and_adherence(db: Database) -> None:
    patient = await joined_patient(db)
    await db.save_programme(NOW, patient, STAFF, 0, [CHIN], "add")
    await db.record_adherence(NOW, patient, "chin_tuck", "2026-03-02", "done")
    export = await db.patient_export(patient)
    assert export["programme"] == [{"exercise": "chin_tuck", "preset": "standard"}]
    assert export["adherence"] == [
        {"exercise": "chin_tuck", "response": "done", "days": 1, "last": "2026-03-02"}
    ]
    await db.erase_patient(NOW, patient, STAFF)
    for table in ("programmes", "programme_exercises", "exercise_adherence"):
        assert await db.table_rows(table) == []


async def test_only_an_untouched_default_programme_is_re_picked_or_dropped(db: Database) -> None:
    patient = await joined_patient(db)
    await db.start_programme(NOW, patient, [CHIN])
    assert not await db.replace_default_programme(NOW, patient, 2, [SQUEEZE])  # not that version
    assert await db.replace_default_programme(NOW, patient, 1, [SQUEEZE])
    programme = await db.programme(patient)
    assert programme is not None and programme.entries == (SQUEEZE,) and programme.version == 2
    await db.save_programme(NOW, patient, STAFF, 2, [CHIN], "add")  # staff changed it
    assert not await db.replace_default_programme(NOW, patient, 3, None)
    assert await db.programme(patient) is not None
    other = await joined_patient(db, "Bo", user_id=2002, chat_id=2002)
    await db.start_programme(NOW, other, [CHIN])
    assert await db.replace_default_programme(NOW, other, 1, None)
    assert await db.programme(other) is None and await db.table_rows("programme_exercises") == [
        {"patient_id": patient, "exercise": "chin_tuck", "preset": "standard", "position": 0}
    ]
