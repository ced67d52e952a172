"""A run's seconds as a fixed cost plus a cost per copy of the sample, from two input sizes: what
a ratio measured at one size is made of, and at what size it would reach a target.

A rate ratio at n copies, with each tool's time fixed + per_copy * n and its articles
articles_per_copy * n, is k * (F_peer + M_peer n) / (F_ours + M_ours n), k the ratio of articles
per copy. It moves from k * F_peer / F_ours (n -> 0) to the marginal ratio k * M_peer / M_ours
(n -> infinity); `copies_to_reach` solves it for a target. No dependencies: bench/goals.py prints
it, tests/test_cost_fit.py checks it against hand-worked numbers.
"""
from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class LinearCost:
    """seconds(n) = fixed_s + per_copy_s * n, articles(n) = articles_per_copy * n."""

    fixed_s: float
    per_copy_s: float
    articles_per_copy: float

    @classmethod
    def fit(cls, small: tuple[int, float, int], large: tuple[int, float, int]) -> LinearCost:
        """Through two (copies, seconds, articles) points of one command."""
        (n1, s1, a1), (n2, s2, a2) = small, large
        if n2 <= n1:
            raise ValueError(f"the large input ({n2} copies) must be larger than the small ({n1})")
        per_copy = (s2 - s1) / (n2 - n1)
        return cls(s1 - per_copy * n1, per_copy, (a2 - a1) / (n2 - n1))

    def seconds(self, copies: float) -> float:
        return self.fixed_s + self.per_copy_s * copies

    @property
    def marginal_rate(self) -> float:
        """Articles per second of each added copy: the rate the fixed cost hides."""
        return self.articles_per_copy / self.per_copy_s


def rate_ratio(ours: LinearCost, peer: LinearCost, copies: float) -> float:
    """Our articles per second over the peer's, at `copies` copies of the sample."""
    return ((ours.articles_per_copy * copies / ours.seconds(copies))
            / (peer.articles_per_copy * copies / peer.seconds(copies)))


def marginal_ratio(ours: LinearCost, peer: LinearCost) -> float:
    """The ratio as the input grows without bound."""
    return ours.marginal_rate / peer.marginal_rate


def copies_to_reach(ours: LinearCost, peer: LinearCost, target: float) -> float:
    """The smallest input (copies of the sample, > 0) from which the rate ratio stays at or
    above `target`; math.inf when even the marginal ratio is below it."""
    k = ours.articles_per_copy / peer.articles_per_copy
    # k (F_p + M_p n) >= target (F_o + M_o n)  <=>  n (k M_p - target M_o) >= target F_o - k F_p
    slope = k * peer.per_copy_s - target * ours.per_copy_s
    offset = target * ours.fixed_s - k * peer.fixed_s
    if slope > 0:
        return max(0.0, offset / slope)
    if slope == 0 and offset <= 0:
        return 0.0  # the same ratio at every size, at or above the target
    return math.inf  # falling towards a marginal ratio below the target
