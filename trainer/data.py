"""Datasets from the pair shards: per-task streams mixed by weight, batched with static shapes
(fixed max lengths, drop_remainder) and int32 ids, as TPUs need. The shards' metadata.json is
checked against the model config before anything is read."""
from __future__ import annotations

import contextlib
import dataclasses
import posixpath
import sys

from schemas.pairs import (COMPRESSION, METADATA_FILE, PAIRS_SCHEMA_VERSION, SHARD_SUFFIX,
                           PairsMetadata, committed_metadata, feature_spec, listed_files,
                           readable_records, size_mismatch)

from trainer.config import DataConfig, ModelConfig

GLOB_CHARS = "*?["
# What a training batch holds: what the towers and the loss need, nothing with strings (TPU).
TRAIN_FEATURES = ("query_ids", "doc_ids", "doc_key")
UNLISTED_CHOICES = ("refuse", "ignore")  # data.unlisted_shards
_warned: set[str] = set()  # unlisted shards already warned about (find_shards runs more than once)


@dataclasses.dataclass(frozen=True)
class Shards:
    """The shard files of one split that metadata.json lists, by task, and the pairs directory
    holding metadata.json."""

    pairs_dir: str
    files_by_task: dict[str, list[str]]
    records: int | None = None  # what metadata.json lists for these files (None: not listed)


def _split_dir(data: str) -> tuple[str, list[str] | None]:
    """(the split directory, the files a glob matches; None for a directory)."""
    import tensorflow as tf

    if not any(c in data for c in GLOB_CHARS):
        if not tf.io.gfile.isdir(data):
            raise FileNotFoundError(f"no pair shards match {data.rstrip('/')}/*{SHARD_SUFFIX}: "
                                    "no such directory")
        return data.rstrip("/"), None
    files = sorted(tf.io.gfile.glob(data))
    if not files:
        raise FileNotFoundError(f"no pair shards match {data!r}")
    split_dirs = {posixpath.dirname(f) for f in files}
    if len(split_dirs) != 1:
        raise ValueError(f"{data!r} matches shards of several splits: {sorted(split_dirs)}")
    return split_dirs.pop(), files


def find_shards(data: str, unlisted: str = "refuse") -> Shards:
    """`data`: a split directory (`out/pairs/train`, local or gs://) or a glob of its shards.

    Exactly the shards the pairs directory's metadata.json lists (of those the glob matches) are
    read, so that another run's shards left in the directory, or one copied in from another
    split, are never trained on: a shard file there that it does not list is refused
    (`unlisted='ignore'`: left out, with a warning). A directory without metadata.json (an
    unfinished run), a listed shard that is missing, or one whose size is not the listed one
    (cut, or another run's under the same name) is refused, naming the file."""
    import fnmatch

    import tensorflow as tf

    if unlisted not in UNLISTED_CHOICES:
        raise ValueError(f"data.unlisted_shards={unlisted!r}: expected one of "
                         f"{', '.join(UNLISTED_CHOICES)}")
    split_dir, matched = _split_dir(data)
    pairs_dir, split = posixpath.split(split_dir)
    metadata = read_metadata(pairs_dir)
    pattern = data if matched is not None else f"{split_dir}/*{SHARD_SUFFIX}"
    listed = [f for f in (posixpath.join(pairs_dir, name) for name in listed_files(metadata, split))
              if fnmatch.fnmatchcase(f, pattern)]
    found = sorted(tf.io.gfile.glob(pattern)) if matched is None else matched
    found = [f for f in found if f.endswith(SHARD_SUFFIX)]
    foreign = sorted(set(found) - set(listed))
    if foreign and unlisted == "refuse":
        raise ValueError(f"{_count(foreign)} in {split_dir} that {pairs_dir}/{METADATA_FILE} does "
                         f"not list, not this run's ({_names(foreign)}): remove them, or set "
                         "data.unlisted_shards=ignore to train on the listed shards only")
    if new := [f for f in foreign if f not in _warned]:
        _warned.update(new)
        print(f"warning: leaving out {_count(new)} in {split_dir} that {METADATA_FILE} does not "
              f"list ({_names(new)})", file=sys.stderr, flush=True)
    present = set(found)
    if missing := [f for f in listed if f not in present]:
        more = f" (and {len(missing) - 1} more)" if missing[1:] else ""
        raise FileNotFoundError(f"{missing[0]} is listed in {pairs_dir}/{METADATA_FILE} but "
                                f"missing{more}")
    if not listed:
        raise FileNotFoundError(f"no pair shards match {pattern!r} among the shards "
                                f"{pairs_dir}/{METADATA_FILE} lists")
    for path in listed:
        name = f"{split}/{posixpath.basename(path)}"
        if why := size_mismatch(name, tf.io.gfile.stat(path).length, metadata):
            raise ValueError(f"{path}: {why}")
    files_by_task: dict[str, list[str]] = {}
    for name in listed:
        files_by_task.setdefault(posixpath.basename(name).split("-")[0], []).append(name)
    entries = [metadata.shard_files.get(f"{split}/{posixpath.basename(f)}") for f in listed]
    records = sum(e["records"] for e in entries) if all(entries) else None
    return Shards(pairs_dir, files_by_task, records)


def _count(files: list[str]) -> str:
    return f"{len(files)} shard file{'' if len(files) == 1 else 's'}"


def _names(files: list[str], shown: int = 3) -> str:
    names = ", ".join(posixpath.basename(f) for f in files[:shown])
    return names + (f", ... ({len(files) - shown} more)" if len(files) > shown else "")


def read_metadata(pairs_dir: str) -> PairsMetadata:
    """The metadata.json of a finished pairs directory; IncompletePairs (a FileNotFoundError)
    naming what is missing otherwise."""
    return committed_metadata(pairs_dir)


@contextlib.contextmanager
def naming_damaged_shards(shards: Shards):
    """A shard that stops being readable while training or evaluating (a damaged GZIP stream, a
    TFRecord CRC mismatch) ends the run with one line naming the file and the record where
    TensorFlow stops, not a DataLossError that names neither (the files are interleaved)."""
    import tensorflow as tf

    try:
        yield
    except tf.errors.DataLossError as error:
        for path in (f for files in shards.files_by_task.values() for f in files):
            readable, reason = readable_records(path)
            if reason is not None:
                raise SystemExit(f"{path}: unreadable from record {readable} on ({reason}); "
                                 f"`wikipairs validate {path}` says more") from None
        raise error


def incompatibilities(metadata: PairsMetadata, model: ModelConfig,
                      vocab_sha256: str = "") -> list[str]:
    """Why shards with this metadata cannot feed this model (empty if they can)."""
    problems = []
    if metadata.schema_version != PAIRS_SCHEMA_VERSION:
        problems.append(f"shard schema version {metadata.schema_version}, the trainer reads "
                        f"{PAIRS_SCHEMA_VERSION}")
    if metadata.vocab_size > model.vocab_size:
        problems.append(f"shards use a vocabulary of {metadata.vocab_size} tokens but "
                        f"model.vocab_size is {model.vocab_size}: ids would fall outside the "
                        "embedding table (set model.vocab_size)")
    for side in ("query", "doc"):
        shard_len = getattr(metadata, f"max_{side}_len")
        model_len = getattr(model, f"max_{side}_len")
        if shard_len > model_len:
            problems.append(f"shards hold {side} sequences up to {shard_len} tokens but "
                            f"model.max_{side}_len is {model_len}")
    if vocab_sha256 and metadata.vocab_sha256 != vocab_sha256:
        problems.append(f"shards were tokenized with vocab sha256 {metadata.vocab_sha256[:12]}..., "
                        f"the config names {vocab_sha256[:12]}...")
    return problems


def check_shards(shards: Shards, model: ModelConfig, vocab_sha256: str = "") -> PairsMetadata:
    """The shards' metadata, or ValueError saying everything that does not fit."""
    metadata = read_metadata(shards.pairs_dir)
    problems = incompatibilities(metadata, model, vocab_sha256)
    if problems:
        raise ValueError(f"refusing the shards in {shards.pairs_dir}:\n  - "
                         + "\n  - ".join(problems))
    return metadata


def mixing_weights(tasks: list[str], configured: dict[str, float]) -> dict[str, float]:
    """Sampling probability of each task's stream: uniform over the tasks found unless configured
    (the paper draws each pair uniformly from the tasks). Tasks weighted 0 are left out."""
    unknown = sorted(set(configured) - set(tasks))
    if unknown:
        raise ValueError(f"data.task_weights names tasks with no shards: {unknown} (found {tasks})")
    weights = {task: float(configured.get(task, 1.0 if not configured else 0.0)) for task in tasks}
    total = sum(weights.values())
    if total <= 0:
        raise ValueError(f"data.task_weights leaves no task to train on: {configured}")
    return {task: w / total for task, w in weights.items() if w > 0}


def parse_batch(serialized, max_query_len: int, max_doc_len: int) -> dict:
    """A batch of serialized Examples -> fixed-length int32 ids (0 = [PAD]) and the rest.

    `doc_key` (the document's article id, int32: page ids are far below 2**31) is what the loss's
    accidental-hit masking compares.
    """
    import tensorflow as tf

    features = tf.io.parse_example(serialized, feature_spec())
    batch = serialized.shape[0]
    out = {}
    for side, length in (("query", max_query_len), ("doc", max_doc_len)):
        ids = features[f"{side}_ids"].to_tensor(default_value=0, shape=[batch, length])
        out[f"{side}_ids"] = tf.cast(ids, tf.int32)
    out["doc_key"] = tf.cast(features["doc_article_id"], tf.int32)
    for name in ("task", "pair_id", "doc_article_id", "query_article_id"):
        out[name] = features[name]
    return out


def input_pipeline(input_context) -> tuple[int, int]:
    """(number of input pipelines, this one's index); (1, 0) without distribution."""
    if input_context is None:
        return 1, 0
    return input_context.num_input_pipelines, input_context.input_pipeline_id


def _records(files: list[str], input_context, seed):
    """This input pipeline's share of the records of `files`; the shares of all pipelines are a
    partition of the records (each record on exactly one host). With at least as many files as
    pipelines each host reads whole files of its own, shuffled and interleaved freely. With
    fewer, every host reads all files in one fixed order and keeps every n-th record: the split
    must come before anything non-deterministic (a racing interleave, an unseeded shuffle), or
    hosts deal from differently ordered decks and see overlapping records."""
    import tensorflow as tf

    pipelines, index = input_pipeline(input_context)
    by_file = len(files) >= pipelines
    names = tf.data.Dataset.from_tensor_slices(files)
    if by_file:
        names = names.shard(pipelines, index).shuffle(len(files), seed=seed)
    records = names.interleave(
        lambda f: tf.data.TFRecordDataset(f, compression_type=COMPRESSION),
        cycle_length=min(len(files), 16), num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=not by_file)
    return records if by_file else records.shard(pipelines, index)


def train_dataset(shards: Shards, data: DataConfig, model: ModelConfig, global_batch_size: int,
                  input_context=None, seed: int | None = None):
    """Endless batches of TRAIN_FEATURES: each task's records shuffled and repeated, the tasks
    mixed by `mixing_weights`. With `input_context` (strategy.distribute_datasets_from_function)
    the batch is the per-replica one and each input pipeline reads its share of the files."""
    import tensorflow as tf

    batch_size = (input_context.get_per_replica_batch_size(global_batch_size) if input_context
                  else global_batch_size)
    weights = mixing_weights(sorted(shards.files_by_task), data.task_weights)
    streams = [_records(shards.files_by_task[task], input_context, seed)
               .shuffle(data.shuffle_buffer, seed=seed).repeat() for task in weights]
    mixed = tf.data.Dataset.sample_from_datasets(streams, list(weights.values()), seed=seed)
    return (mixed.batch(batch_size, drop_remainder=True)
            .map(lambda s: _select(parse_batch(s, model.max_query_len, model.max_doc_len)),
                 num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
            .prefetch(tf.data.AUTOTUNE))


def _select(batch: dict) -> dict:
    return {name: batch[name] for name in TRAIN_FEATURES}


def eval_dataset(shards: Shards, model: ModelConfig, batch_size: int = 256):
    """Every record of the split once, in file order, with task and ids (the last batch may be
    short)."""
    import tensorflow as tf

    files = [f for task in sorted(shards.files_by_task) for f in shards.files_by_task[task]]
    return (tf.data.TFRecordDataset(files, compression_type=COMPRESSION)
            .batch(batch_size)
            .map(lambda s: parse_batch(s, model.max_query_len, model.max_doc_len))
            .prefetch(tf.data.AUTOTUNE))
