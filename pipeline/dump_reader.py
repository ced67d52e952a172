"""Streaming reader of MediaWiki XML dumps (.xml, .xml.bz2 incl. multistream, .xml.gz; gs:// too).

Pages are cut out of the decompressed byte stream by their `<page>` / `</page>` markers and handed
on as raw bytes: XML parsing happens per page later, so one malformed page only fails itself. Page
text cannot hold a literal `<page>` (dumps escape it), so scanning for markers is safe. Memory is
bounded by the largest page, never by the file.

Nothing raises out of `iter_pages`: a cut, corrupt, empty or unopenable file becomes a `ReadProblem`
after the pages read before it, so a job never dies on one bad file and never silently drops the
rest of it.
"""
from __future__ import annotations

import bz2
import gzip
import html
import io
import re
import zlib
from typing import BinaryIO, Iterator

from pipeline.records import RawPage, ReadProblem, SiteInfo

ByteRange = tuple[int, int | None]  # raw (compressed) offsets: [start, end), end None = EOF

CHUNK_SIZE = 1 << 20
HEADER_CHUNK_SIZE = 64 << 10
MAX_HEADER_BYTES = 16 << 20  # a siteinfo header is a few KB; past this the file is not a dump

PAGE_OPEN = b"<page>"
PAGE_CLOSE = b"</page>"
DUMP_CLOSE = b"</mediawiki>"

# What a broken stream raises while reading: EOFError when a compressed stream is cut, OSError
# (bz2 data, gzip header/CRC, I/O) or zlib.error (deflate data) when it is corrupt.
_READ_ERRORS = (EOFError, OSError, zlib.error)


# ---------------------------------------------------------------------------------------------
# Opening


def open_dump(path: str, byte_range: ByteRange | None = None) -> BinaryIO:
    """Opens a dump as a decompressed binary stream, chosen by extension (.bz2, .gz, else plain).

    Python's own decompressors are used because they read concatenated streams (multistream bz2)
    to the end. With `byte_range=(start, end)` only those raw bytes are read, so `start` must be
    where a compressed stream begins. Closing the result closes the file.
    """
    raw = _open_raw(path)
    try:
        if byte_range is not None:
            raw = _restrict_to_range(raw, *byte_range)
        return _decompressing(raw, compression_of(path))
    except BaseException:
        raw.close()
        raise


def _open_raw(path: str) -> BinaryIO:
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def compression_of(path: str) -> str | None:
    """'bz2', 'gz' or None (plain XML), from the file name."""
    name = path.lower()
    return "bz2" if name.endswith(".bz2") else "gz" if name.endswith(".gz") else None


def _restrict_to_range(raw: BinaryIO, start: int, end: int | None) -> BinaryIO:
    raw.seek(start)
    return raw if end is None else io.BufferedReader(_BoundedReader(raw, end - start))


class _BoundedReader(io.RawIOBase):
    """Reads at most `limit` bytes of `raw`: the decompressor must not run into the next range."""

    def __init__(self, raw: BinaryIO, limit: int):
        super().__init__()
        self._raw = raw
        self._remaining = max(limit, 0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._remaining))
        buffer[: len(data)] = data
        self._remaining -= len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class _ClosesItsFile:
    """The stdlib decompressors leave a file object they were given open; these close it too."""

    def __init__(self, raw: BinaryIO, **kwargs):
        self._owned_file = raw
        super().__init__(**kwargs)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._owned_file.close()


class _BZ2Reader(_ClosesItsFile, bz2.BZ2File):
    def __init__(self, raw: BinaryIO):
        super().__init__(raw, filename=raw, mode="rb")


class _GzipReader(_ClosesItsFile, gzip.GzipFile):
    def __init__(self, raw: BinaryIO):
        super().__init__(raw, fileobj=raw, mode="rb")


def _decompressing(raw: BinaryIO, compression: str | None) -> BinaryIO:
    if compression == "bz2":
        return _BZ2Reader(raw)
    if compression == "gz":
        return _GzipReader(raw)
    return raw


# ---------------------------------------------------------------------------------------------
# Header


def read_siteinfo(path: str) -> SiteInfo:
    """The wiki's `<siteinfo>`: its namespace names and title case rules, for any language.

    Reads only the header (stops at `</siteinfo>` or the first `<page>`), so it is cheap on any
    file. Raises ValueError naming the file when there is no siteinfo before the first page.
    """
    try:
        return parse_siteinfo(_read_header(path))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _read_header(path: str) -> bytes:
    header = bytearray()
    with open_dump(path) as dump:
        for chunk in _chunks(dump, HEADER_CHUNK_SIZE):
            header += chunk
            if b"</siteinfo>" in header or PAGE_OPEN in header or len(header) > MAX_HEADER_BYTES:
                break
    return bytes(header)


def parse_siteinfo(header: bytes) -> SiteInfo:
    """Parses the `<siteinfo>` element found in the first bytes of a dump."""
    from xml.etree import ElementTree

    start = header.find(b"<siteinfo>")
    end = header.find(b"</siteinfo>", max(start, 0))
    first_page = header.find(PAGE_OPEN)
    if start < 0 or end < 0 or 0 <= first_page < end:
        raise ValueError("no <siteinfo> element before the first <page>")
    try:
        siteinfo = ElementTree.fromstring(header[start : end + len(b"</siteinfo>")])
    except ElementTree.ParseError as exc:
        raise ValueError(f"malformed <siteinfo>: {exc}") from exc
    namespaces = [
        (int(element.get("key")), (element.text or "").strip(), element.get("case"))
        for element in siteinfo.iter("namespace")
    ]
    return SiteInfo(
        dbname=(siteinfo.findtext("dbname") or "").strip(),
        case=(siteinfo.findtext("case") or "first-letter").strip(),
        namespaces=tuple((key, name) for key, name, _ in namespaces),
        namespace_cases=tuple((key, case) for key, _, case in namespaces if case),
    )


# ---------------------------------------------------------------------------------------------
# Pages


def iter_pages(
    path: str, byte_range: ByteRange | None = None, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[RawPage | ReadProblem]:
    """Yields each `<page>...</page>` of a dump (or of a multistream byte range) as bytes.

    `record` says where each page was found: 'page 17', or 'stream@123456 page 3' in a range.
    Anything that goes wrong is yielded as a ReadProblem after the pages read before it.
    """
    position = _Position(path, byte_range)
    scanner = _PageScanner()
    try:
        dump = open_dump(path, byte_range)
    except OSError as exc:
        yield position.file_problem(f"cannot open file ({type(exc).__name__}: {exc})")
        return
    with dump:
        try:
            for chunk in _chunks(dump, chunk_size):
                for closed, xml in scanner.feed(chunk):
                    yield position.page(xml) if closed else position.unclosed_page(xml)
        except _READ_ERRORS as exc:
            if not _is_empty_bz2(exc, scanner, path, byte_range):
                yield position.stream_failed(_describe_read_error(exc, path), scanner.partial_page)
                return
    yield from position.end_problems(scanner)


def _chunks(dump: BinaryIO, size: int) -> Iterator[bytes]:
    # read1, not read: read() drops what it already decompressed when the stream then breaks.
    read = getattr(dump, "read1", dump.read)
    return iter(lambda: read(size), b"")


def _is_empty_bz2(exc, scanner: _PageScanner, path: str, byte_range: ByteRange | None) -> bool:
    """bz2 calls a 0-byte file cut short; for us it is an empty file, like a 0-byte .gz or .xml."""
    if not isinstance(exc, EOFError) or scanner.bytes_seen or byte_range is not None:
        return False
    try:
        with _open_raw(path) as raw:
            return raw.read(1) == b""
    except OSError:
        return False


class _PageScanner:
    """Cuts `<page>`...`</page>` elements out of a byte stream fed in chunks of any size.

    Holds only the page in progress (or the few bytes that may begin a marker), never the stream.
    """

    def __init__(self):
        self._buffer = bytearray()
        self._in_page = False
        self._scanned = 0  # buffer[len(PAGE_OPEN):_scanned] is known to hold no whole marker
        self.bytes_seen = 0
        self.saw_dump_close = False  # `</mediawiki>` after the last page: the stream was not cut

    @property
    def partial_page(self) -> bytes | None:
        """The bytes of the page in progress, if the stream stopped now."""
        return bytes(self._buffer) if self._in_page else None

    def feed(self, chunk: bytes) -> Iterator[tuple[bool, bytes]]:
        """Yields (closed, page bytes) for each page that `chunk` completes.

        closed=False is a page cut short by a stray `<page>` before its `</page>`.
        """
        self.bytes_seen += len(chunk)
        self._buffer += chunk
        while self._in_page or self._skip_to_page():
            page = self._take_page()
            if page is None:
                return
            yield page

    def _skip_to_page(self) -> bool:
        start = self._buffer.find(PAGE_OPEN)
        if start < 0:
            self.saw_dump_close |= DUMP_CLOSE in self._buffer
            del self._buffer[: -(len(DUMP_CLOSE) - 1)]  # keep what may begin a marker
            return False
        del self._buffer[:start]
        self._start_page()
        return True

    def _start_page(self) -> None:
        self._in_page = True
        self._scanned = len(PAGE_OPEN)
        self.saw_dump_close = False

    def _take_page(self) -> tuple[bool, bytes] | None:
        close = self._find_unscanned(PAGE_CLOSE, len(self._buffer))
        stray = self._find_unscanned(PAGE_OPEN, close if close >= 0 else len(self._buffer))
        if stray >= 0:
            return False, self._cut(stray, next_page_starts=True)
        if close < 0:
            self._scanned = len(self._buffer)
            return None
        return True, self._cut(close + len(PAGE_CLOSE), next_page_starts=False)

    def _find_unscanned(self, marker: bytes, end: int) -> int:
        start = max(len(PAGE_OPEN), self._scanned - len(marker) + 1)
        return self._buffer.find(marker, start, end)

    def _cut(self, end: int, *, next_page_starts: bool) -> bytes:
        page = bytes(self._buffer[:end])
        del self._buffer[:end]
        self._in_page = False
        if next_page_starts:
            self._start_page()
        return page


class _Position:
    """Where the reader is in one file or range: names the records and words the problems."""

    def __init__(self, path: str, byte_range: ByteRange | None):
        self.path = path
        self._prefix = "" if byte_range is None else f"stream@{byte_range[0]} "
        self._unit = "file" if byte_range is None else "range"
        self._reaches_end_of_file = byte_range is None or byte_range[1] is None
        self._pages_started = 0
        self._pages_complete = 0

    def page(self, xml: bytes) -> RawPage:
        self._pages_started += 1
        self._pages_complete += 1
        return RawPage(source=self.path, record=self._page_record(), xml=xml)

    def unclosed_page(self, xml: bytes) -> ReadProblem:
        self._pages_started += 1
        return self._page_problem(xml, "malformed XML: <page> not closed before next <page>")

    def stream_failed(self, what: str, partial_page: bytes | None) -> ReadProblem:
        if partial_page is None:
            return self.file_problem(f"{what} after {self._pages_complete} pages")
        self._pages_started += 1
        return self._page_problem(
            partial_page, f"{what} inside page (after {self._pages_complete} complete pages)"
        )

    def end_problems(self, scanner: _PageScanner) -> Iterator[ReadProblem]:
        """What is wrong with a stream that ended without a read error, if anything."""
        if scanner.partial_page is not None:
            yield self.stream_failed("truncated file: file ended", scanner.partial_page)
        elif self._pages_started == 0:
            yield self.file_problem(
                f"empty {self._unit}: no pages ({scanner.bytes_seen} bytes decompressed)"
            )
        elif self._reaches_end_of_file and not scanner.saw_dump_close:
            yield self.file_problem(
                f"truncated file: file ended without </mediawiki> "
                f"after {self._pages_complete} pages"
            )

    def file_problem(self, reason: str) -> ReadProblem:
        where = f"after page {self._pages_started}" if self._pages_started else "before any page"
        return ReadProblem(source=self.path, record=self._prefix + where, reason=reason)

    def _page_record(self) -> str:
        return f"{self._prefix}page {self._pages_started}"

    def _page_problem(self, xml: bytes, reason: str) -> ReadProblem:
        page_id, title = page_identity(xml)
        return ReadProblem(
            source=self.path,
            record=self._page_record(),
            reason=reason,
            is_page=True,
            page_id=page_id,
            title=title,
        )


def _describe_read_error(exc: BaseException, path: str) -> str:
    detail = f"({type(exc).__name__}: {exc})"
    if compression_of(path) is None:
        return f"read error {detail}"
    if isinstance(exc, EOFError):
        return "truncated file: compressed stream ended"
    return f"corrupt compressed data {detail}"


_TITLE = re.compile(rb"<title>([^<]*)</title>")
_PAGE_ID = re.compile(rb"<id>\s*(\d+)\s*</id>")


def page_identity(xml: bytes) -> tuple[int | None, str | None]:
    """The page id and title of a (possibly partial or malformed) page, when they can be seen.

    Only the part before `<revision` is searched: revision and contributor ids come later.
    """
    revision = xml.find(b"<revision")
    head = xml if revision < 0 else xml[:revision]
    page_id = _PAGE_ID.search(head)
    title = _TITLE.search(head)
    return (
        int(page_id.group(1)) if page_id else None,
        html.unescape(title.group(1).decode("utf-8", "replace")) if title else None,
    )
