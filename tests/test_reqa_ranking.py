"""Chance metrics of trainer.ranking against brute force over every order of a few candidates, and
a scorer whose scores all tie at or below them."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from trainer.ranking import best_ranks, chance_metrics, metrics


@pytest.mark.parametrize("num_targets", [[1], [2], [3, 1, 2]])
def test_chance_is_the_mean_over_every_order_of_the_candidates(num_targets):
    candidates, ks = 5, (1, 2, 3, 5)
    ranks = []  # per order of the candidates, each question's best rank; targets = first t ids
    for order in itertools.permutations(range(candidates)):
        position = np.argsort(order)  # candidate -> 0-based rank
        ranks.append([1 + min(position[:t]) for t in num_targets])
    expected = metrics(np.array(ranks).ravel(), ks)
    chance = chance_metrics(num_targets, candidates, ks)
    for name, value in expected.items():
        assert chance[f"chance_{name}"] == pytest.approx(value), name


def test_tied_scores_rank_last_at_or_below_chance():
    targets = [(0,), (1, 2), (0, 3, 4)]
    ranks = best_ranks(np.zeros((3, 6)), targets)
    assert ranks.tolist() == [6, 5, 4]  # candidates - targets + 1
    chance = chance_metrics([len(t) for t in targets], 6, (1, 3, 5))
    for name, value in metrics(ranks, (1, 3, 5)).items():
        assert value <= chance[f"chance_{name}"] + 1e-12, name
