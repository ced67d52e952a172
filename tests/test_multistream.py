"""Splitting multistream dumps: ranges cut at stream boundaries read back exactly the whole file."""
from __future__ import annotations

import bz2
import re

import pytest

import dumpfactory
from pipeline.dump_reader import iter_pages
from pipeline.multistream import (
    MAX_STRIDES,
    ReadTask,
    find_index,
    index_candidates,
    is_index_file,
    plan_ranges,
    plan_read_tasks,
    read_task,
    stream_offsets,
)
from pipeline.records import RawPage, ReadProblem


@pytest.fixture(scope="module")
def real_sample():
    sample_data = pytest.importorskip("pipeline.sample_data")
    return sample_data.sample_path()


def read_tasks(tasks: list[ReadTask]) -> list[RawPage | ReadProblem]:
    return [item for task in tasks for item in read_task(task)]


def page_bytes(items) -> list[bytes]:
    assert all(isinstance(item, RawPage) for item in items), [
        item for item in items if isinstance(item, ReadProblem)]
    return [item.xml for item in items]


# --- plan_ranges -----------------------------------------------------------------------------

OFFSETS = [600, 1600, 2100, 4000, 4100, 4200, 7000, 9500]
FILE_SIZE = 10_000


def assert_valid_plan(ranges, offsets, file_size):
    """From 0 to EOF, no gap or overlap, cut only at stream offsets, each with a page stream."""
    starts = [start for start, _ in ranges]
    ends = [end for _, end in ranges]
    assert starts[0] == 0 and ends[-1] is None
    assert starts[1:] == ends[:-1]
    assert set(starts[1:]) <= set(offsets)
    for start, end in ranges:
        assert any(start <= offset < (end or file_size) for offset in offsets)


@pytest.mark.parametrize("target", [1, 500, 1000, 2500, 4000, 9999, 10_000, 1 << 30])
def test_plan_ranges_covers_the_file_at_stream_boundaries(target):
    ranges = plan_ranges(OFFSETS, FILE_SIZE, target)

    assert_valid_plan(ranges, OFFSETS, FILE_SIZE)


@pytest.mark.parametrize("target", [1, 500, 1000, 2500, 4000])
def test_plan_ranges_are_about_the_target_size(target):
    ranges = plan_ranges(OFFSETS, FILE_SIZE, target)

    for start, end in ranges[:-1]:
        last_stream = max(offset for offset in OFFSETS if offset < end)
        assert end - start >= target
        # Without its last stream the range would be too small (the first page stream is never
        # cut from the header stream in front of it).
        assert last_stream - start < target or last_stream == OFFSETS[0]


def test_plan_ranges_puts_the_header_stream_in_the_first_range():
    assert plan_ranges(OFFSETS, FILE_SIZE, 1) == [
        (0, 1600), (1600, 2100), (2100, 4000), (4000, 4100), (4100, 4200), (4200, 7000),
        (7000, 9500), (9500, None)]


def test_plan_ranges_groups_streams_up_to_the_target():
    assert plan_ranges(OFFSETS, FILE_SIZE, 4000) == [(0, 4000), (4000, 9500), (9500, None)]


@pytest.mark.parametrize("offsets", [[], [600]])
def test_plan_ranges_of_a_file_with_one_stream_or_none_is_the_whole_file(offsets):
    assert plan_ranges(offsets, FILE_SIZE, 1) == [(0, None)]


def test_plan_ranges_ignores_duplicate_and_unsorted_offsets():
    assert plan_ranges([4000, 600, 600, 1600, 4000], FILE_SIZE, 1) == plan_ranges(
        [600, 1600, 4000], FILE_SIZE, 1)


@pytest.mark.parametrize("offsets, target", [([600, 10_000], 100), ([-1, 600], 100), ([600], 0)])
def test_plan_ranges_rejects_an_index_of_another_file_and_a_bad_target(offsets, target):
    with pytest.raises(ValueError):
        plan_ranges(offsets, FILE_SIZE, target)


# --- index -----------------------------------------------------------------------------------


def test_index_names_follow_wikimedia():
    assert index_candidates("gs://b/enwiki-20240601-pages-articles-multistream.xml.bz2") == [
        "gs://b/enwiki-20240601-pages-articles-multistream-index.txt.bz2"]
    assert index_candidates("/d/enwiki-pages-articles-multistream3.xml-p151574p311329.bz2") == [
        "/d/enwiki-pages-articles-multistream-index3.txt-p151574p311329.bz2"]
    assert index_candidates("/d/enwiki-pages-articles.xml.gz") == []
    assert is_index_file("/d/enwiki-20240601-pages-articles-multistream-index3.txt-p1p41242.bz2")
    assert is_index_file("/d/x-multistream-index.txt.bz2")
    assert not is_index_file("/d/enwiki-20240601-pages-articles-multistream.xml.bz2")


def test_find_index_and_stream_offsets(tmp_path):
    pages = dumpfactory.numbered_pages(25) + [dumpfactory.page_xml(26, "Talk:A: B:C")]
    dump = dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", pages, pages_per_stream=4)

    assert find_index(str(dump.path)) == str(tmp_path / "wiki-index.txt.bz2")
    assert stream_offsets(find_index(str(dump.path))) == dump.offsets
    assert len(dump.offsets) == 7
    assert find_index(str(dumpfactory.write_dump(tmp_path / "solo.xml.bz2", pages))) is None


def test_stream_offsets_rejects_a_file_that_is_not_an_index(tmp_path):
    path = tmp_path / "bad-index.txt.bz2"
    path.write_bytes(bz2.compress(b"600:10:A\nnot an index line\n"))

    with pytest.raises(ValueError, match="bad-index.*not an index line"):
        stream_offsets(str(path))


# --- reading ranges --------------------------------------------------------------------------


def test_ranges_read_the_same_pages_as_the_whole_file(tmp_path):
    pages = dumpfactory.numbered_pages(57)
    dump = dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", pages, pages_per_stream=5)

    tasks = plan_read_tasks([str(dump.path)], target_bytes=dump.path.stat().st_size // 4)

    assert len(tasks) >= 3
    assert_valid_plan([task.byte_range for task in tasks], dump.offsets, dump.path.stat().st_size)
    items = read_tasks(tasks)
    assert page_bytes(items) == page_bytes(list(iter_pages(str(dump.path)))) == pages
    assert items[0].record == "stream@0 page 1"
    assert items[-1].record.startswith(f"stream@{tasks[-1].byte_range[0]} page ")


def test_range_not_at_a_stream_boundary_is_a_problem(tmp_path):
    dump = dumpfactory.write_multistream(
        tmp_path / "wiki.xml.bz2", dumpfactory.numbered_pages(20), pages_per_stream=5)

    [problem] = iter_pages(str(dump.path), (dump.offsets[1] + 3, dump.offsets[2]))

    assert isinstance(problem, ReadProblem)
    assert problem.reason.startswith("corrupt compressed data")
    assert problem.record == f"stream@{dump.offsets[1] + 3} before any page"


@pytest.mark.slow
def test_real_sample_split_in_ranges_reads_like_the_original(tmp_path, real_sample):
    header, pages, footer = dumpfactory.split_dump(bz2.decompress(real_sample.read_bytes()))
    dump = dumpfactory.write_multistream(
        tmp_path / "enwiki-multistream.xml.bz2", pages, pages_per_stream=10,
        header=header, footer=footer)
    size = dump.path.stat().st_size

    tasks = plan_read_tasks([str(dump.path)], target_bytes=size // 5)

    assert 4 <= len(tasks) <= 6
    assert_valid_plan([task.byte_range for task in tasks], dump.offsets, size)
    original = page_bytes(list(iter_pages(str(real_sample))))
    assert len(original) == 206
    assert page_bytes(read_tasks(tasks)) == original


# --- planning tasks --------------------------------------------------------------------------


def test_plan_read_tasks_expands_globs_skips_indexes_and_sorts(tmp_path):
    pages = dumpfactory.numbered_pages(30)
    multistream = dumpfactory.write_multistream(tmp_path / "b-multistream.xml.bz2", pages, 3)
    plain = dumpfactory.write_dump(tmp_path / "a.xml", pages)
    gz = dumpfactory.write_dump(tmp_path / "c.xml.gz", pages)
    solo_bz2 = dumpfactory.write_dump(tmp_path / "d.xml.bz2", pages)

    tasks = plan_read_tasks([str(tmp_path / "*"), str(plain)], target_bytes=1)

    whole = [task.path for task in tasks if task.byte_range is None]
    # Files that cannot be cut, each read by MAX_STRIDES tasks (it is far above target_bytes).
    assert whole == [str(p) for p in (plain, gz, solo_bz2) for _ in range(MAX_STRIDES)]
    split = [task for task in tasks if task.byte_range is not None]
    assert {task.path for task in split} == {str(multistream.path)}
    assert len(split) == len(multistream.offsets)
    assert [task.path for task in tasks] == sorted(task.path for task in tasks)
    assert sorted(page_bytes(read_tasks(tasks))) == sorted(pages * 4)


def test_multistream_smaller_than_the_target_is_one_whole_file_task(tmp_path):
    dump = dumpfactory.write_multistream(
        tmp_path / "wiki.xml.bz2", dumpfactory.numbered_pages(10), pages_per_stream=2)

    assert plan_read_tasks([str(dump.path)]) == [ReadTask(str(dump.path))]


@pytest.mark.parametrize("pattern", ["nothing-*.xml.bz2", "missing.xml", "*-index.txt.bz2"])
def test_pattern_matching_no_dump_is_an_error_naming_it(tmp_path, pattern):
    dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", dumpfactory.numbered_pages(4), 2)

    with pytest.raises(ValueError, match=re.escape(pattern)):
        plan_read_tasks([str(tmp_path / "wiki.xml.bz2"), str(tmp_path / pattern)])


# --- an index that does not fit its file (issue 15) ------------------------------------------


def shifted_index(dump, shift: int) -> None:
    """Rewrites the index with every offset moved: none of them starts a stream any more."""
    lines = bz2.decompress(dump.index_path.read_bytes()).decode().splitlines()
    moved = [f"{int(offset) + shift}:{rest}" for offset, rest in (l.split(":", 1) for l in lines)]
    dump.index_path.write_bytes(bz2.compress(("\n".join(moved) + "\n").encode()))


def pages_cut_mid_page(path, pages: list[bytes], pieces: int):
    """A chain of bz2 streams cut at arbitrary bytes (as pbzip2 makes them), with an index of
    the stream offsets: every offset is a stream start, but most streams begin inside a page."""
    xml = dumpfactory.dump_xml(pages)
    step = len(xml) // pieces
    streams = [bz2.compress(xml[i : i + step]) for i in range(0, len(xml), step)]
    offsets = [sum(map(len, streams[:i])) for i in range(len(streams))]
    path.write_bytes(b"".join(streams))
    index = path.with_name(path.name.replace(".xml.bz2", "-index.txt.bz2"))
    lines = "".join(f"{offset}:{i}:P{i}\n" for i, offset in enumerate(offsets[1:]))
    index.write_bytes(bz2.compress(lines.encode()))
    return path


def assert_read_whole_with_a_note(path, pages, why: str):
    tasks = plan_read_tasks([str(path)], target_bytes=1)

    for task in tasks:
        assert task.byte_range is None
        assert "does not fit" in task.note and why in task.note and str(path) in task.note
    assert sorted(page_bytes(read_tasks(tasks))) == sorted(pages)


def test_index_whose_offsets_are_not_stream_starts_falls_back_to_one_stream(tmp_path):
    """Ranges cut at such offsets lost a third of the pages, called 'corrupt' and 'truncated'."""
    pages = dumpfactory.numbered_pages(40)
    dump = dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", pages, pages_per_stream=4)
    shifted_index(dump, 3)

    assert_read_whole_with_a_note(dump.path, pages, "not the start of a bz2 stream")


def test_index_of_streams_that_begin_inside_a_page_falls_back_to_one_stream(tmp_path):
    pages = dumpfactory.numbered_pages(40)
    path = pages_cut_mid_page(tmp_path / "wiki.xml.bz2", pages, pieces=7)

    assert_read_whole_with_a_note(path, pages, "does not begin with a <page>")


@pytest.mark.parametrize("index_bytes", [bz2.compress(b"600:10:A\nnot an index line\n"),
                                         bz2.compress(b"99999999:10:A\n"), b"not bz2 at all"],
                         ids=["not-index-lines", "offset-past-the-end", "not-bz2"])
def test_index_that_cannot_be_used_falls_back_to_one_stream(tmp_path, index_bytes):
    pages = dumpfactory.numbered_pages(12)
    dump = dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", pages, pages_per_stream=3)
    dump.index_path.write_bytes(index_bytes)

    assert_read_whole_with_a_note(dump.path, pages, str(dump.index_path))


def test_index_that_fits_gives_ranges_without_a_note(tmp_path):
    pages = dumpfactory.numbered_pages(40)
    dump = dumpfactory.write_multistream(tmp_path / "wiki.xml.bz2", pages, pages_per_stream=4)

    tasks = plan_read_tasks([str(dump.path)], target_bytes=1)

    assert len(tasks) == 10 and all(task.note == "" for task in tasks)


def test_a_big_file_that_cannot_be_cut_is_parsed_in_strides_each_page_once(tmp_path):
    """A single-stream file is read by up to MAX_STRIDES tasks, task k keeping pages k, k+n, ...:
    every page is one task's, in its file's order; a problem of the file is reported once."""
    pages = dumpfactory.numbered_pages(23)
    path = dumpfactory.write_dump(tmp_path / "wiki.xml.bz2", pages)
    size = path.stat().st_size
    tasks = plan_read_tasks([str(path)], target_bytes=size // 3 + 1)

    assert [task.stride for task in tasks] == [(0, 3), (1, 3), (2, 3)]
    read = [page_bytes(list(read_task(task))) for task in tasks]
    assert read == [pages[k::3] for k in range(3)]

    cut = tmp_path / "cut.xml"
    dumpfactory.write_dump(cut, pages)
    cut.write_bytes(cut.read_bytes()[:-200])  # the last page and </mediawiki> cut off
    items = read_tasks(plan_read_tasks([str(cut)], target_bytes=cut.stat().st_size // 4 + 1))
    problems = [item for item in items if isinstance(item, ReadProblem)]
    assert len(problems) == 1 and "truncated" in problems[0].reason
    assert len([item for item in items if isinstance(item, RawPage)]) == len(pages) - 1
