"""What a run of the job wrote, in a form two runs can be compared by: every file under the output
directory, by relative path.

Until the job writes its files deterministically (TFRecord serialization and Parquet row order
can differ between runners today), a file is compared by its contents: a TFRecord shard as the
sorted list of its records, each parsed and re-serialized deterministically; a Parquet file as its
schema and its rows, sorted; a JSON file as the loaded value; anything else (vocab.txt) by its
sha256. Once the outputs are byte-identical, `comparable_outputs` can return `file_digests`.
"""
from __future__ import annotations

import hashlib
import json
import pathlib


def file_digests(directory: pathlib.Path) -> dict[str, str]:
    """sha256 of every file under `directory`, by relative path."""
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def comparable_outputs(directory: pathlib.Path) -> dict[str, object]:
    """Every file under `directory`, by relative path, as a value equal between two runs that
    wrote the same data (see the module docstring)."""
    return {str(path.relative_to(directory)): _contents(path)
            for path in sorted(directory.rglob("*")) if path.is_file()}


def _contents(path: pathlib.Path) -> object:
    if path.name.endswith(".tfrecord.gz"):
        return _tfrecord_records(path)
    if path.suffix == ".parquet":
        return _parquet_rows(path)
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tfrecord_records(path: pathlib.Path) -> list[bytes]:
    import tensorflow as tf

    return sorted(tf.train.Example.FromString(raw.numpy()).SerializeToString(deterministic=True)
                  for raw in tf.data.TFRecordDataset(str(path), compression_type="GZIP"))


def _parquet_rows(path: pathlib.Path) -> dict:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return {"schema": str(table.schema),
            "rows": sorted(json.dumps(row, sort_keys=True, default=repr)
                           for row in table.to_pylist())}
