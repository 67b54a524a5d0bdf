"""Broadcast rules as plain functions: what staff may announce, and when it may go out.

The clinic's zone decides the send times; each rule is checked in three zones and on the days their
clocks change, where a typed time may not exist or may happen twice.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.broadcasts import MAX_TEXT, check_text, parse_when, when_choices
from bot.content import load_content
from bot.localtime import at_local
from tests.support.zones import LONDON, LOS_ANGELES, SYDNEY, ZONE_IDS, ZONES, local, utc

zones = pytest.mark.parametrize("zone", ZONES, ids=ZONE_IDS)

# --- the announcement's text -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", " ", "\n\n", "\t \r\n", "\u00a0\u2003"])
def test_an_empty_or_blank_announcement_is_refused(raw: str) -> None:
    assert check_text(raw).problem == "empty"


def test_an_announcement_is_kept_as_typed_but_for_surrounding_blanks() -> None:
    typed = "  Closed Monday.\n\nSee you Tuesday!  \n"
    check = check_text(typed)
    assert check.problem is None
    assert check.text == "Closed Monday.\n\nSee you Tuesday!"


def test_the_longest_allowed_announcement_is_accepted_and_one_more_character_is_not() -> None:
    assert check_text("a" * MAX_TEXT).problem is None
    too_long = check_text("a" * (MAX_TEXT + 1))
    assert too_long.problem == "too_long" and len(too_long.text) == MAX_TEXT + 1


def test_length_is_counted_without_the_surrounding_blanks() -> None:
    assert check_text("\n  " + "a" * MAX_TEXT + "  \n").problem is None


@pytest.mark.parametrize(
    "typed",
    [
        "<b>Holiday hours</b>",
        "Prices < $50 & > $20",
        "<script>alert(1)</script>",
        "&lt;already escaped&gt;",
        "Use code <i>SPRING</i> — 10% off 🎉",
    ],
)
def test_html_looking_text_is_kept_literally_and_reaches_patients_as_typed(typed: str) -> None:
    check = check_text(typed)
    assert check.problem is None and check.text == typed
    sent = load_content().texts.render("console.broadcast_message", text=check.text)
    if any(mark in typed for mark in "<&>"):
        assert typed not in sent  # escaped on the way out: no tag of staff's reaches Telegram
    assert typed in html.unescape(sent)  # and what the patient reads is what staff typed


def test_the_longest_announcement_still_fits_a_telegram_message_with_the_clinics_signature() -> None:
    check = check_text("<&>" * (MAX_TEXT // 3) + "x" * (MAX_TEXT % 3))
    assert check.problem is None
    sent = load_content().texts.render("console.broadcast_message", text=check.text)
    assert len(html.unescape(sent).strip()) <= 4096  # Telegram counts the text after parsing the HTML


# --- the send-time buttons ---------------------------------------------------------------------------


@zones
def test_the_buttons_offer_now_an_hour_tomorrow_morning_and_next_monday(zone: ZoneInfo) -> None:
    wednesday_noon = local(zone, 2026, 6, 10, 12)
    choices = when_choices(wednesday_noon, zone)
    assert list(choices) == ["now", "hour", "tomorrow", "monday"]
    assert choices["now"] is None
    assert choices["hour"] == wednesday_noon + timedelta(hours=1)
    assert choices["tomorrow"] == local(zone, 2026, 6, 11, 9)
    assert choices["monday"] == local(zone, 2026, 6, 15, 9)


@zones
@pytest.mark.parametrize("day", range(8, 15))  # Monday 8 June to Sunday 14 June
@pytest.mark.parametrize("hour", [0, 8, 9, 23])
def test_next_monday_is_always_ahead_and_within_a_week(zone: ZoneInfo, day: int, hour: int) -> None:
    now = local(zone, 2026, 6, day, hour)
    monday = when_choices(now, zone)["monday"]
    assert monday is not None
    in_zone = monday.astimezone(zone)
    assert in_zone.weekday() == 0 and in_zone.time() == time(9)
    assert date(2026, 6, day) < in_zone.date() <= date(2026, 6, day) + timedelta(days=7)
    assert monday > now


@pytest.mark.parametrize(
    ("zone", "eve"),
    [
        (LOS_ANGELES, date(2026, 3, 7)),
        (LOS_ANGELES, date(2026, 10, 31)),
        (LONDON, date(2026, 3, 28)),
        (LONDON, date(2026, 10, 24)),
        (SYDNEY, date(2026, 4, 4)),
        (SYDNEY, date(2026, 10, 3)),
    ],
)
def test_tomorrow_morning_is_nine_by_the_clinics_clock_after_the_clocks_change(
    zone: ZoneInfo, eve: date
) -> None:
    """Saturday evening before the change: Sunday 9:00 is 23 or 25 hours away, not 24 minus 3."""
    saturday_evening = local(zone, eve.year, eve.month, eve.day, 18)
    choices = when_choices(saturday_evening, zone)
    tomorrow, monday = choices["tomorrow"], choices["monday"]
    assert tomorrow is not None and monday is not None
    assert tomorrow.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        eve + timedelta(days=1), time(9)
    )
    assert monday.astimezone(zone).replace(tzinfo=None) == datetime.combine(eve + timedelta(days=2), time(9))
    assert tomorrow - saturday_evening in (timedelta(hours=14), timedelta(hours=16))


def test_every_button_time_is_in_the_future() -> None:
    for zone in ZONES:
        for hour in range(24):
            now = utc(2026, 3, 29, hour)
            assert all(at is None or at > now for at in when_choices(now, zone).values())


# --- a typed send time -------------------------------------------------------------------------------


NOW = utc(2026, 6, 10, 12)


@zones
@pytest.mark.parametrize(
    "typed",
    ["2026-06-20 14:30", "2026-06-20T14:30", "2026-6-20 14:30", "  2026-06-20 14:30  ", "2026-06-20 14:30\n"],
)
def test_a_typed_time_is_read_as_clinic_time(zone: ZoneInfo, typed: str) -> None:
    assert parse_when(typed, NOW, zone) == local(zone, 2026, 6, 20, 14, 30)


def test_single_digit_day_and_hour_are_accepted() -> None:
    assert parse_when("2026-06-20 9:05", NOW, LONDON) == local(LONDON, 2026, 6, 20, 9, 5)
    assert parse_when("2026-07-1 9:05", NOW, LONDON) == local(LONDON, 2026, 7, 1, 9, 5)


def test_the_time_comes_back_in_the_same_zone_as_now() -> None:
    moment = parse_when("2026-06-20 14:30", NOW, SYDNEY)
    assert moment is not None and moment.tzinfo == UTC


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "tomorrow 9am",
        "next monday",
        "20/06/2026 14:30",
        "06-20-2026 14:30",
        "2026-06-20",
        "14:30",
        "2026-06-20 14",
        "2026-06-20 14:3",
        "2026-06-20 14:30:00",
        "2026-06-20 14:30 PST",
        "2026-06-20 2:30 pm",
        "2026/06/20 14:30",
        "26-06-20 14:30",
        "2026-06-20  14:30",
        "2026-13-01 10:00",
        "2026-00-10 10:00",
        "2026-02-30 10:00",
        "2026-06-31 10:00",
        "2026-06-20 24:00",
        "2026-06-20 12:60",
        "0000-01-01 00:00",
        "2026-06-20 14:30; DROP TABLE broadcasts",
    ],
)
def test_anything_else_is_not_a_time(typed: str) -> None:
    assert parse_when(typed, NOW, LONDON) is None


@zones
def test_past_and_present_times_are_refused(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 12)
    assert parse_when("2026-06-10 11:59", now, zone) is None
    assert parse_when("2026-06-10 12:00", now, zone) is None  # "now" has its own button
    assert parse_when("2025-06-10 12:00", now, zone) is None
    assert parse_when("2026-06-10 12:01", now, zone) == now + timedelta(minutes=1)


@zones
def test_a_time_at_most_ninety_days_ahead_is_accepted(zone: ZoneInfo) -> None:
    now = local(zone, 2026, 6, 10, 12)
    last = now + timedelta(days=90)
    typed = last.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    assert parse_when(typed, now, zone) == last
    one_minute_more = (last + timedelta(minutes=1)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    assert parse_when(one_minute_more, now, zone) is None


@pytest.mark.parametrize(
    ("zone", "typed", "expected_utc"),
    [
        # A time that the spring change skips means the same wall time an hour later, as for buttons.
        (LOS_ANGELES, "2026-03-08 02:30", utc(2026, 3, 8, 10, 30)),
        (LONDON, "2026-03-29 01:30", utc(2026, 3, 29, 1, 30)),
        (SYDNEY, "2026-10-04 02:30", utc(2026, 10, 3, 16, 30)),
        # A time that the autumn change repeats means the first of the two.
        (LOS_ANGELES, "2026-11-01 01:30", utc(2026, 11, 1, 8, 30)),
        (LONDON, "2026-10-25 01:30", utc(2026, 10, 25, 0, 30)),
        (SYDNEY, "2026-04-05 02:30", utc(2026, 4, 4, 15, 30)),
        # Ordinary times on those days.
        (LOS_ANGELES, "2026-03-08 09:00", utc(2026, 3, 8, 16)),
        (LONDON, "2026-10-25 09:00", utc(2026, 10, 25, 9)),
        (SYDNEY, "2026-10-04 09:00", utc(2026, 10, 3, 22)),
    ],
)
def test_typed_times_on_the_days_the_clocks_change(
    zone: ZoneInfo, typed: str, expected_utc: datetime
) -> None:
    day, wall = typed.split()
    now = expected_utc - timedelta(days=30)
    moment = parse_when(typed, now, zone)
    assert moment == expected_utc
    # The same answer a button for that wall time would give.
    assert moment == at_local(date.fromisoformat(day), time.fromisoformat(wall), zone)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    typed=st.one_of(
        st.text(max_size=30),
        st.builds(
            "{}-{}-{} {}:{}".format,
            st.one_of(st.just(2026), st.integers(0, 9999)).map("{:04d}".format),
            st.integers(0, 99),
            st.integers(0, 99),
            st.integers(0, 99),
            st.integers(0, 99).map("{:02d}".format),
        ),
    ),
)
def test_whatever_staff_type_is_a_time_in_the_next_ninety_days_or_nothing(zone: ZoneInfo, typed: str) -> None:
    moment = parse_when(typed, NOW, zone)
    assert moment is None or NOW < moment <= NOW + timedelta(days=90)
