"""Two towers: tf-models-official's BertEncoderV2, pooled ([CLS] or mean over the tokens), a linear
projection to the embedding, optionally L2-normalised. A tower takes int32 ids only: the attention
mask is `ids != [PAD]` (the vocabulary puts [PAD] at id 0, checked by pipeline.tokenizer) and the
segment ids come from the framing of the ids themselves (`input_type_ids`), so the training
batches, the text signature and the `encode_ids` serving signature cannot disagree about either."""
from __future__ import annotations

import dataclasses

import tensorflow as tf
import tf_keras
from official.nlp.modeling.networks import BertEncoderV2

from trainer.config import ModelConfig

PAD_ID = 0
POOLINGS = ("cls", "mean")


def pool(sequence, mask, pooling: str):
    """[batch, len, hidden] -> [batch, hidden]: the first ([CLS]) token, or the mean of the
    unpadded tokens."""
    if pooling == "cls":
        return sequence[:, 0, :]
    if pooling == "mean":
        weights = tf.cast(mask, sequence.dtype)[:, :, None]
        return tf.reduce_sum(sequence * weights, axis=1) / tf.maximum(
            tf.reduce_sum(weights, axis=1), 1)
    raise ValueError(f"unknown pooling {pooling!r} (expected one of {POOLINGS})")


def input_type_ids(ids):
    """BERT's segment ids for framed ids [batch, len]: 0 up to and including the first [SEP]
    (`[CLS] title [SEP]`, or a whole query), 1 after it (`passage [SEP]`), 0 on padding.

    Every row the project frames (pipeline/sampling.py, trainer/export.py, reqa) ends with [SEP], so
    a row's last unpadded token is the [SEP] id: reading it there needs no vocabulary in the model
    (a learned vocab puts [SEP] at 3, BERT's at 102) and no string op (XLA and TPU serving run it).
    """
    mask = tf.not_equal(ids, PAD_ID)
    last = tf.maximum(tf.reduce_sum(tf.cast(mask, tf.int32), axis=1) - 1, 0)
    sep = tf.gather(ids, last, axis=1, batch_dims=1)[:, None]
    seps_before = tf.cumsum(tf.cast(tf.equal(ids, sep) & mask, tf.int32), axis=1, exclusive=True)
    return tf.cast((seps_before > 0) & mask, tf.int32)


class Tower(tf_keras.Model):
    """int32 ids [batch, len] -> float32 embedding [batch, output_dim]."""

    def __init__(self, config: ModelConfig, max_len: int, **kwargs):
        super().__init__(**kwargs)
        if config.pooling not in POOLINGS:
            raise ValueError(f"model.pooling must be one of {POOLINGS}, got {config.pooling!r}")
        self.config = config
        self.max_len = max_len
        self.encoder = BertEncoderV2(
            vocab_size=config.vocab_size, hidden_size=config.hidden_size,
            num_layers=config.num_layers, num_attention_heads=config.num_heads,
            inner_dim=config.intermediate_size, inner_activation=config.activation,
            type_vocab_size=config.type_vocab_size, max_sequence_length=max_len,
            output_dropout=config.dropout, attention_dropout=config.dropout)
        # The paper's embedding is a linear map of [CLS]; BERT's tanh pooler is not used.
        self.encoder.pooler_layer.trainable = False
        # output_dim 0: the pooled output is the embedding, as sentence-transformers models are used.
        self.projection = (tf_keras.layers.Dense(config.output_dim, dtype="float32",
                                                 name="projection")
                           if config.output_dim else None)

    def get_config(self):  # plain values, so that SavedModel export can record them
        return {"config": dataclasses.asdict(self.config), "max_len": self.max_len}

    def start_segments_alike(self):
        """Give every segment the type embedding of segment 0. From scratch, a random segment-1
        row is noise on each passage token that no query token has (measured: lower held-out MRR
        for `tiny`); alike, segments start as if absent and part as training needs. Restoring a
        checkpoint or a pre-trained BERT overwrites the table."""
        types = next(v for v in self.encoder.weights if "type_embeddings" in v.name)
        types.assign(tf.tile(types[:1], [types.shape[0], 1]))

    def call(self, ids, training=False):
        mask = tf.cast(tf.not_equal(ids, PAD_ID), tf.int32)
        outputs = self.encoder({"input_word_ids": ids, "input_mask": mask,
                                "input_type_ids": input_type_ids(ids)}, training=training)
        pooled = pool(outputs["sequence_output"], mask, self.config.pooling)
        embedding = tf.cast(pooled, tf.float32)
        if self.projection is not None:
            embedding = self.projection(embedding)
        return tf.math.l2_normalize(embedding, axis=-1) if self.config.normalize else embedding


class TwoTower(tf_keras.Model):
    """{'query_ids', 'doc_ids'} -> (query embeddings, doc embeddings); with `share_towers` both
    sides are the same Tower (its position table covers the longer side)."""

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        if config.share_towers:
            self.query_tower = self.doc_tower = Tower(
                config, max(config.max_query_len, config.max_doc_len), name="tower")
        else:
            self.query_tower = Tower(config, config.max_query_len, name="query_tower")
            self.doc_tower = Tower(config, config.max_doc_len, name="doc_tower")

    def get_config(self):
        return {"config": dataclasses.asdict(self.config)}

    def towers(self) -> list[Tower]:
        """The distinct towers: one when they are shared."""
        return [self.query_tower] if self.config.share_towers else [self.query_tower,
                                                                     self.doc_tower]

    def call(self, batch, training=False):
        return (self.query_tower(batch["query_ids"], training=training),
                self.doc_tower(batch["doc_ids"], training=training))


def build_model(config: ModelConfig) -> TwoTower:
    """A TwoTower with its variables created (call inside strategy.scope() when distributing)."""
    model = TwoTower(config)
    model({"query_ids": tf.zeros([1, config.max_query_len], tf.int32),
           "doc_ids": tf.zeros([1, config.max_doc_len], tf.int32)})
    for tower in (model.query_tower, model.doc_tower):
        tower.start_segments_alike()
    return model
