"""A corpus table as Parquet part files whose layout and bytes depend only on the rows: the same
rows give the same files, however the runner splits the work into bundles and workers.

Beam's WriteToParquet lets the runner decide how many files there are and which rows go to
which (bundles and a random round-robin start), so two runs of one job wrote the same rows into
different files. Here each row is written as its canonical JSON text (keys sorted), the part of a
row is a hash of that text, the number of parts follows from the table's total size, and a part's
rows are sorted by their text before they are written, in row groups cut at fixed sizes. Each
part is renamed to its final name when complete (schemas/commit.py).
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


def write_part(directory: str, schema, index: int, count: int, texts, row_group_bytes: int) -> str:
    """Rows (as texts, sorted here) -> directory/part-IIIII-of-NNNNN.parquet; returns its path."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from apache_beam.io.filesystems import FileSystems

    from schemas.commit import committed

    path = FileSystems.join(directory, PART_NAME.format(index=index, count=count))
    with committed(path) as temporary:
        with FileSystems.create(temporary) as handle:
            writer = pq.ParquetWriter(handle, schema, compression="none")
            group, size = [], 0
            for text in sorted(texts):
                group.append(json.loads(text))
                size += len(text)
                if size >= row_group_bytes:
                    writer.write_table(pa.Table.from_pylist(group, schema))
                    group, size = [], 0
            if group or index == 0:  # an empty table still has one (empty) part
                writer.write_table(pa.Table.from_pylist(group, schema))
            writer.close()
    return path


class WriteTable(beam.PTransform):
    """Rows (dicts of `schema`) -> Parquet parts under `directory`; the output holds the path of
    every part written, once it has its final name (empty table: one empty part)."""

    def __init__(self, directory: str, schema, row_group_bytes: int, part_bytes: int = PART_BYTES):
        super().__init__()
        self.directory, self.schema = directory, schema
        self.row_group_bytes, self.part_bytes = row_group_bytes, part_bytes

    def expand(self, rows):
        texts = rows | "RowText" >> beam.Map(row_text)
        total = (texts | "Sizes" >> beam.Map(len)
                 | "TotalSize" >> beam.CombineGlobally(sum))
        written = (texts
                   | "KeyByPart" >> beam.Map(part_of, beam.pvalue.AsSingleton(total),
                                             self.part_bytes)
                   | "GroupParts" >> beam.GroupByKey()
                   | "WriteParts" >> beam.Map(self._write, beam.pvalue.AsSingleton(total)))
        empty = (rows.pipeline | "EmptySeed" >> beam.Create([None])
                 | "EmptyTable" >> beam.FlatMap(self._write_if_empty, beam.pvalue.AsList(written)))
        return (written, empty) | "Parts" >> beam.Flatten()

    def _write(self, part, total):
        index, texts = part
        return write_part(self.directory, self.schema, index,
                          part_count(total, self.part_bytes), texts, self.row_group_bytes)

    def _write_if_empty(self, _, written):
        if not written:
            yield write_part(self.directory, self.schema, 0, 1, (), self.row_group_bytes)
