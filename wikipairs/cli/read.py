"""Shards -> tf.data batches of records: files read in parallel, each batch from one file and tagged
with that file's index and the record number of its first record, so that whatever the commands
compute per batch (vectorized) can still name the file and record it is about."""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Callable, Sequence

import tensorflow as tf

from schemas.pairs import COMPRESSION, feature_spec

READ_BUFFER_BYTES = 4 << 20


@dataclasses.dataclass(frozen=True)
class ReadConfig:
    batch_size: int = 1024
    parallel_files: int = 0  # files read at once; 0: one per core, at least 2
    deterministic: bool = False  # a fixed order of batches (export, show) at some cost in speed

    @property
    def files_at_once(self) -> int:
        return self.parallel_files or max(2, os.cpu_count() or 1)

    def cycle_length(self, files: int) -> int:
        return max(1, min(files, self.files_at_once))


def record_batches(paths: Sequence[str], config: ReadConfig,
                   map_fn: Callable[[dict], dict] | None = None) -> tf.data.Dataset:
    """Elements {'file': index into paths, 'start': record number of the batch's first record in
    its file, 'serialized': [batch] records}, then `map_fn` of them, computed in parallel: inside
    each file's branch of the interleave when there are files enough to keep every branch busy
    (no second thread pool and hand-over: the fastest reading, floor D of bench/cli_bench.py),
    else after it, in parallel over batches."""
    files = tf.constant(list(paths), tf.string)
    in_file = map_fn is not None and len(paths) >= config.files_at_once

    def file_batches(index):
        def tagged(k, serialized):
            batch = {"file": index, "start": k * config.batch_size, "serialized": serialized}
            return map_fn(batch) if in_file else batch

        records = tf.data.TFRecordDataset(files[index], COMPRESSION, READ_BUFFER_BYTES)
        return records.batch(config.batch_size).enumerate().map(tagged)

    dataset = tf.data.Dataset.range(len(paths)).interleave(
        file_batches, cycle_length=config.cycle_length(len(paths)),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=config.deterministic)
    if map_fn is not None and not in_file:
        dataset = dataset.map(map_fn, num_parallel_calls=tf.data.AUTOTUNE,
                              deterministic=config.deterministic)
    return dataset.prefetch(tf.data.AUTOTUNE)


def parse(serialized: tf.Tensor, with_text: bool = False,
          names: Sequence[str] | None = None) -> dict:
    """tf.io.parse_example with the schema's spec (all features, or only `names`)."""
    spec = feature_spec(with_text)
    if names is not None:
        spec = {name: spec[name] for name in names}
    return tf.io.parse_example(serialized, spec)


def parsed_batches(paths: Sequence[str], config: ReadConfig, with_text: bool) -> tf.data.Dataset:
    """Batches with every feature parsed (ids ragged), and per record its 'file' (index into
    paths) and 'record' (number in its file)."""
    def parse_batch(batch):
        features = parse(batch["serialized"], with_text)
        size = tf.size(batch["serialized"], out_type=tf.int64)
        return {"file": tf.fill([size], batch["file"]),
                "record": batch["start"] + tf.range(size), **features}

    return record_batches(paths, config, parse_batch)


def tf_error_text(error) -> str:
    """The reason in a TensorFlow error message, without op, function and iterator names."""
    text = re.sub(r"\{\{[^}]*\}\}\s*|\s*\[\[.*?\]\]|Name: <unknown>, ", "", error.message)
    text = re.sub(r"^Error in user-defined function .*? with iterator: \S+: ", "", text)
    return re.sub(r"\s*\[Op:[^\]]*\].*$", "", text, flags=re.S).strip()
