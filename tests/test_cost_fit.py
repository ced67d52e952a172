"""bench/cost_fit.py: the fixed-plus-per-copy reading of two runs, against hand-worked numbers."""
import math
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))
from cost_fit import LinearCost, copies_to_reach, marginal_ratio, rate_ratio  # noqa: E402

# Ours: 3 s fixed, 1.5 s and 100 articles per copy; the peer: no fixed cost, 2 s and 100
# articles per copy. At 10 copies: ours 1000 articles / 18 s, the peer 1000 / 20 s: 20/18.
OURS = LinearCost.fit((1, 4.5, 100), (10, 18.0, 1000))
PEER = LinearCost.fit((1, 2.0, 100), (10, 20.0, 1000))


def test_fit_recovers_the_fixed_and_per_copy_costs():
    assert OURS.fixed_s == pytest.approx(3.0)
    assert OURS.per_copy_s == pytest.approx(1.5)
    assert OURS.articles_per_copy == pytest.approx(100)
    assert PEER.fixed_s == pytest.approx(0.0)
    assert OURS.marginal_rate == pytest.approx(100 / 1.5)


def test_ratio_at_a_size_and_as_the_input_grows():
    assert rate_ratio(OURS, PEER, 10) == pytest.approx(20 / 18)
    assert marginal_ratio(OURS, PEER) == pytest.approx(2.0 / 1.5)
    assert rate_ratio(OURS, PEER, 1e9) == pytest.approx(marginal_ratio(OURS, PEER), rel=1e-6)


def test_copies_to_reach_a_target():
    # 1.2 = 2n / (3 + 1.5n)  <=>  3.6 + 1.8n = 2n  <=>  n = 18
    n = copies_to_reach(OURS, PEER, 1.2)
    assert n == pytest.approx(18.0)
    assert rate_ratio(OURS, PEER, n) == pytest.approx(1.2)
    assert rate_ratio(OURS, PEER, n - 1) < 1.2 < rate_ratio(OURS, PEER, n + 1)


def test_a_target_above_the_marginal_ratio_is_never_reached():
    assert copies_to_reach(OURS, PEER, 1.4) == math.inf


def test_a_target_already_met_at_every_size():
    assert copies_to_reach(PEER, OURS, 0.5) == 0.0  # the peer's ratio over ours falls to 0.75


def test_articles_per_copy_count_in_the_ratio():
    # The peer writes 110 articles per copy where we write 100 (it keeps pages we skip).
    peer = LinearCost.fit((1, 2.2, 110), (10, 22.0, 1100))
    assert rate_ratio(OURS, peer, 10) == pytest.approx((1000 / 18) / (1100 / 22))


def test_sizes_must_grow():
    with pytest.raises(ValueError, match="larger"):
        LinearCost.fit((10, 18.0, 1000), (1, 4.5, 100))
