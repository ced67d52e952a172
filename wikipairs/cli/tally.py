"""Running counts over batches of records, in numpy (no Python work per record): length
distributions per group, how often each id occurs (distinct articles, duplicate pairs), and the
titles of the articles that may end up among the most frequent."""
from __future__ import annotations

import math

import numpy as np


class GroupedBincount:
    """counts[group, value]: how many records of each group have each small non-negative value
    (a token length). Widens when a larger value arrives, so nothing is clipped."""

    def __init__(self, groups: int):
        self.counts = np.zeros((groups, 1), np.int64)

    def add(self, groups: np.ndarray, values: np.ndarray) -> None:
        if values.size == 0:
            return
        width = max(self.counts.shape[1], int(values.max()) + 1)
        if width > self.counts.shape[1]:
            self.counts = np.pad(self.counts, ((0, 0), (0, width - self.counts.shape[1])))
        flat = np.bincount(groups.astype(np.int64) * width + values, minlength=self.counts.size)
        self.counts += flat.reshape(self.counts.shape)


def _rank(cumulative: np.ndarray, q: float) -> int:
    """The nearest-rank q-quantile: the smallest value with at least ceil(q * n) values <= it."""
    return int(np.searchsorted(cumulative, max(1, math.ceil(q * cumulative[-1]))))


def distribution(counts: np.ndarray) -> dict:
    """min/median/p95/max/mean of the values whose counts are `counts[value]`."""
    total = int(counts.sum())
    if total == 0:
        return {"records": 0}
    present = np.flatnonzero(counts)
    cumulative = np.cumsum(counts)
    return {"records": total, "min": int(present[0]), "median": _rank(cumulative, 0.5),
            "p95": _rank(cumulative, 0.95), "max": int(present[-1]),
            "mean": float(np.dot(np.arange(counts.size), counts) / total)}


def histogram(counts: np.ndarray, bins: int = 12) -> list[tuple[int, int, int]]:
    """(first value, last value, records) of `bins` equal-width bins from min to max."""
    present = np.flatnonzero(counts)
    if present.size == 0:
        return []
    low, high = int(present[0]), int(present[-1])
    width = max(1, math.ceil((high - low + 1) / bins))
    return [(start, min(start + width - 1, high), int(counts[start:start + width].sum()))
            for start in range(low, high + 1, width)]


class ValueCounts:
    """How often each int64 value occurs, over many batches. Batches wait in a list and are merged
    into sorted (values, counts) every `merge_every` values, so memory follows the number of
    distinct values, and each merge is linear (timsort of two sorted runs)."""

    def __init__(self, merge_every: int = 1 << 22):
        self.values = np.empty(0, np.int64)
        self.counts = np.empty(0, np.int64)
        self.merge_every = merge_every
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def add(self, values: np.ndarray) -> None:
        self._pending.append(np.asarray(values, np.int64))
        self._pending_size += len(values)
        if self._pending_size >= self.merge_every:
            self.merge()

    def merge(self) -> None:
        if not self._pending:
            return
        new_values, new_counts = np.unique(np.concatenate(self._pending), return_counts=True)
        values = np.concatenate([self.values, new_values])
        counts = np.concatenate([self.counts, new_counts])
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        self.values, self.counts = values[starts], np.add.reduceat(counts, starts)
        self._pending, self._pending_size = [], 0

    def distinct(self) -> int:
        self.merge()
        return int(self.values.size)

    def repeats(self) -> tuple[int, int]:
        """(occurrences after the first of a value, values that occur more than once)."""
        self.merge()
        repeated = self.counts > 1
        return int((self.counts[repeated] - 1).sum()), int(repeated.sum())

    def top(self, k: int) -> list[tuple[int, int]]:
        """The k most frequent (value, count), ties broken by the smaller value."""
        self.merge()
        order = np.lexsort((self.values, -self.counts))[:k]
        return [(int(self.values[i]), int(self.counts[i])) for i in order]


class TitleBook:
    """Titles of the articles that may be among the k most frequent at the end, without keeping
    a title for every article: past `limit` titles it keeps only those of the current top `keep`
    (k <= keep). That loses nothing: an article in the final top k that is not seen again after a
    pruning already had its final count then, and only articles now ranked above it could have
    been above it then, so it was kept. Batches wait in a list and are merged (one np.unique)
    when they hold `limit` titles, not added one title at a time."""

    def __init__(self, limit: int = 100_000, keep: int = 1_000):
        self.limit, self.keep = limit, keep
        self.ids = np.empty(0, np.int64)
        self.titles = np.empty(0, object)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def add(self, ids: np.ndarray, titles: np.ndarray, counts: ValueCounts) -> None:
        self._pending.append((np.array(ids, np.int64), np.asarray(titles, object)))
        self._pending_size += len(ids)
        if self._pending_size >= self.limit:
            self.merge(counts)

    def merge(self, counts: ValueCounts | None = None) -> None:
        """Pending batches into the sorted ids and their titles; pruned (see the class doc) when
        past `limit` and `counts` is given."""
        if self._pending:
            # Reversed, so that np.unique's first occurrence is the title seen last.
            ids = np.concatenate([self.ids, *(i for i, _ in self._pending)])[::-1]
            titles = np.concatenate([self.titles, *(t for _, t in self._pending)])[::-1]
            self.ids, last = np.unique(ids, return_index=True)
            self.titles = titles[last]
            self._pending, self._pending_size = [], 0
        if counts is not None and self.ids.size > self.limit:
            leaders = np.array([value for value, _ in counts.top(self.keep)], np.int64)
            kept = np.isin(self.ids, leaders)
            self.ids, self.titles = self.ids[kept], self.titles[kept]

    def __len__(self) -> int:
        return int(self.ids.size) + self._pending_size

    def title(self, article_id: int) -> str:
        self.merge()
        at = int(np.searchsorted(self.ids, article_id))
        found = at < self.ids.size and self.ids[at] == article_id
        return (self.titles[at] if found else b"?").decode("utf-8", "replace")
