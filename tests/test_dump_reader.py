"""The dump reader on real and built dumps: pages come out as bytes, faults as problems."""
from __future__ import annotations

import bz2
import tracemalloc

import pytest

import dumpfactory
from pipeline.dump_reader import iter_pages, open_dump, page_identity, read_siteinfo
from pipeline.records import RawPage, ReadProblem


@pytest.fixture(scope="module")
def real_sample():
    sample_data = pytest.importorskip("pipeline.sample_data")
    return sample_data.sample_path()


def read(path, **kwargs) -> tuple[list[RawPage], list[ReadProblem]]:
    items = list(iter_pages(str(path), **kwargs))
    pages = [item for item in items if isinstance(item, RawPage)]
    return pages, [item for item in items if isinstance(item, ReadProblem)]


def xml_of(pages: list[RawPage]) -> list[bytes]:
    return [page.xml for page in pages]


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dump.xml", "dump.xml.bz2", "dump.xml.gz"])
def test_every_format_yields_every_page_untouched(tmp_path, name):
    expected = dumpfactory.numbered_pages(30)
    path = dumpfactory.write_dump(tmp_path / name, expected)

    pages, problems = read(path)

    assert problems == []
    assert xml_of(pages) == expected
    assert [page.record for page in pages] == [f"page {i}" for i in range(1, 31)]
    assert {page.source for page in pages} == {str(path)}


@pytest.mark.parametrize("chunk_size", [1, 5, 6, 7, 13, 64, 1000])
def test_markers_split_across_chunks_are_found(tmp_path, chunk_size):
    expected = dumpfactory.numbered_pages(12)
    path = dumpfactory.write_dump(tmp_path / "dump.xml", expected)

    pages, problems = read(path, chunk_size=chunk_size)

    assert (xml_of(pages), problems) == (expected, [])


def test_page_larger_than_a_chunk_comes_out_whole(tmp_path):
    huge = dumpfactory.page_xml(7, "Huge", "word " * 700_000)  # 3.5 MB > the 1 MiB chunks
    expected = [dumpfactory.page_xml(6, "Before"), huge, dumpfactory.page_xml(8, "After")]
    path = dumpfactory.write_dump(tmp_path / "dump.xml.bz2", expected)

    pages, problems = read(path)

    assert (xml_of(pages), problems) == (expected, [])


def test_real_sample_yields_its_206_pages_in_order(real_sample):
    _, expected, _ = dumpfactory.split_dump(bz2.decompress(real_sample.read_bytes()))

    pages, problems = read(real_sample)

    assert problems == []
    assert len(pages) == 206
    assert xml_of(pages) == expected
    assert page_identity(pages[0].xml) == (10, "AccessibleComputing")


def test_non_utf8_bytes_in_a_page_are_passed_on_untouched(tmp_path):
    latin1 = dumpfactory.page_xml(2, "Caf\u00e9").replace("Caf\u00e9".encode(), b"Caf\xe9\xff")
    expected = [dumpfactory.page_xml(1, "One"), latin1, dumpfactory.page_xml(3, "Three")]
    path = dumpfactory.write_dump(tmp_path / "dump.xml", expected)

    pages, problems = read(path)

    assert (xml_of(pages), problems) == (expected, [])


def test_page_identity_reads_page_id_not_revision_id_and_unescapes_title():
    page = dumpfactory.page_xml(42, "AT&T <Wireless>")

    assert page_identity(page) == (42, "AT&T <Wireless>")
    assert page_identity(page[:30]) == (None, None)


# --- problems --------------------------------------------------------------------------------


def cut(path, fraction: float):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def assert_prefix_then_one_problem(path, expected, reason_start):
    """The pages before the damage come out intact, then one problem says what happened."""
    *pages, problem = iter_pages(str(path))
    assert 0 < len(pages) < len(expected)
    assert xml_of(pages) == expected[: len(pages)]
    assert isinstance(problem, ReadProblem)
    assert problem.reason.startswith(reason_start), problem.reason
    assert problem.source == str(path)
    if problem.is_page:  # the page the cut fell in, named by what could be read of it
        assert problem.record == f"page {len(pages) + 1}"
        assert problem.page_id in (None, len(pages) + 1)
    return problem


def varied_pages(count: int) -> list[bytes]:
    """Pages whose text does not compress to nothing, so that a dump spans many bz2 blocks."""
    return [dumpfactory.page_xml(i, f"Page {i}", " ".join(str(i * j) for j in range(400)))
            for i in range(1, count + 1)]


def test_truncated_bz2_yields_pages_before_the_cut_then_one_problem(tmp_path):
    expected = varied_pages(600)
    path = cut(dumpfactory.write_dump(tmp_path / "dump.xml.bz2", expected, compresslevel=1), 0.5)

    assert_prefix_then_one_problem(path, expected, "truncated file: compressed stream ended")


def test_truncated_gz_yields_pages_before_the_cut_then_one_problem(tmp_path):
    expected = varied_pages(600)
    path = cut(dumpfactory.write_dump(tmp_path / "dump.xml.gz", expected), 0.5)

    assert_prefix_then_one_problem(path, expected, "truncated file: compressed stream ended")


def zero_middle(path, length: int = 64):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + length] = bytes(length)
    path.write_bytes(bytes(data))
    return path


def test_corrupt_bz2_yields_pages_before_it_then_one_problem(tmp_path):
    expected = varied_pages(600)
    path = zero_middle(dumpfactory.write_dump(tmp_path / "dump.xml.bz2", expected, compresslevel=1))

    assert_prefix_then_one_problem(path, expected, "corrupt compressed data")


def until_it_breaks(read) -> tuple[bytes, type | None]:
    """Every byte `read(size)` gives before it returns nothing or raises, and what it raised."""
    data = bytearray()
    try:
        while chunk := read(1 << 16):
            data += chunk
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return bytes(data), type(exc)
    return bytes(data), None


def damaged_bz2_dumps(tmp_path):
    """bz2 dumps broken in the ways a download or a disk breaks them, one file each."""
    pages = varied_pages(400)
    data = dumpfactory.write_dump(tmp_path / "good.xml.bz2", pages, compresslevel=1).read_bytes()
    middle = len(data) // 2
    flipped = bytearray(data)
    flipped[middle] ^= 0x10
    damages = {f"cut at {f:.0%}": data[: int(len(data) * f)] for f in (0.02, 0.3, 0.5, 0.97)}
    damages["64 zero bytes"] = data[:middle] + bytes(64) + data[middle + 64:]
    damages["one bit flipped"] = bytes(flipped)
    damages["garbage after the end"] = data + b"not bz2"
    for name, damaged in damages.items():
        path = tmp_path / f"{name.replace(' ', '-').replace('%', '')}.xml.bz2"
        path.write_bytes(damaged)
        yield name, path


def test_a_damaged_bz2_reads_as_pythons_decoder_reads_it(tmp_path):
    """open_dump decodes bz2 with indexed_bzip2, which fails elsewhere and otherwise than Python's
    bz2; where it fails, Python's decoder takes over: the same bytes, then the same error."""
    for name, path in damaged_bz2_dumps(tmp_path):
        with bz2.BZ2File(path) as reference, open_dump(str(path)) as ours:
            expected = until_it_breaks(reference.read1)
            assert until_it_breaks(ours.read) == expected, name
        # a cut inside the first bz2 block leaves nothing; every other damage leaves pages
        assert bool(expected[0]) == (name != "cut at 2%"), name
        assert (expected[1] is None) == (name == "garbage after the end"), name


def test_an_intact_bz2_is_read_by_the_fast_decoder_whole_and_by_range(tmp_path):
    dump = dumpfactory.write_multistream(tmp_path / "dump.xml.bz2", varied_pages(50), 5)
    data = dump.path.read_bytes()
    offsets = [*dump.offsets, len(data)]
    for byte_range, raw in [(None, data), ((offsets[2], offsets[3]), data[offsets[2]:offsets[3]]),
                            ((offsets[2], None), data[offsets[2]:])]:
        with open_dump(str(dump.path), byte_range) as ours:
            assert until_it_breaks(ours.read) == (bz2.decompress(raw), None)
            assert ours._fast, byte_range  # indexed_bzip2 read it all: nothing fell back


def test_corrupt_gz_is_caught_by_its_checksum_and_ends_in_a_problem(tmp_path):
    """Deflate decodes damaged bytes into garbage; only the CRC at the end of the member tells."""
    expected = varied_pages(600)
    path = zero_middle(dumpfactory.write_dump(tmp_path / "dump.xml.gz", expected))

    items = list(iter_pages(str(path)))

    assert xml_of(items[:100]) == expected[:100]
    assert isinstance(items[-1], ReadProblem)
    assert items[-1].reason.startswith("corrupt compressed data"), items[-1].reason


def test_plain_file_ending_inside_a_page_makes_that_page_a_problem(tmp_path):
    pages_in = dumpfactory.numbered_pages(3)
    partial = pages_in[2][: pages_in[2].index(b"<revision") + 5]
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.header_xml() + b"  ".join([pages_in[0], pages_in[1], partial]))

    pages, problems = read(path)

    assert xml_of(pages) == pages_in[:2]
    assert problems == [ReadProblem(
        source=str(path), record="page 3", is_page=True, page_id=3, title="Page 3",
        reason="truncated file: file ended inside page (after 2 complete pages)")]


def test_plain_file_cut_between_pages_is_a_problem(tmp_path):
    expected = dumpfactory.numbered_pages(3)
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml(expected, footer=b""))

    pages, problems = read(path)

    assert xml_of(pages) == expected
    [problem] = problems
    assert (problem.is_page, problem.record) == (False, "after page 3")
    assert problem.reason.startswith("truncated file") and "</mediawiki>" in problem.reason


@pytest.mark.parametrize("chunk_size", [3, 1 << 20])
def test_page_not_closed_before_the_next_fails_alone(tmp_path, chunk_size):
    good = dumpfactory.numbered_pages(5)
    unclosed = good[1].replace(b"</page>", b"")
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml([good[0], unclosed, *good[2:]]))

    pages, problems = read(path, chunk_size=chunk_size)

    assert xml_of(pages) == [good[0], *good[2:]]
    assert [page.record for page in pages] == ["page 1", "page 3", "page 4", "page 5"]
    [problem] = problems
    assert (problem.is_page, problem.record, problem.page_id, problem.title) == (
        True, "page 2", 2, "Page 2")
    assert problem.reason == "malformed XML: <page> not closed before next <page>"


@pytest.mark.parametrize("name, content", [
    ("empty.xml", b""),
    ("empty.xml.bz2", b""),
    ("empty-stream.xml.bz2", bz2.compress(b"")),
    ("header-only.xml", dumpfactory.dump_xml([])),
    ("not-a-dump.xml", b"hello\n" * 1000),
])
def test_file_without_pages_is_one_problem(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)

    pages, problems = read(path)

    assert pages == []
    [problem] = problems
    assert problem.reason.startswith("empty file: no pages")
    assert (problem.is_page, problem.source) == (False, str(path))


def test_missing_file_is_a_problem_not_an_exception(tmp_path):
    _, problems = read(tmp_path / "missing.xml.bz2")

    [problem] = problems
    assert problem.reason.startswith("cannot open file")


# --- siteinfo --------------------------------------------------------------------------------


def test_siteinfo_of_the_real_sample(real_sample):
    siteinfo = read_siteinfo(str(real_sample))

    namespaces = dict(siteinfo.namespaces)
    assert siteinfo.dbname == "enwiki"
    assert siteinfo.case == "first-letter"
    assert (namespaces[0], namespaces[4], namespaces[14]) == ("", "Wikipedia", "Category")
    assert siteinfo.case_of(4) == "first-letter"
    assert siteinfo.case_of(2302) == "case-sensitive"


def test_siteinfo_of_a_german_dump(tmp_path):
    german = dumpfactory.siteinfo_xml(
        dbname="dewiki",
        namespaces=((0, ""), (1, "Diskussion"), (6, "Datei"), (14, "Kategorie"),
                    (828, "Modul")),
        namespace_cases={828: "case-sensitive"},
    )
    path = dumpfactory.write_dump(tmp_path / "dewiki.xml.gz", dumpfactory.numbered_pages(2),
                                  header=dumpfactory.header_xml(german))

    siteinfo = read_siteinfo(str(path))

    assert siteinfo.dbname == "dewiki"
    assert siteinfo.namespaces == ((0, ""), (1, "Diskussion"), (6, "Datei"), (14, "Kategorie"),
                                   (828, "Modul"))
    assert (siteinfo.case_of(14), siteinfo.case_of(828)) == ("first-letter", "case-sensitive")


def test_siteinfo_reads_only_the_header(tmp_path):
    """The body after the header stream is cut: reading it would fail."""
    dump = dumpfactory.write_multistream(tmp_path / "dump.xml.bz2", varied_pages(50), 5)
    dump.path.write_bytes(dump.path.read_bytes()[: dump.offsets[1] + 40])

    assert read_siteinfo(str(dump.path)).dbname == "testwiki"


def test_file_without_siteinfo_is_an_error_naming_it(tmp_path):
    path = dumpfactory.write_dump(tmp_path / "bare.xml", dumpfactory.numbered_pages(2),
                                  header=b"<mediawiki>\n")

    with pytest.raises(ValueError, match="bare.xml.*siteinfo"):
        read_siteinfo(str(path))


# --- memory ----------------------------------------------------------------------------------


def repeated_stream_dump(path, copies: int, pages_per_stream: int = 250):
    """A bz2 dump of `copies` identical page streams: made in no time at any size."""
    pages = b"".join(b"  " + page + b"\n" for page in varied_pages(pages_per_stream))
    stream = bz2.compress(pages)
    with open(path, "wb") as out:
        out.write(bz2.compress(dumpfactory.header_xml()))
        for _ in range(copies):
            out.write(stream)
        out.write(bz2.compress(dumpfactory.FOOTER))
    return len(pages) * copies


def peak_traced_memory_while_reading(path) -> tuple[int, int]:
    """(pages read, peak bytes allocated) while reading a dump and dropping each page."""
    tracemalloc.start()
    try:
        count = sum(isinstance(item, RawPage) for item in iter_pages(str(path)))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_memory_does_not_grow_with_the_file(tmp_path):
    small_size = repeated_stream_dump(tmp_path / "small.xml.bz2", copies=25)
    large_size = repeated_stream_dump(tmp_path / "large.xml.bz2", copies=250)
    list(iter_pages(str(tmp_path / "small.xml.bz2")))  # imports happen outside the measure

    small_pages, small_peak = peak_traced_memory_while_reading(tmp_path / "small.xml.bz2")
    large_pages, large_peak = peak_traced_memory_while_reading(tmp_path / "large.xml.bz2")

    assert (small_pages, large_pages) == (25 * 250, 250 * 250)
    assert large_size > 140 << 20, "10x is about 150 MB of XML"
    assert large_peak < 8 << 20, f"{large_peak} bytes for a {large_size}-byte dump"
    assert large_peak < small_peak + (256 << 10), f"{small_peak} -> {large_peak} bytes for 10x"


# --- tag spellings (issue 15) ----------------------------------------------------------------


def respelled(page: bytes, open_tag: bytes, close_tag: bytes) -> bytes:
    return open_tag + page[len(b"<page>") : -len(b"</page>")] + close_tag


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1 << 20])
def test_every_well_formed_spelling_of_the_page_tags_is_a_page(tmp_path, chunk_size):
    """`<page >`, `<page\\n  >` and `</page >` are the same tags to XML: no page may vanish, and
    the records keep counting the pages in order."""
    plain = dumpfactory.numbered_pages(6)
    spelled = [plain[0], respelled(plain[1], b"<page >", b"</page>"),
               respelled(plain[2], b"<page\n  >", b"</page >"), plain[3],
               respelled(plain[4], b"<page\t>", b"</page\n>"), plain[5]]
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml(spelled))

    pages, problems = read(path, chunk_size=chunk_size)

    assert (xml_of(pages), problems) == (spelled, [])
    assert [page.record for page in pages] == [f"page {i}" for i in range(1, 7)]
    assert [page_identity(page.xml)[0] for page in pages] == [1, 2, 3, 4, 5, 6]


def test_tags_that_only_begin_like_page_are_not_pages(tmp_path):
    pages_in = dumpfactory.numbered_pages(2)
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml([pages_in[0], b"<pages>x</pages>", pages_in[1]]))

    pages, problems = read(path)

    assert (xml_of(pages), problems) == (pages_in, [])


@pytest.mark.parametrize("chunk_size", [1, 4, 1 << 20])
def test_cdata_and_comments_holding_page_tags_do_not_split_a_page(tmp_path, chunk_size):
    cdata = dumpfactory.page_xml(2, "Cdata").replace(
        b"<text", b"<comment><![CDATA[a </page> and a <page> ]] >]]></comment><text")
    comment = dumpfactory.page_xml(3, "Comment").replace(b"</title>", b"</title><!-- </page> -->")
    expected = [dumpfactory.page_xml(1, "One"), cdata, comment, dumpfactory.page_xml(4, "Four")]
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml(expected[:1] + [b"<!-- <page> -->"] + expected[1:]))

    pages, problems = read(path, chunk_size=chunk_size)

    assert (xml_of(pages), problems) == (expected, [])


def test_page_identity_of_an_id_too_large_for_int64_is_none():
    """dead_letter.page_id is int64: an id that does not fit must not reach it."""
    page = dumpfactory.page_xml(1, "Huge").replace(b"<id>1</id>",
                                                    b"<id>99999999999999999999999</id>")

    assert page_identity(page) == (None, "Huge")
    assert page_identity(page.replace(b"<id>", b"<id >"))[1] == "Huge"
    assert page_identity(dumpfactory.page_xml(2**63 - 1, "Max")) == (2**63 - 1, "Max")


# --- encodings (issue 15) --------------------------------------------------------------------


@pytest.mark.parametrize("encoding, bom, declaration", [
    ("utf-16-le", True, True), ("utf-16-be", True, True), ("utf-16-le", True, False),
    ("UTF-16", False, True), ("utf-8", True, True), ("ISO-8859-1", False, True),
])
@pytest.mark.parametrize("name", ["dump.xml", "dump.xml.bz2"])
def test_dump_is_read_in_the_encoding_it_states(tmp_path, encoding, bom, declaration, name):
    """Pages come out as UTF-8 whatever the dump's own encoding (byte-order mark or XML
    declaration), so the scanner and the page parser see one encoding."""
    if encoding == "UTF-16":  # no byte-order mark: the declaration's first bytes tell the order
        encoding = "utf-16-le"
    titles = ["Caf\u00e9", "\u00c6r\u00f8"]
    if encoding != "ISO-8859-1":
        titles.append("\u0421\u043e\u0444\u0438\u044f")  # Sofia, in Cyrillic
    expected = [dumpfactory.page_xml(i, title) for i, title in enumerate(titles, 1)]
    xml = dumpfactory.encoded(dumpfactory.dump_xml(expected), encoding, bom, declaration)
    path = tmp_path / name
    path.write_bytes(dumpfactory.compress_for(path, xml))

    pages, problems = read(path, chunk_size=5)

    assert (xml_of(pages), problems) == (expected, [])
    assert read_siteinfo(str(path)).dbname == "testwiki"


@pytest.mark.parametrize("declaration, reason", [
    (b'<?xml version="1.0" encoding="x-no-such-codec"?>', "unknown encoding 'x-no-such-codec'"),
    (b'<?xml version="1.0" encoding="UTF-16"?>', "says UTF-16 but"),
])
def test_dump_in_an_encoding_that_cannot_be_read_is_refused_with_the_reason(tmp_path, declaration,
                                                                             reason):
    path = tmp_path / "dump.xml"
    path.write_bytes(declaration + b"\n" + dumpfactory.dump_xml(dumpfactory.numbered_pages(2)))

    pages, problems = read(path)

    assert pages == []
    [problem] = problems
    assert reason in problem.reason and "empty" not in problem.reason
    assert (problem.is_page, problem.record) == (False, "before any page")


def test_bad_utf16_in_one_page_fails_that_page_alone(tmp_path):
    pages_in = dumpfactory.numbered_pages(3)
    xml = dumpfactory.encoded(dumpfactory.dump_xml(pages_in), "utf-16-le")
    lone_surrogate = "Page 2".encode("utf-16-le")
    xml = xml.replace(lone_surrogate, b"\x00\xd8" + lone_surrogate[2:], 1)
    path = tmp_path / "dump.xml"
    path.write_bytes(xml)

    pages, problems = read(path)

    assert problems == [] and len(pages) == 3
    assert xml_of(pages)[0::2] == pages_in[0::2]
    with pytest.raises(UnicodeDecodeError):
        pages[1].xml.decode("utf-8")  # the XML parser refuses it: that page is dead-lettered


def gensim_bgwiki():
    """A real UTF-16 dump (Bulgarian Wikipedia, 3 pages) that ships in the gensim wheel, fetched
    and checked (sha256) by the project's own data script into data/ on first use."""
    from pipeline.sample_data import BGWIKI_UTF16_SAMPLE, fetch

    return fetch(BGWIKI_UTF16_SAMPLE)


def test_real_utf16_dump_from_gensim_is_read():
    path = gensim_bgwiki()
    expected = bz2.decompress(path.read_bytes()).decode("utf-16").encode("utf-8")

    pages, problems = read(path)

    assert problems == []
    assert xml_of(pages) == dumpfactory.split_dump(expected)[1]
    assert [page_identity(page.xml)[0] for page in pages] == [558, 559, 560]
    site = read_siteinfo(str(path))
    assert site.dbname == "bgwiki"
    assert dict(site.namespaces)[14] == "\u041a\u0430\u0442\u0435\u0433\u043e\u0440\u0438\u044f"


# --- siteinfo problems (issue 15) ------------------------------------------------------------


def test_siteinfo_with_an_entity_is_reported_not_silently_replaced(tmp_path):
    from pipeline.dump_reader import siteinfo_and_problem

    doctype = b'<!DOCTYPE mediawiki [<!ENTITY site SYSTEM "file:///etc/hostname">]>\n'
    siteinfo = dumpfactory.siteinfo_xml(dbname="&site;")
    path = tmp_path / "dump.xml"
    path.write_bytes(doctype + dumpfactory.dump_xml(dumpfactory.numbered_pages(2),
                                                    header=dumpfactory.header_xml(siteinfo)))

    site, problem = siteinfo_and_problem(str(path))

    assert site == type(site)()  # MediaWiki's defaults, so the pages are still read
    assert (problem.source, problem.record, problem.is_page) == (str(path), "siteinfo", False)
    assert "entity" in problem.reason and "default" in problem.reason
    good = dumpfactory.write_dump(tmp_path / "good.xml", dumpfactory.numbered_pages(1))
    assert siteinfo_and_problem(str(good))[1] is None
    assert siteinfo_and_problem(str(tmp_path / "missing.xml"))[1] is None  # the reader says it


def test_comment_that_never_closes_is_named_not_called_empty(tmp_path):
    pages_in = dumpfactory.numbered_pages(4)
    path = tmp_path / "dump.xml"
    path.write_bytes(dumpfactory.dump_xml([*pages_in[:2], b"<!-- swallows the rest", *pages_in[2:]]))

    pages, problems = read(path)

    assert xml_of(pages) == pages_in[:2]
    [problem] = problems
    assert problem.reason == "malformed XML: a comment never closes: the rest of the file is in it"
    assert problem.record == "after page 2"
