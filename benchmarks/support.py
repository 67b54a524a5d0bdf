"""What the benchmarks share: a clock that runs in real time from a chosen instant."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class RunningClock:
    """Real time, started at a chosen instant, so that plans and due times are predictable."""

    start: datetime
    t0: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)
