"""Recall@k and MRR against all documents of a split, on hand-made embeddings."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.evaluate import (build_eval_set, format_table, metrics_by_task, ranks_of_targets,
                              retrieval_metrics)


def test_ranks_count_documents_scored_above_the_target():
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    docs = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5], [3.0, 3.0]])
    # q0 scores 1, 0, .5, 3 -> its doc 0 is 2nd; q1: 0, 2, .5, 3 -> doc 1 is 2nd;
    # q2: 1, 2, 1, 6 -> doc 2 (score 1) has 2 above it -> 3rd
    ranks = ranks_of_targets(queries, docs, np.array([0, 1, 2]), chunk=2)
    assert ranks.tolist() == [2, 2, 3]
    metrics = retrieval_metrics(ranks, ks=(1, 2, 3))
    assert metrics["recall@1"] == 0 and metrics["recall@2"] == pytest.approx(2 / 3)
    assert metrics["recall@3"] == 1 and metrics["mrr"] == pytest.approx((0.5 + 0.5 + 1 / 3) / 3)


def test_metrics_per_task_and_chance():
    results = metrics_by_task(np.array([1, 4, 20]), np.array(["ict", "bfs", "ict"]), 50, ks=(1, 10))
    assert results["all"]["recall@10"] == pytest.approx(2 / 3)
    assert results["ict"]["recall@1"] == 0.5 and results["bfs"]["pairs"] == 1
    assert results["all"]["chance_recall@10"] == pytest.approx(0.2)
    table = format_table(results, ks=(1, 10))
    assert table.splitlines()[0].split()[:3] == ["task", "pairs", "docs"] and "ict" in table


def test_identical_documents_count_once():
    batch = {"query_ids": np.array([[2, 5, 3], [2, 6, 3], [2, 7, 3]]),
             "doc_ids": np.array([[2, 9, 3], [2, 8, 3], [2, 9, 3]]),
             "task": np.array([b"ict", b"bfs", b"wlp"])}
    eval_set = build_eval_set([batch])
    assert len(eval_set.doc_ids) == 2 and eval_set.target.tolist() == [0, 1, 0]
    assert eval_set.task.tolist() == ["ict", "bfs", "wlp"]
    with pytest.raises(ValueError, match="no pairs"):
        build_eval_set([])
