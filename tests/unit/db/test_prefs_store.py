"""Preferences, and the domain rules that read them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.db import Database, Prefs
from bot.reminders import is_paused, zone_of
from tests.unit.db.conftest import NOW, joined_patient


async def test_a_patient_without_settings_gets_the_defaults(db: Database) -> None:
    assert await db.prefs(99, "Europe/London") == Prefs(timezone="Europe/London")


async def test_settings_round_trip_with_their_types(db: Database) -> None:
    patient_id = await joined_patient(db)
    until = NOW + timedelta(days=3)
    stored = await db.update_prefs(
        patient_id, "UTC", exercise_on=True, exercise_time=time(7, 30), paused_until=until
    )
    assert stored.exercise_on is True and stored.exercise_time == time(7, 30)
    assert stored.paused_until == until
    assert stored == await db.prefs(patient_id, "UTC")
    assert (await db.update_prefs(patient_id, "UTC", paused_until=None)).paused_until is None


async def test_unknown_or_bookkeeping_settings_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown settings"):
        await db.update_prefs(1, "UTC", colour="blue")
    with pytest.raises(ValueError, match="planned_through"):
        await db.update_prefs(1, "UTC", planned_through="2026-03-03")
    with pytest.raises(ValueError, match="unknown settings"):
        await db.update_prefs(1, "UTC")


def test_a_pause_lasts_until_its_end_in_the_patients_own_zone() -> None:
    prefs = Prefs(timezone="America/New_York", paused_until=datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert is_paused(prefs, datetime(2026, 3, 5, 11, 59, tzinfo=UTC))
    assert not is_paused(prefs, datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert not is_paused(Prefs(timezone="UTC"), NOW)
    assert zone_of(prefs).key == "America/New_York"
