"""The corpus stage as Beam plumbing around the pure functions of the other modules.

dump files -> read tasks -> Reshuffle -> each task read and parsed where it is read: articles'
text staged on disk (`pipeline.staging`), their heads (id, title, links), redirects and skips
go on -> heads and redirects grouped by id (pages that share an id are settled) -> redirect
chains chased by joins -> links resolved by a join -> per article its resolved links and a
bounded sample of its inbound links -> grouped by read task -> each task's staged articles read
back and written as that task's parts of the articles and links tables -> corpus_stats.json.

Only ids, titles and links cross the shuffles: the text is written once where it was parsed and
read once where its table parts are written, so a local run holds no text in memory and
Dataflow shuffles none. Memory per key is bounded everywhere, whatever the fan-in of a title:
the joins whose one side can be huge (every link to "United States") stream that side
(`JoinStreaming`), and inbound links reach their article as a capped sample combined before the
shuffle (`SampleInbound`).
"""
from __future__ import annotations

import collections
import dataclasses
import json

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline import corpus_rows, linking
from pipeline.duplicate_ids import settle_duplicate_ids
from pipeline.parse_page import ParseConfig, parse_page
from pipeline.progress import worker_progress
from pipeline.records import ArticleHead, PageOrigin, RawPage, ReadProblem, Redirect, Skip
from pipeline.worker_gc import tune_collector

NAMESPACE = "wikipairs"
# Parquet writers hold a row group in memory until it is this big (Beam's default is 64 MB each).
ROW_GROUP_BYTES = 2 << 20
# A links-table row's size for cutting row groups, besides its anchor and target title.
LINK_ROW_BYTES = 64


@dataclasses.dataclass(frozen=True)
class CorpusConfig:
    inputs: tuple[str, ...]
    output_dir: str
    parse: ParseConfig = ParseConfig()
    max_redirect_hops: int = 5
    # Multistream dumps are split into ranges of about this size; a file that cannot be cut is
    # read by one task per this many bytes of it (multistream.whole_file_tasks).
    read_range_bytes: int = 64 << 20
    # Inbound links kept in an article's row (the rest are counted): WLP draws its linking
    # articles from them, so keep it well above the pair stage's wlp_max_per_target (4).
    max_inbound_links: int = 1000

    def __post_init__(self):
        if self.max_inbound_links < 1:
            raise ValueError(f"max_inbound_links must be at least 1, not {self.max_inbound_links}")


def _count(name: str, n: int = 1) -> None:
    Metrics.counter(NAMESPACE, name).inc(n)


@dataclasses.dataclass(frozen=True)
class NumberedTask:
    """A read task with its place in the plan: the index names its table parts."""

    index: int
    count: int
    task: object  # multistream.ReadTask


FILES = "files"


def _plan(_, patterns, target_bytes):
    """The numbered read tasks, and (tagged FILES) each file they read, once: its siteinfo."""
    from pipeline.multistream import plan_read_tasks

    tasks = plan_read_tasks(list(patterns), target_bytes)
    for index, task in enumerate(tasks):
        yield NumberedTask(index, len(tasks), task)
    for path in dict.fromkeys(task.path for task in tasks):
        yield beam.pvalue.TaggedOutput(FILES, path)


def _head(article, staged: tuple[int, int]) -> ArticleHead:
    refs = linking.pack_refs(linking.link_ref(article.id, index, link.kind, link.section,
                                              link.passage, link.sentence)
                             for index, link in enumerate(article.links))
    return ArticleHead.of(article.id, article.title, staged,
                          [link.target for link in article.links], refs)


class ReadAndParse(beam.DoFn):
    """A read task -> its pages (its stride of them, for a big file that cannot be cut) parsed
    where they are read. Articles: staged on disk, their heads keyed by id; redirects keyed by
    id; skips and read problems as they are; and one (task index, staged file) per task, so
    that every task writes its table parts."""

    PROBLEMS, SKIPS, STAGED, COUNTS = "problems", "skips", "staged", "counts"

    def __init__(self, config: ParseConfig, staging_dir: str):
        self.config, self.staging_dir = config, staging_dir

    def setup(self):
        tune_collector()

    def process(self, numbered: NumberedTask, sites):
        from pipeline.multistream import read_task
        from pipeline.staging import StagedWriter, staged_path

        task = numbered.task
        where = task.path if task.byte_range is None else f"{task.path}@{task.byte_range[0]}"
        k, n = task.stride
        progress = worker_progress(f"reading and parsing {where}"
                                   + (f" (pages {k + 1}, {k + 1 + n}, ... of every {n})" if n > 1 else ""))
        staged = StagedWriter(staged_path(self.staging_dir, numbered.index))
        pages = 0
        try:
            for item in read_task(task):
                if not isinstance(item, RawPage):  # its pages_read is counted with the problem
                    _count("pages_read" if item.is_page else "file_problems")
                    yield beam.pvalue.TaggedOutput(self.PROBLEMS, item)
                    continue
                pages += 1
                _count("pages_read")
                result = parse_page(item, sites[item.source], self.config)
                progress.update()
                if isinstance(result, Skip):
                    _count(result.bucket)
                    yield beam.pvalue.TaggedOutput(self.SKIPS, result)
                    continue
                if not isinstance(result, Redirect):
                    ordinal = staged.write(corpus_rows.staged_article(result))
                    result = _head(result, (numbered.index, ordinal))
                yield result.id, (PageOrigin(item.source, item.record, item.position), result)
        finally:
            path = staged.close()
            progress.close()
        yield beam.pvalue.TaggedOutput(self.STAGED, (numbered.index, (numbered.count, path)))
        yield beam.pvalue.TaggedOutput(self.COUNTS, {"pages_read": pages})


class SettleIds(beam.DoFn):
    """(id, [(origin, ArticleHead | Redirect)]) -> the one kept (`duplicate_ids`), tagged by
    kind, and the others as `failed:duplicate_id` skips."""

    ARTICLES, REDIRECTS, SKIPS = "articles", "redirects", "skips"

    def process(self, keyed):
        _, parsed = keyed
        for result in settle_duplicate_ids(parsed):
            if isinstance(result, ArticleHead):
                _count("kept:article")
                yield beam.pvalue.TaggedOutput(self.ARTICLES, result)
            elif isinstance(result, Redirect):
                _count("kept:redirect")
                yield beam.pvalue.TaggedOutput(self.REDIRECTS, result)
            else:
                _count(result.bucket)
                yield beam.pvalue.TaggedOutput(self.SKIPS, result)


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


def _tagged(kv, index: int):
    return kv[0], (index, kv[1])


def join_tagged(pcoll, label: str, index: int):
    """`pcoll` tagged as the input at `index` of a `JoinStreaming`: an input that several joins
    read (every round of ChaseRedirects) is tagged once, not once per join."""
    return pcoll | label >> beam.Map(_tagged, index)


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

    def __init__(self, stream: str, fn, *args, outputs: tuple[str, ...] = (),
                 tagged: tuple[str, ...] = ()):
        super().__init__()
        self.stream, self.fn, self.args, self.outputs = stream, fn, args, outputs
        self.tagged = tagged  # inputs that come through `join_tagged` with their index here

    def expand(self, inputs: dict):
        names = tuple(inputs)
        tagged = [pcoll if name in self.tagged else join_tagged(pcoll, f"Tag_{name}", index)
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
        names = ("chases", "article_ids", "redirect_targets")  # linking.advance_chases's inputs
        edges = redirects | "Edges" >> beam.Map(lambda r: (r.title, r.target))
        every_round = {
            "article_ids": join_tagged(article_titles, "TagArticleIds", names.index("article_ids")),
            "redirect_targets": join_tagged(edges, "TagRedirectTargets",
                                            names.index("redirect_targets"))}
        chasing = redirects | "Start" >> beam.Map(lambda r: linking.start_chase(r.id, r.title, r.target))
        finished = []
        for hop in range(self.max_hops):
            steps = (
                {"chases": chasing, **every_round}
                | f"Join{hop}" >> JoinStreaming("chases", linking.advance_chases,
                                                outputs=("done", "next"), tagged=tuple(every_round)))
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


class BatchLinkRefs(beam.DoFn):
    """Article heads -> (target title, the packed refs of this bundle's links to it): one element
    per title and bundle where there was one per link (every element costs the runner its own
    work, and the local runner holds each in memory across the shuffle)."""

    MAX_REFS = 1 << 20  # refs held before they are sent on, whatever the bundle's size

    def start_bundle(self):
        self._refs, self._held = collections.defaultdict(bytearray), 0

    def process(self, head: ArticleHead):
        size, refs = linking.REF_BYTES, head.link_refs()
        targets = head.link_targets()
        for i, target in enumerate(targets):
            self._refs[target] += refs[i * size:(i + 1) * size]
        self._held += len(targets)
        if self._held >= self.MAX_REFS:
            yield from self._batches()

    def finish_bundle(self):
        from apache_beam.transforms.window import GlobalWindows

        for batch in self._batches():
            yield GlobalWindows.windowed_value(batch)

    def _batches(self):
        refs, self._refs, self._held = self._refs, collections.defaultdict(bytearray), 0
        for target, packed in refs.items():
            yield target, bytes(packed)


def _index_entry(outcome: linking.RedirectOutcome):
    if outcome.target_id is not None:
        yield outcome.origin_title, (outcome.target_id, True)


def _to_task(kv):
    """(article id, {staged, outbound, inbound}) -> (read task, (ordinal in its staged file,
    resolved links, inbound count, inbound sample)): what the task's part writer adds to the
    staged article. Every kept article has one, so the writer knows which staged ones to keep
    (a page whose id another page kept is staged but not written)."""
    _, group = kv
    staged = next(iter(group["staged"]), None)  # one kept page per id (SettleIds)
    if staged is None:
        return
    task, ordinal = staged
    resolved = {index: (target_id, via) for index, target_id, via in group["outbound"]}
    count, inbound = next(iter(group["inbound"]), (0, []))
    yield task, (ordinal, resolved, count, inbound)


class WriteTaskParts(beam.DoFn):
    """(read task, {staged: [(count, staged path)], articles: its articles' join results}) ->
    the task's part of the articles and links tables, written while its staged articles are
    read back in order (the same rows in the same files on every run). Yields the article rows
    (the pair stage reads them), the links' stats, and the paths of the parts written."""

    LINK_STATS, PARTS = "link_stats", "parts"

    def __init__(self, output_dir: str):
        self.output_dir = output_dir

    def setup(self):
        tune_collector()

    def process(self, kv):
        from apache_beam.io.filesystems import FileSystems

        from pipeline.staging import read_staged
        from pipeline.table_parts import PartWriter, part_path
        from schemas import corpus as schema

        task, group = kv
        (count, path), = group["staged"]  # every task stages one file (ReadAndParse)
        joined = {ordinal: rest for ordinal, *rest in group["articles"]}
        articles, links = (
            PartWriter(part_path(FileSystems.join(self.output_dir, table), task, count),
                       schema.SCHEMAS[table], ROW_GROUP_BYTES)
            for table in (schema.ARTICLES_TABLE, schema.LINKS_TABLE))
        try:
            for ordinal, article, size in read_staged(path):
                if ordinal not in joined:
                    continue
                resolved, inbound_count, inbound = joined[ordinal]
                row = corpus_rows.article_row(article, resolved, inbound, inbound_count)
                articles.add(row, size)
                for link in corpus_rows.link_rows(article, resolved):
                    links.add(link, LINK_ROW_BYTES + len(link["anchor"]) + len(link["target_title"]))
                yield row
                yield beam.pvalue.TaggedOutput(self.LINK_STATS, corpus_rows.link_stats(article, resolved))
        except BaseException:
            articles.discard()
            links.discard()
            raise
        for writer in (articles, links):
            yield beam.pvalue.TaggedOutput(self.PARTS, writer.close())


class BuildCorpus(beam.PTransform):
    """Dump patterns -> the articles and links tables' parts (written where their text is:
    'articles' holds the article rows, 'parts' the paths written), the rows of the other tables,
    and 'stats': one {stat: count} dict."""

    def __init__(self, config: CorpusConfig):
        super().__init__()
        self.config = config

    def expand(self, pbegin):
        from apache_beam.io.filesystems import FileSystems

        from schemas.corpus import ARTICLES_TABLE

        config = self.config
        planned = (pbegin
                   | "PlanSeed" >> beam.Impulse()
                   | "PlanReads" >> beam.FlatMap(_plan, config.inputs, config.read_range_bytes).with_outputs(
                       FILES, main="tasks"))
        tasks = planned.tasks | "SpreadReads" >> beam.Reshuffle()
        sites = planned[FILES] | "SiteInfo" >> beam.ParDo(ReadSiteInfo()).with_outputs(
            ReadSiteInfo.PROBLEMS, main="sites")
        staging_dir = FileSystems.join(config.output_dir, ARTICLES_TABLE)
        read = (tasks
                | "ReadAndParse" >> beam.ParDo(ReadAndParse(config.parse, staging_dir),
                                               beam.pvalue.AsDict(sites.sites))
                .with_outputs(ReadAndParse.PROBLEMS, ReadAndParse.SKIPS, ReadAndParse.STAGED,
                              ReadAndParse.COUNTS, main="kept"))
        settled = (read.kept
                   | "GroupById" >> beam.GroupByKey()
                   | "SettleIds" >> beam.ParDo(SettleIds()).with_outputs(
                       SettleIds.ARTICLES, SettleIds.REDIRECTS, SettleIds.SKIPS))
        articles, redirects = settled.articles, settled.redirects
        skips = (read.skips, settled.skips) | "Skips" >> beam.Flatten()

        article_titles = articles | "ArticleTitles" >> beam.Map(lambda a: (a.title, a.id))
        outcomes = (redirects, article_titles) | "ChaseRedirects" >> ChaseRedirects(config.max_redirect_hops)
        title_index = (
            (article_titles | "Direct" >> beam.Map(lambda kv: (kv[0], (kv[1], False))),
             outcomes | "ViaRedirect" >> beam.FlatMap(_index_entry))
            | "TitleIndex" >> beam.Flatten())
        resolved = (
            {"refs": articles | "LinkRefs" >> beam.ParDo(BatchLinkRefs()),
             "index_entries": title_index}
            | "JoinLinks" >> JoinStreaming("refs", linking.resolve_packed_links,
                                           outputs=("outbound", "inbound")))
        joined = (
            {"staged": articles | "ById" >> beam.Map(lambda a: (a.id, a.staged)),
             "outbound": resolved.outbound,
             "inbound": resolved.inbound
             | "SampleInbound" >> beam.CombinePerKey(SampleInbound(config.max_inbound_links))}
            | "JoinArticle" >> beam.CoGroupByKey()
            | "ToTask" >> beam.FlatMap(_to_task))
        written = (
            {"staged": read.staged, "articles": joined} | "GroupByTask" >> beam.CoGroupByKey()
            | "WriteTaskParts" >> beam.ParDo(WriteTaskParts(config.output_dir)).with_outputs(
                WriteTaskParts.LINK_STATS, WriteTaskParts.PARTS, main="articles"))

        dead = (read.problems, sites.problems,
                skips | "Failed" >> beam.Filter(lambda s: s.outcome == "failed"))
        stat_sources = {
            "Problem": (read.problems, _problem_stats),
            "SiteInfo": (sites.problems, _problem_stats),
            "Notes": (tasks, _note_stats),
            "Article": (articles, _kept_article_stats),
            "Redirect": (redirects, _kept_redirect_stats),
            "Skip": (skips, _skip_stats),
            "Outcome": (outcomes, _outcome_stats),
        }
        # One combine for every source (each element as its {stat: count}): every combine adds
        # stages, and each stage costs the runner a fixed set-up per bundle.
        stats = ([pcoll | f"Stat{name}" >> beam.Map(key_counts, keys)
                  for name, (pcoll, keys) in stat_sources.items()]
                 + [read.counts, written.link_stats]
                 | "Stats" >> beam.Flatten()
                 | "CountStats" >> beam.CombineGlobally(CountStats()).without_defaults())
        return {
            "articles": written.articles,
            "parts": written.parts,
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


def as_counts(counts):
    """The {stat: count} of a `CountStats` combine run `.without_defaults()` (its default steps
    cost every run) as a side input: {} when nothing was counted."""
    return beam.pvalue.AsSingleton(counts, default_value={})


def key_counts(element, keys) -> dict[str, int]:
    """An element -> {stat: count} of the stats `keys(element)` names."""
    counts: dict[str, int] = {}
    for key in keys(element):
        counts[key] = counts.get(key, 0) + 1
    return counts


def _note_stats(numbered: NumberedTask) -> list[str]:
    return [f"note:{numbered.task.note}"] if numbered.task.note else []


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
    """The small tables' rows -> Parquet under output_dir/<table>/ (pipeline/table_parts.py: the
    same rows, the same files; the articles and links parts are written by `BuildCorpus`), the
    staged text removed, then stats -> output_dir/corpus_stats.json, written last: the corpus's
    commit marker, which `--corpus_dir` requires."""

    def __init__(self, config: CorpusConfig):
        super().__init__()
        self.config = config

    def expand(self, tables):
        from apache_beam.io.filesystems import FileSystems

        from pipeline.staging import remove_staged_after
        from pipeline.table_parts import WriteTable
        from schemas import corpus as schema

        out = self.config.output_dir
        written = {"parts": tables["parts"]}
        for name in (schema.REDIRECTS_TABLE, schema.DEAD_LETTER_TABLE):
            written[name] = tables[name] | f"Write_{name}" >> WriteTable(
                FileSystems.join(out, name), schema.SCHEMAS[name], ROW_GROUP_BYTES)
        parts = [beam.pvalue.AsList(pcoll) for pcoll in written.values()]
        cleaned = (tables["stats"].pipeline | "StagingSeed" >> beam.Impulse()
                   | "RemoveStaged" >> beam.Map(remove_staged_after,
                                                FileSystems.join(out, schema.ARTICLES_TABLE),
                                                *parts))
        written["stats"] = (
            tables["stats"].pipeline | "StatsSeed" >> beam.Impulse()
            | "StatsDoc" >> beam.Map(lambda _, counts, *args: stats_document(counts, *args),
                                     as_counts(tables["stats"]),
                                     self.config.inputs, self.config.max_inbound_links)
            | "WriteStats" >> beam.Map(write_json, FileSystems.join(out, schema.STATS_FILE),
                                       *parts, beam.pvalue.AsList(cleaned)))
        return written
