"""A dump's character encoding, from its byte-order mark or XML declaration, and its bytes as UTF-8.

The page scanner and the page parser work on UTF-8 bytes. A dump in another encoding (a UTF-16
export, a Latin-1 declaration) is transcoded to UTF-8 as a stream, chunk by chunk, so everything
after the reader works unchanged; UTF-8 and ASCII dumps (every Wikimedia dump) pass through
untouched, at no cost. A dump whose encoding cannot be known is refused with the reason.
"""
from __future__ import annotations

import codecs
import re
from typing import Iterable, Iterator

UTF8 = "utf-8"
HEAD_BYTES = 1024  # enough for a byte-order mark and an XML declaration

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, UTF8), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a mark, the first character '<' tells a wide encoding and its byte order (XML 1.0, F.1).
_WIDE_STARTS = (
    (re.compile(rb"<\0\0\0"), "utf-32-le"), (re.compile(rb"\0\0\0<"), "utf-32-be"),
    (re.compile(rb"<\0[^\0]\0"), "utf-16-le"), (re.compile(rb"\0<\0[^\0]"), "utf-16-be"),
)
_DECLARED = re.compile(rb"""\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_INVALID = "wikipairs.invalid_to_utf8"


class UnsupportedEncoding(ValueError):
    """A dump whose encoding is unknown or contradicts its bytes: it is refused, not misread."""


def _mark_invalid(error: UnicodeDecodeError):
    # A lone surrogate: encoded with 'surrogatepass' it is invalid UTF-8, so the XML parser
    # refuses the one page that holds it, as it does a bad byte in a UTF-8 dump.
    return "\udcff", error.end


codecs.register_error(_INVALID, _mark_invalid)


def dump_encoding(head: bytes) -> tuple[str, int]:
    """(Python codec name, length of the byte-order mark) of a dump that begins with `head`.

    Raises UnsupportedEncoding for a declared encoding Python does not know, or a declaration
    of a wide encoding (UTF-16, UTF-32) on bytes that are not in it.
    """
    for mark, name in _BOMS:
        if head.startswith(mark):
            return name, len(mark)
    for start, name in _WIDE_STARTS:
        if start.match(head):
            return name, 0
    declared = _DECLARED.match(head)
    if not declared:
        return UTF8, 0
    label = declared.group(1).decode("ascii", "replace")
    try:
        name = codecs.lookup(label).name
    except LookupError:
        raise UnsupportedEncoding(
            f"unknown encoding {label!r} in the XML declaration: cannot read the file") from None
    if name.startswith(("utf-16", "utf-32")):
        raise UnsupportedEncoding(
            f"the XML declaration says {label} but the file is not (no byte-order mark, 8-bit "
            "characters): cannot read the file")
    return name, 0


def as_utf8(chunks: Iterable[bytes], head: bytes | None = None) -> Iterator[bytes]:
    """The chunks of a dump, re-encoded to UTF-8 unless they already are (then passed through).

    `head`: the first bytes of the file when `chunks` start elsewhere (a multistream range),
    since only the start of a file says its encoding. Raises UnsupportedEncoding (see above).
    """
    chunks = iter(chunks)
    first = b""
    if head is None:
        for chunk in chunks:  # a chunk may be shorter than a declaration: its '>' ends it
            first += chunk
            if b">" in first or len(first) >= HEAD_BYTES:
                break
        head = first
        name, mark = dump_encoding(head)
    else:
        name, mark = dump_encoding(head)
        mark = 0  # the mark is at the start of the file, not of this range
    if name == UTF8:
        if first:
            yield first
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder(name)(errors=_INVALID)
    for chunk in _prepended(first[mark:], chunks):
        text = decoder.decode(chunk)
        if text:
            yield text.encode(UTF8, "surrogatepass")
    text = decoder.decode(b"", final=True)
    if text:
        yield text.encode(UTF8, "surrogatepass")


def _prepended(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from chunks
