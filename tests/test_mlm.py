"""Masked-LM pre-training (trainer/mlm.py) on the sample's real shards: BERT's masking statistics,
a falling loss through the real command, the XLA-compiled step, and the encoder restored into a
tower."""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest

MLM_STEPS = 200
BATCH = 8  # small: the tiny preset's 288-token documents cost ~10 ms a sequence on a CPU


@pytest.fixture(scope="module")
def shards(sample_pairs):
    from trainer.data import find_shards

    return find_shards(str(sample_pairs["dir"] / "train"))


@pytest.fixture(scope="module")
def config(sample_pairs):
    from trainer.config import resolve

    return resolve("tiny", model={"vocab_size": sample_pairs["metadata"]["vocab_size"]},
                   data={"train_data": str(sample_pairs["dir"] / "train")})


@pytest.fixture(scope="module")
def spec(shards, config):
    from trainer.masked_lm import masking_spec, read_vocab

    return masking_spec(read_vocab(shards.pairs_dir), config.model.max_doc_len)


def real_documents(shards, config, batches: int, batch_size: int = 64) -> np.ndarray:
    """doc_ids of `batches` training batches: [batches * batch_size, max_doc_len]."""
    from trainer.data import train_dataset

    dataset = train_dataset(shards, config.data, config.model, batch_size, seed=3)
    return np.concatenate([batch["doc_ids"] for batch in
                           dataset.take(batches).as_numpy_iterator()])


def test_masking_follows_berts_recipe_on_real_batches(shards, config, spec):
    from trainer.masked_lm import mask_ids

    ids = real_documents(shards, config, batches=8)
    out = {k: v.numpy() for k, v in mask_ids(ids, [11, 0], spec).items()}
    positions, labels, weights = (out[k] for k in ("masked_lm_positions", "masked_lm_ids",
                                                   "masked_lm_weights"))
    assert positions.shape == (len(ids), math.ceil(0.15 * config.model.max_doc_len))
    candidates = ~np.isin(ids, spec.protected_ids)
    counts, chosen = candidates.sum(axis=1), weights.sum(axis=1).astype(int)
    # Per sequence: 15% of its non-special tokens, rounded, at least one.
    assert np.all(counts > 0)
    assert np.all((chosen >= np.maximum(np.floor(0.15 * counts), 1))
                  & (chosen <= np.maximum(np.ceil(0.15 * counts), 1)))
    # Overall: rounding moves each sequence by at most half a token (and min-1 by < 1).
    share = chosen.sum() / counts.sum()
    assert abs(share - 0.15) <= len(ids) / counts.sum(), share

    rows = np.repeat(np.arange(len(ids))[:, None], positions.shape[1], axis=1)
    live = weights > 0
    r, p = rows[live], positions[live]
    assert len(set(zip(r, p))) == live.sum()  # distinct positions
    assert not np.isin(ids[r, p], spec.protected_ids).any()  # never [CLS]/[SEP]/[PAD]
    np.testing.assert_array_equal(labels[live], ids[r, p])  # labels are the original ids
    assert (positions[~live] == 0).all() and (labels[~live] == 0).all()
    untouched = np.ones_like(ids, bool)
    untouched[r, p] = False
    np.testing.assert_array_equal(out["input_ids"][untouched], ids[untouched])

    new = out["input_ids"][r, p]
    n = live.sum()
    is_mask = new == spec.mask_id
    is_random = ~is_mask & (new != ids[r, p])
    replaced = 1 / len(spec.replacement_ids)  # a random draw of the original token looks kept
    for observed, expected in ((is_mask.mean(), 0.8), (is_random.mean(), 0.1 * (1 - replaced)),
                               ((~is_mask & ~is_random).mean(), 0.1 + 0.1 * replaced)):
        assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (
            observed, expected, n)
    assert np.isin(new[is_random], spec.replacement_ids).all()  # never a reserved token
    print(f"{n} of {counts.sum()} candidate positions chosen ({share:.4f}); "
          f"[MASK] {is_mask.mean():.4f}, random {is_random.mean():.4f}, "
          f"kept {1 - is_mask.mean() - is_random.mean():.4f}")


def test_masking_is_reproducible_and_the_dataset_uses_it(shards, config, spec):
    from trainer.masked_lm import mask_ids
    from trainer.mlm import mlm_dataset

    ids = real_documents(shards, config, batches=1)
    first, again, other = (mask_ids(ids, seed, spec) for seed in ([5, 1], [5, 1], [5, 2]))
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["masked_lm_positions"], other["masked_lm_positions"])

    # A dataset batch is mask_ids of its documents under the seed (seed, batch index).
    for index, batch in enumerate(mlm_dataset(shards, config, spec, 16, seed=9).take(2)):
        live = batch["masked_lm_weights"].numpy() > 0
        rows = np.nonzero(live)[0]
        documents = batch["input_ids"].numpy().copy()
        documents[rows, batch["masked_lm_positions"].numpy()[live]] = (
            batch["masked_lm_ids"].numpy()[live])
        redo = mask_ids(documents, [9, index], spec)
        for name in batch:
            np.testing.assert_array_equal(redo[name], batch[name])


@pytest.fixture(scope="module")
def mlm_run(sample_pairs, tmp_path_factory):
    """`python -m trainer.mlm` (tiny, small batches) on the sample: (result, stdout, model_dir)."""
    from trainer.mlm import main

    model_dir = tmp_path_factory.mktemp("mlm")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = main([f"--train_data={sample_pairs['dir'] / 'train'}",
                       f"--model_dir={model_dir}", "--config=tiny",
                       f"--set=train.steps={MLM_STEPS}", f"--set=train.global_batch_size={BATCH}"])
    return result, out.getvalue(), model_dir


def test_mlm_loss_falls_on_the_sample(mlm_run, sample_pairs):
    from trainer.layout import CONFIG_FILE, METADATA_COPY, VOCAB_COPY
    from trainer.masked_lm import MARKER_FILE

    result, stdout, model_dir = mlm_run
    steps, losses = np.array(result["history"]).T  # (step, mean loss of the loop ending there)
    weights = np.diff(steps, prepend=0)
    assert steps[0] == 1 and steps[-1] == MLM_STEPS

    def mean_loss(where):
        return np.average(losses[where], weights=weights[where])

    start, end = mean_loss(steps <= 20), mean_loss(steps > MLM_STEPS - 20)
    uniform = math.log(sample_pairs["metadata"]["vocab_size"])
    print(f"mlm loss: first 20 steps {start:.3f}, last 20 {end:.3f}, log(vocab) {uniform:.3f}")
    assert abs(start - uniform) < 0.5  # starts at chance
    assert end < start - 1.0
    assert f"step 1/{MLM_STEPS} mlm loss" in stdout  # progress from the first step
    assert "examples/s ETA" in stdout
    for name in (CONFIG_FILE, VOCAB_COPY, METADATA_COPY, MARKER_FILE,
                 f"checkpoints/ckpt-{MLM_STEPS}.index"):
        assert (model_dir / name).exists(), name


def test_xla_compiled_step_matches_the_plain_loss(shards, config, spec):
    import dataclasses

    import tensorflow as tf

    from trainer.masked_lm import (encoder_length, make_pretrainer, make_replica_step,
                                   masked_lm_loss)
    from trainer.mlm import mlm_dataset
    from trainer.train_lib import make_optimizer

    model_config = dataclasses.replace(config.model, dropout=0.0)  # the same loss both ways
    model = make_pretrainer(model_config, encoder_length(model_config), spec.max_predictions)
    batch = next(iter(mlm_dataset(shards, config, spec, BATCH, seed=1)))
    plain = float(masked_lm_loss(model(batch, training=True), batch["masked_lm_ids"],
                                 batch["masked_lm_weights"])[0])
    before = [v.numpy() for v in model.trainable_variables]
    optimizer = make_optimizer(dataclasses.replace(config.train, warmup_fraction=0.0))
    step = make_replica_step(model, optimizer, BATCH, jit_compile=True)
    with tf.device("/CPU:0"):
        compiled = float(step(batch)["loss"])
    assert compiled == pytest.approx(plain, rel=1e-5)
    assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before,
                                                                  model.trainable_variables))


def test_restore_encoder_puts_the_mlm_encoder_into_a_tower(mlm_run, tmp_path):
    import dataclasses

    import tensorflow as tf

    from trainer.config import from_yaml
    from trainer.layout import CONFIG_FILE
    from trainer.warm_start import restore_encoder
    from trainer.model import Tower, build_model

    result, _, model_dir = mlm_run
    trained = result["encoder"]
    model_config = from_yaml((model_dir / CONFIG_FILE).read_text()).model
    tower = build_model(model_config).towers()[0]
    restore_encoder(str(model_dir), tower.encoder)
    assert len(tower.encoder.weights) == len(trained.weights)
    for restored, original in zip(tower.encoder.weights, trained.weights):
        np.testing.assert_array_equal(restored.numpy(), original.numpy())

    # A 64-token query tower gets the first rows of the position table, the rest as it is.
    short = Tower(model_config, 64)
    short(tf.zeros([1, 64], tf.int32))
    restore_encoder(str(model_dir), short.encoder)
    for restored, original in zip(short.encoder.weights, trained.weights):
        np.testing.assert_array_equal(restored.numpy(), original.numpy()[:restored.shape[0]])

    with pytest.raises(ValueError, match="not an MLM pre-training run"):
        restore_encoder(str(tmp_path), tower.encoder)
    narrower = Tower(dataclasses.replace(model_config, hidden_size=32), 64)
    narrower(tf.zeros([1, 64], tf.int32))
    with pytest.raises(ValueError, match="hidden_size=64"):
        restore_encoder(str(model_dir), narrower.encoder)


def test_trainer_starts_both_towers_from_the_mlm_encoder(mlm_run, sample_pairs, tmp_path):
    """`python -m trainer.task --init_checkpoint=MLM_DIR` with separate towers: the MLM run's
    model section is inherited and both encoders start from its weights (learning rate 0: they
    stay there), the projection is new."""
    from trainer.task import main

    result, _, mlm_dir = mlm_run
    trained = main([f"--train_data={sample_pairs['dir'] / 'train'}",
                    f"--model_dir={tmp_path / 'two_tower'}", "--config=tiny",
                    f"--init_checkpoint={mlm_dir}", "--set=model.share_towers=false",
                    "--set=train.steps=1", "--set=train.learning_rate=0.0",
                    "--set=train.global_batch_size=4", "--no_export"])
    model = trained["model"]
    assert len(model.towers()) == 2
    for tower in model.towers():
        for restored, original in zip(tower.encoder.weights, result["encoder"].weights):
            np.testing.assert_array_equal(restored.numpy(),
                                          original.numpy()[:restored.shape[0]])
