"""Plans the reading of dump files; a multistream bz2 dump is split so workers read it in parallel.

A bz2 file can only be read from its start, except a Wikimedia *multistream* dump: a chain of
independent bz2 streams of about 100 pages each, whose index (`X-multistream-index.txt.bz2`, lines
`offset:page_id:title`) gives the byte offset of each stream. Cutting the file at those offsets
gives byte ranges that `dump_reader.iter_pages(path, byte_range)` reads on their own. Other files
(plain, .gz, bz2 without an index) are read whole, one task per file.
"""
from __future__ import annotations

import dataclasses
import logging
import posixpath
import re
from typing import Iterable, Iterator

from pipeline.dump_reader import ByteRange, compression_of, open_dump

DEFAULT_TARGET_BYTES = 64 << 20

_INDEX_NAME = re.compile(r"-index\d*\.txt")
_OFFSET_FIELD = re.compile(rb"^([^:\n]*)", re.MULTILINE)  # what comes before a line's first ':'
# A dump split in parts: X-multistream3.xml-p151574p311329.bz2 has its index in
# X-multistream-index3.txt-p151574p311329.bz2.
_MULTISTREAM_PART = re.compile(
    r"(?P<stem>.*-multistream)(?P<part>\d+)\.xml(?P<pages>-p\d+p\d+)\.bz2"
)


@dataclasses.dataclass(frozen=True)
class ReadTask:
    """One unit of reading: a whole file (byte_range None) or a range of a multistream file."""

    path: str
    byte_range: ByteRange | None = None


def plan_read_tasks(
    patterns: Iterable[str], target_bytes: int = DEFAULT_TARGET_BYTES
) -> list[ReadTask]:
    """Read tasks for every dump file the patterns (local or gs:// globs) match, in path order.

    Index files matched by a glob are not dumps and are left out. Raises ValueError for a pattern
    that matches no dump file: a typo must not make an empty dataset.
    """
    return [
        task
        for path, size in _match_dump_files(patterns)
        for task in _tasks_for_file(path, size, target_bytes)
    ]


def _match_dump_files(patterns: Iterable[str]) -> list[tuple[str, int]]:
    from apache_beam.io.filesystem import BeamIOError
    from apache_beam.io.filesystems import FileSystems

    sizes: dict[str, int] = {}
    for pattern in patterns:
        try:
            results = FileSystems.match([pattern])
        except BeamIOError as exc:
            raise ValueError(f"cannot match input pattern {pattern!r}: {exc}") from exc
        matched = {
            file.path: file.size_in_bytes
            for result in results
            for file in result.metadata_list
            if not is_index_file(file.path)
        }
        if not matched:
            raise ValueError(f"input pattern {pattern!r} matches no dump file")
        sizes.update(matched)
    return sorted(sizes.items())


def _tasks_for_file(path: str, size: int, target_bytes: int) -> list[ReadTask]:
    index = find_index(path) if compression_of(path) == "bz2" else None
    if index is None:
        return [ReadTask(path)]
    ranges = plan_ranges(stream_offsets(index), size, target_bytes)
    logging.info("%s: %d read tasks from index %s", path, len(ranges), index)
    if len(ranges) == 1:
        return [ReadTask(path)]
    return [ReadTask(path, byte_range) for byte_range in ranges]


def is_index_file(path: str) -> bool:
    return bool(_INDEX_NAME.search(posixpath.basename(path)))


def index_candidates(dump_path: str) -> list[str]:
    """Where Wikimedia puts the index of a multistream dump (whole, or one part of a split dump)."""
    candidates = []
    if dump_path.endswith(".xml.bz2"):
        candidates.append(dump_path[: -len(".xml.bz2")] + "-index.txt.bz2")
    part = _MULTISTREAM_PART.fullmatch(dump_path)
    if part:
        candidates.append(f"{part['stem']}-index{part['part']}.txt{part['pages']}.bz2")
    return candidates


def find_index(dump_path: str) -> str | None:
    """The index next to a multistream dump, or None when there is none."""
    from apache_beam.io.filesystems import FileSystems

    return next((path for path in index_candidates(dump_path) if FileSystems.exists(path)), None)


def stream_offsets(index_path: str) -> list[int]:
    """Sorted unique stream offsets of a multistream index (`offset:page_id:title` lines).

    Streams the index (the English one has over 20 million lines) and keeps one entry per stream.
    """
    fields: set[bytes] = set()
    with open_dump(index_path) as index:
        for lines in _whole_lines(index):
            fields.update(_OFFSET_FIELD.findall(lines))
    fields.discard(b"")
    not_offsets = sorted(field for field in fields if not field.isdigit())
    if not_offsets:
        raise ValueError(
            f"{index_path} is not an index of 'offset:page_id:title' lines: {not_offsets[0][:80]!r}"
        )
    return sorted(map(int, fields))


def _whole_lines(stream, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Chunks of a stream cut after a newline, so that no line is split between two chunks."""
    tail = b""
    for chunk in iter(lambda: stream.read(chunk_size), b""):
        chunk = tail + chunk
        cut = chunk.rfind(b"\n") + 1
        tail = chunk[cut:]
        yield chunk[:cut]
    yield tail


def plan_ranges(offsets: Iterable[int], file_size: int, target_bytes: int) -> list[ByteRange]:
    """Contiguous byte ranges [start, end) of about `target_bytes`, cut only at stream offsets.

    The ranges cover the file from 0 to EOF (last end None) without gap or overlap. Each holds at
    least one indexed stream: the header stream before the first offset joins the first range, and
    the footer stream after the last one joins the last. A range is at least `target_bytes` (except
    the last) and passes it by less than its own last stream.
    """
    if target_bytes <= 0:
        raise ValueError(f"target_bytes must be positive, got {target_bytes}")
    boundaries = sorted(set(offsets))
    if boundaries and (boundaries[0] < 0 or boundaries[-1] >= file_size):
        raise ValueError(
            f"stream offsets {boundaries[0]}..{boundaries[-1]} do not fit a file of {file_size} "
            "bytes: the index belongs to another file"
        )
    starts = [0]
    for boundary in boundaries[1:]:
        if boundary - starts[-1] >= target_bytes:
            starts.append(boundary)
    return list(zip(starts, [*starts[1:], None]))

