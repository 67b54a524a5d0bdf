"""The rules of visits and care plans, alone: the plan grammar, due days, reminder times, clinic times
across DST, and the visit texts in every language."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from bot.care_plans import CarePlan, Interval, PlanError, parse_plan
from bot.content import load_content, parse_toml
from bot.content.visits import PATIENT_KEYS, VisitContent
from bot.db import Prefs
from bot.visits import VisitInputError, parse_visit_time, reminder_time

LA = ZoneInfo("America/Los_Angeles")
WEEK = Interval(days=7)
MONTH = Interval(months=1)


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("weekly", CarePlan(WEEK)),
        ("Weekly", CarePlan(WEEK)),
        ("every week", CarePlan(WEEK)),
        ("once a week", CarePlan(WEEK)),
        ("every 2 weeks", CarePlan(Interval(days=14))),
        ("every other week", CarePlan(Interval(days=14))),
        ("fortnightly", CarePlan(Interval(days=14))),
        ("biweekly", CarePlan(Interval(days=14))),
        ("monthly", CarePlan(MONTH)),
        ("every month", CarePlan(MONTH)),
        ("every 3 months", CarePlan(Interval(months=3))),
        ("every 10 days", CarePlan(Interval(days=10))),
        ("every three weeks", CarePlan(Interval(days=21))),
        ("weekly x6", CarePlan(WEEK, 6)),
        ("weekly 6x", CarePlan(WEEK, 6)),
        ("weekly for 6 visits", CarePlan(WEEK, 6)),
        ("weekly, 6 times", CarePlan(WEEK, 6)),
        ("weekly x6 then monthly", CarePlan(WEEK, 6, MONTH)),
        ("every 2 weeks x 4, then every 6 weeks", CarePlan(Interval(days=14), 4, Interval(days=42))),
        ("6 visits every week then every month", CarePlan(WEEK, 6, MONTH)),
    ],
)
def test_the_plan_grammar_is_forgiving(text: str, plan: CarePlan) -> None:
    assert parse_plan(text) == plan


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "plan_missing"),
        ("sometimes", "plan_unknown"),
        ("every blue moon", "plan_unknown"),
        ("weekly x0", "plan_bad_count"),
        ("weekly x99", "plan_bad_count"),
        ("every 400 days", "plan_too_long"),
        ("every 13 months", "plan_too_long"),
        ("every 0 days", "plan_too_long"),
        ("weekly then", "plan_then_missing"),
        ("weekly then monthly", "plan_then_needs_count"),
        ("weekly x6 then monthly x2", "plan_count_after_then"),
    ],
)
def test_what_is_not_a_plan_says_why(text: str, reason: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(text)
    assert caught.value.reason == reason


def test_plans_describe_themselves_and_round_trip() -> None:
    plan = parse_plan("every 2 weeks x4 then monthly")
    assert plan.describe() == "every 2 weeks for 4 visits, then monthly"
    assert Interval.decode(plan.interval.encode()) == plan.interval
    assert (
        Interval(days=10).describe() == "every 10 days" and Interval(months=3).describe() == "every 3 months"
    )


def test_due_days_follow_the_interval_in_force() -> None:
    plan = parse_plan("weekly x2 then monthly")
    assert plan.due_on(date(2026, 3, 2), 0) == date(2026, 3, 9)
    assert plan.due_on(date(2026, 3, 9), 1) == date(2026, 3, 16)
    assert plan.due_on(date(2026, 3, 16), 2) == date(2026, 4, 16)  # maintenance
    assert parse_plan("weekly x2").due_on(date(2026, 3, 16), 2) is None  # the plan is complete
    assert MONTH.after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Interval(months=12).after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Interval(months=11).after(date(2026, 3, 5)) == date(2027, 2, 5)


def test_clinic_times_refuse_what_the_clocks_skip_or_repeat() -> None:
    assert parse_visit_time("2026-03-09", "10:00", LA) == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    assert parse_visit_time("2026-03-06", "10:00", LA) == datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    for day, clock, reason in [
        ("2026-03-08", "02:30", "visit_gap"),
        ("2026-11-01", "01:30", "visit_ambiguous"),
        ("2026-02-30", "10:00", "visit_bad_date"),
        ("2026-03-06", "24:00", "visit_bad_date"),
        ("2026-03-06", "ten", "visit_bad_date"),
    ]:
        with pytest.raises(VisitInputError) as caught:
            parse_visit_time(day, clock, LA)
        assert caught.value.reason == reason


def test_the_reminder_time_moves_earlier_out_of_quiet_hours_never_after_eight() -> None:
    timing = load_content().visits.timing
    visit = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)  # Wednesday 15:00 in Los Angeles

    def at(prefs: Prefs) -> str:
        return reminder_time(visit, prefs, timing).astimezone(LA).strftime("%a %H:%M")

    assert at(Prefs("America/Los_Angeles")) == "Tue 18:00"
    assert at(Prefs("America/Los_Angeles", quiet_start=time(17, 0))) == "Tue 16:00"
    assert at(Prefs("America/Los_Angeles", quiet_start=time(8, 0), quiet_end=time(19, 0))) == "Tue 19:00"
    # Always quiet: the nominal time, and the outbox's gate waits for the quiet hours to end.
    assert at(Prefs("America/Los_Angeles", quiet_start=time(0, 0), quiet_end=time(23, 59))) == "Tue 18:00"
    # The patient's own zone: 18:00 in New York is 15:00 in Los Angeles.
    assert at(Prefs("America/New_York")) == "Tue 15:00"


def test_the_day_before_a_visit_after_the_clocks_go_forward() -> None:
    timing = load_content().visits.timing
    visit = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # Monday 10:00 PDT
    assert reminder_time(visit, Prefs("America/Los_Angeles"), timing) == datetime(
        2026, 3, 9, 1, 0, tzinfo=UTC
    )


def _spanish() -> VisitContent:
    raw = resources.files("bot.content").joinpath("es/_pending_visits.toml").read_text(encoding="utf-8")
    base = resources.files("bot.content").joinpath("visits.toml").read_text(encoding="utf-8")
    return VisitContent.from_data(parse_toml(base, "visits.toml"), {"es": parse_toml(raw, "es")})


def test_the_spanish_texts_have_every_key_and_say_dates_in_spanish() -> None:
    visits = _spanish()
    assert set(visits.languages["es"].texts) == set(PATIENT_KEYS)
    local = datetime(2026, 12, 9, 15, 0)
    assert visits.when(local, "es") == "miércoles 9 de diciembre a las 3:00 p. m."
    assert visits.when(local, "es", today=date(2026, 12, 8)) == "mañana a las 3:00 p. m."
    assert visits.when(datetime(2026, 12, 9, 9, 5), "es", today=date(2026, 12, 9)) == "hoy a las 9:05 a. m."
    assert visits.when(local) == "Wednesday, Dec 9 at 3:00 PM"
    assert visits.when(datetime(2026, 12, 9, 0, 30)) == "Wednesday, Dec 9 at 12:30 AM"
    clinic = load_content().texts.clinic_fields()
    assert visits.patient("none_reply", clinic, "es", when="mañana a las 3:00 p. m.") == (
        "Gracias. ¡Nos vemos mañana a las 3:00 p. m.!"
    )
    assert visits.item_label("bleeding", "es") == "Anticoagulantes o un problema de sangrado"
    assert visits.item_label("none", "es") == "Ninguna de estas"
    assert visits.patient("nudge_later_reply", clinic, "fr") == "OK, I'll remind you next week."  # falls back


def test_every_safety_check_item_cites_the_clinic_guide() -> None:
    content = load_content()
    raw = parse_toml(resources.files("bot.content").joinpath("visits.toml").read_text(encoding="utf-8"), "")
    guide = raw["safety_check"]["guide_quote"]
    assert [item.key for item in content.visits.items] == ["fever", "injury", "bleeding", "wound", "bones"]
    for item in content.visits.items:
        assert "clinic-patient-guide.txt" in item.sources
        assert item.guide in guide
