from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.harness import ADMIN_ID, STAFF_ID, Bot, FakeClock, make_settings, running_bot


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bot(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Bot]:
    """A started bot with one admin and one staff member, and no recorded errors at the end."""
    async with running_bot(make_settings(tmp_path), clock=clock) as running:
        await running.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        running.telegram.clear()
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"
