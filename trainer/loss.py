"""The in-batch sampled softmax of the paper, with the negatives of the whole GLOBAL batch.

Each replica scores its queries against the documents of every replica (`all_gather`, which is
differentiable), its labels are offset by replica_id * local batch, and its summed per-example
loss is divided by the global batch: the sum over replicas of these losses and of their gradients
is then exactly the loss and gradient of one big batch. Works in a replica context of any
strategy and without one (the default strategy has one replica).
"""
from __future__ import annotations

import tensorflow as tf


def gather_from_replicas(values, gather: bool = True):
    """(values of all replicas concatenated along axis 0, this replica's offset in them)."""
    context = tf.distribute.get_replica_context()
    if not gather or context is None or context.num_replicas_in_sync == 1:
        return values, 0
    offset = context.replica_id_in_sync_group * tf.shape(values)[0]
    return context.all_gather(values, axis=0), offset


def mask_accidental_hits(logits, labels, anchor_keys, candidate_keys):
    """Logits of candidates that share the label's key (e.g. the same document article) but are
    not the label itself set to -inf: they are not negatives."""
    same_key = tf.equal(anchor_keys[:, None], candidate_keys[None, :])
    is_label = tf.equal(tf.range(tf.shape(logits)[1])[None, :], labels[:, None])
    return tf.where(same_key & ~is_label, tf.constant(-float("inf"), logits.dtype), logits)


def softmax_against(anchors, candidates, label_offset, temperature: float = 1.0,
                    anchor_keys=None, candidate_keys=None):
    """Per-anchor cross-entropy of picking its own candidate (index label_offset + i) among all
    candidates, and whether the top-scored candidate was it. float32 whatever the inputs."""
    logits = tf.matmul(tf.cast(anchors, tf.float32), tf.cast(candidates, tf.float32),
                       transpose_b=True) / temperature
    labels = tf.range(tf.shape(anchors)[0]) + label_offset
    if anchor_keys is not None:
        logits = mask_accidental_hits(logits, labels, anchor_keys, candidate_keys)
    per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    correct = tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), labels)
    return per_example, correct


def in_batch_softmax_loss(query_embeddings, doc_embeddings, global_batch_size: int,
                          doc_keys=None, *, temperature: float = 1.0, gather: bool = True,
                          remove_accidental_hits: bool = False, symmetric: bool = False) -> dict:
    """This replica's share of the loss (sum it over replicas) and its count of queries whose top
    document is their own (for in-batch accuracy).

    doc_keys: [local batch] ints identifying each pair's document (its article id); with
    remove_accidental_hits, other pairs' documents with the same key are not negatives.
    symmetric: the loss is the mean of the query->doc and the doc->query softmax.
    """
    if remove_accidental_hits and doc_keys is None:
        raise ValueError("remove_accidental_hits needs doc_keys")
    all_docs, offset = gather_from_replicas(doc_embeddings, gather)
    keys = all_keys = None
    if remove_accidental_hits:
        keys = doc_keys
        all_keys, _ = gather_from_replicas(doc_keys, gather)
    per_example, correct = softmax_against(query_embeddings, all_docs, offset, temperature,
                                           keys, all_keys)
    total = tf.reduce_sum(per_example)
    if symmetric:
        all_queries, _ = gather_from_replicas(query_embeddings, gather)
        reverse, _ = softmax_against(doc_embeddings, all_queries, offset, temperature,
                                     keys, all_keys)
        total = (total + tf.reduce_sum(reverse)) / 2
    return {"loss": total / global_batch_size,
            "correct": tf.reduce_sum(tf.cast(correct, tf.float32))}
