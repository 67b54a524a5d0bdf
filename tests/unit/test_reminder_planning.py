"""Planning check-ins and reminders, and the gate at sending time, as plain functions.

No database and no bot: settings in, planned sends or a decision out. Every rule is checked in three
zones (both hemispheres, either side of UTC) and on the days their clocks change.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.aftercare import AFTERCARE_KIND
from bot.content.reminders import ReminderContent
from bot.db import OutboxItem, PlannedSend, Prefs
from bot.kinds import Kind
from bot.localtime import local_date, quiet_until
from bot.reminders import (
    CHECKIN,
    Grace,
    elapsed_key,
    gate,
    plan_checkin,
    plan_reminders,
    planned_through,
)
from bot.renderers import BROADCAST
from tests.support.zones import LONDON, LOS_ANGELES, SYDNEY, ZONE_IDS, ZONES, local, utc

POSTURE, EXERCISE = Kind.POSTURE, Kind.EXERCISE

CONTENT = ReminderContent.load()
QUIET = (time(21), time(8))

zones = pytest.mark.parametrize("zone", ZONES, ids=ZONE_IDS)


def prefs_in(zone: ZoneInfo, **changes: Any) -> Prefs:
    return dataclasses.replace(Prefs(timezone=str(zone)), **changes)


def walls(sends: list[PlannedSend], zone: ZoneInfo) -> list[tuple[date, time]]:
    """Each send's local date and wall-clock time."""
    return [(s.due_at.astimezone(zone).date(), s.due_at.astimezone(zone).time()) for s in sends]


def exercise_only(zone: ZoneInfo, **changes: Any) -> Prefs:
    return prefs_in(zone, exercise_on=True, **changes)


# --- check-ins ---------------------------------------------------------------------------------------


@zones
@pytest.mark.parametrize("step", ["first", "follow_up", "last"])
def test_a_checkin_falls_due_its_steps_hours_after_the_session(zone: ZoneInfo, step: str) -> None:
    session_at = local(zone, 2026, 6, 10, 11)  # 11:00 local: every step lands at 11:00, outside quiet hours
    send = plan_checkin(CONTENT, 7, session_at, step, prefs_in(zone))
    assert send.kind == CHECKIN
    assert send.due_at == session_at + timedelta(hours=CONTENT.step_hours[step])
    assert send.payload == {"step": step, "session_id": 7}
    assert send.expires_at == send.due_at + timedelta(hours=CONTENT.useful_for_hours)


@zones
def test_a_checkin_due_in_quiet_hours_waits_for_the_morning(zone: ZoneInfo) -> None:
    session_at = local(zone, 2026, 6, 10, 22, 30)
    send = plan_checkin(CONTENT, 7, session_at, "first", prefs_in(zone))
    assert send.due_at == local(zone, 2026, 6, 12, 8)  # 22:30 the next day is quiet: 08:00 after it
    # Still useful for as long as the step says, counted from when it was meant to go out.
    assert send.expires_at == session_at + timedelta(hours=24 + CONTENT.useful_for_hours)


@pytest.mark.parametrize(
    ("zone", "session_at", "due"),
    [
        # The evening before each zone's spring change: 24 hours later is 21:30 on the short day,
        # which is quiet, so it goes at 08:00 local the next morning (summer time already).
        (LOS_ANGELES, local(LOS_ANGELES, 2026, 3, 7, 20, 30), local(LOS_ANGELES, 2026, 3, 9, 8)),
        (LONDON, local(LONDON, 2026, 3, 28, 20, 30), local(LONDON, 2026, 3, 30, 8)),
        (SYDNEY, local(SYDNEY, 2026, 10, 3, 20, 30), local(SYDNEY, 2026, 10, 5, 8)),
    ],
    ids=["los_angeles", "london", "sydney"],
)
def test_checkin_quiet_hours_follow_local_time_over_the_spring_change(
    zone: ZoneInfo, session_at: datetime, due: datetime
) -> None:
    send = plan_checkin(CONTENT, 1, session_at, "first", prefs_in(zone))
    assert send.due_at == due
    assert send.due_at.astimezone(zone).time() == time(8)


def test_a_checkin_pushed_past_its_useful_window_still_gets_an_hour_to_go_out() -> None:
    short_lived = dataclasses.replace(CONTENT, useful_for_hours=2.0)
    session_at = local(LONDON, 2026, 6, 10, 22)  # due 22:00 the next day, quiet until 08:00
    send = plan_checkin(short_lived, 1, session_at, "first", prefs_in(LONDON))
    assert send.due_at == local(LONDON, 2026, 6, 12, 8)
    assert send.expires_at == send.due_at + timedelta(hours=1)


def test_planning_a_checkin_twice_gives_the_same_key_and_each_step_its_own() -> None:
    prefs, at = prefs_in(LONDON), utc(2026, 6, 10, 11)
    keys = {plan_checkin(CONTENT, 5, at, step, prefs).key for step in ("first", "follow_up", "last")}
    assert len(keys) == 3
    assert plan_checkin(CONTENT, 5, at, "first", prefs) == plan_checkin(CONTENT, 5, at, "first", prefs)
    assert plan_checkin(CONTENT, 6, at, "first", prefs).key not in keys


# --- posture and exercise reminders ------------------------------------------------------------------


@zones
def test_exercise_is_planned_once_a_day_at_the_patients_wall_time(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 7)  # a Wednesday morning
    sends = plan_reminders(CONTENT, 1, exercise_only(zone, exercise_time=time(19)), now, Grace())
    assert walls(sends, zone) == [(date(2026, 6, 10), time(19)), (date(2026, 6, 11), time(19))]
    assert {s.kind for s in sends} == {EXERCISE}


@pytest.mark.parametrize(
    ("zone", "change_day"),
    [
        (LOS_ANGELES, date(2026, 3, 8)),
        (LOS_ANGELES, date(2026, 11, 1)),
        (LONDON, date(2026, 3, 29)),
        (LONDON, date(2026, 10, 25)),
        (SYDNEY, date(2026, 4, 5)),
        (SYDNEY, date(2026, 10, 4)),
    ],
)
def test_exercise_keeps_its_wall_time_on_the_day_the_clocks_change(zone: ZoneInfo, change_day: date) -> None:
    eve = change_day - timedelta(days=1)
    the_day_before = local(zone, eve.year, eve.month, eve.day, 12)
    sends = plan_reminders(CONTENT, 1, exercise_only(zone, exercise_time=time(18)), the_day_before, Grace())
    assert walls(sends, zone) == [(change_day - timedelta(days=1), time(18)), (change_day, time(18))]
    # 18:00 and 18:00 the next day are 23 or 25 hours apart, never 24.
    assert sends[1].due_at - sends[0].due_at != timedelta(hours=24)


@zones
def test_nothing_already_due_is_planned(zone: ZoneInfo) -> None:
    prefs = exercise_only(zone, exercise_time=time(19))
    at_seven = local(zone, 2026, 6, 10, 19)
    sends = plan_reminders(CONTENT, 1, prefs, at_seven, Grace())
    assert walls(sends, zone) == [(date(2026, 6, 11), time(19))]
    just_before = plan_reminders(CONTENT, 1, prefs, at_seven - timedelta(seconds=1), Grace())
    assert len(just_before) == 2


def test_days_sets_how_many_local_days_are_planned() -> None:
    prefs, now = exercise_only(SYDNEY), local(SYDNEY, 2026, 6, 10, 7)
    assert [len(plan_reminders(CONTENT, 1, prefs, now, Grace(), days=n)) for n in (1, 2, 5)] == [1, 2, 5]


@zones
def test_posture_fills_work_hours_on_weekdays_only(zone: ZoneInfo) -> None:
    prefs = prefs_in(zone, posture_on=True, work_start=time(9), work_end=time(12), posture_every_minutes=60)
    friday = local(zone, 2026, 6, 12, 7)
    sends = plan_reminders(CONTENT, 1, prefs, friday, Grace(), days=4)  # Friday to Monday
    assert walls(sends, zone) == [
        (date(2026, 6, 12), time(10)),
        (date(2026, 6, 12), time(11)),
        (date(2026, 6, 12), time(12)),
        (date(2026, 6, 15), time(10)),
        (date(2026, 6, 15), time(11)),
        (date(2026, 6, 15), time(12)),
    ]
    assert {s.kind for s in sends} == {POSTURE}
    tips = [s.payload["tip"] for s in sends]
    assert all(0 <= tip < len(CONTENT.posture_tips) for tip in tips)


@zones
def test_reminders_that_would_fall_in_quiet_hours_are_left_out(zone: ZoneInfo) -> None:
    prefs = prefs_in(
        zone,
        posture_on=True,
        exercise_on=True,
        exercise_time=time(22),
        quiet_start=time(12),
        quiet_end=time(14),
        posture_every_minutes=90,
    )
    sends = plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 7), Grace(), days=1)
    # Slots 10:30, 12:00, 13:30, 15:00 and 16:30; the two at lunch are quiet. Exercise at 22:00 is fine.
    assert [wall for _, wall in walls(sends, zone)] == [time(10, 30), time(15), time(16, 30), time(22)]


@zones
def test_exercise_in_quiet_hours_is_not_moved_to_the_morning(zone: ZoneInfo) -> None:
    prefs = exercise_only(zone, exercise_time=time(22), quiet_start=QUIET[0], quiet_end=QUIET[1])
    assert plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 7), Grace()) == []


@zones
def test_a_pause_leaves_out_what_falls_inside_it(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 7)
    paused_until = local(zone, 2026, 6, 11, 19)  # exactly at tomorrow's exercise
    prefs = exercise_only(zone, exercise_time=time(19), paused_until=paused_until)
    sends = plan_reminders(CONTENT, 1, prefs, now, Grace())
    assert [s.due_at for s in sends] == [paused_until]  # a pause ends at its moment, not after it
    forever = dataclasses.replace(prefs, paused_until=now + timedelta(days=30))
    assert plan_reminders(CONTENT, 1, forever, now, Grace()) == []


def test_nothing_is_planned_when_every_reminder_is_off() -> None:
    assert plan_reminders(CONTENT, 1, prefs_in(LONDON), utc(2026, 6, 10, 6), Grace(), days=7) == []


@zones
def test_each_kind_keeps_its_own_grace_period(zone: ZoneInfo) -> None:
    grace = Grace(posture=timedelta(minutes=10), exercise=timedelta(hours=3))
    prefs = prefs_in(zone, posture_on=True, exercise_on=True)
    sends = plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 7), grace, days=1)
    assert {s.kind for s in sends} == {POSTURE, EXERCISE}
    for send in sends:
        expected = timedelta(minutes=10) if send.kind == POSTURE else timedelta(hours=3)
        assert send.expires_at == send.due_at + expected


@zones
def test_planning_again_later_the_same_day_plans_nothing_new(zone: ZoneInfo) -> None:
    prefs = prefs_in(zone, posture_on=True, exercise_on=True)
    morning = plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 7), Grace())
    noon = plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 12, 5), Grace())
    by_key = {s.key: s for s in morning}
    assert len(by_key) == len(morning)  # no key twice in one plan
    assert all(by_key[s.key] == s for s in noon)  # the same key means the same send
    assert len(noon) < len(morning)  # what fell due in between is not planned again


def test_tomorrows_plan_keeps_the_keys_it_had_when_planned_today() -> None:
    prefs = prefs_in(LOS_ANGELES, posture_on=True, exercise_on=True)
    today = plan_reminders(CONTENT, 1, prefs, local(LOS_ANGELES, 2026, 6, 10, 7), Grace())
    tomorrow = plan_reminders(CONTENT, 1, prefs, local(LOS_ANGELES, 2026, 6, 11, 7), Grace(), days=1)
    assert {s.key for s in tomorrow} <= {s.key for s in today}


def test_patients_never_share_a_key() -> None:
    prefs, now = prefs_in(LONDON, posture_on=True, exercise_on=True), utc(2026, 6, 10, 6)
    first = {s.key for s in plan_reminders(CONTENT, 1, prefs, now, Grace())}
    second = {s.key for s in plan_reminders(CONTENT, 2, prefs, now, Grace())}
    assert first and second and not first & second


def test_the_exercise_routine_changes_from_one_day_to_the_next() -> None:
    prefs = exercise_only(LONDON)
    sends = plan_reminders(CONTENT, 1, prefs, utc(2026, 6, 10, 6), Grace(), days=4)
    routines = [s.payload["routine"] for s in sends]
    assert all(0 <= r < len(CONTENT.exercise_routines) for r in routines)
    assert all(a != b for a, b in pairwise(routines))


@zones
@pytest.mark.parametrize("hours_ahead", [0, 1, 3, 9, 12, 30, 47])
def test_before_keeps_exactly_the_sends_due_earlier(zone: ZoneInfo, hours_ahead: int) -> None:
    prefs = prefs_in(zone, posture_on=True, exercise_on=True)
    now = local(zone, 2026, 6, 10, 8, 15)
    before = now + timedelta(hours=hours_ahead)
    everything = plan_reminders(CONTENT, 1, prefs, now, Grace())
    early = plan_reminders(CONTENT, 1, prefs, now, Grace(), before=before)
    assert early == [s for s in everything if s.due_at < before]


@zones
def test_a_send_due_exactly_at_before_waits_for_the_next_pass(zone: ZoneInfo) -> None:
    prefs = exercise_only(zone, exercise_time=time(18))
    now, six = local(zone, 2026, 6, 10, 7), local(zone, 2026, 6, 10, 18)
    assert plan_reminders(CONTENT, 1, prefs, now, Grace(), before=six) == []
    assert len(plan_reminders(CONTENT, 1, prefs, now, Grace(), before=six + timedelta(seconds=1))) == 1


# --- the gate: send, wait or drop, at the moment of sending ----------------------------------------


def item(kind: str, due_at: datetime, expires_at: datetime | None = None) -> OutboxItem:
    return OutboxItem(
        id=1,
        patient_id=1,
        kind=kind,
        idempotency_key=f"{kind}:test",
        payload={},
        due_at=due_at,
        attempts=0,
        expires_at=expires_at,
    )


@zones
@pytest.mark.parametrize("kind", [CHECKIN, POSTURE, EXERCISE, BROADCAST, AFTERCARE_KIND])
def test_gate_sends_outside_quiet_hours(zone: ZoneInfo, kind: str) -> None:
    now = local(zone, 2026, 6, 10, 12)
    decision = gate(item(kind, now, now + timedelta(hours=1)), prefs_in(zone), now)
    assert decision.send and decision.wait_until is None and decision.drop_reason is None


@pytest.mark.parametrize(
    ("zone", "now", "morning"),
    [
        # A night in which the clocks change: the wait ends at 08:00 by the new clock.
        (LOS_ANGELES, local(LOS_ANGELES, 2026, 3, 7, 23), local(LOS_ANGELES, 2026, 3, 8, 8)),
        (LOS_ANGELES, local(LOS_ANGELES, 2026, 10, 31, 23), local(LOS_ANGELES, 2026, 11, 1, 8)),
        (LONDON, local(LONDON, 2026, 3, 28, 23), local(LONDON, 2026, 3, 29, 8)),
        (LONDON, local(LONDON, 2026, 10, 24, 23), local(LONDON, 2026, 10, 25, 8)),
        (SYDNEY, local(SYDNEY, 2026, 4, 4, 23), local(SYDNEY, 2026, 4, 5, 8)),
        (SYDNEY, local(SYDNEY, 2026, 10, 3, 23), local(SYDNEY, 2026, 10, 4, 8)),
    ],
)
def test_gate_holds_catch_up_until_quiet_hours_end(zone: ZoneInfo, now: datetime, morning: datetime) -> None:
    decision = gate(item(CHECKIN, now - timedelta(hours=2), None), prefs_in(zone), now)
    assert not decision.send and decision.drop_reason is None
    assert decision.wait_until == morning
    assert morning.astimezone(zone).time() == time(8)


@zones
@pytest.mark.parametrize("kind", [CHECKIN, POSTURE, EXERCISE, BROADCAST])
def test_gate_drops_what_has_expired(zone: ZoneInfo, kind: str) -> None:
    expires = local(zone, 2026, 6, 10, 12)
    on_time = gate(item(kind, expires - timedelta(hours=1), expires), prefs_in(zone), expires)
    late = gate(
        item(kind, expires - timedelta(hours=1), expires), prefs_in(zone), expires + timedelta(seconds=1)
    )
    assert on_time.send  # still useful at the last moment
    assert not late.send and late.drop_reason is not None and late.wait_until is None


@zones
def test_gate_drops_what_would_only_be_useful_during_quiet_hours(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 23)
    decision = gate(item(CHECKIN, now - timedelta(hours=1), now + timedelta(hours=3)), prefs_in(zone), now)
    assert not decision.send and decision.wait_until is None and decision.drop_reason is not None


@zones
def test_a_pause_drops_reminders_but_not_checkins_or_announcements(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 12)
    paused = prefs_in(zone, paused_until=now + timedelta(days=3))
    for kind in (POSTURE, EXERCISE):
        decision = gate(item(kind, now, now + timedelta(hours=1)), paused, now)
        assert not decision.send and decision.drop_reason is not None and decision.wait_until is None
    for kind in (CHECKIN, BROADCAST, AFTERCARE_KIND):
        assert gate(item(kind, now, now + timedelta(hours=1)), paused, now).send
    ended = prefs_in(zone, paused_until=now)
    assert gate(item(POSTURE, now, now + timedelta(hours=1)), ended, now).send


@zones
def test_fresh_aftercare_goes_out_even_in_quiet_hours(zone: ZoneInfo) -> None:
    late_session = local(zone, 2026, 6, 10, 22)
    fresh = gate(item(AFTERCARE_KIND, late_session), prefs_in(zone), late_session + timedelta(minutes=59))
    assert fresh.send
    # Caught up after downtime, it is no longer "just after the visit": it waits for the morning.
    stale = gate(item(AFTERCARE_KIND, late_session), prefs_in(zone), late_session + timedelta(hours=1))
    assert not stale.send and stale.wait_until == local(zone, 2026, 6, 11, 8)


# --- words for "how long ago", and how far a plan reaches --------------------------------------------


@pytest.mark.parametrize(
    ("hours", "key", "values"),
    [
        (0, "elapsed.today", {}),
        (19.99, "elapsed.today", {}),
        (20, "elapsed.yesterday", {}),
        (39.99, "elapsed.yesterday", {}),
        (40, "elapsed.days", {"days": 2}),
        (72, "elapsed.days", {"days": 3}),
        (24 * 10 + 1, "elapsed.days", {"days": 10}),
    ],
)
def test_elapsed_words(hours: float, key: str, values: dict[str, int]) -> None:
    assert elapsed_key(hours) == (key, values)
    assert key in CONTENT.templates


def test_elapsed_days_never_says_fewer_than_two_days_and_is_the_nearest_whole_day() -> None:
    for hours in (h / 4 for h in range(160, 24 * 4 * 30)):
        key, values = elapsed_key(hours)
        assert key == "elapsed.days" and values["days"] >= 2
        assert abs(values["days"] - hours / 24) <= 0.5


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 23:30 UTC on 10 June: still the 10th in Los Angeles and London, already the 11th in Sydney.
        (
            utc(2026, 6, 10, 23, 30),
            {"los_angeles": "2026-06-11", "sydney": "2026-06-12", "london": "2026-06-12"},
        ),
        (utc(2026, 6, 10, 12), {"los_angeles": "2026-06-11", "sydney": "2026-06-11", "london": "2026-06-11"}),
    ],
)
def test_planned_through_is_tomorrow_in_the_patients_zone(now: datetime, expected: dict[str, str]) -> None:
    assert {name: planned_through(now, zone) for name, zone in zip(ZONE_IDS, ZONES, strict=True)} == expected


@zones
@pytest.mark.parametrize("hour", [0, 7, 12, 23])
def test_a_two_day_plan_never_reaches_past_planned_through(zone: ZoneInfo, hour: int) -> None:
    now = local(zone, 2026, 10, 24, hour)  # spans London's autumn change
    prefs = prefs_in(zone, posture_on=True, exercise_on=True, exercise_time=time(7), quiet_end=time(6))
    through = date.fromisoformat(planned_through(now, zone))
    sends = plan_reminders(CONTENT, 1, prefs, now, Grace())
    assert sends and all(local_date(s.due_at, zone) <= through for s in sends)
    assert through == local_date(now, zone) + timedelta(days=1)


def test_the_gate_never_asks_to_wait_until_a_moment_already_past() -> None:
    prefs = prefs_in(LOS_ANGELES, quiet_start=time(22), quiet_end=time(1, 30))
    second_quarter_past_one = utc(2026, 11, 1, 9, 15)  # 01:15 PST, after 01:15 and 01:30 PDT
    decision = gate(
        item(CHECKIN, second_quarter_past_one - timedelta(hours=1)), prefs, second_quarter_past_one
    )
    assert decision.send or (
        decision.wait_until is not None and decision.wait_until > second_quarter_past_one
    )


@zones
def test_a_reminder_late_by_more_than_its_kinds_grace_is_dropped_at_the_gate(zone: ZoneInfo) -> None:
    grace = Grace(posture=timedelta(minutes=10), exercise=timedelta(hours=3))
    prefs = prefs_in(zone, posture_on=True, exercise_on=True, exercise_time=time(12))
    for send in plan_reminders(CONTENT, 1, prefs, local(zone, 2026, 6, 10, 7), grace, days=1):
        queued = item(send.kind, send.due_at, send.expires_at)
        late_by = grace.for_kind(send.kind)
        assert gate(queued, prefs, send.due_at + late_by).send
        assert gate(queued, prefs, send.due_at + late_by + timedelta(minutes=1)).drop_reason is not None


# --- whatever the settings: the promises every plan keeps ------------------------------------------

QUIET_WINDOWS = [
    (time(21), time(8)),
    (time(22), time(7)),
    (time(20), time(9)),
    (time(23), time(6)),
    (time(12), time(14)),
]
WORK_HOURS = [(time(8), time(16)), (time(9), time(17)), (time(10), time(18)), (time(7), time(15))]


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    quiet=st.sampled_from(QUIET_WINDOWS),
    work=st.sampled_from(WORK_HOURS),
    every=st.sampled_from([30, 45, 60, 90]),
    exercise_time=st.times(),
    pause_hours=st.one_of(st.none(), st.integers(min_value=-48, max_value=96)),
)
def test_every_plan_keeps_its_promises(
    zone: ZoneInfo,
    now: datetime,
    quiet: tuple[time, time],
    work: tuple[time, time],
    every: int,
    exercise_time: time,
    pause_hours: int | None,
) -> None:
    paused_until = None if pause_hours is None else now + timedelta(hours=pause_hours)
    prefs = prefs_in(
        zone,
        posture_on=True,
        exercise_on=True,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        work_start=work[0],
        work_end=work[1],
        posture_every_minutes=every,
        exercise_time=exercise_time,
        paused_until=paused_until,
    )
    grace = Grace(posture=timedelta(minutes=20), exercise=timedelta(hours=2))
    sends = plan_reminders(CONTENT, 1, prefs, now, grace)
    through = date.fromisoformat(planned_through(now, zone))
    assert len({s.key for s in sends}) == len(sends)
    for send in sends:
        assert send.due_at > now
        assert paused_until is None or send.due_at >= paused_until
        assert quiet_until(send.due_at, zone, *quiet) is None
        assert local_date(send.due_at, zone) <= through
        assert send.expires_at == send.due_at + grace.for_kind(send.kind)
        if send.kind == POSTURE:
            assert send.due_at.astimezone(zone).weekday() < 5
