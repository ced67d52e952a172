"""Streaming reader of MediaWiki XML dumps (.xml, .xml.bz2 incl. multistream, .xml.gz; gs:// too).

Pages are cut out of the decompressed byte stream by their `<page>` / `</page>` tags (in any
spelling XML allows) and handed on as raw UTF-8 bytes (a dump in another encoding is transcoded as
it streams, `dump_encoding`): XML parsing happens per page later, so one malformed page only fails
itself. Outside CDATA sections and comments, which the scanner looks past, page text cannot hold a
literal `<` (XML escapes it), so scanning for tags is safe. Memory is bounded by the largest page,
never by the file.

Nothing raises out of `iter_pages`: a cut, corrupt, empty or unopenable file becomes a `ReadProblem`
after the pages read before it, so a job never dies on one bad file and never silently drops the
rest of it.
"""
from __future__ import annotations

import atexit
import bz2
import gzip
import html
import io
import re
import weakref
import zlib
from typing import BinaryIO, Callable, Iterator

from pipeline.dump_encoding import HEAD_BYTES, UnsupportedEncoding, as_utf8
from pipeline.records import RawPage, ReadProblem, SiteInfo

ByteRange = tuple[int, int | None]  # raw (compressed) offsets: [start, end), end None = EOF

CHUNK_SIZE = 1 << 20
HEADER_CHUNK_SIZE = 64 << 10
MAX_HEADER_BYTES = 16 << 20  # a siteinfo header is a few KB; past this the file is not a dump

MAX_TAG_BYTES = 64 << 10  # a page tag with more whitespace than this in it is not seen
MAX_PAGE_ID = 2**63 - 1  # page ids are int64 in every table

# What a broken stream raises while reading: EOFError when a compressed stream is cut, OSError
# (bz2 data, gzip header/CRC, I/O) or zlib.error (deflate data) when it is corrupt.
_READ_ERRORS = (EOFError, OSError, zlib.error)


# ---------------------------------------------------------------------------------------------
# Opening


def open_dump(path: str, byte_range: ByteRange | None = None) -> BinaryIO:
    """Opens a dump as a decompressed binary stream, chosen by extension (.bz2, .gz, else plain).

    Every decompressor used reads concatenated streams (multistream bz2) to the end. With
    `byte_range=(start, end)` only those raw bytes are read, so `start` must be where a compressed
    stream begins. Closing the result closes the file.
    """
    compression = compression_of(path)
    if compression == "bz2":
        return _BZ2Stream(lambda: _open_raw_range(path, byte_range))
    raw = _open_raw_range(path, byte_range)
    try:
        return _GzipReader(raw) if compression == "gz" else raw
    except BaseException:
        raw.close()
        raise


def _open_raw_range(path: str, byte_range: ByteRange | None) -> BinaryIO:
    raw = open_raw(path)
    try:
        return raw if byte_range is None else _restrict_to_range(raw, *byte_range)
    except BaseException:
        raw.close()
        raise


def open_raw(path: str) -> BinaryIO:
    """The file's bytes as stored (compressed or not), local or gs://."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def compression_of(path: str) -> str | None:
    """'bz2', 'gz' or None (plain XML), from the file name."""
    name = path.lower()
    return "bz2" if name.endswith(".bz2") else "gz" if name.endswith(".gz") else None


def _restrict_to_range(raw: BinaryIO, start: int, end: int | None) -> BinaryIO:
    raw.seek(start)
    return io.BufferedReader(_BoundedReader(raw, start, end))


class _BoundedReader(io.RawIOBase):
    """The raw bytes [start, end) of `raw` as a file of their own, seekable as the bz2 decoder
    needs: the decompressor must not run into the next range."""

    def __init__(self, raw: BinaryIO, start: int, end: int | None):
        super().__init__()
        self._raw = raw
        self._start = start
        self._size = (raw.seek(0, io.SEEK_END) if end is None else end) - start
        self._position = 0
        raw.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = min(max(base + offset, 0), self._size)
        self._raw.seek(self._start + self._position)
        return self._position

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._size - self._position))
        buffer[: len(data)] = data
        self._position += len(data)
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


# indexed_bzip2 aborts the interpreter when one of its readers is still open as Python shuts
# down (a reader thread outlives it): whatever is left open is closed before that.
_OPEN_FAST_READERS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_fast_readers() -> None:
    for reader in list(_OPEN_FAST_READERS):
        reader.close()


class _BZ2Stream(io.RawIOBase):
    """bz2 decompressed by indexed_bzip2 on one thread, which takes about 0.7x the CPU time of
    Python's bz2 module (bench/README.md, "eighth pass"). Where it fails (a cut or corrupt
    stream), Python's decoder re-reads the stream and takes over at the same decompressed offset:
    a broken file ends as Python's bz2 ends it, with the same bytes before its EOFError or
    OSError, so every page it can still give is kept and the problem is reported as before."""

    def __init__(self, open_raw_bytes: Callable[[], BinaryIO]):
        super().__init__()
        self._open_raw_bytes = open_raw_bytes
        self._raw = open_raw_bytes()
        self._delivered = 0  # decompressed bytes handed out by indexed_bzip2
        try:
            import indexed_bzip2

            self._reader = indexed_bzip2.open(self._raw, parallelization=1)
            self._fast = True
            _OPEN_FAST_READERS.add(self)
        except Exception:  # noqa: BLE001 - Python's decoder says what is wrong
            self._take_over()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._fast:
            try:
                count = self._reader.readinto(buffer)
                self._delivered += count
                return count
            except Exception:  # noqa: BLE001 - Python's decoder says what is wrong
                self._take_over()
        data = self._reader.read1(len(buffer))  # read() would drop what precedes a break
        buffer[: len(data)] = data
        return len(data)

    def _take_over(self) -> None:
        self._close_reader()
        self._fast = False
        self._raw = self._open_raw_bytes()
        self._reader = _BZ2Reader(self._raw)  # closes the raw file with itself
        remaining = self._delivered
        while remaining > 0:  # raises where Python's decoder fails before that offset
            skipped = len(self._reader.read(min(remaining, CHUNK_SIZE)))
            if not skipped:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            remaining -= skipped

    def _close_reader(self) -> None:
        _OPEN_FAST_READERS.discard(self)
        reader, raw = getattr(self, "_reader", None), self._raw
        try:
            if reader is not None:
                reader.close()
        finally:
            raw.close()

    def close(self) -> None:
        if not self.closed:
            try:
                self._close_reader()
            finally:
                super().close()


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
        raise type(exc)(f"{path}: {exc}") from exc


class MalformedSiteInfo(ValueError):
    """A `<siteinfo>` is there but cannot be used (bad XML, an entity, a bad namespace key)."""


def siteinfo_and_problem(path: str) -> tuple[SiteInfo, ReadProblem | None]:
    """The file's siteinfo, or MediaWiki's defaults with a problem that says why they are used.

    A siteinfo that is there but unusable (an external entity, malformed XML) is reported: the
    pages are still read, with English namespaces, which may misfile some of them. A file with
    no siteinfo at all (cut, empty, not a dump) says nothing here: the reader reports it.
    """
    try:
        return read_siteinfo(path), None
    except MalformedSiteInfo as exc:
        return SiteInfo(), ReadProblem(
            source=path, record="siteinfo",
            reason=f"{exc}: read with MediaWiki's default namespaces and case")
    except Exception:  # noqa: BLE001 - the reader reports what is wrong with the file
        return SiteInfo(), None


def _read_header(path: str) -> bytes:
    header = bytearray()
    with open_dump(path) as dump:
        for chunk in as_utf8(_chunks(dump, HEADER_CHUNK_SIZE)):
            header += chunk
            if (b"</siteinfo>" in header or _PAGE_OPEN.search(header)
                    or len(header) > MAX_HEADER_BYTES):
                break
    return bytes(header)


_PAGE_OPEN = re.compile(rb"<page[\s>]")


def parse_siteinfo(header: bytes) -> SiteInfo:
    """Parses the `<siteinfo>` element found in the first bytes of a dump."""
    from xml.etree import ElementTree

    start = header.find(b"<siteinfo>")
    end = header.find(b"</siteinfo>", max(start, 0))
    first_page = _PAGE_OPEN.search(header)
    if start < 0 or end < 0 or (first_page and first_page.start() < end):
        raise ValueError("no <siteinfo> element before the first <page>")
    try:
        siteinfo = ElementTree.fromstring(header[start : end + len(b"</siteinfo>")])
    except ElementTree.ParseError as exc:
        # An entity (&name; declared in a DOCTYPE, external or not) is never expanded.
        raise MalformedSiteInfo(f"malformed <siteinfo>: {exc}") from exc
    try:
        namespaces = [
            (int(element.get("key")), (element.text or "").strip(), element.get("case"))
            for element in siteinfo.iter("namespace")
        ]
    except (TypeError, ValueError) as exc:
        raise MalformedSiteInfo(f"malformed <siteinfo>: a namespace key is not a number ({exc})")
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
    head = _file_head(path) if byte_range is not None and byte_range[0] > 0 else None
    with dump:
        try:
            for chunk in as_utf8(_chunks(dump, chunk_size), head):
                for closed, xml in scanner.feed(chunk):
                    yield position.page(xml) if closed else position.unclosed_page(xml)
        except UnsupportedEncoding as exc:
            yield position.file_problem(str(exc))
            return
        except _READ_ERRORS as exc:
            if not _is_empty_bz2(exc, scanner, path, byte_range):
                yield position.stream_failed(_describe_read_error(exc, path), scanner.partial_page)
                return
    yield from position.end_problems(scanner)


def _file_head(path: str) -> bytes:
    """The first bytes of a file, which say its encoding, for a range read from further on."""
    try:
        with open_dump(path) as dump:
            return dump.read(HEAD_BYTES)
    except _READ_ERRORS:
        return b""  # the range that starts the file reports what is wrong with it


def _chunks(dump: BinaryIO, size: int) -> Iterator[bytes]:
    # read1, not read: read() drops what it already decompressed when the stream then breaks.
    read = getattr(dump, "read1", dump.read)
    return iter(lambda: read(size), b"")


def _is_empty_bz2(exc, scanner: _PageScanner, path: str, byte_range: ByteRange | None) -> bool:
    """bz2 calls a 0-byte file cut short; for us it is an empty file, like a 0-byte .gz or .xml."""
    if not isinstance(exc, EOFError) or scanner.bytes_seen or byte_range is not None:
        return False
    try:
        with open_raw(path) as raw:
            return raw.read(1) == b""
    except OSError:
        return False


class _PageScanner:
    """Cuts `<page>`...`</page>` elements out of a byte stream fed in chunks of any size.

    Finds the tags in every spelling XML allows (`<page >`, `</page\n>`) and looks past CDATA
    sections and comments, which may hold the text `</page>`. Holds only the page in progress
    (or the few bytes that may begin a tag), never the stream.
    """

    def __init__(self):
        self._buffer = bytearray()
        self._in_page = False
        self._scan_from = 0  # no tag to act on begins in buffer[:_scan_from]
        self._skipping_to: bytes | None = None  # the end of the CDATA section or comment we are in
        self.bytes_seen = 0
        self.saw_dump_close = False  # `</mediawiki>` after the last page: the stream was not cut

    @property
    def partial_page(self) -> bytes | None:
        """The bytes of the page in progress, if the stream stopped now."""
        return bytes(self._buffer) if self._in_page else None

    @property
    def open_section(self) -> str | None:
        """'CDATA section' or 'comment' while the stream is inside one."""
        return {None: None, b"]]>": "CDATA section", b"-->": "comment"}[self._skipping_to]

    def feed(self, chunk: bytes) -> Iterator[tuple[bool, bytes]]:
        """Yields (closed, page bytes) for each page that `chunk` completes.

        closed=False is a page cut short by a stray `<page>` before its `</page>`.
        """
        self.bytes_seen += len(chunk)
        self._buffer += chunk
        while (page := self._next_page()) is not None:
            yield page
        if not self._in_page:  # what lies between pages is dropped
            del self._buffer[: self._scan_from]
            self._scan_from = 0

    def _next_page(self) -> tuple[bool, bytes] | None:
        buffer = self._buffer
        while True:
            if self._skipping_to is not None and not self._skip_section():
                return None
            tag = _TAGS.search(buffer, self._scan_from)
            if tag is None:
                self._scan_from = _pending_tag_start(buffer, self._scan_from)
                return None
            self._scan_from = tag.end()
            kind = tag.lastgroup
            if kind == "open" and self._in_page:
                return False, self._cut(tag.start(), next_page_starts=True)
            if kind == "open":
                del buffer[: tag.start()]
                self._start_page(tag.end() - tag.start())
            elif kind == "close" and self._in_page:
                return True, self._cut(tag.end(), next_page_starts=False)
            elif kind == "dump_close" and not self._in_page:
                self.saw_dump_close = True
            elif kind in ("cdata", "comment"):
                self._skipping_to = b"]]>" if kind == "cdata" else b"-->"

    def _skip_section(self) -> bool:
        """Moves past the end of the CDATA section or comment; False until that end is fed."""
        end = self._buffer.find(self._skipping_to, self._scan_from)
        if end < 0:
            self._scan_from = max(self._scan_from, len(self._buffer) - len(self._skipping_to) + 1)
            return False
        self._scan_from = end + len(self._skipping_to)
        self._skipping_to = None
        return True

    def _start_page(self, scanned: int) -> None:
        self._in_page = True
        self._scan_from = scanned
        self.saw_dump_close = False

    def _cut(self, end: int, *, next_page_starts: bool) -> bytes:
        page = bytes(self._buffer[:end])
        del self._buffer[:end]
        self._in_page = False
        self._scan_from = 0
        if next_page_starts:
            self._start_page(_TAGS.match(self._buffer).end())
        return page


# The tags the scanner acts on, in any spelling XML allows; a CDATA section or a comment is
# looked past, since it may hold the text of a tag. The '<' stands first, outside the groups, so
# that the regex engine searches for it as fast as bytes.find (70x faster than the alternation).
_TAGS = re.compile(
    rb"<(?:(?P<open>page[\s>])|(?P<close>/page\s*>)|(?P<dump_close>/mediawiki\s*>)"
    rb"|(?P<cdata>!\[CDATA\[)|(?P<comment>!--))"
)


def _pending_tag_start(buffer: bytearray, scanned: int) -> int:
    """Where a tag that more bytes may complete begins (its '<' has no '>' yet), else the end.

    Any '<' in well-formed XML outside CDATA and comments begins markup, so the scan resumes
    from the last one that is still open, whatever whitespace the tag holds."""
    last = buffer.rfind(b"<", max(scanned, len(buffer) - MAX_TAG_BYTES))
    return last if last >= 0 and buffer.find(b">", last) < 0 else len(buffer)


class _Position:
    """Where the reader is in one file or range: names the records and words the problems."""

    def __init__(self, path: str, byte_range: ByteRange | None):
        self.path = path
        self._prefix = "" if byte_range is None else f"stream@{byte_range[0]} "
        self._range_start = 0 if byte_range is None else byte_range[0]
        self._unit = "file" if byte_range is None else "range"
        self._reaches_end_of_file = byte_range is None or byte_range[1] is None
        self._pages_started = 0
        self._pages_complete = 0

    def page(self, xml: bytes) -> RawPage:
        self._pages_started += 1
        self._pages_complete += 1
        return RawPage(source=self.path, record=self._page_record(), xml=xml,
                       position=(self._range_start, self._pages_started))

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
        elif scanner.open_section:
            yield self.file_problem(f"malformed XML: a {scanner.open_section} never closes: "
                                    f"the rest of the {self._unit} is in it")
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


_TITLE = re.compile(rb"<title\s*>([^<]*)</title\s*>")
_PAGE_ID = re.compile(rb"<id\s*>([^<]*)</id\s*>")


def page_id_of(text: str | None) -> int | None:
    """A page id as the tables hold it, or None: decimal digits (spaces around them allowed)
    for a number from 0 to MAX_PAGE_ID. Python's int() would also take '+7', '1_000' or '٧'."""
    digits = (text or "").strip(" \t\r\n")
    if not digits.isascii() or not digits.isdigit() or int(digits) > MAX_PAGE_ID:
        return None
    return int(digits)


def page_identity(xml: bytes) -> tuple[int | None, str | None]:
    """The page id and title of a (possibly partial or malformed) page, when they can be seen.

    Only the part before `<revision` is searched: revision and contributor ids come later.
    """
    revision = xml.find(b"<revision")
    head = xml if revision < 0 else xml[:revision]
    page_id = _PAGE_ID.search(head)
    title = _TITLE.search(head)
    return (
        page_id_of(html.unescape(page_id.group(1).decode("ascii", "replace"))) if page_id else None,
        html.unescape(title.group(1).decode("utf-8", "replace")) if title else None,
    )
