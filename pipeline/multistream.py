"""Plans the reading of dump files; a multistream bz2 dump is split so workers read it in parallel.

A bz2 file can only be read from its start, except a Wikimedia *multistream* dump: a chain of
independent bz2 streams of about 100 pages each, whose index (`X-multistream-index.txt.bz2`, lines
`offset:page_id:title`) gives the byte offset of each stream. Cutting the file at those offsets
gives byte ranges that `dump_reader.iter_pages(path, byte_range)` reads on their own. Other files
(plain, .gz, bz2 without an index) are read whole, one task per file.

An index that does not fit its file (offsets of another build of the dump, or of streams that do
not begin with a page) would make ranges that start inside a stream or a page and lose their
pages: each range start is checked, and such a file is read whole instead, with a note saying so.
"""
from __future__ import annotations

import dataclasses
import logging
import posixpath
import re
from typing import Iterable, Iterator

from pipeline.dump_reader import ByteRange, compression_of, iter_pages, open_dump, open_raw
from pipeline.progress import LOG
from pipeline.records import RawPage, ReadProblem

DEFAULT_TARGET_BYTES = 64 << 20
# Compressed bytes read at a range start to see the first decompressed bytes: a bz2 block (at
# most 900 kB of text) comes out whole, and a multistream stream holds about 100 pages.
MAX_PROBE_BYTES = 4 << 20
_BZ2_STREAM_START = b"BZh", b"1AY&SY"  # 'BZh', the block size digit, the block magic
_PAGE_FIRST = re.compile(rb"\s*<page[\s>]")

_INDEX_NAME = re.compile(r"-index\d*\.txt")
_OFFSET_FIELD = re.compile(rb"^([^:\n]*)", re.MULTILINE)  # what comes before a line's first ':'
# A dump split in parts: X-multistream3.xml-p151574p311329.bz2 has its index in
# X-multistream-index3.txt-p151574p311329.bz2.
_MULTISTREAM_PART = re.compile(
    r"(?P<stem>.*-multistream)(?P<part>\d+)\.xml(?P<pages>-p\d+p\d+)\.bz2"
)


# A file that cannot be cut (one bz2 or gzip stream, plain XML, or a multistream file whose
# index does not fit) is read by several tasks when it is big, each keeping every n-th page: the
# reading is repeated (bz2 costs about a quarter of what parsing does), the parsing, which happens
# where a task reads, is spread over up to this many workers.
MAX_STRIDES = 8


@dataclasses.dataclass(frozen=True)
class ReadTask:
    """One unit of reading: a whole file (byte_range None) or a range of a multistream file;
    of a whole file, the pages of one `stride` (k, n): pages k, k + n, k + 2n, ... (0-based)."""

    path: str
    byte_range: ByteRange | None = None
    note: str = ""  # why a file with an index is read whole, for corpus_stats.json
    stride: tuple[int, int] = (0, 1)

    def keeps(self, page_number: int) -> bool:
        """Whether this task parses the page read `page_number`-th (from 1) in its file."""
        k, n = self.stride
        return (page_number - 1) % n == k

    @property
    def reports_file_problems(self) -> bool:
        """One task of a file reports what is wrong with the file (and pages that were cut)."""
        return self.stride[0] == 0


def read_task(task: ReadTask) -> Iterator[RawPage | ReadProblem]:
    """What one task reads: its stride of the pages, and the file's problems if it is the task
    that reports them (every page and problem of a file is some one task's)."""
    for item in iter_pages(task.path, task.byte_range):
        if isinstance(item, RawPage):
            if task.keeps(item.position[1]):
                yield item
        elif task.reports_file_problems:
            yield item


def whole_file_tasks(path: str, size: int, target_bytes: int, note: str = "") -> list[ReadTask]:
    """A file read from its start: one task per `target_bytes` of it, at most MAX_STRIDES, each
    keeping its stride of the pages."""
    n = max(1, min(MAX_STRIDES, -(-size // max(1, target_bytes))))
    return [ReadTask(path, None, note, (k, n)) for k in range(n)]


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
        return whole_file_tasks(path, size, target_bytes)
    try:
        ranges = plan_ranges(stream_offsets(index), size, target_bytes)
        misfit = index_misfit(path, ranges)
    except (ValueError, EOFError, OSError) as exc:  # not an index, or of another file
        misfit = str(exc)
    if misfit:
        note = (f"{path}: its index {index} does not fit ({misfit}): read as one stream, "
                "not split")
        LOG.warning(note)
        return whole_file_tasks(path, size, target_bytes, note)
    logging.info("%s: %d read tasks from index %s", path, len(ranges), index)
    if len(ranges) == 1:
        return [ReadTask(path)]
    return [ReadTask(path, byte_range) for byte_range in ranges]


def index_misfit(path: str, ranges: list[ByteRange]) -> str | None:
    """Why ranges cut at these index offsets would not read `path` right, or None if they would.

    Each range after the first must start a bz2 stream whose text begins with a page; the
    first range starts at the file's start. Reads one bz2 block per range.
    """
    with open_raw(path) as raw:
        for start, _ in ranges[1:]:
            raw.seek(start)
            why = _stream_start_misfit(raw)
            if why:
                return f"offset {start} is {why}"
    return None


def _stream_start_misfit(raw) -> str | None:
    head = raw.read(10)
    magic, block_magic = _BZ2_STREAM_START
    if not (head[:3] == magic and head[3:4].isdigit() and head[4:10] == block_magic):
        return "not the start of a bz2 stream"
    import bz2

    decompressor, text, read = bz2.BZ2Decompressor(), b"", len(head)
    try:
        text = decompressor.decompress(head)
        while not text.strip() and not decompressor.eof and read < MAX_PROBE_BYTES:
            data = raw.read(64 << 10)
            if not data:
                break
            read += len(data)
            text += decompressor.decompress(data)
    except OSError as exc:
        return f"a corrupt bz2 stream ({exc})"
    if not text.strip() and read >= MAX_PROBE_BYTES:
        return None  # a block too large to probe: trust the index
    return None if _PAGE_FIRST.match(text) else "a stream that does not begin with a <page>"


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

