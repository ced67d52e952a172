"""Ranks and metrics from scores, for any scorer (dense inner products, BM25, a test's stub).

A question's rank is the best rank among its targets, and ties count against it: rank = 1 + the
number of non-target candidates scoring at least as high as the best target. Optimistic ties
would hand BM25 rank 1 for a question sharing no term with any candidate (all scores 0).
"""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

KS = (1, 5, 10, 50, 100)
# Scores are computed for a block of questions at a time: [block, candidates] float32 stays
# within about this many bytes, whatever the number of candidates.
SCORE_BLOCK_BYTES = 256 << 20

# (first question index, stop) -> float scores [stop - first, candidates]
ScoreBlock = Callable[[int, int], np.ndarray]


def best_ranks(scores: np.ndarray, targets: Sequence[Sequence[int]]) -> np.ndarray:
    """1-based rank of each row's best target in `scores` [questions, candidates]."""
    ranks = np.empty(len(targets), np.int64)
    for row, (question_scores, question_targets) in enumerate(zip(scores, targets)):
        target_index = np.asarray(question_targets)
        best = question_scores[target_index].max()
        at_least = np.count_nonzero(question_scores >= best)
        targets_at_least = np.count_nonzero(question_scores[target_index] >= best)
        ranks[row] = 1 + at_least - targets_at_least
    return ranks


def question_blocks(num_questions: int, num_candidates: int,
                    budget_bytes: int = SCORE_BLOCK_BYTES) -> Iterator[tuple[int, int]]:
    """(start, stop) ranges of questions whose score block fits the memory budget."""
    size = max(1, budget_bytes // (4 * max(1, num_candidates)))
    for start in range(0, num_questions, size):
        yield start, min(num_questions, start + size)


def rank_all(score_block: ScoreBlock, targets: Sequence[Sequence[int]], num_candidates: int,
             budget_bytes: int = SCORE_BLOCK_BYTES,
             progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Ranks of every question, scoring a block of questions at a time."""
    ranks = []
    for start, stop in question_blocks(len(targets), num_candidates, budget_bytes):
        ranks.append(best_ranks(np.asarray(score_block(start, stop)), targets[start:stop]))
        if progress:
            progress(stop - start)
    return np.concatenate(ranks) if ranks else np.zeros(0, np.int64)


def inner_product_blocks(query_embeddings: np.ndarray, candidate_embeddings: np.ndarray
                         ) -> ScoreBlock:
    return lambda start, stop: query_embeddings[start:stop] @ candidate_embeddings.T


def metrics(ranks: np.ndarray, ks: Sequence[int] = KS) -> dict[str, float]:
    """recall@k (share of questions with a target in the top k) and MRR."""
    if len(ranks) == 0:
        raise ValueError("no answerable question to evaluate")
    result = {f"recall@{k}": float(np.mean(ranks <= k)) for k in ks}
    result["mrr"] = float(np.mean(1.0 / ranks))
    return result


def miss_probability(num_targets: int, num_candidates: int, depth: np.ndarray) -> np.ndarray:
    """P(none of `num_targets` targets in the top `depth`) when the candidates come in uniformly
    random order: C(n - t, depth) / C(n, depth), as a product that neither overflows nor needs
    scipy."""
    miss = np.ones(np.shape(depth))
    for i in range(num_targets):
        miss *= np.clip(num_candidates - np.asarray(depth) - i, 0, None) / (num_candidates - i)
    return miss


def chance_metrics(num_targets: Sequence[int], num_candidates: int,
                   ks: Sequence[int] = KS) -> dict[str, float]:
    """What a uniformly random order of the candidates scores, on average over questions with
    these numbers of targets: chance_recall@k (k / n for one target) and chance_mrr. The yardstick
    for collapse: a scorer whose scores all tie ranks a question at n - t + 1, at or below chance
    on every metric."""
    depth = np.arange(num_candidates + 1)
    totals = dict.fromkeys([*(f"chance_recall@{k}" for k in ks), "chance_mrr"], 0.0)
    sizes, questions = np.unique(np.asarray(num_targets), return_counts=True)
    for size, count in zip(sizes.tolist(), questions.tolist()):
        miss = miss_probability(size, num_candidates, depth)
        for k in ks:
            totals[f"chance_recall@{k}"] += count * (1 - miss[min(k, num_candidates)])
        totals["chance_mrr"] += count * float(np.sum((miss[:-1] - miss[1:]) / depth[1:]))
    return {name: total / max(1, len(num_targets)) for name, total in totals.items()}
