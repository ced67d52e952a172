"""The corpus stage as Beam plumbing around the pure functions of the other modules.

dump files -> read tasks -> Reshuffle -> raw pages -> grouped by page id (spreads them like a
Reshuffle, and brings pages that share an id together) -> parse, one kept page per id ->
articles / redirects / skips -> redirect chains chased by joins -> links resolved by a join ->
articles with outbound target ids and a bounded sample of their inbound links -> Parquet tables +
corpus_stats.json.

Memory per key is bounded everywhere, whatever the fan-in of a title: the joins whose one side
can be huge (every link to "United States") stream that side (`JoinStreaming`), and inbound links
reach their article as a capped sample combined before the shuffle (`SampleInbound`).
"""
from __future__ import annotations

import collections
import dataclasses
import json
import pickle
import zlib

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline import corpus_rows, linking
from pipeline.duplicate_ids import grouping_key, settle_duplicate_ids
from pipeline.parse_page import ParseConfig, parse_page
from pipeline.progress import worker_progress
from pipeline.records import Article, RawPage, ReadProblem, Redirect, Skip

NAMESPACE = "wikipairs"
# Parquet writers hold a row group in memory until it is this big (Beam's default is 64 MB each).
ROW_GROUP_BYTES = 8 << 20


@dataclasses.dataclass(frozen=True)
class CorpusConfig:
    inputs: tuple[str, ...]
    output_dir: str
    parse: ParseConfig = ParseConfig()
    max_redirect_hops: int = 5
    read_range_bytes: int = 64 << 20  # multistream dumps are split into ranges of about this size
    # Inbound links kept in an article's row (the rest are counted): WLP draws its linking
    # articles from them, so keep it well above the pair stage's wlp_max_per_target (4).
    max_inbound_links: int = 1000

    def __post_init__(self):
        if self.max_inbound_links < 1:
            raise ValueError(f"max_inbound_links must be at least 1, not {self.max_inbound_links}")


# --- what the shuffles carry ------------------------------------------------------------------
# The local runner holds every shuffled PCollection in memory (twice for a join's input: it
# materializes the Flatten in front of the GroupByKey), and Dataflow pays for shuffled bytes. Page
# XML and parsed articles, the two big payloads, cross their shuffle compressed (zlib at its
# fastest level: a few percent of the parse time, under half of the bytes).

def compressed_page(page: RawPage) -> RawPage:
    return dataclasses.replace(page, xml=zlib.compress(page.xml, 1))


def decompressed_page(page: RawPage) -> RawPage:
    return dataclasses.replace(page, xml=zlib.decompress(page.xml))


def compressed(value) -> bytes:
    return zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)


def decompressed(data: bytes):
    return pickle.loads(zlib.decompress(data))


def _count(name: str, n: int = 1) -> None:
    Metrics.counter(NAMESPACE, name).inc(n)


class ReadPages(beam.DoFn):
    """A read task (a file, or a byte range of a multistream file) -> raw pages and read problems."""

    PROBLEMS = "problems"

    def process(self, task):
        from pipeline.dump_reader import iter_pages

        where = task.path if task.byte_range is None else f"{task.path}@{task.byte_range[0]}"
        progress = worker_progress(f"reading {where}")
        for item in iter_pages(task.path, task.byte_range):
            if isinstance(item, RawPage):
                _count("pages_read")
                progress.update()
                yield item
            else:
                _count("pages_read" if item.is_page else "file_problems")
                yield beam.pvalue.TaggedOutput(self.PROBLEMS, item)
        progress.close()


class ParsePages(beam.DoFn):
    """Raw pages (compressed) that share a page id -> Article | Redirect | Skip each, counted per
    bucket: one of them is kept, the others are `failed:duplicate_id` (`duplicate_ids`)."""

    ARTICLES, REDIRECTS, SKIPS = "articles", "redirects", "skips"

    def __init__(self, config: ParseConfig):
        self.config = config

    def setup(self):
        self.progress = worker_progress("parsing (this worker)")

    def process(self, keyed_pages, sites):
        _, pages = keyed_pages
        parsed = []
        for page in map(decompressed_page, pages):
            parsed.append((page, parse_page(page, sites[page.source], self.config)))
            self.progress.update()
        for result in settle_duplicate_ids(parsed):
            yield self._tagged(result)

    def _tagged(self, result):
        if isinstance(result, Article):
            _count("kept:article")
            return beam.pvalue.TaggedOutput(self.ARTICLES, result)
        if isinstance(result, Redirect):
            _count("kept:redirect")
            return beam.pvalue.TaggedOutput(self.REDIRECTS, result)
        _count(result.bucket)
        return beam.pvalue.TaggedOutput(self.SKIPS, result)

    def teardown(self):
        self.progress.close()


class ReadSiteInfo(beam.DoFn):
    """A file -> (path, its <siteinfo>); a file too broken to show one still gets MediaWiki's
    defaults (the reader reports its breakage), and a siteinfo that is there but unusable (an
    entity, bad XML) is a problem of its own: the pages are read with the defaults."""

    PROBLEMS = "problems"

    def process(self, path: str):
        from pipeline.dump_reader import siteinfo_and_problem

        site, problem = siteinfo_and_problem(path)
        if problem is not None:
            _count("file_problems")
            yield beam.pvalue.TaggedOutput(self.PROBLEMS, problem)
        yield path, site


def _plan(patterns, target_bytes):
    from pipeline.multistream import plan_read_tasks

    return plan_read_tasks(list(patterns), target_bytes)


def _tagged(kv, index: int):
    return kv[0], (index, kv[1])


def join_group(kv, stream_index: int, names: tuple[str, ...], fn, *args):
    """One group of tagged values -> fn(key, stream, *args, **small inputs as lists)."""
    key, tagged = kv
    small = {name: [] for i, name in enumerate(names) if i != stream_index}
    for index, value in tagged:  # first pass: keeps the small inputs' values only
        if index != stream_index:
            small[names[index]].append(value)
    return fn(key, _Stream(tagged, stream_index), *args, **small)


def tagged_join_group(kv, stream_index: int, names: tuple[str, ...], fn, *args):
    """`join_group` for an `fn` that yields (output name, value): each value to its output."""
    for output, value in join_group(kv, stream_index, names, fn, *args):
        yield beam.pvalue.TaggedOutput(output, value)


class _Stream:
    """The big input's values of a group, read from the grouped values at each iteration."""

    def __init__(self, tagged, index: int):
        self.tagged, self.index = tagged, index

    def __iter__(self):
        return (value for index, value in self.tagged if index == self.index)


class JoinStreaming(beam.PTransform):
    """A join by key where one input may hold a huge number of values per key (every link to a
    hub title): `fn(key, stream, *args, **small)` gets that input's values as an iterable it may
    read once or more, and the other inputs' values as lists. With `outputs` named, `fn` yields
    (output name, value) pairs and the join returns one PCollection per output (one step that
    routes its results, where a Filter and a Map per output would each touch every result).

    Beam's CoGroupByKey copies every value of a key into a Python list. Here the tagged values go
    through a plain GroupByKey and the group is read twice: a first pass keeps only the small
    inputs' values, then `fn` reads the big input's values from the group itself. Grouped values
    can be read more than once, and on Dataflow they are paged in from the shuffle as they are
    read, so memory per key is that of the small inputs."""

    def __init__(self, stream: str, fn, *args, outputs: tuple[str, ...] = ()):
        super().__init__()
        self.stream, self.fn, self.args, self.outputs = stream, fn, args, outputs

    def expand(self, inputs: dict):
        names = tuple(inputs)
        tagged = [pcoll | f"Tag_{name}" >> beam.Map(_tagged, index)
                  for index, (name, pcoll) in enumerate(inputs.items())]
        groups = tagged | "Flatten" >> beam.Flatten() | "Group" >> beam.GroupByKey()
        join_args = (names.index(self.stream), names, self.fn, *self.args)
        if not self.outputs:
            return groups | "Join" >> beam.FlatMap(join_group, *join_args)
        return (groups | "Join" >> beam.FlatMap(tagged_join_group, *join_args)
                .with_outputs(*self.outputs))


class ChaseRedirects(beam.PTransform):
    """Redirect -> the article it ends at, one join round per hop."""

    def __init__(self, max_hops: int):
        super().__init__()
        self.max_hops = max_hops

    def expand(self, inputs):
        redirects, article_titles = inputs
        edges = redirects | "Edges" >> beam.Map(lambda r: (r.title, r.target))
        chasing = redirects | "Start" >> beam.Map(lambda r: linking.start_chase(r.id, r.title, r.target))
        finished = []
        for hop in range(self.max_hops):
            steps = (
                {"chases": chasing, "article_ids": article_titles, "redirect_targets": edges}
                | f"Join{hop}" >> JoinStreaming("chases", linking.advance_chases,
                                                outputs=("done", "next")))
            finished.append(steps.done)
            chasing = steps.next
        finished.append(chasing | "GiveUp" >> beam.MapTuple(linking.give_up))
        return finished | "Outcomes" >> beam.Flatten()


class SampleInbound(beam.CombineFn):
    """Ranked inbound links of one article -> (count, at most `cap` of them): the pure steps of
    `linking`, as a CombineFn so that Beam combines on each worker before the shuffle."""

    def __init__(self, cap: int):
        self.cap = cap

    def create_accumulator(self):
        return 0, []

    def add_input(self, sample, link):
        return linking.add_to_sample(sample, link, self.cap)

    def merge_accumulators(self, samples):
        return linking.merge_samples(samples, self.cap)

    def extract_output(self, sample):
        return linking.sampled_links(sample, self.cap)


def _link_refs(article: Article):
    """An article -> (target title, LinkRef) per link: the join's keys and what it needs only."""
    for index, link in enumerate(article.links):
        yield link.target, linking.link_ref(article.id, index, link.kind, link.section,
                                            link.passage, link.sentence)


def _index_entry(outcome: linking.RedirectOutcome):
    if outcome.target_id is not None:
        yield outcome.origin_title, (outcome.target_id, True)


class AssembleArticle(beam.DoFn):
    """(id, {article (compressed), outbound, inbound}) -> the article's row, the links table's
    rows of its resolved links (it holds their anchors and places), and its links' stats. Every
    input is small per key: one article, its own resolved links and one inbound sample."""

    LINKS, LINK_STATS = "links", "link_stats"

    def process(self, kv):
        _, group = kv
        articles = group["article"]
        if not articles:
            return
        article = decompressed(articles[0])
        resolved = {index: (target_id, via) for index, target_id, via in group["outbound"]}
        count, inbound = next(iter(group["inbound"]), (0, []))
        yield corpus_rows.article_row(article, resolved, inbound, count)
        for row in corpus_rows.link_rows(article, resolved):
            yield beam.pvalue.TaggedOutput(self.LINKS, row)
        yield beam.pvalue.TaggedOutput(self.LINK_STATS, article_link_stats(article, resolved))


class BuildCorpus(beam.PTransform):
    """Dump patterns -> dict of PCollections of table rows, plus 'stats': one {stat: count} dict."""

    def __init__(self, config: CorpusConfig):
        super().__init__()
        self.config = config

    def expand(self, pbegin):
        config = self.config
        tasks = (pbegin
                 | "Patterns" >> beam.Create([config.inputs])
                 | "PlanReads" >> beam.FlatMap(_plan, config.read_range_bytes)
                 | "SpreadReads" >> beam.Reshuffle())
        sites = (tasks | "Files" >> beam.Map(lambda t: t.path) | "Distinct" >> beam.Distinct()
                 | "SiteInfo" >> beam.ParDo(ReadSiteInfo()).with_outputs(
                     ReadSiteInfo.PROBLEMS, main="sites"))
        read = tasks | "Read" >> beam.ParDo(ReadPages()).with_outputs(ReadPages.PROBLEMS, main="pages")
        parsed = (read.pages
                  | "KeyById" >> beam.Map(lambda page: (grouping_key(page), compressed_page(page)))
                  | "SpreadPages" >> beam.GroupByKey()
                  | "Parse" >> beam.ParDo(ParsePages(config.parse), beam.pvalue.AsDict(sites.sites))
                  .with_outputs(ParsePages.ARTICLES, ParsePages.REDIRECTS, ParsePages.SKIPS))
        articles, redirects = parsed.articles, parsed.redirects

        article_titles = articles | "ArticleTitles" >> beam.Map(lambda a: (a.title, a.id))
        outcomes = (redirects, article_titles) | "ChaseRedirects" >> ChaseRedirects(config.max_redirect_hops)
        title_index = (
            (article_titles | "Direct" >> beam.Map(lambda kv: (kv[0], (kv[1], False))),
             outcomes | "ViaRedirect" >> beam.FlatMap(_index_entry))
            | "TitleIndex" >> beam.Flatten())
        resolved = (
            {"refs": articles | "LinkRefs" >> beam.FlatMap(_link_refs),
             "index_entries": title_index}
            | "JoinLinks" >> JoinStreaming("refs", linking.resolve_links,
                                           outputs=("outbound", "inbound")))
        assembled = (
            {"article": articles | "ById" >> beam.Map(lambda a: (a.id, compressed(a))),
             "outbound": resolved.outbound,
             "inbound": resolved.inbound
             | "SampleInbound" >> beam.CombinePerKey(SampleInbound(config.max_inbound_links))}
            | "JoinArticle" >> beam.CoGroupByKey()
            | "ArticleRows" >> beam.ParDo(AssembleArticle()).with_outputs(
                AssembleArticle.LINKS, AssembleArticle.LINK_STATS, main="articles"))

        dead = (read.problems, sites.problems,
                parsed.skips | "Failed" >> beam.Filter(lambda s: s.outcome == "failed"))
        stat_sources = {
            "Read": (read.pages, _page_read_stats),
            "Problem": (read.problems, _problem_stats),
            "SiteInfo": (sites.problems, _problem_stats),
            "Notes": (tasks, _note_stats),
            "Article": (articles, _kept_article_stats),
            "Redirect": (redirects, _kept_redirect_stats),
            "Skip": (parsed.skips, _skip_stats),
            "Outcome": (outcomes, _outcome_stats),
        }
        # One combine for every source (each element as its {stat: count}): every combine adds
        # stages, and each stage costs the runner a fixed set-up per bundle.
        stats = ([pcoll | f"Stat{name}" >> beam.Map(key_counts, keys)
                  for name, (pcoll, keys) in stat_sources.items()] + [assembled.link_stats]
                 | "Stats" >> beam.Flatten()
                 | "CountStats" >> beam.CombineGlobally(CountStats()))
        return {
            "articles": assembled.articles,
            "links": assembled.links,
            "redirects": outcomes | "RedirectRows" >> beam.Map(corpus_rows.redirect_row),
            "dead_letter": dead | "Dead" >> beam.Flatten()
            | "DeadRows" >> beam.Map(corpus_rows.dead_letter_row),
            "stats": stats,
        }


class CountStats(beam.CombineFn):
    """{stat: count} dicts -> their sum. A CombineFn, so every worker sums its own elements
    before anything is shuffled: one small dict per bundle travels, where one element per stat
    per link used to (over a million at 10x the sample)."""

    def create_accumulator(self):
        return {}

    def add_input(self, counts, element: dict[str, int]):
        for key, n in element.items():
            counts[key] = counts.get(key, 0) + n
        return counts

    def merge_accumulators(self, accumulators):
        merged = {}
        for counts in accumulators:
            for key, n in counts.items():
                merged[key] = merged.get(key, 0) + n
        return merged

    def extract_output(self, counts):
        return counts


def key_counts(element, keys) -> dict[str, int]:
    """An element -> {stat: count} of the stats `keys(element)` names."""
    counts: dict[str, int] = {}
    for key in keys(element):
        counts[key] = counts.get(key, 0) + 1
    return counts


def _page_read_stats(_) -> tuple[str, ...]:
    return ("pages_read",)


def _note_stats(task) -> list[str]:
    return [f"note:{task.note}"] if task.note else []


def _kept_article_stats(_) -> tuple[str, ...]:
    return ("kept:article",)


def _kept_redirect_stats(_) -> tuple[str, ...]:
    return ("kept:redirect",)


def _skip_stats(skip: Skip) -> tuple[str, ...]:
    return (skip.bucket,)


def _outcome_stats(outcome) -> tuple[str, ...]:
    return (f"redirects:{outcome.status}",)


def _problem_stats(problem: ReadProblem) -> list[str]:
    return ["pages_read", "failed:read"] if problem.is_page else ["file_problems"]


def article_link_stats(article: Article, resolved: dict[int, tuple[int, bool]]) -> dict[str, int]:
    """The link counters of one article's links (`resolved`: index -> (target id, via_redirect)
    of those that resolved), where the article is: no element per link travels for them."""
    total = collections.Counter(link.kind for link in article.links)
    found = collections.Counter(article.links[index].kind for index in resolved)
    counts = {f"links_by_kind:{kind}:total": n for kind, n in total.items()}
    counts.update((f"links_by_kind:{kind}:resolved", n) for kind, n in found.items())
    via_redirect = sum(1 for _, via in resolved.values() if via)
    for key, n in (("links:total", len(article.links)), ("links:resolved", len(resolved)),
                   ("links:missing_target", len(article.links) - len(resolved)),
                   ("links:via_redirect", via_redirect)):
        if n:
            counts[key] = n
    return counts


def _by_kind(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    """links_by_kind:<kind>:<total|resolved> counters -> {kind: {total, resolved}}, every kind."""
    from schemas.corpus import LINK_KINDS

    return {kind: {what: counts.get(f"links_by_kind:{kind}:{what}", 0)
                   for what in ("total", "resolved")} for kind in LINK_KINDS}


def stats_document(counts: dict[str, int], inputs, max_inbound_links: int) -> dict:
    """corpus_stats.json: page buckets that must add up to pages_read, link/redirect counts, and
    what a reader of the tables must know (schema version, the cap on inbound links per row)."""
    from schemas.corpus import CORPUS_SCHEMA_VERSION

    buckets = {k: v for k, v in sorted(counts.items()) if k.split(":")[0] in ("kept", "skipped", "failed")}
    return {
        "schema_version": CORPUS_SCHEMA_VERSION,
        "max_inbound_links": max_inbound_links,
        "inputs": list(inputs),
        "pages_read": counts.get("pages_read", 0),
        "buckets": buckets,
        "buckets_total": sum(buckets.values()),
        "file_problems": counts.get("file_problems", 0),
        # How the job read its input where that is not the obvious way (a multistream file whose
        # index does not fit is read whole): nothing is lost, but it is slower.
        "notes": sorted(k.split(":", 1)[1] for k in counts if k.startswith("note:")),
        "redirects": {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("redirects:")},
        "links": {**{k.split(":", 1)[1]: v for k, v in sorted(counts.items())
                     if k.startswith("links:")}, "by_kind": _by_kind(counts)},
    }


def write_json(document: dict, path: str, *after) -> str:
    """`document` as a JSON file, visible only once complete (`after`: side inputs it must wait
    for, such as the table parts corpus_stats.json commits)."""
    from schemas.commit import write_bytes

    return write_bytes(path, json.dumps(document, indent=2, sort_keys=True).encode("utf-8"))


class WriteCorpus(beam.PTransform):
    """Table rows -> Parquet under output_dir/<table>/ (pipeline/table_parts.py: the same rows,
    the same files), then stats -> output_dir/corpus_stats.json, written last: the corpus's
    commit marker, which `--corpus_dir` requires."""

    def __init__(self, config: CorpusConfig):
        super().__init__()
        self.config = config

    def expand(self, tables):
        from apache_beam.io.filesystems import FileSystems

        from pipeline.table_parts import WriteTable
        from schemas import corpus as schema

        out = self.config.output_dir
        written = {}
        for name in schema.TABLES:
            written[name] = tables[name] | f"Write_{name}" >> WriteTable(
                FileSystems.join(out, name), schema.SCHEMAS[name], ROW_GROUP_BYTES)
        inputs = self.config.inputs
        parts = [beam.pvalue.AsList(written[name]) for name in schema.TABLES]
        written["stats"] = (
            tables["stats"]
            | "StatsDoc" >> beam.Map(stats_document, inputs, self.config.max_inbound_links)
            | "WriteStats" >> beam.Map(write_json, FileSystems.join(out, schema.STATS_FILE),
                                       *parts))
        return written
