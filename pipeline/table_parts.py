"""A corpus table as Parquet part files whose layout and bytes depend only on the rows: the same
rows give the same files, however the runner splits the work into bundles and workers.

Beam's WriteToParquet lets the runner decide how many files there are and which rows go to
which (bundles and a random round-robin start), so two runs of one job wrote the same rows into
different files. Here each row is written as its canonical JSON text (keys sorted), the part of a
row is a hash of that text, the number of parts follows from the table's total size, and a part's
rows are sorted by their text before they are written, in row groups cut at fixed sizes
(`WriteTable`, for the small tables). A writer that already has its rows in an order fixed by the
input writes a part directly (`PartWriter`: the articles and links tables, one part per read
task). Each part is renamed to its final name when complete (schemas/commit.py).
"""
from __future__ import annotations

import json
import math

import apache_beam as beam

# Rows of JSON text per part file, about: a part's rows are held (as text) by one worker to sort.
PART_BYTES = 64 << 20
PART_NAME = "part-{index:05d}-of-{count:05d}.parquet"


def row_text(row: dict) -> str:
    """A row's canonical text: its sort key, its part key, and what is shuffled (json keeps the
    int64s, strings, bools, nulls and nested lists of the corpus schemas exactly)."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def part_count(total_bytes: int, part_bytes: int = PART_BYTES) -> int:
    return max(1, math.ceil(total_bytes / part_bytes))


def part_of(text: str, total_bytes: int, part_bytes: int) -> tuple[int, str]:
    from pipeline.splits import hash64

    return hash64(text) % part_count(total_bytes, part_bytes), text


def part_path(directory: str, index: int, count: int) -> str:
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.join(directory, PART_NAME.format(index=index, count=count))


class PartWriter:
    """Rows, in the order given, -> one Parquet part in row groups of about `row_group_bytes`
    (the caller says how big each row is), under a temporary name until `close` renames it.
    Uncompressed: the bytes depend on the rows alone, and readers decode it fastest."""

    def __init__(self, path: str, schema, row_group_bytes: int):
        import pyarrow.parquet as pq
        from apache_beam.io.filesystems import FileSystems

        from schemas.commit import temporary_path

        self.path, self.schema, self.row_group_bytes = path, schema, row_group_bytes
        self._temporary = temporary_path(path)
        self._handle = FileSystems.create(self._temporary)
        self._writer = pq.ParquetWriter(self._handle, schema, compression="none")
        self._group, self._size, self._groups = [], 0, 0

    def add(self, row: dict, size: int) -> None:
        self._group.append(row)
        self._size += size
        if self._size >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        self._writer.write_table(pa.Table.from_pylist(self._group, self.schema))
        self._group, self._size, self._groups = [], 0, self._groups + 1

    def close(self) -> str:
        """Write what is left (an empty part still has one empty row group) and commit."""
        from schemas.commit import commit

        if self._group or not self._groups:
            self._flush()
        self._writer.close()
        self._handle.close()
        return commit(self._temporary, self.path)

    def discard(self) -> None:
        from schemas.commit import discard

        self._handle.close()
        discard(self._temporary)


def write_part(directory: str, schema, index: int, count: int, texts, row_group_bytes: int) -> str:
    """Rows (as texts, sorted here) -> directory/part-IIIII-of-NNNNN.parquet; returns its path."""
    writer = PartWriter(part_path(directory, index, count), schema, row_group_bytes)
    try:
        for text in sorted(texts):
            writer.add(json.loads(text), len(text))
    except BaseException:
        writer.discard()
        raise
    return writer.close()


class TotalLength(beam.CombineFn):
    """Texts -> the sum of their lengths: one step, where a Map(len) before a sum is two."""

    def create_accumulator(self):
        return 0

    def add_input(self, total, text):
        return total + len(text)

    def merge_accumulators(self, totals):
        return sum(totals)

    def extract_output(self, total):
        return total


def _as_total(total):
    return beam.pvalue.AsSingleton(total, default_value=0)


class WriteTable(beam.PTransform):
    """Rows (dicts of `schema`) -> Parquet parts under `directory`; the output holds the path of
    every part written, once it has its final name (empty table: one empty part)."""

    def __init__(self, directory: str, schema, row_group_bytes: int, part_bytes: int = PART_BYTES):
        super().__init__()
        self.directory, self.schema = directory, schema
        self.row_group_bytes, self.part_bytes = row_group_bytes, part_bytes

    def expand(self, rows):
        texts = rows | "RowText" >> beam.Map(row_text)
        # No default step for an empty table (its steps cost every run): the side input's 0.
        total = texts | "TotalSize" >> beam.CombineGlobally(TotalLength()).without_defaults()
        written = (texts
                   | "KeyByPart" >> beam.Map(part_of, _as_total(total), self.part_bytes)
                   | "GroupParts" >> beam.GroupByKey()
                   | "WriteParts" >> beam.Map(self._write, _as_total(total)))
        empty = (rows.pipeline | "EmptySeed" >> beam.Impulse()
                 | "EmptyTable" >> beam.FlatMap(self._write_if_empty, beam.pvalue.AsList(written)))
        return (written, empty) | "Parts" >> beam.Flatten()

    def _write(self, part, total):
        index, texts = part
        return write_part(self.directory, self.schema, index,
                          part_count(total, self.part_bytes), texts, self.row_group_bytes)

    def _write_if_empty(self, _, written):
        if not written:
            yield write_part(self.directory, self.schema, 0, 1, (), self.row_group_bytes)
