"""A hub page (many articles linking to one) costs bounded memory per key, and loses nothing.

"United States" has about 300k inbound links in English Wikipedia. The job must not hold them in
one worker's memory or one Parquet row: the article keeps a capped, deterministic sample of its
inbound links plus their true count (`linking.add_to_sample` & co. in a CombineFn), and the joins
whose one side can be that big stream it (`corpus.JoinStreaming`).

Why memory is measured with tracemalloc around the per-key functions and not as the job's RSS:
on the local DirectRunner the whole job's RSS grows with the input whatever the code does per key,
because the runner holds every PCollection in memory between stages. Measured on this 2-core VM
(one process, `ru_maxrss`, the corpus stage alone on dumps of 100 or 1,000 pages of 100 links):
10,000 links to the hub 298 MB, 100,000 links to the hub 508 MB, the same 100,000 links spread
over 100 targets 535 MB before this change; 292, 481 and 526 MB after it. The ~200 MB from 10k to
100k links is the runner's buffering (links, resolved links, rows: a few hundred bytes each per
stage), and a hub costs no more than the same links spread out, so RSS cannot show the per-key
part. On Dataflow the shuffle lives outside the workers and only the per-key part stays: that is
what the tracemalloc tests measure (old-style listing of a hub's links and rows: 2.8 MB at 10k
links, 30.5 MB at 100k; the sample: 0.29 and 0.48 MB, bounded by the cap).
"""
from __future__ import annotations

import collections
import json
import random
import sys
import tracemalloc

import pytest

from pipeline import linking
from pipeline.corpus_stage import CorpusConfig, SampleInbound, join_group
from pipeline.sampling import PairConfig
from schemas.corpus import LINK_KINDS
from tests.dumpfactory import page_xml, write_dump

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

HUB_ID = 1
LINKERS = 1_000
LINKS_PER_LINKER = 100  # 10 sentences of 10 links: 100,000 links to the hub in all
CAP = CorpusConfig(inputs=(), output_dir="").max_inbound_links  # the job's default, 1,000


def linker_text(i: int) -> str:
    """Five paragraphs of two sentences, each sentence with ten links to the hub."""
    sentence = ("Linker {i} sentence {s} names " + ", ".join(["[[Hub]]"] * 9)
                + " and [[Hub|the hub]].")
    paragraphs = [" ".join(sentence.format(i=i, s=2 * p + k) for k in range(2)) for p in range(5)]
    return "\n\n".join(paragraphs)


def hub_dump(path, linkers: int = LINKERS):
    hub = page_xml(HUB_ID, "Hub", "The hub is the page that every other page links to. It has a "
                                  "lead of two sentences.\n\n== History ==\nThe hub was built "
                                  "long ago by people who liked links.")
    pages = [hub] + [page_xml(100 + i, f"Linker {i}", linker_text(i)) for i in range(linkers)]
    return write_dump(path, pages)


@pytest.fixture(scope="module")
def hub_job(tmp_path_factory):
    """The whole job, dump to pair shards, on the hub dump (13 s on a quiet machine)."""
    from pipeline.sample_data import bert_uncased_vocab_path
    from schemas.corpus import STATS_FILE, TABLES, read_table
    from tests.pairs_run import run_job

    tmp = tmp_path_factory.mktemp("hub")
    dump = hub_dump(tmp / "hub.xml.bz2")
    pairs = run_job([str(dump)], tmp / "out", str(bert_uncased_vocab_path()))
    out = {name: read_table(str(tmp / "out"), name).to_pylist() for name in TABLES}
    out["stats"] = json.loads((tmp / "out" / STATS_FILE).read_text())
    out["pairs"] = pairs
    return out


def test_hub_row_keeps_a_capped_sample_and_the_true_count(hub_job):
    rows = {row["id"]: row for row in hub_job["articles"]}
    hub = rows[HUB_ID]
    assert hub["inbound_link_count"] == LINKERS * LINKS_PER_LINKER == 100_000
    assert len(hub["inbound_links"]) == CAP
    kept = [(i["source_id"], i["kind"], i["section"], i["passage"], i["sentence"])
            for i in hub["inbound_links"]]
    every_link = [(l["source_id"], l["kind"], l["section"], l["passage"], l["sentence"])
                  for l in hub_job["links"] if l["target_id"] == HUB_ID]
    # The job's sample, combined across bundles by Beam, is the pure function's on all links.
    assert (100_000, kept) == linking.sample_inbound(HUB_ID, every_link, CAP)
    # Whole linking articles: 1,000 links are the 100 links of each of 10 articles.
    assert sorted(collections.Counter(source for source, *_ in kept).values()) == [100] * 10
    others = [row for row in rows.values() if row["id"] != HUB_ID]
    assert all(row["inbound_link_count"] == len(row["inbound_links"]) == 0 for row in others)
    assert hub_job["stats"]["max_inbound_links"] == CAP


def test_no_link_is_lost(hub_job):
    assert sum(l["target_id"] == HUB_ID for l in hub_job["links"]) == 100_000
    assert hub_job["stats"]["links"]["resolved"] == len(hub_job["links"]) == 100_000


def test_wlp_pairs_of_the_hub_come_from_its_sample(hub_job):
    wlp = [r for r in hub_job["pairs"]["records"]
           if r["task"] == "wlp" and r["query_article_id"] == HUB_ID]
    sources = {i["source_id"] for row in hub_job["articles"] if row["id"] == HUB_ID
               for i in row["inbound_links"]}
    docs = [r["doc_article_id"] for r in wlp]
    assert len(docs) == len(set(docs)) == PairConfig().wlp_max_per_target
    assert set(docs) <= sources


# --- memory per key, measured ---------------------------------------------------------------

def traced_peak(work) -> int:
    """Peak bytes Python allocated while `work()` ran, above what was allocated before it."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def links_to_hub(n: int):
    """n distinct links from n // 100 articles, made one at a time as they are read."""
    return ((100 + k // 100, "prose", 1, (k % 100) // 10, k % 10) for k in range(n))


def combine_like_beam(n: int, bundle: int = 10_000):
    """What Beam does with SampleInbound: a partial sample per bundle before the shuffle, then one
    merge after it of the partial samples, which arrive as a stream."""
    fn = SampleInbound(CAP)
    links = links_to_hub(n)

    def partials():
        for _ in range(0, n, bundle):
            sample = fn.create_accumulator()
            for _, link in zip(range(bundle), links):
                sample = fn.add_input(sample, linking.ranked_inbound(HUB_ID, link))
            yield sample

    count, kept = fn.extract_output(fn.merge_accumulators(partials()))
    assert count == n and len(kept) == CAP


def test_sampling_memory_does_not_grow_with_the_hub():
    """10k vs 100k links through the combine: holding the 90k extra links, even as bare 5-tuples
    in a list, would take 90,000 * (80 B tuple + 8 B pointer) = 7.9 MB (plus their ints); the
    sample takes under 4 * cap ranked links whatever the number of links, so the growth must be
    well under a tenth of that."""
    small = traced_peak(lambda: combine_like_beam(10_000))
    big = traced_peak(lambda: combine_like_beam(100_000))
    holding = 90_000 * (sys.getsizeof((1, "prose", 2, 3, 4)) + 8)
    assert big - small < holding / 10, (small, big)


class PagedGroup:
    """A group of tagged values read anew at every pass, as Beam pages a big group in from the
    shuffle on Dataflow: nothing is kept between passes."""

    def __init__(self, n: int):
        self.n = n

    def __iter__(self):
        yield 1, (HUB_ID, False)  # the title index entry, somewhere in the group
        for k in range(self.n):
            yield 0, linking.link_ref(100 + k // 100, k % 100, "prose", 1, 0, k % 10)


def resolve_group(n: int):
    outputs = join_group(("Hub", PagedGroup(n)), 0, ("refs", "index_entries"),
                              linking.resolve_links)
    assert sum(1 for output, (_, value) in outputs if output == "outbound" and value[1] == HUB_ID) == n


def test_link_join_streams_the_refs_of_a_hub_title():
    """JoinLinks on 10k vs 100k refs to one title: CoGroupByKey would list every ref of the key;
    the streaming join keeps only the title index entries. The 90k extra LinkRefs alone are
    over 90,000 * 48 B = 4.3 MB."""
    small = traced_peak(lambda: resolve_group(10_000))
    big = traced_peak(lambda: resolve_group(100_000))
    listed = traced_peak(lambda: list(PagedGroup(90_000)))
    assert listed > 90_000 * 48
    assert big - small < listed / 10, (small, big, listed)


# --- the pure sampling functions ------------------------------------------------------------

def test_sample_is_order_free_and_matches_the_one_call_version():
    rng = random.Random(7)
    links = [(rng.randrange(1, 400), rng.choice(LINK_KINDS), rng.randrange(3), rng.randrange(5),
              rng.randrange(9)) for _ in range(5_000)]
    expected = linking.sample_inbound(42, links, 100)
    for _ in range(5):
        rng.shuffle(links)
        cuts = sorted(rng.sample(range(1, len(links)), 7))
        bundles = [links[a:b] for a, b in zip([0, *cuts], [*cuts, len(links)])]
        partials = []
        for bundle in bundles:
            sample = (0, [])
            for link in bundle:
                sample = linking.add_to_sample(sample, linking.ranked_inbound(42, link), 100)
                assert len(sample[1]) < 2 * 100  # never more than 2 * cap held
            partials.append(sample)
        rng.shuffle(partials)
        assert linking.sampled_links(linking.merge_samples(iter(partials), 100), 100) == expected


def test_sample_is_bounded_and_keeps_everything_below_the_cap():
    links = [(source, "prose", 0, 0, s) for source in range(10, 60) for s in range(3)]  # 150 links
    assert linking.sample_inbound(5, links, 1000) == (150, sorted(links))
    assert linking.sample_inbound(5, links, 150) == (150, sorted(links))
    count, kept = linking.sample_inbound(5, links, 30)
    assert count == 150 and len(kept) == 30
    assert set(kept) <= set(links)
    assert linking.sample_inbound(5, [], 30) == (0, [])


def test_sample_takes_whole_sources_first():
    """At most one linking article is cut by the cap: the rest come with all their links."""
    links = [(source, "prose", 0, p, s) for source in range(100, 140) for p in range(2)
             for s in range(3)]
    _, kept = linking.sample_inbound(9, links, 50)  # 6 links per source: 8 whole + 2 of the 9th
    per_source = sorted(collections.Counter(source for source, *_ in kept).values())
    assert per_source == [2] + [6] * 8


def test_sample_is_uniform_over_linking_articles_and_differs_per_target():
    """2,000 targets, each linked once by the same 200 articles, cap 20: each article is kept
    for about 2,000 * 20/200 = 200 targets (binomial sd 13.4; all within 4 sd), and the
    samples of two targets are not the same articles."""
    links = [(source, "list", -1, -1, -1) for source in range(1000, 1200)]
    chosen = collections.Counter()
    samples = set()
    for target in range(2_000):
        _, kept = linking.sample_inbound(target, links, 20)
        chosen.update(source for source, *_ in kept)
        samples.add(tuple(kept))
    assert len(chosen) == 200
    assert all(200 - 54 <= n <= 200 + 54 for n in chosen.values()), chosen.most_common(3)
    assert len(samples) > 1_990


def test_cap_must_be_positive():
    with pytest.raises(ValueError, match="max_inbound_links"):
        CorpusConfig(inputs=(), output_dir="", max_inbound_links=0)
