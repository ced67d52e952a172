"""The corpus stage end to end in Beam: the real sample, a hand-made wiki, and broken inputs."""
from __future__ import annotations

import bz2
import collections
import json
import pathlib
import random
from xml.sax.saxutils import escape, quoteattr

import pytest

from schemas.corpus import LINK_KINDS
from tests.corpus_run import run_corpus
from tests.dumpfactory import page_xml, write_dump

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_corpus(sample, tmp_path_factory):
    return run_corpus([sample], tmp_path_factory.mktemp("sample"))


def test_every_page_lands_in_one_bucket(sample_corpus):
    stats = sample_corpus["stats"]
    assert stats["pages_read"] == 206 == stats["buckets_total"]
    assert stats["buckets"]["kept:redirect"] == 99
    assert stats["buckets"]["skipped:namespace"] == 1
    assert stats["buckets"]["kept:article"] == len(sample_corpus["articles"]) == 96
    assert len(sample_corpus["redirects"]) == 99
    assert sample_corpus["dead_letter"] == []


def test_sample_links_resolve(sample_corpus):
    articles = sample_corpus["articles"]
    in_file = {a["title"] for a in articles} | {r["title"] for r in sample_corpus["redirects"]
                                                if r["status"] == "resolved"}
    links = [l for a in articles for l in a["links"]]
    reachable = [l for l in links if l["target_title"] in in_file]
    assert len(reachable) > 50
    resolved = [l for l in reachable if l["target_id"] is not None]
    assert len(resolved) == len(reachable)  # all of them, a fortiori a majority
    ids = {a["title"]: a["id"] for a in articles}
    assert all(ids.get(l["target_title"], l["target_id"]) == l["target_id"] for l in resolved)
    assert sample_corpus["stats"]["links"]["resolved"] == len(sample_corpus["links"])


def _place(link: dict) -> tuple:
    return tuple(-1 if link[k] is None else link[k] for k in ("section", "passage", "sentence"))


def test_sample_inbound_links_mirror_outbound(sample_corpus):
    articles = {a["id"]: a for a in sample_corpus["articles"]}
    outbound = sorted((a["id"], l["kind"], *_place(l), l["target_id"])
                      for a in articles.values() for l in a["links"] if l["target_id"] is not None)
    inbound = sorted((i["source_id"], i["kind"], *_place(i), a["id"])
                     for a in articles.values() for i in a["inbound_links"])
    assert outbound == inbound and inbound
    assert {kind for _, kind, *_ in inbound} == set(LINK_KINDS)
    assert all(a["inbound_link_count"] == len(a["inbound_links"]) for a in articles.values())


def test_sample_graph_holds_links_of_every_kind(sample_corpus):
    """Lists, tables, templates and captions too, not only prose: counted per kind, and only a
    prose link has a place in the text. (Most targets are not in the 206-page sample: the
    articles' own link lists hold them all, the links table the resolved ones.)"""
    links = [l for a in sample_corpus["articles"] for l in a["links"]]
    by_kind = collections.Counter(l["kind"] for l in links)
    resolved = collections.Counter(l["kind"] for l in sample_corpus["links"])
    stats = sample_corpus["stats"]["links"]["by_kind"]
    assert stats == {k: {"total": by_kind[k], "resolved": resolved[k]} for k in LINK_KINDS}
    assert all(resolved[kind] for kind in LINK_KINDS), resolved
    assert all(by_kind[kind] >= 100 for kind in LINK_KINDS), by_kind
    assert by_kind["prose"] < sum(by_kind.values()) * 0.75  # a quarter or more stand outside prose
    assert all(l["section"] is l["start"] is None for l in links if l["kind"] != "prose")
    placed = [l for l in links if l["section"] is not None]
    assert len(placed) > 0.95 * by_kind["prose"]
    agricultural = next(a for a in sample_corpus["articles"] if a["title"] == "Agricultural science")
    listed = {l["target_title"] for l in agricultural["links"] if l["kind"] == "list"}
    assert {"Agronomy", "Irrigation", "Agroecology"} <= listed  # its lists, "See also" among them


def test_sample_lead_first(sample_corpus):
    anarchism = next(a for a in sample_corpus["articles"] if a["title"] == "Anarchism")
    lead = anarchism["sections"][0]
    assert lead["is_lead"] and lead["passages"][0][0].startswith("Anarchism is a political")


def _redirect_xml(page_id: int, title: str, target: str) -> bytes:
    return (f"<page><title>{escape(title)}</title><ns>0</ns><id>{page_id}</id>"
            f"<redirect title={quoteattr(target)} /><revision><id>{page_id + 500}</id>"
            f"<text>#REDIRECT [[{escape(target)}]]</text></revision></page>").encode()


def test_redirect_chains_and_cycles(tmp_path):
    pages = [
        page_xml(1, "Alpha", "Alpha is the first letter of the Greek alphabet here."),
        page_xml(2, "Beta", "Beta links to [[alpha]], to [[Old alpha|the old name]], to "
                            "[[Older alpha]] and to [[Loop one]] and to [[Nowhere]]."),
        _redirect_xml(10, "Old alpha", "Alpha"),
        _redirect_xml(11, "Older alpha", "Old_alpha#History"),
        _redirect_xml(12, "Loop one", "Loop two"),
        _redirect_xml(13, "Loop two", "Loop one"),
        _redirect_xml(14, "Dangling", "Missing page"),
    ]
    dump = write_dump(tmp_path / "mini.xml", pages)
    out = run_corpus([str(dump)], tmp_path / "out")
    status = {r["title"]: (r["status"], r["target_id"]) for r in out["redirects"]}
    assert status == {"Old alpha": ("resolved", 1), "Older alpha": ("resolved", 1),
                      "Loop one": ("cycle", None), "Loop two": ("cycle", None),
                      "Dangling": ("missing", None)}
    links = {(l["anchor"], l["target_id"], l["via_redirect"]) for l in out["links"]}
    assert links == {("alpha", 1, False), ("the old name", 1, True), ("Older alpha", 1, True)}
    by_kind = {kind: {"total": 0, "resolved": 0} for kind in LINK_KINDS}
    by_kind["prose"] = {"total": 5, "resolved": 3}
    assert out["stats"]["links"] == {"total": 5, "resolved": 3, "via_redirect": 2,
                                     "missing_target": 2, "by_kind": by_kind}
    alpha = next(a for a in out["articles"] if a["title"] == "Alpha")
    assert [i["source_id"] for i in alpha["inbound_links"]] == [2, 2, 2]


def test_bad_inputs_lose_nothing(tmp_path):
    good = [page_xml(i, f"Good {i}", f"Good page number {i} has enough text.") for i in range(1, 6)]
    write_dump(tmp_path / "good.xml.bz2", good)
    # A .bz2 cut in the middle: the pages before the cut are kept and the cut is reported.
    rng = random.Random(0)
    words = lambda n: " ".join(f"w{rng.randrange(10**6)}" for _ in range(n))  # noqa: E731
    many = [page_xml(i, f"Cut {i}", f"Page {i} says {words(5000)}.") for i in range(100, 140)]
    # bz2 decompresses block by block: small blocks so that the first half holds whole blocks.
    whole = bz2.compress(b"".join([b"<mediawiki>\n"] + [p + b"\n" for p in many]), 1)
    (tmp_path / "cut.xml.bz2").write_bytes(whole[: len(whole) // 2])
    # Malformed XML in the middle of a file, and a non-UTF-8 byte in another page.
    broken = page_xml(201, "Broken", "x").replace(b"</title>", b"</titel>")
    latin1 = page_xml(202, "Latin", "Caf\u00e9 au lait is a coffee drink.").replace(
        "\u00e9".encode(), b"\xe9")
    middle = [page_xml(200, "Before", "Text before the broken page."), broken, latin1,
              page_xml(203, "After", "Text after the broken page.")]
    write_dump(tmp_path / "middle.xml", middle)
    (tmp_path / "empty.xml").write_bytes(b"")

    out = run_corpus([str(tmp_path / "*.xml*")], tmp_path / "out")
    titles = {a["title"] for a in out["articles"]}
    assert {f"Good {i}" for i in range(1, 6)} | {"Before", "After"} <= titles
    cut_kept = {t for t in titles if t.startswith("Cut ")}
    assert 0 < len(cut_kept) < 40
    dead = {(d["source"].rsplit("/", 1)[-1], d["page_id"], d["stage"], d["reason"]): d
            for d in out["dead_letter"]}
    assert ("middle.xml", 201, "parse", "malformed_xml") in dead
    assert ("middle.xml", 202, "parse", "malformed_xml") in dead
    cut = [d for key, d in dead.items() if key[0] == "cut.xml.bz2"]
    assert len(cut) == 1 and "truncated" in cut[0]["detail"]
    empty = [d for key, d in dead.items() if key[0] == "empty.xml"]
    assert len(empty) == 1 and "empty" in empty[0]["detail"]
    assert all(d["record"] for d in out["dead_letter"])
    stats = out["stats"]
    assert stats["pages_read"] == stats["buckets_total"]
    assert stats["buckets"]["kept:article"] == len(titles)
    assert_buckets_are_what_the_tables_hold(out)


def test_multistream_read_in_ranges_gives_the_same_corpus(sample, sample_corpus, tmp_path):
    from pipeline.multistream import plan_read_tasks
    from tests.dumpfactory import split_dump, write_multistream

    header, pages, footer = split_dump(bz2.decompress(open(sample, "rb").read()))
    dump = write_multistream(tmp_path / "enwiki-x-pages-articles-multistream.xml.bz2", pages,
                             pages_per_stream=10, header=header, footer=footer)
    size = dump.path.stat().st_size
    assert len(plan_read_tasks([str(dump.path)], size // 4)) >= 3  # read by several workers
    out = run_corpus([str(dump.path)], tmp_path / "out", read_range_bytes=size // 4)
    assert out["dead_letter"] == []
    key = lambda rows: sorted(json.dumps({k: v for k, v in r.items() if k != "source"},  # noqa: E731
                                         sort_keys=True) for r in rows)
    for table in ("articles", "links", "redirects"):
        assert key(out[table]) == key(sample_corpus[table]), table
    assert out["stats"]["buckets"] == sample_corpus["stats"]["buckets"]


def test_a_single_stream_dump_parsed_in_strides_gives_the_same_corpus(sample, sample_corpus,
                                                                      tmp_path):
    """The sample (one bz2 stream) read by four tasks, each parsing its stride of the pages
    where it reads them: the same rows as one task, and one part of each table per task."""
    from pipeline.multistream import plan_read_tasks

    size = pathlib.Path(sample).stat().st_size
    assert len(plan_read_tasks([sample], size // 4 + 1)) == 4
    out = run_corpus([sample], tmp_path / "out", read_range_bytes=size // 4 + 1)
    key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    for table in ("articles", "links", "redirects", "dead_letter"):
        assert key(out[table]) == key(sample_corpus[table]), table
    assert out["stats"] == sample_corpus["stats"]
    parts = sorted(p.name for p in (tmp_path / "out" / "articles").glob("*.parquet"))
    assert parts == [f"part-0000{i}-of-00004.parquet" for i in range(4)]


# --- hostile inputs (issue 15) ---------------------------------------------------------------


def assert_buckets_are_what_the_tables_hold(out):
    """Every page read is in one bucket, and each bucket is really written: kept articles and
    redirects are table rows, failed pages are dead_letter rows, file problems too."""
    stats, dead = out["stats"], out["dead_letter"]
    buckets = stats["buckets"]
    assert stats["pages_read"] == stats["buckets_total"] == sum(buckets.values())
    assert buckets.get("kept:article", 0) == len(out["articles"])
    assert buckets.get("kept:redirect", 0) == len(out["redirects"])
    page_rows = [d for d in dead if d["reason"] != "file" and d["record"] != "siteinfo"]
    failed = {k.split(":", 1)[1]: n for k, n in buckets.items() if k.startswith("failed:")}
    by_reason = collections.Counter("read" if d["stage"] == "read" else d["reason"]
                                    for d in page_rows)
    assert failed == dict(by_reason)
    assert stats["file_problems"] == len(dead) - len(page_rows)
    ids = [a["id"] for a in out["articles"]] + [r["id"] for r in out["redirects"]]
    assert len(ids) == len(set(ids))


def _respelled(page: bytes, open_tag: bytes, close_tag: bytes) -> bytes:
    return open_tag + page[len(b"<page>"): -len(b"</page>")] + close_tag


def _shift_index(index_path, shift: int) -> None:
    """Moves every offset of a multistream index: none of them starts a stream any more."""
    lines = bz2.decompress(index_path.read_bytes()).decode().splitlines()
    moved = [f"{int(offset) + shift}:{rest}\n" for offset, rest in (l.split(":", 1) for l in lines)]
    index_path.write_bytes(bz2.compress("".join(moved).encode()))


def _hostile_dumps(tmp_path) -> list[str]:
    from tests.dumpfactory import (dump_xml, encoded, header_xml, history_page_xml, numbered_pages,
                                   siteinfo_xml, write_multistream)

    text = "Page {} has a sentence that is long enough to be kept in the corpus."
    pages = [
        page_xml(1, "Alpha", text.format(1)),
        _respelled(page_xml(2, "Beta", text.format(2)), b"<page >", b"</page>"),
        _respelled(page_xml(3, "Gamma", text.format(3)), b"<page\n  >", b"</page >"),
        page_xml(4, "Delta", text.format(4)).replace(
            b"<text", b"<comment><![CDATA[moved </page> here]]></comment><text"),
        page_xml(50, "Dup first", text.format(5)),
        page_xml(50, "Dup second", text.format(6)),
        page_xml(1, "Huge", text.format(7)).replace(b"<id>1</id>",
                                                    b"<id>99999999999999999999999</id>"),
        history_page_xml(8, "History", ["The old text of the history page, long enough.",
                                        "The newest text of the history page, long enough."]),
        page_xml(9, "Omega", text.format(9)),
    ]
    (tmp_path / "hostile.xml").write_bytes(dump_xml(pages))
    (tmp_path / "utf16.xml").write_bytes(encoded(dump_xml(
        [page_xml(20, "\u0421\u043e\u0444\u0438\u044f", text.format(20)),
         page_xml(21, "Caf\u00e9", text.format(21))]),
        "utf-16-le"))
    entity = b'<!DOCTYPE mediawiki [<!ENTITY site SYSTEM "file:///etc/hostname">]>\n'
    (tmp_path / "entity.xml").write_bytes(entity + dump_xml(
        [page_xml(30, "Entity page", text.format(30))],
        header=header_xml(siteinfo_xml(dbname="&site;"))))
    multistream = write_multistream(
        tmp_path / "wiki-multistream.xml.bz2",
        [page_xml(i, f"Stream {i}", text.format(i)) for i in range(100, 130)], pages_per_stream=3)
    _shift_index(multistream.index_path, 3)
    return [str(tmp_path / "*.xml*")]


def test_hostile_inputs_every_page_in_a_bucket_that_is_written(tmp_path):
    out = run_corpus(_hostile_dumps(tmp_path), tmp_path / "out", read_range_bytes=1)

    assert_buckets_are_what_the_tables_hold(out)
    titles = {a["title"] for a in out["articles"]}
    assert {"Alpha", "Beta", "Gamma", "Delta", "Dup first", "History", "Omega",
            "\u0421\u043e\u0444\u0438\u044f", "Caf\u00e9", "Entity page"} <= titles
    assert {f"Stream {i}" for i in range(100, 130)} <= titles  # the index did not fit: read whole
    assert len(titles) == 40
    history = next(a for a in out["articles"] if a["title"] == "History")
    assert history["sections"][0]["passages"] == [
        ["The newest text of the history page, long enough."]]
    dead = {(d["title"], d["reason"]): d for d in out["dead_letter"]}
    duplicate = dead["Dup second", "duplicate_id"]
    assert duplicate["page_id"] == 50 and "'Dup first'" in duplicate["detail"]
    assert dead["Huge", "bad_id"]["page_id"] is None
    siteinfo = [d for d in out["dead_letter"] if d["record"] == "siteinfo"]
    assert len(siteinfo) == 1 and siteinfo[0]["source"].endswith("entity.xml")
    assert "entity" in siteinfo[0]["detail"]
    stats = out["stats"]
    assert stats["pages_read"] == 42 and stats["file_problems"] == 1
    assert stats["buckets"]["failed:duplicate_id"] == stats["buckets"]["failed:bad_id"] == 1
    [note] = stats["notes"]
    assert "wiki-multistream-index.txt.bz2 does not fit" in note


def test_hostile_inputs_through_the_command_line(tmp_path):
    """`python -m pipeline.run --stages=corpus`: the job finishes, says that it read a multistream
    file whole (one of more than the 1 MB read ranges) and its corpus_stats.json adds up to what
    its tables hold."""
    import subprocess
    import sys

    from schemas.corpus import STATS_FILE, TABLES, read_table
    from tests.dumpfactory import write_multistream

    rng = random.Random(0)
    words = lambda n: " ".join(f"w{rng.randrange(10**6)}" for _ in range(n))  # noqa: E731
    (tmp_path / "big").mkdir()
    big = write_multistream(tmp_path / "big" / "big-multistream.xml.bz2",
                            [page_xml(i, f"Big {i}", f"Big page {i} says {words(4000)}.")
                             for i in range(1000, 1100)], pages_per_stream=5)
    assert big.path.stat().st_size > 1 << 20  # more than one read range
    _shift_index(big.index_path, 3)
    out_dir = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.run", f"--input={_hostile_dumps(tmp_path)[0]}",
         f"--input={big.path}", f"--output_dir={out_dir}", "--stages=corpus",
         "--read_range_mb=1", "--direct_num_workers=2"],
        capture_output=True, text=True, timeout=600, cwd=REPO)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "pages read: 142 (buckets add up to 142)" in done.stdout
    assert f"{big.path}: its index {big.index_path} does not fit" in done.stderr
    out = {name: read_table(str(out_dir), name).to_pylist() for name in TABLES}
    out["stats"] = json.loads((out_dir / STATS_FILE).read_text())
    assert_buckets_are_what_the_tables_hold(out)
    assert len(out["articles"]) == 140
    [note] = out["stats"]["notes"]
    assert f"  note: {note}" in done.stdout.splitlines()  # the summary says it too


def test_real_utf16_dump_end_to_end(tmp_path):
    from tests.test_dump_reader import gensim_bgwiki

    out = run_corpus([str(gensim_bgwiki())], tmp_path / "out")

    assert_buckets_are_what_the_tables_hold(out)
    assert out["stats"]["pages_read"] == 3
    assert out["dead_letter"] == []
    assert len(out["articles"]) + len(out["redirects"]) + sum(
        n for k, n in out["stats"]["buckets"].items() if k.startswith("skipped:")) == 3


def _expected_link_tables(sample: str, site, max_hops: int = 5):
    """The links table, every article's inbound link count and the link stats, computed without
    Beam and without `linking`: parse every page, chase the redirects through two dicts, look
    every link up. The oracle for how the job moves links through its joins."""
    from pipeline.dump_reader import iter_pages
    from pipeline.parse_page import parse_page
    from pipeline.records import Article, Redirect

    parsed = [parse_page(page, site) for page in iter_pages(sample)]
    articles = [p for p in parsed if isinstance(p, Article)]
    article_ids = {a.title: a.id for a in articles}
    redirect_targets = {p.title: p.target for p in parsed if isinstance(p, Redirect)}

    def chased(title):
        seen = [title]
        for _ in range(max_hops):
            title = redirect_targets[title]
            if title in article_ids:
                return article_ids[title]
            if title not in redirect_targets or title in seen:
                return None
            seen.append(title)
        return None

    index = {title: (chased(title), True) for title in redirect_targets}
    index.update({title: (i, False) for title, i in article_ids.items()})
    rows, inbound, by_kind = [], collections.Counter(), collections.Counter()
    for article in articles:
        for link in article.links:
            target_id, via_redirect = index.get(link.target, (None, False))
            by_kind[link.kind, "total"] += 1
            if target_id is None:
                continue
            by_kind[link.kind, "resolved"] += 1
            inbound[target_id] += 1
            rows.append({"source_id": article.id, "kind": link.kind, "section": link.section,
                         "passage": link.passage, "sentence": link.sentence, "anchor": link.anchor,
                         "target_title": link.target, "target_id": target_id,
                         "via_redirect": via_redirect})
    return rows, inbound, by_kind


def test_sample_link_tables_match_a_computation_without_beam(sample, sample_site, sample_corpus):
    rows, inbound, by_kind = _expected_link_tables(sample, sample_site)
    key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
    assert sorted(sample_corpus["links"], key=key) == sorted(rows, key=key) and rows
    counts = {a["id"]: a["inbound_link_count"] for a in sample_corpus["articles"]}
    assert counts == {i: inbound.get(i, 0) for i in counts} and sum(inbound.values()) == len(rows)
    stats = sample_corpus["stats"]["links"]
    assert stats["by_kind"] == {k: {"total": by_kind[k, "total"], "resolved": by_kind[k, "resolved"]}
                                for k in LINK_KINDS}
    assert (stats["total"], stats["resolved"], stats.get("via_redirect", 0)) == (
        sum(by_kind[k, "total"] for k in LINK_KINDS), len(rows),
        sum(row["via_redirect"] for row in rows))
