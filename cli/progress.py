"""A progress bar on stderr while shards are read: tqdm when it is installed, else a line every
few seconds with the count, the rate and (when the total is known) the ETA."""
from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_line(what: str, count: int, total: int | None, elapsed_s: float,
                  unit: str = "records") -> str:
    """'reading: 120,000/1,000,000 records (12%), 95,000 records/s, ETA 0:09'."""
    rate = count / max(elapsed_s, 1e-9)
    line = f"{what}: {count:,}"
    if total:
        line += f"/{total:,} {unit} ({100 * count / total:.0f}%)"
    else:
        line += f" {unit}"
    line += f", {rate:,.0f} {unit}/s"
    if total and rate > 0 and count < total:
        line += f", ETA {format_seconds((total - count) / rate)}"
    return line + f", {format_seconds(elapsed_s)} elapsed"


class LineProgress:
    """The fallback when tqdm is not installed; safe to update from several threads."""

    def __init__(self, what: str, total: int | None, stream: TextIO | None = None,
                 every_s: float = 5.0, clock: Callable[[], float] = time.monotonic):
        # stderr looked up now, not at import: pytest and callers may have replaced it since.
        self.what, self.total, self.stream, self.every_s, self.clock = (
            what, total, stream or sys.stderr, every_s, clock)
        self.count = 0
        self.started = self.printed = clock()
        self.lock = threading.Lock()

    def update(self, n: int) -> None:
        with self.lock:
            self.count += n
            now = self.clock()
            if now - self.printed >= self.every_s:
                self.printed = now
                self._print()

    def _print(self) -> None:
        print(progress_line(self.what, self.count, self.total, self.clock() - self.started),
              file=self.stream, flush=True)

    def close(self) -> None:
        self._print()


class Silent:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def make_progress(what: str, total: int | None, enabled: bool = True):
    """An object with update(n) and close()."""
    if not enabled:
        return Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return LineProgress(what, total)
    return tqdm(desc=what, total=total, unit=" records", unit_scale=True, file=sys.stderr,
                mininterval=0.5, smoothing=0.1)
