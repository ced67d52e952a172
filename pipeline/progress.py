"""Progress of long-running loops, written the same way everywhere (the Beam workers' log, the
trainer, the `wikipairs` commands, ReQA): a line every few seconds with the count, the rate and,
when the total is known, the ETA; one duration format. It lives at the bottom layer (no Beam, no
TensorFlow imported) so every package above can use it."""
from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Callable, Protocol, TextIO

LOG = logging.getLogger("wikipairs")


def format_duration(seconds: float) -> str:
    """'0:09', '12:05', '3:02:05' (hours only when there are any)."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_line(what: str, count: int, total: int | None, elapsed_s: float,
                  unit: str = "records") -> str:
    """'reading: 120,000/1,000,000 records (12%), 95,000 records/s, ETA 0:09, 0:01 elapsed'."""
    rate = count / max(elapsed_s, 1e-9)
    line = f"{what}: {count:,}"
    if total:
        line += f"/{total:,} {unit} ({100 * count / total:.0f}%)"
    else:
        line += f" {unit}"
    line += f", {rate:,.0f} {unit}/s"
    if total and rate > 0 and count < total:
        line += f", ETA {format_duration((total - count) / rate)}"
    return line + f", {format_duration(elapsed_s)} elapsed"


class Progress(Protocol):
    def update(self, n: int) -> None: ...

    def close(self) -> None: ...


class LineProgress:
    """A progress line at most every `every_s` seconds and once at close; safe to update from
    several threads. `emit` takes the line (default: print it to stderr)."""

    def __init__(self, what: str, total: int | None, stream: TextIO | None = None,
                 every_s: float = 5.0, clock: Callable[[], float] = time.monotonic,
                 unit: str = "records", emit: Callable[[str], None] | None = None):
        self.what, self.total, self.every_s, self.clock, self.unit = (
            what, total, every_s, clock, unit)
        # stderr looked up now, not at import: pytest and callers may have replaced it since.
        stream = stream or sys.stderr
        self.emit = emit or (lambda line: print(line, file=stream, flush=True))
        self.count = 0
        self.started = self.printed = clock()
        self.lock = threading.Lock()

    def update(self, n: int = 1) -> None:
        with self.lock:
            self.count += n
            now = self.clock()
            if now - self.printed >= self.every_s:
                self.printed = now
                self._print()

    def line(self) -> str:
        return progress_line(self.what, self.count, self.total, self.clock() - self.started,
                             self.unit)

    def _print(self) -> None:
        self.emit(self.line())

    def close(self) -> None:
        self._print()


def worker_progress(what: str, unit: str = "pages", every_s: float = 10.0) -> LineProgress:
    """Progress inside a Beam worker: lines go to the worker's log (what Dataflow shows)."""
    return LineProgress(what, None, every_s=every_s, unit=unit, emit=LOG.warning)


class Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def make_progress(what: str, total: int | None, enabled: bool = True) -> Progress:
    """A bar on stderr: tqdm when it is installed, else a LineProgress; Silent when disabled."""
    if not enabled:
        return Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return LineProgress(what, total)
    return tqdm(desc=what, total=total, unit=" records", unit_scale=True, file=sys.stderr,
                mininterval=0.5, smoothing=0.1)
