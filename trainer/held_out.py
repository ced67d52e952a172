"""Held-out retrieval: each query retrieves among ALL distinct documents of the split (not only a
batch); recall@k and MRR per task and overall, next to what chance would score. Ranking is
trainer.ranking's, as for ReQA: ties count against the query (a collapsed model, every embedding
equal, ranks last, not first) and a query's rank is that of its best target. Scoring is numpy on
the host, a memory-bounded block of queries at a time, so the split's document matrix is the only
large thing in memory."""
from __future__ import annotations

import dataclasses

import numpy as np

from trainer.ranking import (KS, SCORE_BLOCK_BYTES, chance_metrics, inner_product_blocks, metrics,
                          rank_all)


@dataclasses.dataclass
class EvalSet:
    """A split's queries, its distinct documents, and each query's correct documents.

    A query is a distinct (task, query ids): the pairs of one task that share a query sentence
    (BFS draws several passages for one lead sentence) are one query whose targets are all their
    documents, so it is counted once and never penalised for ranking one of its own documents
    above another. The task stays in the key: a sentence that is the query of pairs of two tasks
    is a query in each task's row, against that task's documents only, so a task's row measures
    that task alone and no other task's (often easier) document can lift it; there the other
    task's document is a distractor, which can only lower the numbers. `all` is the union of the
    task rows.
    """

    query_ids: np.ndarray  # [queries, max_query_len] int32
    doc_ids: np.ndarray  # [distinct docs, max_doc_len] int32
    targets: list[tuple[int, ...]]  # per query, indices into doc_ids, ascending
    task: np.ndarray  # [queries] str
    pairs: np.ndarray  # [queries] int: how many pairs the query stands for


def _index_of(index: dict, key, rows: list, row) -> int:
    """The position of `key` in `rows`, appending `row` the first time `key` is seen."""
    if key not in index:
        index[key] = len(rows)
        rows.append(row)
    return index[key]


def build_eval_set(batches) -> EvalSet:
    """From eval_dataset batches (numpy-able). Identical document ids are one candidate (the same
    passage drawn for two pairs), identical (task, query ids) one query (see EvalSet)."""
    queries, docs, targets, tasks, pairs = [], [], [], [], []
    query_index: dict[tuple[str, bytes], int] = {}
    doc_index: dict[bytes, int] = {}
    for batch in batches:
        for query, doc, task in zip(np.asarray(batch["query_ids"]), np.asarray(batch["doc_ids"]),
                                    np.asarray(batch["task"])):
            task = task.decode() if isinstance(task, bytes) else str(task)
            row = _index_of(query_index, (task, query.tobytes()), queries, query)
            if row == len(targets):
                targets.append(set())
                tasks.append(task)
                pairs.append(0)
            targets[row].add(_index_of(doc_index, doc.tobytes(), docs, doc))
            pairs[row] += 1
    if not queries:
        raise ValueError("the evaluation split holds no pairs")
    return EvalSet(np.stack(queries), np.stack(docs), [tuple(sorted(t)) for t in targets],
                   np.array(tasks), np.array(pairs))


def ranks_of_targets(query_embeddings: np.ndarray, doc_embeddings: np.ndarray,
                     targets, budget_bytes: int = SCORE_BLOCK_BYTES) -> np.ndarray:
    """1-based rank of each query's best target among all documents by inner product."""
    return rank_all(inner_product_blocks(query_embeddings, doc_embeddings), targets,
                    len(doc_embeddings), budget_bytes)


def metrics_by_task(ranks: np.ndarray, eval_set: EvalSet, ks=KS) -> dict:
    """{'all': {...}, 'ict': {...}, ...}: recall@k and MRR, the pairs and queries behind them, the
    documents, and what a random order of the documents would score on the same queries."""
    num_targets = np.array([len(t) for t in eval_set.targets])
    num_docs = len(eval_set.doc_ids)
    rows = {"all": np.ones(len(ranks), bool),
            **{task: eval_set.task == task for task in sorted(set(eval_set.task.tolist()))}}
    return {name: {**metrics(ranks[row], ks), "pairs": int(eval_set.pairs[row].sum()),
                   "queries": int(row.sum()), "docs": num_docs,
                   **chance_metrics(num_targets[row], num_docs, ks)}
            for name, row in rows.items()}


def embed(tower, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    import tensorflow as tf

    encode = tf.function(lambda x: tower(x, training=False))
    return np.concatenate([encode(tf.constant(ids[i:i + batch_size])).numpy()
                           for i in range(0, len(ids), batch_size)])


def evaluate(model, eval_set: EvalSet, ks=KS) -> dict:
    """Recall@k and MRR of `model` (a TwoTower) on `eval_set`."""
    ranks = ranks_of_targets(embed(model.query_tower, eval_set.query_ids),
                             embed(model.doc_tower, eval_set.doc_ids), eval_set.targets)
    return metrics_by_task(ranks, eval_set, ks)


def format_table(results: dict, ks=KS) -> str:
    """A plain-text table: one row per task, its pairs and queries (distinct query sentences),
    the documents ranked, recall@k, MRR, and chance recall@10 and MRR."""
    header = (f"{'task':<6}{'pairs':>7}{'queries':>8}{'docs':>7}"
              + "".join(f"{'R@' + str(k):>8}" for k in ks)
              + f"{'MRR':>8}{'chance R@10':>13}{'chance MRR':>12}")
    rows = [header]
    for task, m in results.items():
        rows.append(f"{task:<6}{m['pairs']:>7}{m['queries']:>8}{m['docs']:>7}"
                    + "".join(f"{m[f'recall@{k}']:>8.3f}" for k in ks)
                    + f"{m['mrr']:>8.3f}{m.get('chance_recall@10', float('nan')):>13.3f}"
                    + f"{m['chance_mrr']:>12.3f}")
    return "\n".join(rows)
