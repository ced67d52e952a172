"""Article text staged on disk where it was parsed, read back once the joins are done.

The joins of the corpus stage (redirects, links, inbound links) need an article's id, title and
links, never its text; a runner holds (local) or pays for (Dataflow) every byte that crosses a
shuffle. So the worker that parses a read task writes that task's articles to one staged file
beside the output, and the worker that writes the task's table parts reads it back: the text
crosses no shuffle. A staged file is hidden and carries the temporary mark of `schemas.commit`
(no reader's pattern matches it, a rerun clears what a killed run left), and is deleted when the
corpus is complete.

The pair stage stages its tokenized articles the same way for the WLP join (`pairs_stage`).

Format: records one after another, each a 4-byte little-endian length and a pickle of plain
builtins (`corpus_rows.StagedArticle`).
"""
from __future__ import annotations

import pickle
import struct
from typing import Iterator

_LENGTH = struct.Struct("<I")
STAGED_PREFIX = "staged-"
STAGED_NAME = STAGED_PREFIX + "{index:05d}"


def staged_path(directory: str, name: int | str) -> str:
    """A new hidden, temporary path for a staged file: of one read task (`name` its index) or of
    any other writer (a retried attempt writes a new one: only the attempt whose outputs the
    runner keeps is read)."""
    from apache_beam.io.filesystems import FileSystems

    from schemas.commit import temporary_path

    label = STAGED_NAME.format(index=name) if isinstance(name, int) else STAGED_PREFIX + name
    return temporary_path(FileSystems.join(directory, label))


class StagedWriter:
    """Appends records to a staged file; `write` returns the record's ordinal."""

    def __init__(self, path: str):
        from apache_beam.io.filesystem import CompressionTypes
        from apache_beam.io.filesystems import FileSystems

        self.path = path
        self._handle = FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED)
        self.count = 0

    def write(self, record) -> int:
        data = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        self._handle.write(_LENGTH.pack(len(data)) + data)
        self.count += 1
        return self.count - 1

    def close(self) -> str:
        self._handle.close()
        return self.path


def read_staged(path: str) -> Iterator[tuple[int, object, int]]:
    """(ordinal, record, its size in bytes) of every record of a staged file, in order."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        ordinal = 0
        while header := handle.read(_LENGTH.size):
            if len(header) < _LENGTH.size:
                raise OSError(f"{path}: staged file cut short after record {ordinal}")
            (size,) = _LENGTH.unpack(header)
            data = handle.read(size)
            if len(data) < size:
                raise OSError(f"{path}: staged file cut short in record {ordinal}")
            yield ordinal, pickle.loads(data), size
            ordinal += 1


def remove_staged(directory: str) -> int:
    """Delete every staged file under `directory` (those of retried or killed attempts too)."""
    from apache_beam.io.filesystems import FileSystems

    from schemas.commit import TEMPORARY_MARK

    pattern = FileSystems.join(directory, f".{STAGED_PREFIX}*{TEMPORARY_MARK}*")
    paths = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    if paths:
        FileSystems.delete(paths)
    return len(paths)


def remove_staged_after(_, directory: str, *after) -> int:
    """`remove_staged` as a Beam step that waits for its side inputs (`after`: everything that
    reads the staged files), those of retried or killed attempts too."""
    return remove_staged(directory)
