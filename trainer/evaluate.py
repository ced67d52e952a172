"""Held-out retrieval: each pair's query retrieves among ALL distinct documents of the split (not
only a batch); recall@k and MRR per task and overall. Scoring is numpy on the host, in chunks of
queries, so the split's document matrix is the only large thing in memory."""
from __future__ import annotations

import dataclasses

import numpy as np

KS = (1, 5, 10, 100)


@dataclasses.dataclass
class EvalSet:
    """A split's pairs as arrays: queries, the distinct documents, each query's document."""

    query_ids: np.ndarray  # [pairs, max_query_len] int32
    doc_ids: np.ndarray  # [distinct docs, max_doc_len] int32
    target: np.ndarray  # [pairs] index into doc_ids
    task: np.ndarray  # [pairs] str


def build_eval_set(batches) -> EvalSet:
    """From eval_dataset batches (numpy-able). Identical documents (the same passage drawn for two
    pairs) count once, so a query is never penalised for ranking its document's twin first."""
    queries, docs, targets, tasks = [], [], [], []
    index: dict[bytes, int] = {}
    for batch in batches:
        for query, doc, task in zip(np.asarray(batch["query_ids"]), np.asarray(batch["doc_ids"]),
                                    np.asarray(batch["task"])):
            key = doc.tobytes()
            if key not in index:
                index[key] = len(docs)
                docs.append(doc)
            queries.append(query)
            targets.append(index[key])
            tasks.append(task.decode() if isinstance(task, bytes) else str(task))
    if not queries:
        raise ValueError("the evaluation split holds no pairs")
    return EvalSet(np.stack(queries), np.stack(docs), np.array(targets), np.array(tasks))


def ranks_of_targets(query_embeddings, doc_embeddings, targets, chunk: int = 512) -> np.ndarray:
    """1-based rank of each query's own document among all documents by inner product (ties go
    to the target)."""
    ranks = np.empty(len(targets), np.int64)
    for start in range(0, len(targets), chunk):
        scores = query_embeddings[start:start + chunk] @ doc_embeddings.T
        own = scores[np.arange(len(scores)), targets[start:start + chunk]]
        ranks[start:start + chunk] = 1 + (scores > own[:, None]).sum(axis=1)
    return ranks


def retrieval_metrics(ranks: np.ndarray, ks=KS) -> dict[str, float]:
    from reqa.ranking import metrics

    return {**metrics(ranks, ks), "pairs": int(len(ranks))}


def metrics_by_task(ranks: np.ndarray, tasks: np.ndarray, num_docs: int, ks=KS) -> dict:
    """{'all': {...}, 'ict': {...}, ...} plus what chance would score (k / documents)."""
    results = {"all": retrieval_metrics(ranks, ks)}
    for task in sorted(set(tasks.tolist())):
        results[task] = retrieval_metrics(ranks[tasks == task], ks)
    for metrics in results.values():
        metrics["docs"] = num_docs
        metrics.update({f"chance_recall@{k}": min(1.0, k / num_docs) for k in ks})
    return results


def embed(tower, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    import tensorflow as tf

    encode = tf.function(lambda x: tower(x, training=False))
    return np.concatenate([encode(tf.constant(ids[i:i + batch_size])).numpy()
                           for i in range(0, len(ids), batch_size)])


def evaluate(model, eval_set: EvalSet, ks=KS) -> dict:
    """Recall@k and MRR of `model` (a TwoTower) on `eval_set`."""
    ranks = ranks_of_targets(embed(model.query_tower, eval_set.query_ids),
                             embed(model.doc_tower, eval_set.doc_ids), eval_set.target)
    return metrics_by_task(ranks, eval_set.task, len(eval_set.doc_ids), ks)


def format_table(results: dict, ks=KS) -> str:
    """A plain-text table: one row per task, recall@k, MRR, and chance recall@10."""
    header = (f"{'task':<6}{'pairs':>7}{'docs':>7}" + "".join(f"{'R@' + str(k):>8}" for k in ks)
              + f"{'MRR':>8}{'chance R@10':>13}")
    rows = [header]
    for task, m in results.items():
        rows.append(f"{task:<6}{m['pairs']:>7}{m['docs']:>7}"
                    + "".join(f"{m[f'recall@{k}']:>8.3f}" for k in ks)
                    + f"{m['mrr']:>8.3f}{m.get('chance_recall@10', float('nan')):>13.3f}")
    return "\n".join(rows)


def parse_args(argv=None):
    import argparse

    from reqa import evaluate as reqa_evaluate

    parser = argparse.ArgumentParser(prog="python -m trainer.evaluate",
                                     description="Evaluate exported retrievers.")
    commands = parser.add_subparsers(dest="command", required=True)
    reqa_evaluate.add_parser(commands)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """`python -m trainer.evaluate reqa ...` (see reqa/evaluate.py)."""
    args = parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    main()
