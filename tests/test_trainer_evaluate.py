"""Held-out recall@k and MRR against all documents of a split: ties count against the query, a
query with several correct documents ranks by its best, per-task rows and chance; a collapsed
model (real tiny towers whose embeddings are all equal, or all zero) scores at chance or below."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.held_out import (build_eval_set, evaluate, format_table, metrics_by_task,
                              ranks_of_targets)

# Token ids stand for texts: queries A, B, C; documents X, Y, Z, W.
A, B, C = [2, 11, 3], [2, 12, 3], [2, 13, 3]
X, Y, Z, W = [2, 21, 3], [2, 22, 3], [2, 23, 3], [2, 24, 3]
HAND_PAIRS = [  # (task, query, document)
    ("ict", A, X),
    ("bfs", B, Y),
    ("bfs", B, Z),  # B has two correct documents: one query, targets {Y, Z}
    ("wlp", C, X),  # X again, under another pair: still one candidate
    ("bfs", A, W),  # A is a query of two tasks: one query per task, each its own targets
]


def _batch(pairs) -> dict:
    return {"task": np.array([task.encode() for task, _, _ in pairs]),
            "query_ids": np.array([q for _, q, _ in pairs], np.int32),
            "doc_ids": np.array([d for _, _, d in pairs], np.int32)}


def test_queries_group_their_documents_and_identical_documents_count_once():
    eval_set = build_eval_set([_batch(HAND_PAIRS[:2]), _batch(HAND_PAIRS[2:])])
    assert eval_set.doc_ids.tolist() == [X, Y, Z, W]
    assert eval_set.query_ids.tolist() == [A, B, C, A]
    assert eval_set.task.tolist() == ["ict", "bfs", "wlp", "bfs"]
    assert eval_set.targets == [(0,), (1, 2), (0,), (3,)]
    assert eval_set.pairs.tolist() == [1, 2, 1, 1]
    with pytest.raises(ValueError, match="no pairs"):
        build_eval_set([])


def test_hand_worked_ranks_with_a_tie_and_two_correct_documents():
    eval_set = build_eval_set([_batch(HAND_PAIRS)])
    embedding = {tuple(A): [1, 0], tuple(B): [1, 2], tuple(C): [0, 1],
                 tuple(X): [1, 0], tuple(Y): [0, 1], tuple(Z): [1, 1], tuple(W): [2, 0]}
    queries = np.array([embedding[tuple(q)] for q in eval_set.query_ids.tolist()], float)
    docs = np.array([embedding[tuple(d)] for d in eval_set.doc_ids.tolist()], float)
    # Scores against X, Y, Z, W:
    #   A = (1, 0): 1, 0, 1, 2. (ict, A) -> X (1): W above, Z ties -> rank 3 (ties-to-target: 2).
    #                           (bfs, A) -> W (2): nothing at or above -> rank 1.
    #   B = (1, 2): 1, 2, 3, 2. targets Y (2), Z (3): best Z, nothing above -> rank 1 (Y alone
    #                           would be 3: Z above, W ties).
    #   C = (0, 1): 0, 1, 1, 0. target X (0): Y, Z above, W ties -> rank 4 (ties-to-target: 3).
    # One query per block (budget of one row of 4 float32 scores): blocking changes nothing.
    ranks = ranks_of_targets(queries, docs, eval_set.targets, budget_bytes=4 * 4)
    assert ranks.tolist() == [3, 1, 4, 1]

    results = metrics_by_task(ranks, eval_set, ks=(1, 2, 3))
    assert list(results) == ["all", "bfs", "ict", "wlp"]
    everything, bfs, ict, wlp = (results[name] for name in results)
    # all: ranks 3, 1, 4, 1 -> R@1 = R@2 = 2/4, R@3 = 3/4, MRR = (1/3 + 1 + 1/4 + 1) / 4.
    assert (everything["pairs"], everything["queries"], everything["docs"]) == (5, 4, 4)
    assert everything["recall@1"] == everything["recall@2"] == 0.5
    assert everything["recall@3"] == 0.75
    assert everything["mrr"] == pytest.approx((1 / 3 + 1 + 1 / 4 + 1) / 4)
    # bfs: 3 pairs, 2 queries (B, A), both rank 1. ict: A at 3. wlp: C at 4, missed by R@3.
    assert (bfs["pairs"], bfs["queries"], bfs["recall@1"], bfs["mrr"]) == (3, 2, 1.0, 1.0)
    assert (ict["queries"], ict["recall@2"], ict["recall@3"]) == (1, 0.0, 1.0)
    assert ict["mrr"] == pytest.approx(1 / 3)
    assert (wlp["recall@3"], wlp["mrr"]) == (0.0, 0.25)
    # Chance among 4 documents: one target -> R@k = k/4, MRR = (1 + 1/2 + 1/3 + 1/4) / 4 = 25/48.
    # Two targets (B) -> R@k = 1 - C(2, k)/C(4, k): R@1 = 1/2, R@2 = 5/6, R@3 = 1; its best rank
    # is 1 w.p. 1/2, 2 w.p. 2/4 * 2/3 = 1/3, 3 w.p. 1/6 -> MRR = 1/2 + 1/6 + 1/18 = 13/18.
    assert ict["chance_recall@1"] == wlp["chance_recall@1"] == 0.25
    assert ict["chance_mrr"] == pytest.approx(25 / 48)
    assert bfs["chance_recall@1"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert bfs["chance_recall@2"] == pytest.approx((5 / 6 + 2 / 4) / 2)
    assert bfs["chance_recall@3"] == pytest.approx((1 + 3 / 4) / 2)
    assert bfs["chance_mrr"] == pytest.approx((13 / 18 + 25 / 48) / 2)
    assert everything["chance_recall@1"] == pytest.approx((3 * 1 / 4 + 1 / 2) / 4)


def test_the_table_has_every_k_of_the_paper_and_counts_queries():
    eval_set = build_eval_set([_batch(HAND_PAIRS)])
    results = metrics_by_task(np.array([3, 1, 4, 1]), eval_set)
    lines = format_table(results).splitlines()
    assert lines[0].split() == ["task", "pairs", "queries", "docs", "R@1", "R@5", "R@10", "R@50",
                                "R@100", "MRR", "chance", "R@10", "chance", "MRR"]
    assert lines[2].split()[:4] == ["bfs", "3", "2", "4"]
    assert results["all"]["recall@50"] == 1.0 and results["all"]["chance_recall@50"] == 1.0


def _eval_set_of_real_ids(config, seed: int = 0):
    """40 pairs of random ids padded to the model's lengths: 30 queries, 10 with two documents."""
    rng = np.random.default_rng(seed)

    def ids(length, padded_length):
        return [2, *rng.integers(5, config.vocab_size, length - 2).tolist(), 3] + (
            [0] * (padded_length - length))

    pairs = []
    for i in range(30):
        query = ids(12, config.max_query_len)
        pairs += [(("ict", "bfs", "wlp")[i % 3], query, ids(40, config.max_doc_len))
                  for _ in range(2 if i < 10 else 1)]
    return build_eval_set([_batch(pairs)])


@pytest.mark.parametrize("bias", [0.0, 0.5], ids=["zero", "constant"])
def test_a_collapsed_model_scores_at_chance_or_below(bias):
    """Real tiny towers whose projection ignores its input: every query and document embeds to
    the same vector (zero, or a constant), all scores tie, and each query ranks at
    documents - targets + 1. Ties-to-target ranking gave recall@1 = MRR = 1.0 here."""
    from trainer.config import resolve
    from trainer.model import build_model

    config = resolve("tiny", model={"vocab_size": 500}).model
    model = build_model(config)
    kernel, offset = model.query_tower.projection.get_weights()
    for tower in (model.query_tower, model.doc_tower):
        tower.projection.set_weights([np.zeros_like(kernel), np.full_like(offset, bias)])
    eval_set = _eval_set_of_real_ids(config)
    results = evaluate(model, eval_set)
    assert results["all"]["queries"] == 30 and results["all"]["docs"] == 40
    for name, m in results.items():
        assert m["recall@1"] == 0.0, name
        for metric in [f"recall@{k}" for k in (1, 5, 10, 50, 100)] + ["mrr"]:
            assert m[metric] <= m[f"chance_{metric}"] + 1e-12, (name, metric, m)
    # 10 queries with 2 targets rank at 39, 20 with one at 40.
    assert results["all"]["mrr"] == pytest.approx((10 / 39 + 20 / 40) / 30)
