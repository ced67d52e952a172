"""The checks of one batch of records, vectorized: feature names and value kinds from decoding
the protobufs in TensorFlow (`tf.io.decode_proto`), values from `tf.io.parse_example`, and numpy
masks to flag the bad records. Python runs only for the records that fail, to say which and why.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from schemas.pairs import FEATURES, PAIRS_SCHEMA_VERSION, TASKS, TEXT_FEATURES

ALL_FEATURES = {**FEATURES, **TEXT_FEATURES}
NAMES = tuple(ALL_FEATURES)
VALUE_KINDS = ("bytes_list", "float_list", "int64_list")  # tf.train.Feature's oneof, in order
KIND_OF_DTYPE = {"bytes": "bytes_list", "int64": "int64_list"}
LIST_LIMITS = {"query_ids": "query", "doc_ids": "doc"}  # list feature -> side of max lengths

Found = list[tuple[int, str, str]]  # (record number in the batch, kind of problem, what)


@dataclasses.dataclass(frozen=True)
class Expectations:
    """What every record must satisfy; None: not known, not checked."""

    vocab_size: int | None
    cls_id: int | None
    sep_id: int | None
    max_lengths: dict[str, int] | None
    keep_text: bool | None
    schema_version: int = PAIRS_SCHEMA_VERSION


# --- feature names and kinds: the protobuf structure ------------------------------------------


def _first_field(decoded, index: int, default):
    """The first value of field `index` of each decoded message, and whether it was there."""
    import tensorflow as tf

    present = decoded.sizes[:, index] > 0
    values = tf.RaggedTensor.from_tensor(decoded.values[index], lengths=decoded.sizes[:, index])
    return values.to_tensor(default, shape=[None, 1])[:, 0], present


def feature_entries(serialized) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record of each feature entry, its name, its value kind: index in VALUE_KINDS or -1).

    Raises tf.errors.OpError when a record is not a protobuf at all.
    """
    import tensorflow as tf

    nothing = (np.empty(0, np.int64), np.empty(0, object), np.empty(0, np.int32))
    decode = tf.io.decode_proto  # which fails on an empty batch: hence the early returns
    examples = decode(serialized, "tensorflow.Example", ["features"], [tf.string])
    features, has_features = _first_field(examples, 0, b"")
    if not tf.reduce_any(has_features):
        return nothing
    records = tf.where(has_features)[:, 0]
    maps = decode(tf.boolean_mask(features, has_features), "tensorflow.Features", ["feature"],
                  [tf.string])
    entries = tf.RaggedTensor.from_tensor(maps.values[0], lengths=maps.sizes[:, 0])
    if tf.size(entries.flat_values) == 0:
        return nothing
    record_of_entry = tf.gather(records, entries.value_rowids())
    pairs = decode(entries.flat_values, "tensorflow.Features.FeatureEntry", ["key", "value"],
                   [tf.string, tf.string])
    keys, _ = _first_field(pairs, 0, b"")
    values, _ = _first_field(pairs, 1, b"")
    kinds = decode(values, "tensorflow.Feature", list(VALUE_KINDS), [tf.string] * 3).sizes > 0
    kind = tf.where(tf.reduce_any(kinds, axis=1),
                    tf.argmax(tf.cast(kinds, tf.int32), axis=1, output_type=tf.int32), -1)
    return record_of_entry.numpy(), keys.numpy(), kind.numpy()


def structure_problems(records: int, entries: tuple[np.ndarray, np.ndarray, np.ndarray],
                       expectations: Expectations) -> Found:
    """Unknown, missing and wrongly typed features, per record of the batch."""
    record_of_entry, keys, kind = entries
    found: Found = []
    names, name_of_entry = np.unique(keys, return_inverse=True)
    name_index = np.array([NAMES.index(n.decode()) if n.decode() in ALL_FEATURES
                           else -1 for n in names.tolist()], np.int64)[name_of_entry]
    for i in np.flatnonzero(name_index < 0):
        found.append((int(record_of_entry[i]), "feature",
                      f"unknown feature {keys[i].decode('utf-8', 'replace')!r}"))
    wanted = np.array([VALUE_KINDS.index(KIND_OF_DTYPE[dtype])
                       for _, dtype in ALL_FEATURES.values()])
    known = name_index >= 0
    wrong = known & (kind >= 0) & (kind != wanted[np.maximum(name_index, 0)])
    for i in np.flatnonzero(wrong):
        name = NAMES[name_index[i]]
        found.append((int(record_of_entry[i]), "feature",
                      f"{name} is a {VALUE_KINDS[kind[i]]}, schemas/pairs.py says "
                      f"{KIND_OF_DTYPE[ALL_FEATURES[name][1]]}"))
    present = np.zeros((records, len(ALL_FEATURES)), bool)
    present[record_of_entry[known], name_index[known]] = True
    required = list(FEATURES) + (list(TEXT_FEATURES) if expectations.keep_text else [])
    for name in required:
        for i in np.flatnonzero(~present[:, NAMES.index(name)]):
            found.append((int(i), "feature", f"feature {name} is missing"))
    if expectations.keep_text is False:
        for name in TEXT_FEATURES:
            for i in np.flatnonzero(present[:, NAMES.index(name)]):
                found.append((int(i), "feature",
                              f"has {name} but metadata.json says keep_text is false"))
    return found


# --- values ------------------------------------------------------------------------------------


def lenient_spec() -> dict:
    """Every feature as a RaggedFeature of its dtype: parsing never fails on a count of values,
    so a scalar with none or two values is reported instead of stopping the batch."""
    import tensorflow as tf

    return {name: tf.io.RaggedFeature(tf.int64 if dtype == "int64" else tf.string)
            for name, (_, dtype) in ALL_FEATURES.items()}


def first_and_last(values: np.ndarray, splits: np.ndarray,
                   default) -> tuple[np.ndarray, np.ndarray]:
    """The first and last value of each row (of a ragged values/row_splits pair); `default` for
    an empty row."""
    filled = np.diff(splits) > 0
    if values.size == 0:
        nothing = np.full(filled.size, default, dtype=object)
        return nothing, nothing
    first = values[np.minimum(splits[:-1], values.size - 1)]
    last = values[np.maximum(splits[1:] - 1, 0)]
    return np.where(filled, first, default), np.where(filled, last, default)


def _flag(found: Found, mask: np.ndarray, kind: str, what: Callable[[int], str]) -> None:
    found.extend((int(i), kind, what(int(i))) for i in np.flatnonzero(mask))


def _ids_problems(found: Found, name: str, values: np.ndarray, splits: np.ndarray,
                  expectations: Expectations) -> None:
    lengths = np.diff(splits)
    rows = np.repeat(np.arange(lengths.size), lengths)
    _flag(found, lengths == 0, "length", lambda i: f"{name} is empty")
    limits = expectations.max_lengths
    if limits:
        limit = limits[LIST_LIMITS[name]]
        _flag(found, lengths > limit, "length",
              lambda i: f"{name} has {lengths[i]} ids, the max length is {limit}")
    if expectations.vocab_size is not None:
        size = expectations.vocab_size
        bad = (values < 0) | (values >= size)
        bad_rows, first = np.unique(rows[bad], return_index=True)
        bad_values = values[bad][first]
        mask = np.zeros(lengths.size, bool)
        mask[bad_rows] = True
        first_bad = dict(zip(bad_rows.tolist(), bad_values.tolist()))
        _flag(found, mask, "ids", lambda i: f"{name} has id {first_bad[i]}, outside the vocab "
                                            f"(ids 0..{size - 1})")
    if expectations.cls_id is None:
        return
    cls_id, sep_id = expectations.cls_id, expectations.sep_id
    filled = lengths > 0
    first_id, last_id = first_and_last(values, splits, -1)
    _flag(found, filled & (first_id != cls_id), "framing",
          lambda i: f"{name} does not start with [CLS] (id {cls_id}) but with {first_id[i]}")
    _flag(found, filled & (last_id != sep_id), "framing",
          lambda i: f"{name} does not end with [SEP] (id {sep_id}) but with {last_id[i]}")
    if name == "doc_ids":
        seps = np.bincount(rows[values == sep_id], minlength=lengths.size)
        _flag(found, filled & (seps < 2), "framing",
              lambda i: "doc_ids has no [SEP] between title and passage")


def value_problems(parsed: dict, expectations: Expectations, shard_task: str | None) -> Found:
    """Checks of parsed records (lenient_spec, as numpy values and row splits)."""
    found: Found = []
    scalars = {}
    for name, (kind, dtype) in ALL_FEATURES.items():
        if name not in parsed:
            continue
        values, splits = parsed[name]
        if kind == "list":
            _ids_problems(found, name, values, splits, expectations)
            continue
        counts = np.diff(splits)
        optional = name in TEXT_FEATURES and not expectations.keep_text
        _flag(found, (counts != 1) & ~(optional & (counts == 0)), "value",
              lambda i, name=name, counts=counts: f"{name} has {counts[i]} values, expected 1")
        scalars[name] = (first_and_last(values, splits, b"" if dtype == "bytes" else 0)[0],
                         counts == 1)
    version, has_version = scalars["schema_version"]
    _flag(found, has_version & (version != expectations.schema_version), "schema_version",
          lambda i: f"schema_version is {version[i]}, expected {expectations.schema_version}")
    task, has_task = scalars["task"]
    known = np.logical_or.reduce([task == name.encode() for name in TASKS])
    _flag(found, has_task & ~known, "task",
          lambda i: f"task {task[i].decode('utf-8', 'replace')!r} is not one of {', '.join(TASKS)}")
    if shard_task is not None:
        _flag(found, has_task & known & (task != shard_task.encode()), "task",
              lambda i: f"task {task[i].decode()!r} in a shard of task {shard_task!r}")
    return found


def _parse(serialized) -> dict:
    import tensorflow as tf

    parsed = tf.io.parse_example(serialized, lenient_spec())
    return {name: (tensor.values.numpy(), tensor.row_splits.numpy())
            for name, tensor in parsed.items()}


def batch_problems(serialized, expectations: Expectations, shard_task: str | None) -> Found:
    """All problems of one batch of serialized records (vectorized, see the module doc)."""
    import tensorflow as tf

    records = int(serialized.shape[0])
    try:
        entries = feature_entries(serialized)
    except tf.errors.OpError:
        return _one_by_one(serialized, expectations, shard_task)
    found = structure_problems(records, entries, expectations)
    good = np.ones(records, bool)
    good[[i for i, _, _ in found]] = False
    if good.any():
        index = np.flatnonzero(good)
        parsed = _parse(tf.boolean_mask(serialized, good))
        found += [(int(index[i]), kind, what)
                  for i, kind, what in value_problems(parsed, expectations, shard_task)]
    return sorted(found)


def _one_by_one(serialized, expectations: Expectations, shard_task: str | None) -> Found:
    """The slow path, when a batch holds a record that is not a protobuf at all."""
    import tensorflow as tf

    from wikipairs.cli.read import tf_error_text

    found: Found = []
    for i in range(int(serialized.shape[0])):
        record = serialized[i:i + 1]
        try:
            feature_entries(record)
        except tf.errors.OpError as error:
            found.append((i, "feature", f"not a tf.train.Example: {tf_error_text(error)}"))
            continue
        found += [(i, kind, what) for _, kind, what in batch_problems(record, expectations,
                                                                      shard_task)]
    return found
