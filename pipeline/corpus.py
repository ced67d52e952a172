"""The corpus stage as Beam plumbing around the pure functions of the other modules.

dump files -> read tasks -> Reshuffle -> raw pages -> Reshuffle -> parse -> articles / redirects /
skips -> redirect chains chased by joins -> links resolved by a join -> articles with outbound
target ids and inbound links -> Parquet tables + corpus_stats.json.
"""
from __future__ import annotations

import dataclasses
import json

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline import corpus_rows, linking
from pipeline.parse_page import ParseConfig, parse_page
from pipeline.progress import Progress
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


def _count(name: str, n: int = 1) -> None:
    Metrics.counter(NAMESPACE, name).inc(n)


class ReadPages(beam.DoFn):
    """A read task (a file, or a byte range of a multistream file) -> raw pages and read problems."""

    PROBLEMS = "problems"

    def process(self, task):
        from pipeline.dump_reader import iter_pages

        where = task.path if task.byte_range is None else f"{task.path}@{task.byte_range[0]}"
        progress = Progress(f"reading {where}")
        for item in iter_pages(task.path, task.byte_range):
            if isinstance(item, RawPage):
                _count("pages_read")
                progress.tick()
                yield item
            else:
                _count("pages_read" if item.is_page else "file_problems")
                yield beam.pvalue.TaggedOutput(self.PROBLEMS, item)
        progress.done()


class ParsePages(beam.DoFn):
    """Raw page -> Article | Redirect | Skip, counted per bucket."""

    ARTICLES, REDIRECTS, SKIPS = "articles", "redirects", "skips"

    def __init__(self, config: ParseConfig):
        self.config = config

    def setup(self):
        self.progress = Progress("parsing (this worker)")

    def process(self, page: RawPage, sites):
        result = parse_page(page, sites[page.source], self.config)
        self.progress.tick()
        if isinstance(result, Article):
            _count("kept:article")
            yield beam.pvalue.TaggedOutput(self.ARTICLES, result)
        elif isinstance(result, Redirect):
            _count("kept:redirect")
            yield beam.pvalue.TaggedOutput(self.REDIRECTS, result)
        else:
            _count(result.bucket)
            yield beam.pvalue.TaggedOutput(self.SKIPS, result)

    def teardown(self):
        self.progress.done()


def _site_of(path: str):
    """A file's <siteinfo>; a file too broken to show one still gets MediaWiki's defaults, and
    its breakage is reported by the reader as a dead-letter row."""
    from pipeline.dump_reader import read_siteinfo
    from pipeline.records import SiteInfo

    try:
        return path, read_siteinfo(path)
    except Exception:  # noqa: BLE001 - the reader reports what is wrong with the file
        return path, SiteInfo()


def _plan(patterns, target_bytes):
    from pipeline.multistream import plan_read_tasks

    return plan_read_tasks(list(patterns), target_bytes)


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
                {"chase": chasing, "article": article_titles, "redirect": edges}
                | f"Join{hop}" >> beam.CoGroupByKey()
                | f"Hop{hop}" >> beam.FlatMap(
                    lambda kv: linking.advance_chases(kv[0], kv[1]["chase"], kv[1]["article"],
                                                     kv[1]["redirect"]))
            )
            finished.append(steps | f"Done{hop}" >> beam.Filter(lambda s: s[0] == "done")
                            | f"Outcome{hop}" >> beam.Map(lambda s: s[1]))
            chasing = (steps | f"Next{hop}" >> beam.Filter(lambda s: s[0] == "next")
                       | f"Key{hop}" >> beam.Map(lambda s: s[1]))
        finished.append(chasing | "GiveUp" >> beam.MapTuple(linking.give_up))
        return finished | "Outcomes" >> beam.Flatten()


def _link_refs(article: Article):
    for index, link in enumerate(article.links):
        yield link.target, linking.LinkRef(article.id, index, link.section, link.passage,
                                           link.sentence, link.anchor)


def _assemble(kv):
    _, group = kv
    articles = group["article"]
    if not articles:
        return
    target_ids = dict(group["outbound"])
    yield corpus_rows.article_row(articles[0], target_ids, list(group["inbound"]))


class BuildCorpus(beam.PTransform):
    """Dump patterns -> dict of PCollections of table rows, plus ('stat', count) pairs."""

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
                 | "SiteInfo" >> beam.Map(_site_of))
        read = tasks | "Read" >> beam.ParDo(ReadPages()).with_outputs(ReadPages.PROBLEMS, main="pages")
        parsed = (read.pages
                  | "SpreadPages" >> beam.Reshuffle()
                  | "Parse" >> beam.ParDo(ParsePages(config.parse), beam.pvalue.AsDict(sites))
                  .with_outputs(ParsePages.ARTICLES, ParsePages.REDIRECTS, ParsePages.SKIPS))
        articles, redirects = parsed.articles, parsed.redirects

        article_titles = articles | "ArticleTitles" >> beam.Map(lambda a: (a.title, a.id))
        outcomes = (redirects, article_titles) | "ChaseRedirects" >> ChaseRedirects(config.max_redirect_hops)
        title_index = (
            (article_titles | "Direct" >> beam.Map(lambda kv: (kv[0], (kv[1], False))),
             outcomes | "Resolved" >> beam.Filter(lambda o: o.target_id is not None)
             | "ViaRedirect" >> beam.Map(lambda o: (o.origin_title, (o.target_id, True))))
            | "TitleIndex" >> beam.Flatten())
        resolved = (
            {"refs": articles | "LinkRefs" >> beam.FlatMap(_link_refs), "index": title_index}
            | "JoinLinks" >> beam.CoGroupByKey()
            | "ResolveLinks" >> beam.FlatMap(
                lambda kv: linking.resolve_links(kv[0], kv[1]["refs"], kv[1]["index"])))
        found = resolved | "Found" >> beam.Filter(lambda link: link.target_id is not None)
        article_rows = (
            {"article": articles | "ById" >> beam.Map(lambda a: (a.id, a)),
             "outbound": found | "Outbound" >> beam.Map(
                 lambda l: (l.ref.source_id, (l.ref.index, l.target_id))),
             "inbound": found | "Inbound" >> beam.Map(
                 lambda l: (l.target_id, (l.ref.source_id, l.ref.section, l.ref.passage,
                                          l.ref.sentence)))}
            | "JoinArticle" >> beam.CoGroupByKey()
            | "ArticleRows" >> beam.FlatMap(_assemble))

        dead = (read.problems, parsed.skips | "Failed" >> beam.Filter(lambda s: s.outcome == "failed"))
        stats = (
            (read.pages | "StatRead" >> beam.Map(lambda _: "pages_read"),
             read.problems | "StatProblem" >> beam.FlatMap(_problem_stats),
             articles | "StatArticle" >> beam.Map(lambda _: "kept:article"),
             redirects | "StatRedirect" >> beam.Map(lambda _: "kept:redirect"),
             parsed.skips | "StatSkip" >> beam.Map(lambda s: s.bucket),
             outcomes | "StatOutcome" >> beam.Map(lambda o: f"redirects:{o.status}"),
             resolved | "StatLink" >> beam.FlatMap(_link_stats))
            | "Stats" >> beam.Flatten()
            | "CountStats" >> beam.combiners.Count.PerElement())
        return {
            "articles": article_rows,
            "links": found | "LinkRows" >> beam.Map(corpus_rows.link_row),
            "redirects": outcomes | "RedirectRows" >> beam.Map(corpus_rows.redirect_row),
            "dead_letter": dead | "Dead" >> beam.Flatten()
            | "DeadRows" >> beam.Map(corpus_rows.dead_letter_row),
            "stats": stats,
        }


def _problem_stats(problem: ReadProblem) -> list[str]:
    return ["pages_read", "failed:read"] if problem.is_page else ["file_problems"]


def _link_stats(link: linking.ResolvedLink) -> list[str]:
    if link.target_id is None:
        return ["links:total", "links:missing_target"]
    return ["links:total", "links:resolved"] + (["links:via_redirect"] if link.via_redirect else [])


def stats_document(counts: dict[str, int], inputs) -> dict:
    """corpus_stats.json: page buckets that must add up to pages_read, and link/redirect counts."""
    buckets = {k: v for k, v in sorted(counts.items()) if k.split(":")[0] in ("kept", "skipped", "failed")}
    return {
        "inputs": list(inputs),
        "pages_read": counts.get("pages_read", 0),
        "buckets": buckets,
        "buckets_total": sum(buckets.values()),
        "file_problems": counts.get("file_problems", 0),
        "redirects": {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("redirects:")},
        "links": {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("links:")},
    }


def write_json(document: dict, path: str) -> str:
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path) as handle:
        handle.write(json.dumps(document, indent=2, sort_keys=True).encode("utf-8"))
    return path


class WriteCorpus(beam.PTransform):
    """Table rows -> Parquet under output_dir/<table>/, stats -> output_dir/corpus_stats.json."""

    def __init__(self, config: CorpusConfig):
        super().__init__()
        self.config = config

    def expand(self, tables):
        from apache_beam.io.filesystems import FileSystems
        from apache_beam.io.parquetio import WriteToParquet

        from schemas import corpus as schema

        out = self.config.output_dir
        written = {}
        for name in schema.TABLES:
            written[name] = tables[name] | f"Write_{name}" >> WriteToParquet(
                FileSystems.join(out, name, "part"), schema.SCHEMAS[name],
                file_name_suffix=".parquet", row_group_buffer_size=ROW_GROUP_BYTES)
        inputs = self.config.inputs
        written["stats"] = (
            tables["stats"]
            | "StatsDict" >> beam.combiners.ToDict()
            | "StatsDoc" >> beam.Map(stats_document, inputs)
            | "WriteStats" >> beam.Map(write_json, FileSystems.join(out, schema.STATS_FILE)))
        return written
