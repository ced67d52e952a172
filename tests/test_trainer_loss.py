"""The in-batch softmax: its values on hand-made embeddings, and that 2 replicas x batch b with
gathered negatives give the loss and gradients of 1 replica x batch 2b."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _reference_loss(anchors, candidates, mask=None):
    """Mean over anchors of -log softmax(a . c)[own index], numpy, masked logits excluded."""
    logits = anchors @ candidates.T
    if mask is not None:
        logits = np.where(mask, -np.inf, logits)
    logits = logits - logits.max(axis=1, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(np.diag(log_softmax))


QUERIES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
DOCS = np.array([[2.0, 0.5], [0.5, 1.0], [1.0, 3.0]], np.float32)


def test_plain_loss_and_accuracy_match_numpy():
    from trainer.loss import in_batch_softmax_loss

    out = in_batch_softmax_loss(QUERIES, DOCS, global_batch_size=3)
    assert float(out["loss"]) == pytest.approx(_reference_loss(QUERIES, DOCS), rel=1e-6)
    # argmax rows: q0 -> d0 (2.0), q1 -> d2 (3.0), q2 -> d2 (4.0): 2 correct
    assert float(out["correct"]) == 2
    halved = in_batch_softmax_loss(QUERIES, DOCS, global_batch_size=6, temperature=0.5)
    assert float(halved["loss"]) == pytest.approx(
        _reference_loss(QUERIES * 2, DOCS) / 2, rel=1e-6)


def test_accidental_hits_are_masked_except_the_label():
    from trainer.loss import in_batch_softmax_loss

    keys = np.array([7, 7, 9], np.int32)  # pairs 0 and 1 have documents of the same article
    out = in_batch_softmax_loss(QUERIES, DOCS, 3, keys, remove_accidental_hits=True)
    mask = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], bool)
    assert float(out["loss"]) == pytest.approx(_reference_loss(QUERIES, DOCS, mask), rel=1e-6)
    assert float(out["loss"]) < float(in_batch_softmax_loss(QUERIES, DOCS, 3)["loss"])
    distinct = in_batch_softmax_loss(QUERIES, DOCS, 3, np.array([1, 2, 3], np.int32),
                                     remove_accidental_hits=True)
    assert float(distinct["loss"]) == pytest.approx(_reference_loss(QUERIES, DOCS), rel=1e-6)
    with pytest.raises(ValueError, match="doc_keys"):
        in_batch_softmax_loss(QUERIES, DOCS, 3, remove_accidental_hits=True)


def test_symmetric_adds_the_document_to_query_softmax():
    from trainer.loss import in_batch_softmax_loss

    out = in_batch_softmax_loss(QUERIES, DOCS, 3, symmetric=True)
    expected = (_reference_loss(QUERIES, DOCS) + _reference_loss(DOCS, QUERIES)) / 2
    assert float(out["loss"]) == pytest.approx(expected, rel=1e-6)
    keys = np.array([7, 7, 9], np.int32)
    masked = in_batch_softmax_loss(QUERIES, DOCS, 3, keys, symmetric=True,
                                   remove_accidental_hits=True)
    mask = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], bool)
    expected = (_reference_loss(QUERIES, DOCS, mask) + _reference_loss(DOCS, QUERIES, mask)) / 2
    assert float(masked["loss"]) == pytest.approx(expected, rel=1e-6)


def equivalence_child(cases: list[dict]) -> list[dict]:
    """Run in a fresh process: 2 logical CPUs, then `compare_one_step` for each loss config."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    # One strategy for all cases: a second MirroredStrategy in a process reuses collective keys.
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    return [compare_one_step(strategy, options) for options in cases]


def compare_one_step(strategy, loss_options: dict) -> dict:
    """One step's loss and gradients with MirroredStrategy (2 replicas x 4 pairs) and without a
    strategy (1 x 8), same weights, same data."""
    import tensorflow as tf

    from trainer.config import resolve
    from trainer.model import build_model
    from trainer.train_lib import loss_and_gradients

    config = resolve("tiny", model={"vocab_size": 50, "max_query_len": 8, "max_doc_len": 12,
                                    "dropout": 0.0}, loss=loss_options)
    rng = np.random.default_rng(0)
    batch = {"query_ids": rng.integers(1, 50, (8, 8)).astype(np.int32),
             "doc_ids": rng.integers(1, 50, (8, 12)).astype(np.int32),
             "doc_key": np.array([1, 2, 3, 1, 5, 6, 2, 8], np.int32)}  # hits across replicas
    tf.keras.utils.set_random_seed(0)
    reference = build_model(config.model)
    outputs, gradients = loss_and_gradients(reference, batch, config, 8)

    def dense(values):
        return [tf.convert_to_tensor(v) for v in values]

    with strategy.scope():
        model = build_model(config.model)
    model.set_weights(reference.get_weights())
    split = strategy.experimental_distribute_values_from_function(
        lambda ctx: {k: v[4 * ctx.replica_id_in_sync_group:4 * ctx.replica_id_in_sync_group + 4]
                     for k, v in batch.items()})

    @tf.function
    def distributed(per_replica):
        def replica(b):
            out, grads = loss_and_gradients(model, b, config, 8)
            return out["loss"], dense(grads)
        loss, grads = strategy.run(replica, args=(per_replica,))
        return (strategy.reduce("SUM", loss, axis=None),
                [strategy.reduce("SUM", g, axis=None) for g in grads])

    loss, grads = distributed(split)
    scale = max(float(tf.reduce_max(tf.abs(g))) for g in dense(gradients))
    return {"replicas": strategy.num_replicas_in_sync,
            "loss_one": float(outputs["loss"]), "loss_two": float(loss),
            "max_grad_diff": max(float(tf.reduce_max(tf.abs(a - b)))
                                 for a, b in zip(dense(gradients), grads)) / scale}


def _run_child(cases: list[dict]) -> list[dict]:
    code = ("import json; from tests.test_trainer_loss import equivalence_child; "
            f"print('RESULT', json.dumps(equivalence_child({cases!r})))")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    line = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")][-1]
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.slow
def test_two_replicas_with_gathered_negatives_equal_one_big_batch():
    options = [{}, {"symmetric": True, "remove_accidental_hits": True}]
    results = _run_child([{**o, "gather_negatives": gather} for o in options
                          for gather in (True, False)])
    for gathered, local in zip(results[::2], results[1::2]):
        assert gathered["replicas"] == 2
        assert gathered["loss_two"] == pytest.approx(gathered["loss_one"], rel=1e-5), gathered
        assert gathered["max_grad_diff"] < 1e-4, gathered
        # Without the gather each replica only sees its own 4 documents: a different loss.
        assert abs(local["loss_two"] - local["loss_one"]) > 1e-3, local
        assert local["max_grad_diff"] > 1e-3, local
