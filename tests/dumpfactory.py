"""Builds small MediaWiki dumps for tests: plain, .bz2, .gz, and multistream .bz2 with its index."""
from __future__ import annotations

import bz2
import dataclasses
import gzip
import pathlib
import re
from xml.sax.saxutils import escape, quoteattr

from pipeline.dump_reader import page_identity

ENGLISH_NAMESPACES = ((-1, "Special"), (0, ""), (1, "Talk"), (4, "Wikipedia"), (6, "File"),
                      (10, "Template"), (14, "Category"))
FOOTER = b"</mediawiki>\n"


def siteinfo_xml(dbname: str = "testwiki", case: str = "first-letter",
                 namespaces=ENGLISH_NAMESPACES,
                 namespace_cases: dict[int, str] | None = None) -> bytes:
    """A `<siteinfo>` element; `namespace_cases` overrides the case of single namespaces."""
    namespace_cases = namespace_cases or {}
    lines = []
    for key, name in namespaces:
        attributes = f'key="{key}" case={quoteattr(namespace_cases.get(key, case))}'
        lines.append(f"      <namespace {attributes}>{escape(name)}</namespace>" if name
                     else f"      <namespace {attributes} />")
    return (
        "  <siteinfo>\n"
        f"    <sitename>Test</sitename>\n    <dbname>{dbname}</dbname>\n    <case>{case}</case>\n"
        "    <namespaces>\n" + "\n".join(lines) + "\n    </namespaces>\n  </siteinfo>\n"
    ).encode()


def header_xml(siteinfo: bytes | None = None) -> bytes:
    return (
        b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" '
        b'xml:lang="en">\n' + (siteinfo if siteinfo is not None else siteinfo_xml())
    )


def page_xml(page_id: int, title: str, text: str = "Some '''text'''.", ns: int = 0) -> bytes:
    """A page as the dumps write it; its revision id differs from the page id on purpose."""
    return (
        f"<page>\n    <title>{escape(title)}</title>\n    <ns>{ns}</ns>\n    <id>{page_id}</id>\n"
        f"    <revision>\n      <id>{page_id + 1000000}</id>\n"
        f'      <text xml:space="preserve">{escape(text)}</text>\n    </revision>\n  </page>'
    ).encode()


def history_page_xml(page_id: int, title: str, texts: list[str]) -> bytes:
    """A page of a history dump: one `<revision>` per text, oldest first, as dumps order them."""
    revisions = "".join(
        f"    <revision>\n      <id>{page_id * 100 + number}</id>\n"
        f'      <text xml:space="preserve">{escape(text)}</text>\n    </revision>\n'
        for number, text in enumerate(texts, 1))
    return (f"<page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{page_id}</id>\n"
            f"{revisions}  </page>").encode()


def numbered_pages(count: int, text: str = "Some text about {title}.") -> list[bytes]:
    return [page_xml(i, f"Page {i}", text.format(title=f"Page {i}")) for i in range(1, count + 1)]


def dump_xml(pages: list[bytes], header: bytes | None = None, footer: bytes = FOOTER) -> bytes:
    return (header if header is not None else header_xml()) + _page_lines(pages) + footer


def _page_lines(pages: list[bytes]) -> bytes:
    return b"".join(b"  " + page + b"\n" for page in pages)


def encoded(xml: bytes, encoding: str, bom: bool = True, declaration: bool = True) -> bytes:
    """A UTF-8 dump re-encoded as another file would hold it: with a byte-order mark and an XML
    declaration naming the encoding, unless told otherwise."""
    import codecs

    text = xml.decode("utf-8")
    if declaration:
        text = f'<?xml version="1.0" encoding="{encoding}"?>\n' + text
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
             "utf-8": codecs.BOM_UTF8}
    return (marks.get(encoding.lower(), b"") if bom else b"") + text.encode(encoding)


def compress_for(path: pathlib.Path, data: bytes, compresslevel: int = 9) -> bytes:
    """`data` as a file named `path` holds it: compressed by extension, like the reader expects."""
    if path.suffix == ".bz2":
        return bz2.compress(data, compresslevel)
    if path.suffix == ".gz":
        return gzip.compress(data, compresslevel, mtime=0)
    return data


def write_dump(path: pathlib.Path, pages: list[bytes], header: bytes | None = None,
               compresslevel: int = 9) -> pathlib.Path:
    path.write_bytes(compress_for(path, dump_xml(pages, header), compresslevel))
    return path


@dataclasses.dataclass(frozen=True)
class Multistream:
    path: pathlib.Path
    index_path: pathlib.Path
    offsets: list[int]  # where each page stream starts (the index's offsets)


def write_multistream(path: pathlib.Path, pages: list[bytes], pages_per_stream: int,
                      header: bytes | None = None, footer: bytes = FOOTER) -> Multistream:
    """A multistream dump as Wikimedia writes it: header stream, streams of pages, footer stream,
    plus its `-index.txt.bz2` of `offset:page_id:title` lines."""
    groups = [pages[i : i + pages_per_stream] for i in range(0, len(pages), pages_per_stream)]
    header_stream = bz2.compress(header if header is not None else header_xml())
    page_streams = [bz2.compress(_page_lines(group)) for group in groups]
    offsets = [len(header_stream)]
    for stream in page_streams[:-1]:
        offsets.append(offsets[-1] + len(stream))
    path.write_bytes(header_stream + b"".join(page_streams) + bz2.compress(footer))
    index_path = path.with_name(path.name.replace(".xml.bz2", "-index.txt.bz2"))
    index_path.write_bytes(bz2.compress(_index_lines(offsets, groups)))
    return Multistream(path, index_path, offsets)


def _index_lines(offsets: list[int], groups: list[list[bytes]]) -> bytes:
    lines = []
    for offset, group in zip(offsets, groups):
        for page in group:
            page_id, title = page_identity(page)
            lines.append(f"{offset}:{page_id}:{title}\n")
    return "".join(lines).encode()


_PAGE = re.compile(rb"<page>.*?</page>", re.DOTALL)


def split_dump(xml: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(header, pages, footer) of a dump held in memory: the oracle for the streaming reader."""
    pages = list(_PAGE.finditer(xml))
    return xml[: pages[0].start()], [page.group() for page in pages], xml[pages[-1].end() :]
