"""Delivery rules as plain functions: retry spacing, who goes first, and the flood guard's pause.

The flood guard runs on the fake clock the end-to-end tests use; nothing here sleeps.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.flood import FloodGuard, Verdict
from bot.outbox import FIRST_BACKOFF, MAX_ATTEMPTS, MAX_BACKOFF, backoff
from bot.priority import Priority
from bot.ratelimit import retry_seconds
from tests.support.harness import FakeClock

# --- retrying a failed send --------------------------------------------------------------------------


def test_the_first_retry_waits_the_first_backoff_and_each_next_one_twice_as_long() -> None:
    assert backoff(1) == FIRST_BACKOFF
    assert [backoff(n) / FIRST_BACKOFF for n in (1, 2, 3, 4)] == [1, 2, 4, 8]


def test_retries_never_wait_longer_than_the_cap_nor_less_than_the_first_backoff() -> None:
    delays = [backoff(n) for n in range(0, 40)]
    assert all(FIRST_BACKOFF <= d <= MAX_BACKOFF for d in delays)
    assert delays == sorted(delays)  # never shorter than the one before
    assert delays[-1] == MAX_BACKOFF


def test_a_failing_message_is_given_up_within_a_day() -> None:
    """Every retry before giving up, added together: the patient never gets it days late."""
    total = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(minutes=5) < total < timedelta(days=1)


# --- who goes first ----------------------------------------------------------------------------------


def test_only_bulk_sends_ever_wait() -> None:
    assert [p for p in Priority if p.waits] == [Priority.BULK]


def test_priorities_are_listed_highest_first() -> None:
    assert list(Priority) == [Priority.EMERGENCY, Priority.REPLY, Priority.ALERT, Priority.BULK]


@pytest.mark.parametrize(
    ("named", "priority"),
    [
        ("emergency", Priority.EMERGENCY),
        ("reply", Priority.REPLY),
        ("alert", Priority.ALERT),
        ("bulk", Priority.BULK),
        (None, Priority.REPLY),  # a send that names no place is a reply
        ("", Priority.REPLY),
        ("BULK", Priority.REPLY),  # an unknown name never makes a reply wait
        ("urgent", Priority.REPLY),
    ],
)
def test_a_send_names_its_place_and_anything_unknown_is_a_reply(
    named: str | None, priority: Priority
) -> None:
    assert Priority.of(named) is priority


@pytest.mark.parametrize(("retry_after", "seconds"), [(1, 1.0), (30, 30.0), (timedelta(seconds=12), 12.0)])
def test_telegrams_retry_after_is_read_in_seconds(
    retry_after: int | timedelta, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the bot runs (see build_application)
    exc = RetryAfter(retry_after)  # PTB 22 takes seconds or a timedelta
    assert retry_seconds(exc) == seconds


# --- the flood guard ---------------------------------------------------------------------------------


def guard(clock: FakeClock) -> FloodGuard:
    return FloodGuard(clock=clock, max_per_minute=3, pause=timedelta(minutes=5))


def test_the_first_message_over_the_limit_gets_one_notice_and_the_rest_are_ignored() -> None:
    clock = FakeClock()
    flood = guard(clock)
    verdicts = []
    for _ in range(6):
        verdicts.append(flood.check(1))
        clock.advance(seconds=1)
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTICE] + [Verdict.IGNORE] * 2


def test_messages_spread_over_more_than_a_minute_are_never_a_flood() -> None:
    clock = FakeClock()
    flood = guard(clock)
    for _ in range(20):
        assert flood.check(1) is Verdict.ALLOW
        clock.advance(seconds=20)


def test_the_pause_ends_on_time_and_counting_starts_afresh() -> None:
    clock = FakeClock()
    flood = guard(clock)
    for _ in range(4):
        flood.check(1)
    clock.advance(minutes=5, seconds=-1)
    assert flood.check(1) is Verdict.IGNORE
    clock.advance(seconds=1)
    assert [flood.check(1) for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.NOTICE]


def test_one_persons_flood_does_not_pause_anyone_else() -> None:
    clock = FakeClock()
    flood = guard(clock)
    for _ in range(5):
        flood.check(1)
    assert flood.check(2) is Verdict.ALLOW
