"""Makes a bigger dump by repeating every page of a real one, so throughput and memory can be
measured at more than one input size on real text.

The output holds `--repeat` copies of every page. Copy 0 is the page as it was; copy k >= 1 gets
page id + k * ID_STRIDE and title + " (copy k)". Nothing else is rewritten: links and redirects in
the copies still point at the originals, revision ids repeat. The build streams: it holds one page
at a time and re-reads the (small) source once per copy.

    .venv/bin/python bench/make_big_dump.py SOURCE.xml.bz2 DEST.xml.bz2 [--repeat 10]
"""
from __future__ import annotations

import argparse
import bz2
import os
import pathlib
import re
import sys
from typing import Iterator

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pipeline.dump_reader import iter_pages, open_dump  # noqa: E402
from pipeline.records import RawPage  # noqa: E402

ID_STRIDE = 10**9  # above any real page id of any wiki, so a copy never collides with a page
DUMP_CLOSE = b"</mediawiki>\n"

_TITLE = re.compile(rb"<title>([^<]*)</title>")
_PAGE_ID = re.compile(rb"<id>\s*(\d+)\s*</id>")


def dump_header(path: str) -> bytes:
    """Everything before the first `<page>`: the `<mediawiki>` tag and `<siteinfo>`."""
    header = bytearray()
    with open_dump(path) as dump:
        while b"<page>" not in header:
            chunk = dump.read1(64 << 10)
            if not chunk:
                raise ValueError(f"{path}: no <page> in the file")
            header += chunk
    return bytes(header[: header.find(b"<page>")])


def source_pages(path: str) -> Iterator[bytes]:
    """The `<page>` elements of `path` as bytes; refuses a source the reader finds broken."""
    for item in iter_pages(path):
        if not isinstance(item, RawPage):
            raise ValueError(f"{path}: {item.record}: {item.reason}")
        yield item.xml


def renamed_page(xml: bytes, copy: int) -> bytes:
    """Copy `copy` of a page: new page id and title (both sit before `<revision>`), rest as is."""
    if copy == 0:
        return xml
    head_end = xml.find(b"<revision")
    head, rest = (xml, b"") if head_end < 0 else (xml[:head_end], xml[head_end:])
    suffix = f" (copy {copy})".encode()
    head = _TITLE.sub(lambda m: b"<title>" + m.group(1) + suffix + b"</title>", head, count=1)
    head = _PAGE_ID.sub(lambda m: b"<id>%d</id>" % (int(m.group(1)) + copy * ID_STRIDE), head,
                        count=1)
    return head + rest


def make_big_dump(source: str, dest: str, repeat: int) -> None:
    """Writes `repeat` copies of every page of `source` to `dest` (.bz2), atomically."""
    partial = f"{dest}.partial"
    with bz2.open(partial, "wb") as out:
        out.write(dump_header(source))
        for copy in range(repeat):
            for xml in source_pages(source):
                out.write(b"  " + renamed_page(xml, copy) + b"\n")
        out.write(DUMP_CLOSE)
    os.replace(partial, dest)


def ensure_big_dump(source: pathlib.Path, dest: pathlib.Path, repeat: int) -> pathlib.Path:
    """`dest`, built unless it exists and is newer than `source` (building 10x takes ~10 s)."""
    if not dest.exists() or dest.stat().st_mtime < source.stat().st_mtime:
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {dest} ({repeat}x {source.name}) ...", file=sys.stderr, flush=True)
        make_big_dump(str(source), str(dest), repeat)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("dest")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    make_big_dump(args.source, args.dest, args.repeat)


if __name__ == "__main__":
    main()
