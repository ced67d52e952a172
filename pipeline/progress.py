"""A periodic progress line (count, rate) for long-running loops inside Beam workers."""
from __future__ import annotations

import logging
import time

LOG = logging.getLogger("wikipairs")


class Progress:
    """Logs '<what>: N <unit> (R <unit>/s)' at most every `every_s` seconds, and once at the end."""

    def __init__(self, what: str, unit: str = "pages", every_s: float = 10.0, clock=time.monotonic):
        self.what, self.unit, self.every_s, self.clock = what, unit, every_s, clock
        self.count = 0
        self.started = self.last = clock()

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        return (f"{self.what}: {self.count:,} {self.unit} in {elapsed:.0f}s "
                f"({self.count / elapsed:,.1f} {self.unit}/s)")

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            LOG.warning(self.line())

    def done(self) -> None:
        LOG.warning(self.line() + " - done")
