"""Where exactly is a damaged GZIP TFRecord shard damaged?

TensorFlow's GZIP reader inflates a whole input buffer before it hands out a record, so a shard
whose compressed bytes are damaged can fail at record 0 even when hundreds of intact records come
before the damage (a flipped bit often only shows as a wrong CRC in the GZIP trailer). Here the
shard is inflated by zlib itself into a temporary plain TFRecord file, as far as it goes, and
TensorFlow reads that file record by record, checking each record's own CRCs: the first record it
cannot read is where the shard is damaged.
"""
from __future__ import annotations

import tempfile
import zlib
from typing import BinaryIO

CHUNK_BYTES = 1 << 16
RETRY_BYTES = 256  # after a zlib error, the failing chunk is fed again in steps this small


def gunzip(source: BinaryIO, out: BinaryIO) -> str | None:
    """Inflates `source` into `out` as far as it goes; returns what stopped it, or None."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while chunk := source.read(CHUNK_BYTES):
        before = inflate.copy()
        try:
            out.write(inflate.decompress(chunk))
        except zlib.error:
            return _gunzip_slowly(before, chunk, out)
    if not inflate.eof:
        return "the GZIP stream stops before its end (the file is truncated)"
    return None


def _gunzip_slowly(inflate, chunk: bytes, out: BinaryIO) -> str:
    """Re-feeds a chunk that failed in small steps, keeping the output before the failure."""
    for start in range(0, len(chunk), RETRY_BYTES):
        try:
            out.write(inflate.decompress(chunk[start:start + RETRY_BYTES]))
        except zlib.error as error:
            return f"GZIP data error ({error})"
    return "GZIP data error"


def salvage(path: str, skip: int) -> tuple[list[bytes], str]:
    """The records after the first `skip` that can be read before the damage, and what the
    damage is (the record number of the first unreadable record is skip + len(records))."""
    import tensorflow as tf

    from wikipairs.cli.read import tf_error_text

    with tempfile.NamedTemporaryFile(suffix=".tfrecord") as plain:
        with tf.io.gfile.GFile(path, "rb") as source:
            gzip_problem = gunzip(source, plain)
        plain.flush()
        records, record_problem = [], None
        iterator = iter(tf.data.TFRecordDataset(plain.name).skip(skip))
        while True:
            try:
                records.append(next(iterator).numpy())
            except StopIteration:
                break
            except tf.errors.OpError as error:
                record_problem = tf_error_text(error)
                break
    reasons = [r for r in (record_problem and f"TFRecord: {record_problem}", gzip_problem) if r]
    return records, "; ".join(reasons) or "TensorFlow cannot read it"


def first_damage(path: str) -> tuple[int, str] | None:
    """(number of the first record that cannot be read, why) of a shard; None if it reads to
    its end. TensorFlow's count is refined by `salvage` (its GZIP reader fails a whole buffer
    early)."""
    from schemas.pairs import readable_records

    readable, error = readable_records(path)
    if error is None:
        return None
    salvaged, reason = salvage(path, readable)
    return readable + len(salvaged), reason
