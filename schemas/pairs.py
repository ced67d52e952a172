"""The pair shards: one `tf.train.Example` per query/document pair, and `metadata.json`.

Layout under `DIR/pairs/`:
  {split}/{task}-SSSSS-of-NNNNN.tfrecord.gz   GZIP TFRecords of serialized Examples
  metadata.json                                what the shards hold and how they were made
  vocab.txt                                    the WordPiece vocabulary of the ids

metadata.json is written last, once every shard is complete (schemas/commit.py: every file is
renamed to its name when complete), and lists every shard with its records and bytes: a pairs
directory without it is not a finished run, and readers refuse it; a shard it does not list is
not this run's.
"""
from __future__ import annotations

import dataclasses
import json

PAIRS_SCHEMA_VERSION = 1
PRETRAINING_TASKS = ("ict", "bfs", "wlp")  # what the pipeline mines from a dump
REQA_TASK = "reqa"  # fine-tuning pairs from SQuAD-format data (wikipairs/reqa/finetune_pairs.py)
TASKS = (*PRETRAINING_TASKS, REQA_TASK)
SPLITS = ("train", "valid", "test")
# The paper's ReQA fine-tuning splits: name -> share of the questions in train (the rest: test).
REQA_SPLITS = {"1/99": 0.01, "5/95": 0.05, "80/20": 0.80}
PAIRS_DIR = "pairs"
METADATA_FILE = "metadata.json"
VOCAB_FILE = "vocab.txt"
SHARD_SUFFIX = ".tfrecord.gz"
COMPRESSION = "GZIP"

# Feature name -> (kind, dtype). 'list' features have variable length; the others one value.
FEATURES = {
    "schema_version": ("scalar", "int64"),
    "task": ("scalar", "bytes"),
    "pair_id": ("scalar", "bytes"),
    "query_ids": ("list", "int64"),  # [CLS] sentence [SEP]
    "doc_ids": ("list", "int64"),  # [CLS] title [SEP] passage [SEP]
    "query_article_id": ("scalar", "int64"),
    "doc_article_id": ("scalar", "int64"),
    "query_title": ("scalar", "bytes"),
    "doc_title": ("scalar", "bytes"),
}
TEXT_FEATURES = {  # only with --keep_text
    "query_text": ("scalar", "bytes"),
    "doc_text": ("scalar", "bytes"),
}


_KINDS = {**FEATURES, **TEXT_FEATURES}


def shard_name(task: str, index: int, count: int) -> str:
    return f"{task}-{index:05d}-of-{count:05d}{SHARD_SUFFIX}"


def shard_pattern(pairs_dir: str, split: str, task: str = "*") -> str:
    return f"{pairs_dir.rstrip('/')}/{split}/{task}-*-of-*{SHARD_SUFFIX}"


def serialize_example(values: dict) -> bytes:
    """A dict of feature values (names as in FEATURES / TEXT_FEATURES) -> serialized Example.
    Filled in place (`extend` on the message's own lists): half the time of building a Feature
    message per value, once per pair of the job."""
    from tensorflow.core.example import example_pb2

    example = example_pb2.Example()
    feature = example.features.feature
    for name, value in values.items():
        kind, dtype = _KINDS[name]
        items = value if kind == "list" else (value,)
        if dtype == "int64":
            feature[name].int64_list.value.extend(items)
        else:
            feature[name].bytes_list.value.extend(
                v.encode("utf-8") if isinstance(v, str) else v for v in items)
    # The feature map in key order: protobuf otherwise serializes maps in a per-process order,
    # and a rerun would write other bytes for the same records.
    return example.SerializeToString(deterministic=True)


def write_shard_file(path: str, records) -> dict[str, int]:
    """Serialized records -> one GZIP TFRecord shard at `path` (local or gs://), renamed there
    once complete (schemas/commit.py); returns its {'records', 'bytes'} for metadata.json's
    shard_files."""
    import tensorflow as tf

    from schemas.commit import committed

    tf.io.gfile.makedirs(path.rsplit("/", 1)[0])
    written = 0
    with committed(path) as temporary:
        with tf.io.TFRecordWriter(temporary, options=COMPRESSION) as writer:
            for record in records:
                writer.write(record)
                written += 1
        size = tf.io.gfile.stat(temporary).length
    return {"records": written, "bytes": size}


def readable_records(path: str, batch_size: int = 1024) -> tuple[int, str | None]:
    """(records TensorFlow reads from a shard before it fails, its error; None: read to the
    end). The shared first look of every reader that must say which shard is damaged (the
    readers interleave shards, and TensorFlow's error does not name the file)."""
    import tensorflow as tf

    readable = 0
    try:
        for batch in tf.data.TFRecordDataset(path, COMPRESSION).batch(batch_size):
            readable += int(batch.shape[0])
    except tf.errors.OpError as error:
        lines = (error.message or "").strip().splitlines()
        return readable, lines[0] if lines else type(error).__name__
    return readable, None


def feature_spec(with_text: bool = False) -> dict:
    """The `tf.io.parse_example` spec of a record (ragged ids)."""
    import tensorflow as tf

    spec = {}
    for name, (kind, dtype) in {**FEATURES, **(TEXT_FEATURES if with_text else {})}.items():
        tf_dtype = tf.int64 if dtype == "int64" else tf.string
        spec[name] = (tf.io.RaggedFeature(tf_dtype) if kind == "list"
                      else tf.io.FixedLenFeature([], tf_dtype))
    return spec


@dataclasses.dataclass
class PairsMetadata:
    """metadata.json: enough to check shards against a model and to reproduce them."""

    schema_version: int
    wikipairs_version: str
    vocab_file: str
    vocab_sha256: str
    vocab_size: int
    lower_case: bool
    vocab_learned: bool
    max_query_len: int
    max_doc_len: int
    keep_text: bool
    seed: int
    split_fractions: list[float]
    pair_config: dict
    counts: dict[str, dict[str, int]]  # split -> task -> records
    truncated: dict[str, dict[str, int]]  # 'query' / 'doc' -> task -> records truncated
    shards: dict[str, dict[str, list[str]]]  # split -> task -> shard file names
    inputs: list[str]
    # task -> linking articles left out of WLP because they are in another split than the
    # target (a pair carries both articles' text; ICT and BFS pairs have one article: always 0)
    cross_split: dict[str, int] = dataclasses.field(default_factory=dict)
    # task -> training pairs dropped because they carry held-out text: their query or a sentence
    # of their document is a held-out query sentence, or their document a held-out document
    held_out_text: dict[str, int] = dataclasses.field(default_factory=dict)
    # split -> link kind -> WLP pairs whose link stands there (prose, list, table, ...)
    wlp_link_kinds: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    # shard file name (as in `shards`: split/name) -> {'records': n, 'bytes': size}: what a
    # reader checks a file against (a cut file, or another run's under the same name)
    shard_files: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)

    @classmethod
    def create(cls, **fields) -> "PairsMetadata":
        """A new metadata.json: what every writer fills alike (this schema version, this
        package's version, vocab.txt beside the shards) set here, the rest given."""
        import importlib.metadata

        return cls(schema_version=PAIRS_SCHEMA_VERSION,
                   wikipairs_version=importlib.metadata.version("wikipairs"),
                   vocab_file=VOCAB_FILE, **fields)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "PairsMetadata":
        return cls(**json.loads(text))


def write_metadata(metadata: PairsMetadata, pairs_dir: str) -> str:
    """pairs_dir/metadata.json (local or gs://), visible only once complete; returns its path."""
    from schemas.commit import write_bytes

    return write_bytes(f"{pairs_dir.rstrip('/')}/{METADATA_FILE}",
                       metadata.to_json().encode("utf-8"))


def read_metadata(path: str) -> PairsMetadata:
    """A metadata.json, local or gs:// (through tf.io.gfile, which the readers of shards load)."""
    import tensorflow as tf

    with tf.io.gfile.GFile(path) as handle:
        return PairsMetadata.from_json(handle.read())


class IncompletePairs(FileNotFoundError):
    """A pairs directory without metadata.json: its run did not finish (or it is no pairs
    directory); the message says which and what was found."""


def committed_metadata(pairs_dir: str) -> PairsMetadata:
    """The metadata.json of a finished pairs directory, or IncompletePairs naming what is
    missing. Every reader of a pairs directory goes through here."""
    import tensorflow as tf

    path = f"{pairs_dir.rstrip('/')}/{METADATA_FILE}"
    if not tf.io.gfile.exists(path):
        found = tf.io.gfile.glob(shard_pattern(pairs_dir, "*"))
        what = (f"{len(found)} shard file(s) there without it: the run that wrote them did not "
                "finish" if found else "no shards either")
        raise IncompletePairs(
            f"{path} is missing ({what}): the pipeline writes it last, once every shard is "
            "complete; run `python -m pipeline.run` to the end (or give a shard file or glob)")
    return read_metadata(path)


def listed_files(metadata: PairsMetadata, split: str | None = None) -> list[str]:
    """The shard names metadata.json lists (split/name, as in `shards`), of one split or all."""
    return sorted(name for s, by_task in metadata.shards.items() if split in (None, s)
                  for names in by_task.values() for name in names)


def size_mismatch(name: str, size: int, metadata: PairsMetadata) -> str | None:
    """Why a listed shard of `size` bytes is not the one metadata.json lists (None: it may be)."""
    expected = metadata.shard_files.get(name, {}).get("bytes")
    if expected is None or expected == size:
        return None
    return (f"{size:,} bytes, metadata.json lists {expected:,}: "
            "cut short, or another run's file under this name")
