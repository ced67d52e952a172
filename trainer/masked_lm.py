"""The masked-LM side of the paper's token-level baseline: BERT's masking of WordPiece ids (tf
ops, static shapes), a tower's encoder under tf-models-official's MaskedLM head, its loss and
replica step, and the marker that says a model_dir holds such a run. `python -m trainer.mlm`
trains it (trainer/mlm.py); trainer.warm_start starts towers from its encoder."""
from __future__ import annotations

import dataclasses
import json
import math
import posixpath
from typing import Sequence

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.config import ModelConfig

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
    from schemas.vocab import FRAMING_TOKENS, MASK, reserved_ids

    reserved = reserved_ids(vocab)
    return MaskingSpec(
        mask_id=reserved[MASK], protected_ids=tuple(reserved[t] for t in FRAMING_TOKENS),
        replacement_ids=tuple(sorted(set(range(len(vocab))) - set(reserved.values()))),
        max_predictions=max_predictions(max_len, rate), rate=rate)


def read_vocab(pairs_dir: str) -> list[str]:
    from schemas.pairs import VOCAB_FILE
    from schemas.vocab import parse_vocab, read_bytes

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
