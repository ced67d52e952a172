"""`python -m trainer.mlm`: masked-LM pre-training of the towers' encoder, the paper's token-level
baseline (BERT's MLM), on the passages the pair tasks use: the document sides of the pair shards.

    python -m trainer.mlm --config=tiny --train_data=out/demo/pairs/train --model_dir=out/mlm \\
        [--config_file=F] [--set train.steps=500 ...] [--strategy=...] [--jit_compile]
    python -m trainer.task --init_checkpoint=out/mlm ...   # both towers start from its encoder

Masking is BERT's recipe, done in tf.data by stateless random ops seeded by (train.seed + start
step, input pipeline, batch index), so a batch's masks are a function of its ids and that seed: of
each sequence's positions that are not [CLS]/[SEP]/[PAD], round(15%) are chosen (at least one),
of which 80% become [MASK], 10% a random token that is not a reserved one, 10% stay as they are.
Static shapes: every batch holds `max_predictions(max_doc_len)` = ceil(15% of max_doc_len)
positions, padded with position 0, label 0, weight 0. The loss is the softmax cross-entropy over
the vocabulary at the chosen positions, averaged over them.

The model is a Tower's encoder (`Tower(config.model, encoder_length(config.model)).encoder`: its
variables are exactly a tower's) under tf-models-official's `MaskedLM` head, whose output
embedding is tied to the encoder's word embeddings (BertPretrainerV2's head; BertPretrainerV2
itself wants a functional encoder with `.inputs`, which BertEncoderV2 is not).

model_dir, written as trainer.task writes its own (names from trainer.layout):
    config.yaml                     the resolved ExperimentConfig: its `model` section is what
                                    `trainer.task --init_checkpoint=MODEL_DIR` inherits
    vocab.txt, pairs_metadata.json  copies of the shards' (the warm start checks the vocab sha256)
    mlm.json                        MARKER_FILE: says this is an MLM run, and the encoder's length
    checkpoints/ckpt-N              tf.train.Checkpoint(encoder=BertEncoderV2,
                                    masked_lm=MaskedLM, optimizer=Adam); resumed automatically
    train/                          TensorBoard scalars (loss, masked accuracy, learning rate)
`restore_encoder(model_dir, encoder)` loads the latest checkpoint's encoder into a tower's.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import posixpath
import sys
import time
from typing import Sequence

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.config import ExperimentConfig, ModelConfig, to_yaml
from trainer.layout import CHECKPOINT_DIR

MARKER_FILE = "mlm.json"
MARKER_KIND = "mlm"
MASK_RATE = 0.15
MASK_SHARE, RANDOM_SHARE = 0.8, 0.1  # of the chosen positions; the remaining 10% stay
POSITION_TABLE = "position_embedding/embeddings"
# What must agree between the MLM encoder and the one it initialises (the length need not).
ARCHITECTURE = ("vocab_size", "hidden_size", "num_layers", "num_attention_heads", "inner_dim",
                "inner_activation", "type_vocab_size", "norm_first", "embedding_width")


@dataclasses.dataclass(frozen=True)
class MaskingSpec:
    """The vocabulary's ids the masking needs, and how many positions a sequence has room for."""

    mask_id: int
    protected_ids: tuple[int, ...]  # never chosen: the framing tokens
    replacement_ids: tuple[int, ...]  # what a random replacement draws from: no reserved token
    max_predictions: int
    rate: float = MASK_RATE


def max_predictions(max_len: int, rate: float = MASK_RATE) -> int:
    return math.ceil(rate * max_len)


def encoder_length(model: ModelConfig) -> int:
    """The MLM encoder's position table: the longest tower's, so every tower's is a prefix."""
    return max(model.max_query_len, model.max_doc_len)


def masking_spec(vocab: Sequence[str], max_len: int, rate: float = MASK_RATE) -> MaskingSpec:
    from schemas.tokenizer import FRAMING_TOKENS, MASK, reserved_ids

    reserved = reserved_ids(vocab)
    return MaskingSpec(
        mask_id=reserved[MASK], protected_ids=tuple(reserved[t] for t in FRAMING_TOKENS),
        replacement_ids=tuple(sorted(set(range(len(vocab))) - set(reserved.values()))),
        max_predictions=max_predictions(max_len, rate), rate=rate)


def read_vocab(pairs_dir: str) -> list[str]:
    from schemas.pairs import VOCAB_FILE
    from schemas.tokenizer import parse_vocab, read_bytes

    return parse_vocab(read_bytes(posixpath.join(pairs_dir, VOCAB_FILE)))


def mask_ids(ids, seed, spec: MaskingSpec) -> dict:
    """int32 ids [batch, len] and a stateless seed [2] -> BERT's masked-LM features:
    input_ids (the ids with the chosen positions replaced), masked_lm_positions / _ids (the
    original ids there) / _weights (1.0, 0.0 on padding), each [batch, max_predictions]."""
    import tensorflow as tf

    ids = tf.convert_to_tensor(ids, tf.int32)
    seed = tf.cast(seed, tf.int64)  # the split seeds' values depend on the seed's dtype
    choice_seed, action_seed, token_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 3))
    candidate = tf.reduce_all(tf.not_equal(ids[:, :, None], spec.protected_ids), axis=-1)
    count = tf.reduce_sum(tf.cast(candidate, tf.int32), axis=1)
    wanted = tf.cast(tf.round(spec.rate * tf.cast(count, tf.float32)), tf.int32)
    wanted = tf.minimum(tf.clip_by_value(wanted, 1, spec.max_predictions), count)
    # A random order of the candidates (the others last); the first `wanted` are chosen.
    scores = tf.where(candidate, tf.random.stateless_uniform(tf.shape(ids), choice_seed), -1.0)
    positions = tf.math.top_k(scores, k=spec.max_predictions).indices
    chosen = tf.sequence_mask(wanted, spec.max_predictions)
    positions = tf.where(chosen, positions, 0)
    labels = tf.where(chosen, tf.gather(ids, positions, batch_dims=1), 0)

    shape = tf.shape(positions)
    action = tf.random.stateless_uniform(shape, action_seed)
    replacements = tf.constant(spec.replacement_ids, tf.int32)
    random_ids = tf.gather(replacements, tf.random.stateless_uniform(
        shape, token_seed, maxval=len(spec.replacement_ids), dtype=tf.int32))
    new_ids = tf.where(action < MASK_SHARE, spec.mask_id,
                       tf.where(action < MASK_SHARE + RANDOM_SHARE, random_ids, labels))
    rows = tf.broadcast_to(tf.range(shape[0])[:, None], shape)
    where = tf.boolean_mask(tf.stack([rows, positions], axis=-1), chosen)
    return {"input_ids": tf.tensor_scatter_nd_update(ids, where, tf.boolean_mask(new_ids, chosen)),
            "masked_lm_positions": positions, "masked_lm_ids": labels,
            "masked_lm_weights": tf.cast(chosen, tf.float32)}


def mlm_dataset(shards, config: ExperimentConfig, spec: MaskingSpec, global_batch_size: int,
                input_context=None, seed: int = 0):
    """Endless masked batches of the shards' documents: trainer.data's training batches (tasks
    mixed, multi-host partition, static shapes), their doc_ids masked by `mask_ids`."""
    import tensorflow as tf

    from trainer.data import _pipeline, train_dataset

    pipelines, index = _pipeline(input_context)
    batches = train_dataset(shards, config.data, config.model, global_batch_size, input_context,
                            seed=seed)
    return (batches.enumerate()
            .map(lambda i, batch: mask_ids(batch["doc_ids"], [seed, i * pipelines + index], spec),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def encoder_inputs(ids) -> dict:
    """What a Tower feeds its encoder for these ids (trainer.model: padding and segments are read
    off the ids). Masking keeps both: [PAD] and [SEP] are never chosen nor drawn."""
    import tensorflow as tf

    from trainer.model import PAD_ID, input_type_ids

    return {"input_word_ids": ids, "input_mask": tf.cast(tf.not_equal(ids, PAD_ID), tf.int32),
            "input_type_ids": input_type_ids(ids)}


def build_encoder(model: ModelConfig, max_len: int):
    """A tower's BertEncoderV2 (Tower(model, max_len).encoder) with its variables created."""
    import tensorflow as tf

    from trainer.model import Tower

    encoder = Tower(model, max_len).encoder
    encoder(encoder_inputs(tf.zeros([1, max_len], tf.int32)))
    return encoder


def make_pretrainer(model: ModelConfig, max_len: int, max_predictions_per_seq: int):
    """A Keras model: masked batch -> logits [batch, max_predictions, vocab_size]; its
    `encoder` and `masked_lm` are what the checkpoints hold."""
    import tensorflow as tf
    import tf_keras
    from official.nlp.modeling.layers import MaskedLM

    class Pretrainer(tf_keras.Model):
        def __init__(self):
            super().__init__(name="mlm_pretrainer")
            self.encoder = build_encoder(model, max_len)
            self.masked_lm = MaskedLM(
                embedding_table=self.encoder.get_embedding_table(), activation=model.activation,
                initializer=tf_keras.initializers.TruncatedNormal(stddev=0.02),
                name="cls/predictions")

        def call(self, batch, training=False):
            outputs = self.encoder(encoder_inputs(batch["input_ids"]), training=training)
            return self.masked_lm(outputs["sequence_output"],
                                  masked_positions=batch["masked_lm_positions"])

    pretrainer = Pretrainer()
    pretrainer({"input_ids": tf.zeros([1, max_len], tf.int32),
                "masked_lm_positions": tf.zeros([1, max_predictions_per_seq], tf.int32)})
    return pretrainer


def masked_lm_loss(logits, labels, weights):
    """(mean cross-entropy, accuracy) over the positions with weight 1."""
    import tensorflow as tf

    logits = tf.cast(logits, tf.float32)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=labels.dtype), labels),
                      tf.float32)
    total = tf.maximum(tf.reduce_sum(weights), 1.0)
    return tf.reduce_sum(losses * weights) / total, tf.reduce_sum(correct * weights) / total


def make_replica_step(model, optimizer, global_batch_size: int, jit_compile: bool = False):
    """One optimisation step on one replica's masked batch, in trainer.train_lib.make_train_loop's
    units: `loss` this replica's share of the mean (apply_gradients sums the replicas'
    gradients), `correct` such that the loop's correct / (steps * global batch) is the masked
    accuracy."""
    import tensorflow as tf

    def step(batch):
        replicas = tf.distribute.get_replica_context().num_replicas_in_sync
        with tf.GradientTape() as tape:
            loss, accuracy = masked_lm_loss(model(batch, training=True), batch["masked_lm_ids"],
                                            batch["masked_lm_weights"])
            loss = loss / replicas
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return {"loss": loss, "correct": accuracy * (global_batch_size / replicas)}

    return tf.function(step, jit_compile=True) if jit_compile else step


def progress_line(step: int, total: int, loss: float, accuracy: float, learning_rate: float,
                  examples_per_second: float, seconds_per_step: float) -> str:
    from trainer.task import format_duration

    return (f"step {step}/{total} mlm loss {loss:.4f} masked acc {accuracy:.3f} "
            f"lr {learning_rate:.2e} {examples_per_second:,.0f} examples/s "
            f"ETA {format_duration((total - step) * seconds_per_step)}")


def marker(model: ModelConfig) -> dict:
    return {"kind": MARKER_KIND, "max_len": encoder_length(model),
            "max_predictions_per_seq": max_predictions(model.max_doc_len), "mask_rate": MASK_RATE,
            "checkpoint_items": ["encoder", "masked_lm", "optimizer"]}


def read_marker(model_dir: str) -> dict | None:
    """model_dir's MLM marker, or None when model_dir is not an MLM run's."""
    import tensorflow as tf

    path = posixpath.join(model_dir, MARKER_FILE)
    if not tf.io.gfile.exists(path):
        return None
    with tf.io.gfile.GFile(path) as handle:
        found = json.loads(handle.read())
    return found if found.get("kind") == MARKER_KIND else None


def is_mlm_run(model_dir: str) -> bool:
    return read_marker(model_dir) is not None


def train(config: ExperimentConfig, strategy, model_dir: str, jit_compile: bool = False) -> dict:
    """trainer.task's loop for the masked LM: run inputs and marker written, resumed from
    model_dir's latest checkpoint, progress from the first step. Returns the encoder, the last
    loop's numbers and every loop's (step, loss)."""
    import tempfile

    import tensorflow as tf

    from trainer.data import check_shards, find_shards
    from trainer.task import is_chief, save_run_inputs, steps_this_loop, write_scalars, write_text
    from trainer.train_lib import make_optimizer, make_train_loop

    train = config.train
    shards = find_shards(config.data.train_data)
    check_shards(shards, config.model, config.data.vocab_sha256)
    spec = masking_spec(read_vocab(shards.pairs_dir), config.model.max_doc_len)
    chief = is_chief(strategy)
    write_dir = model_dir if chief else tempfile.mkdtemp(prefix="wikipairs_worker_")
    save_run_inputs(config, shards.pairs_dir, write_dir)
    write_text(posixpath.join(write_dir, MARKER_FILE), json.dumps(marker(config.model), indent=2))

    with strategy.scope():
        model = make_pretrainer(config.model, encoder_length(config.model), spec.max_predictions)
        optimizer = make_optimizer(train)
        optimizer.build(model.trainable_variables)
    checkpoint = tf.train.Checkpoint(encoder=model.encoder, masked_lm=model.masked_lm,
                                     optimizer=optimizer)
    manager = tf.train.CheckpointManager(checkpoint, posixpath.join(write_dir, CHECKPOINT_DIR),
                                         max_to_keep=3, step_counter=optimizer.iterations)
    if latest := tf.train.latest_checkpoint(posixpath.join(model_dir, CHECKPOINT_DIR)):
        checkpoint.restore(latest).assert_existing_objects_matched()
    print(f"masked LM on the documents of {shards.pairs_dir} with "
          f"{strategy.num_replicas_in_sync} replica(s), global batch {train.global_batch_size}, "
          f"{spec.max_predictions} predictions per sequence; "
          + (f"resumed from {latest}" if latest else "starting from scratch"), flush=True)
    step = first_step = int(optimizer.iterations.numpy())
    iterator = iter(strategy.distribute_datasets_from_function(
        lambda context: mlm_dataset(shards, config, spec, train.global_batch_size, context,
                                    seed=train.seed + step)))
    loop = make_train_loop(strategy, make_replica_step(model, optimizer, train.global_batch_size,
                                                       jit_compile), train.global_batch_size)
    writer = tf.summary.create_file_writer(posixpath.join(write_dir, "train"))
    history, last, started = [], {"step": step}, time.time()
    while step < train.steps:
        # One step first: the progress line (and any error) comes before a whole loop has run.
        steps = 1 if step == first_step else steps_this_loop(
            step, train.steps, train.steps_per_loop, train.checkpoint_every, train.log_every)
        loop_start = time.time()
        loss, accuracy = (float(value) for value in loop(iterator, tf.constant(steps)))
        seconds = time.time() - loop_start
        step = int(optimizer.iterations.numpy())
        learning_rate = float(optimizer.learning_rate.numpy())
        rate = steps * train.global_batch_size / seconds
        write_scalars(writer, step, {"mlm_loss": loss, "masked_accuracy": accuracy,
                                     "learning_rate": learning_rate, "examples_per_second": rate})
        history.append((step, loss))
        last = {"step": step, "loss": loss, "accuracy": accuracy, "examples_per_second": rate}
        if step % train.log_every == 0 or step == train.steps or step == first_step + steps:
            per_step = (time.time() - started) / (step - first_step)
            print(progress_line(step, train.steps, loss, accuracy, learning_rate, rate, per_step),
                  flush=True)
        if step % train.checkpoint_every == 0 or step == train.steps:
            manager.save(checkpoint_number=step)
    writer.flush()
    return {"encoder": model.encoder, "history": history, **last}


def restore_encoder(model_dir: str, encoder) -> str:
    """Load the encoder of model_dir's latest MLM checkpoint into `encoder`, a built tower's
    BertEncoderV2 (e.g. `tower.encoder` of trainer.model.build_model) of the same architecture
    (the run's config.yaml `model` section). A shorter position table (a 64-token query tower)
    gets the first rows, which are all a shorter encoder reads. All checks pass before the first
    variable changes; returns the checkpoint path. ValueError / FileNotFoundError say what is
    wrong."""
    import tensorflow as tf

    from trainer.config import apply_overrides
    from trainer.hf_checkpoint import _relative_name
    from trainer.warm_start import resolve_warm_start

    found = read_marker(model_dir)
    if found is None:
        raise ValueError(f"{model_dir} is not an MLM pre-training run's model_dir "
                         f"({posixpath.join(model_dir, MARKER_FILE)} is missing; "
                         "python -m trainer.mlm writes it)")
    # The latest checkpoint and the run's model section, found as any warm start finds them.
    warm_start = resolve_warm_start(model_dir)
    source = build_encoder(apply_overrides(ModelConfig(), warm_start.model_overrides),
                           found["max_len"])
    (tf.train.Checkpoint(encoder=source).read(warm_start.checkpoint)
     .assert_existing_objects_matched().expect_partial())
    built, wanted = source.get_config(), encoder.get_config()
    if differ := [key for key in ARCHITECTURE if built[key] != wanted[key]]:
        raise ValueError(f"{model_dir}: the MLM encoder has " + ", ".join(
            f"{key}={built[key]!r}" for key in differ) + "; the encoder to initialise has "
            + ", ".join(f"{key}={wanted[key]!r}" for key in differ)
            + " (build it from the run's config.yaml model section)")
    if not encoder.weights:
        raise ValueError("the encoder has no variables yet: call it once first")
    values = {_relative_name(variable, source): variable.numpy() for variable in source.weights}
    targets = []
    for variable in encoder.weights:
        value = values[_relative_name(variable, encoder)]
        if _relative_name(variable, encoder) == POSITION_TABLE:
            value = value[:variable.shape[0]]  # BertEncoderV2 reads the first seq_len rows only
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"{model_dir}: {variable.name} {tuple(variable.shape)} does not fit "
                             f"the MLM encoder's {tuple(value.shape)}")
        targets.append((variable, value))
    for variable, value in targets:
        variable.assign(value)
    return warm_start.checkpoint


def parse_args(argv=None) -> argparse.Namespace:
    from trainer.task import add_run_flags

    parser = argparse.ArgumentParser(prog="python -m trainer.mlm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_flags(parser)
    parser.add_argument("--jit_compile", action="store_true",
                        help="XLA-compile the step (one_device; TPU steps are compiled anyway)")
    parser.set_defaults(eval_data=None, init_checkpoint=None)  # trainer.task.resolve_config's
    args = parser.parse_args(argv)
    if args.jit_compile and args.strategy != "one_device":
        # XLA cannot compile a step whose variables sit on several devices (its known issue
        # "tf.Variable on a different device"): say so before a long trace does.
        parser.error("--jit_compile needs --strategy=one_device")
    return args


def main(argv=None) -> dict:
    from trainer.task import make_strategy, prepare_run

    args = parse_args(argv)
    config = prepare_run(args)
    print(f"resolved config:\n{to_yaml(config)}", flush=True)
    return train(config, make_strategy(args), args.model_dir, args.jit_compile)


if __name__ == "__main__":
    main(sys.argv[1:])
