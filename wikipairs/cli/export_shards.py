"""`wikipairs export`: the pairs as one table (Parquet or JSON Lines) for pandas and DuckDB users.

One row per record, in a fixed order: where it came from (split, shard, record number), every
feature of schemas/pairs.py (ids as lists of int64, bytes features as UTF-8 strings), and with
--text the ids decoded back to text (`wikipairs.cli.decode`). Arrow columns are built from whole batches
(ragged ids become list arrays from their values and row splits); only the decoded text is
made record by record.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json

import numpy as np
import pyarrow as pa

from wikipairs.cli.decode import decode_side
from wikipairs.cli.shards import ShardSet
from schemas.pairs import FEATURES, TEXT_FEATURES

ORIGIN_COLUMNS = (("split", pa.string()), ("shard", pa.string()), ("record", pa.int64()))
DECODED_COLUMNS = ("query_decoded", "doc_decoded")
ARROW_TYPES = {("scalar", "int64"): pa.int64(), ("scalar", "bytes"): pa.string(),
               ("list", "int64"): pa.list_(pa.int64())}


@dataclasses.dataclass(frozen=True)
class ExportConfig:
    format: str  # 'parquet' or 'jsonl'
    decoded_text: bool = False
    batch_size: int = 1024
    parallel_files: int = 0
    progress: bool = True
    row_group_rows: int = 65_536


EXTENSIONS = {"parquet": (".parquet", ".pq"), "jsonl": (".jsonl", ".json", ".ndjson")}


def format_of(out: str, given: str | None) -> str:
    """The table format: --format, else OUT's extension. An extension that names another format
    (or none we write, like .csv) is refused rather than written in a format it does not say."""
    from wikipairs.cli.shards import CliError

    named = next((name for name, suffixes in EXTENSIONS.items()
                  if out.lower().endswith(suffixes)), None)
    if given and named not in (None, given):
        raise CliError(f"{out}: the extension says {named}, --format says {given}")
    if given or named:
        return given or named
    known = ", ".join(suffix for suffixes in EXTENSIONS.values() for suffix in suffixes)
    raise CliError(f"{out}: export writes Parquet or JSON Lines; end the name with one of "
                   f"{known}, or give --format")


def arrow_schema(with_text: bool, decoded_text: bool) -> pa.Schema:
    features = {**FEATURES, **(TEXT_FEATURES if with_text else {})}
    fields = [pa.field(name, kind) for name, kind in ORIGIN_COLUMNS]
    fields += [pa.field(name, ARROW_TYPES[spec]) for name, spec in features.items()]
    fields += [pa.field(name, pa.string()) for name in DECODED_COLUMNS if decoded_text]
    return pa.schema(fields)


def _column(tensor, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_list(arrow_type):  # a RaggedTensor: no Python per record
        offsets = pa.array(tensor.row_splits.numpy().astype(np.int32))
        return pa.ListArray.from_arrays(offsets, pa.array(tensor.values.numpy(), pa.int64()))
    values = tensor.numpy()
    if pa.types.is_string(arrow_type):
        return pa.array(values, pa.binary()).cast(pa.string())  # checks the UTF-8
    return pa.array(values, arrow_type)


def batch_table(batch: dict, shard_set: ShardSet, schema: pa.Schema, tokenizer=None) -> pa.Table:
    """One parsed batch (wikipairs.cli.read.parsed_batches) -> rows of `schema`."""
    files = batch["file"].numpy()
    shards = shard_set.shards
    columns = {"split": pa.array(np.array([s.split for s in shards], dtype=object)[files],
                                 pa.string()),
               "shard": pa.array(np.array([s.name for s in shards], dtype=object)[files],
                                 pa.string()),
               "record": pa.array(batch["record"].numpy(), pa.int64())}
    for field in schema:
        if field.name in batch and field.name not in columns:
            columns[field.name] = _column(batch[field.name], field.type)
    if tokenizer is not None:
        for side in ("query", "doc"):
            texts = [decode_side(tokenizer, ids) for ids in batch[f"{side}_ids"].to_list()]
            columns[f"{side}_decoded"] = pa.array(texts, pa.string())
    return pa.table([columns[field.name] for field in schema], schema=schema)


class GFileOutput:
    """A tf.io.gfile file (local, gs://, ...) with what pyarrow asks of a Python file object."""

    def __init__(self, path: str):
        from tensorflow.io import gfile

        self.file = gfile.GFile(path, "wb")
        self.closed = False

    def write(self, data) -> int:
        if self.closed:  # GFile would silently open the file again
            raise ValueError(f"{self.file.name} is closed")
        self.file.write(bytes(data))
        return len(data)

    def tell(self) -> int:
        return self.file.tell()

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        if not self.closed:
            self.file.close()
            self.closed = True

    def remove(self) -> None:
        from tensorflow.io import gfile

        gfile.remove(self.file.name)


class ParquetSink:
    """Rows gathered into row groups of `rows` before they are written."""

    def __init__(self, handle, schema: pa.Schema, rows: int):
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(pa.PythonFile(handle, mode="w"), schema)
        self.rows, self.pending = rows, []

    def write(self, table: pa.Table) -> None:
        self.pending.append(table)
        if sum(t.num_rows for t in self.pending) >= self.rows:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.rows)
            self.pending = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class JsonLinesSink:
    def __init__(self, handle, schema: pa.Schema, rows: int):
        self.handle = handle

    def write(self, table: pa.Table) -> None:
        lines = (json.dumps(row, ensure_ascii=False) for row in table.to_pylist())
        self.handle.write("".join(f"{line}\n" for line in lines).encode("utf-8"))

    def close(self) -> None:
        pass


SINKS = {"parquet": ParquetSink, "jsonl": JsonLinesSink}


def export(shard_set: ShardSet, out: str, config: ExportConfig, with_text: bool,
           tokenizer=None) -> int:
    """Writes the table to `out` (local or gs://); returns the number of rows."""
    from pipeline.progress import make_progress
    from wikipairs.cli.read import ReadConfig, parsed_batches

    schema = arrow_schema(with_text, config.decoded_text)
    read = ReadConfig(config.batch_size, config.parallel_files, deterministic=True)
    dataset = parsed_batches([s.path for s in shard_set.shards], read, with_text)
    total = sum(shard_set.expected_counts().values()) if shard_set.is_whole else None
    progress = make_progress("export", total, config.progress)
    rows = 0
    handle = GFileOutput(out)
    sink = SINKS[config.format](handle, schema, config.row_group_rows)
    decoder = tokenizer if config.decoded_text else None
    try:
        for batch in dataset:
            table = batch_table(batch, shard_set, schema, decoder)
            sink.write(table)
            rows += table.num_rows
            progress.update(table.num_rows)
    except BaseException:
        with contextlib.suppress(Exception):
            sink.close()
        handle.close()
        handle.remove()  # no half-written table that looks whole
        raise
    finally:
        progress.close()
    sink.close()
    handle.close()
    return rows
