"""The whole job (dump -> corpus -> pair shards) on the full English Wikipedia dump on Dataflow:
worker-hours, wall time and cost, projected from what one core of this machine does and from
the bytes each shuffle of the job carries, both measured here. Prints markdown.

1. Inputs made from the real sample: its 96 articles split by size into a small half (about
   20 KB of XML each) and a big half (about 104 KB), copied 10x (make_big_dump.renamed_page), the
   small half also 20x; each with a redirect for every link target the input lacks, pointing at
   one of its articles (by a hash of the title), so links resolve about as often as in a whole
   dump (in a slice of a dump almost none do); one input adds 19,800 more redirects (the sample's
   own, copied).
2. CPU: `python -m pipeline.run` dump -> shards (bert-base-uncased vocab) on each input, one
   process pinned to one core (corpus_bench.measure), the least CPU of --runs runs, fitted
   (least squares, exact for four inputs, no cost below zero) to
       CPU s = fixed + a * MB of article XML + b * articles + c * redirects.
   The corpus stage alone on two inputs gives its share of the marginal cost; a fifth
   input, the smallest quarter of the articles (about English Wikipedia's average size), is
   predicted by the fit and then measured.
3. Shuffle: the same job in this process on the same inputs, with a step put in front of every
   GroupByKey as the pipeline is built that adds the encoded size of each element (with the coder
   Beam picks for that PCollection) to a Beam distribution; reported and fitted the same way per
   step of the job (the GroupByKeys' labels: 'Corpus/JoinLinks/Group' -> 'Corpus/JoinLinks').
   The job's graph gives the longest chain of GroupByKeys (side inputs included): on Dataflow
   each is a barrier on the way to the last shard.
4. English Wikipedia's sizes (approximate: flags, printed with where they come from) and Dataflow
   list prices -> worker-hours, wall time at --workers, cost.

    .venv/bin/python bench/scale_projection.py [--core 0] [--workers 100] [--reuse]

Takes about 6 minutes; measurements are cached in bench/work/scale/measured.json (--reuse prints
the projection from them with other flags).
"""
from __future__ import annotations

import argparse
import bz2
import contextlib
import dataclasses
import json
import os
import pathlib
import shutil
import sys
from xml.sax.saxutils import escape, quoteattr

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import ROOT, SAMPLE, WORK, machine, measure  # noqa: E402
from make_big_dump import DUMP_CLOSE, dump_header, renamed_page  # noqa: E402
from pairs_bench import STAGES, VOCAB, job_command, outputs  # noqa: E402

sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
from pipeline.splits import hash64  # noqa: E402  (the pipeline's one 64-bit hash)

OUT = WORK / "scale"
MB, GB = 10**6, 10**9
SHUFFLE_NAMESPACE = "shuffle_bytes"
BEFORE_COMBINING = "(before combining)"
RESOLVING_REDIRECT_IDS = 9 * 10**11  # above every copy's id (make_big_dump.ID_STRIDE * copies)


# --- inputs made from the sample -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Input:
    label: str
    path: str
    articles: int
    redirects: int
    article_xml_bytes: int

    def features(self) -> list[float]:
        """The fit's variables: (1, MB of article XML, articles, redirects)."""
        return [1.0, self.article_xml_bytes / MB, self.articles, self.redirects]


def sample_pages():
    """(articles as (xml, Article) by XML size, redirect pages' xml) of the real sample."""
    from pipeline.dump_reader import iter_pages, read_siteinfo
    from pipeline.parse_page import parse_page
    from pipeline.records import Article, RawPage, Redirect

    site = read_siteinfo(str(SAMPLE))
    articles, redirects = [], []
    for page in iter_pages(str(SAMPLE)):
        if isinstance(page, RawPage):
            result = parse_page(page, site)
            if isinstance(result, Article):
                articles.append((page.xml, result))
            elif isinstance(result, Redirect):
                redirects.append(page.xml)
    return sorted(articles, key=lambda item: len(item[0])), redirects


def redirect_xml(page_id: int, title: str, target: str) -> bytes:
    return (f"<page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{page_id}</id>\n"
            f"    <redirect title={quoteattr(target)} />\n    <revision>\n"
            f"      <id>{page_id + 1}</id>\n      <timestamp>2026-01-01T00:00:00Z</timestamp>\n"
            f"      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f'      <text bytes="{len(target) + 14}" xml:space="preserve">'
            f"#REDIRECT [[{escape(target)}]]</text>\n    </revision>\n  </page>").encode()


def resolving_redirects(articles) -> list[bytes]:
    """A redirect for every main-namespace link target that is not one of `articles`, pointing at
    one of them by a hash of the target: in a whole dump most links resolve, in a slice of it
    almost none do, and resolved links are what the link joins and tables carry."""
    titles = sorted(article.title for article in articles)
    missing = sorted({link.target for article in articles for link in article.links
                      if ":" not in link.target} - set(titles))
    return [redirect_xml(RESOLVING_REDIRECT_IDS + i, target,
                         titles[hash64(target) % len(titles)])
            for i, target in enumerate(missing)]


def make_input(label: str, articles, copies: int, sample_redirect_copies: int,
               sample_redirects: list[bytes]) -> Input:
    """`copies` copies of `articles` (copy 0 is the original), their resolving redirects, and
    `sample_redirect_copies` renamed copies of the sample's redirects."""
    path = OUT / f"{label}.xml.bz2"
    redirects = resolving_redirects([article for _, article in articles])
    extra = [renamed_page(xml, k) for k in range(1, sample_redirect_copies + 1)
             for xml in sample_redirects]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with bz2.open(f"{path}.partial", "wb") as out:
            out.write(dump_header(str(SAMPLE)))
            for k in range(copies):
                for xml, _ in articles:
                    out.write(b"  " + renamed_page(xml, k) + b"\n")
            for xml in redirects + extra:
                out.write(b"  " + xml + b"\n")
            out.write(DUMP_CLOSE)
        os.replace(f"{path}.partial", path)
    return Input(label, str(path), copies * len(articles), len(redirects) + len(extra),
                 copies * sum(len(xml) for xml, _ in articles))


def bench_inputs() -> tuple[list[Input], Input]:
    """(the four inputs the model is fitted to, the one that checks it: the smallest quarter of
    the sample's articles, about English Wikipedia's average size, which the fit never saw)."""
    articles, redirects = sample_pages()
    small, big = articles[: len(articles) // 2], articles[len(articles) // 2:]
    fitted = [make_input("small-x10", small, 10, 0, redirects),
              make_input("small-x20", small, 20, 0, redirects),
              make_input("big-x10", big, 10, 0, redirects),
              make_input("small-x10+redirects", small, 10, 200, redirects)]
    return fitted, make_input("smallest-x40", articles[: len(articles) // 4], 40, 0, redirects)


# --- CPU: the job as a process on one core -------------------------------------------------------

def cpu_run(inp: Input, stage: str, core: int, runs: int) -> dict:
    """The job on `inp`, `runs` times: the least CPU time (other processes on the machine only
    ever add to it)."""
    out = OUT / "runs" / f"{inp.label}-{stage.replace(' ', '_')}"
    out.parent.mkdir(parents=True, exist_ok=True)
    measured = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        measured.append(measure(job_command(pathlib.Path(inp.path), out, STAGES[stage]), core,
                                out.with_suffix(".log"), timeout_s=1800))
        if measured[-1].returncode:
            raise SystemExit(f"{inp.label} ({stage}) failed, see {out.with_suffix('.log')}")
    run = min(measured, key=lambda m: m.cpu_s)
    articles, pairs = outputs(out)
    links = json.loads((out / "corpus_stats.json").read_text())["links"]
    print(f"  {inp.label:<22} {stage:<15} CPU {run.cpu_s:6.1f} s, wall {run.wall_s:6.1f} s, "
          f"{articles} articles, {pairs} pairs", file=sys.stderr, flush=True)
    return {"input": inp.label, "stage": stage, "cpu_s": run.cpu_s, "wall_s": run.wall_s,
            "articles": articles, "pairs": pairs, "links": links.get("total", 0),
            "links_resolved": links.get("resolved", 0), "peak_rss": run.peak_rss}


# --- shuffle: the bytes entering every GroupByKey ------------------------------------------------

def _add_encoded_size(element, name: str, coder):
    from apache_beam.metrics import Metrics

    Metrics.distribution(SHUFFLE_NAMESPACE, name).update(len(coder.encode(element)))
    return element


@contextlib.contextmanager
def metered_shuffles():
    """While a pipeline is built, a step in front of every GroupByKey adds the encoded size of
    each element it is about to shuffle to a distribution named after the GroupByKey. A combiner
    (CombinePerKey) is metered at its input instead, named '<label> (before combining)': Beam
    combines on each worker before the shuffle, so its input is an upper bound of what it
    shuffles (the inbound samples shrink little, counters to almost nothing)."""
    import apache_beam as beam

    original = beam.Pipeline.apply

    def metered(pipeline, pvalueish, name: str, label: str):
        coder = beam.coders.registry.get_coder(pvalueish.element_type)
        step = beam.Map(_add_encoded_size, name, coder).with_output_types(pvalueish.element_type)
        return original(pipeline, step, pvalueish, f"{label}Bytes")

    def apply(pipeline, transform, pvalueish=None, label=None):
        if label is None:  # Beam calls apply again without the label once it has set it
            parent = pipeline._current_transform()
            name = f"{parent.full_label}/{transform.label}".lstrip("/")
            if isinstance(transform, beam.CombinePerKey):
                pvalueish = metered(pipeline, pvalueish, f"{name} {BEFORE_COMBINING}",
                                    transform.label)
            elif (isinstance(transform, beam.GroupByKey)
                  and not isinstance(parent.transform, beam.CombinePerKey)):
                pvalueish = metered(pipeline, pvalueish, name, transform.label)
        return original(pipeline, transform, pvalueish, label)

    beam.Pipeline.apply = apply
    try:
        yield
    finally:
        beam.Pipeline.apply = original


class _LongestShuffleChain:
    """A pipeline visitor: the GroupByKeys on the path through the graph that crosses the most of
    them (side inputs included). Beam visits a transform after the producers of all its inputs."""

    def __init__(self):
        self.chains = {}  # PCollection -> the GroupByKeys on the longest path that reaches it

    def visit_value(self, value, producer):
        pass

    def enter_composite_transform(self, node):
        pass

    def leave_composite_transform(self, node):
        pass

    def visit_transform(self, node):
        import apache_beam as beam

        inputs = [*node.inputs, *(side.pvalue for side in node.side_inputs)]
        chain = max((self.chains.get(pcoll, []) for pcoll in inputs), key=len, default=[])
        if isinstance(node.transform, beam.GroupByKey):
            chain = [*chain, node.full_label]
        for output in node.outputs.values():
            self.chains[output] = chain

    def longest(self) -> list[str]:
        return max(self.chains.values(), key=len, default=[])


def shuffle_run(inp: Input) -> tuple[dict[str, int], list[str]]:
    """(GroupByKey -> bytes entering it, the GroupByKeys of the job's longest chain of shuffles)
    for the whole job on `inp` (DirectRunner, this process)."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.local_runner import runner_for
    from pipeline.run import build, corpus_config, pairs_config, parse_args

    out = OUT / "shuffle" / inp.label
    shutil.rmtree(out, ignore_errors=True)
    args, _ = parse_args([f"--input={inp.path}", f"--output_dir={out}", *STAGES["dump to shards"]])
    options = PipelineOptions(["--runner=DirectRunner", "--direct_running_mode=in_memory"])
    pipeline = beam.Pipeline(runner=runner_for(options), options=options)
    with metered_shuffles():
        build(pipeline, corpus_config(args), pairs_config(args))
    chain = _LongestShuffleChain()
    pipeline.visit(chain)
    result = pipeline.run()
    result.wait_until_finish()
    found = result.metrics().query(MetricsFilter().with_namespace(SHUFFLE_NAMESPACE))
    sizes = {d.key.metric.name: d.committed.sum for d in found["distributions"]}
    print(f"  {inp.label:<22} shuffled {sum(sizes.values()) / MB:6.1f} MB", file=sys.stderr,
          flush=True)
    return sizes, chain.longest()


# --- the fit and the projection ------------------------------------------------------------------

def fit(inputs: list[Input], values: list[float]) -> list[float]:
    """value = fixed + a * MB + b * articles + c * redirects, least squares over the inputs (four
    inputs: exact). A cost cannot be negative: a coefficient that measurement noise drives below
    zero is set to zero and the others are fitted again without it."""
    import numpy as np

    features = np.array([i.features() for i in inputs])
    kept = list(range(features.shape[1]))
    while True:
        solution = np.linalg.lstsq(features[:, kept], np.array(values), rcond=None)[0]
        coefficients = dict(zip(kept, solution))
        negative = [k for k in kept[1:] if coefficients[k] < 0]
        if not negative:
            return [float(coefficients.get(k, 0.0)) for k in range(features.shape[1])]
        kept.remove(min(negative, key=coefficients.get))


@dataclasses.dataclass(frozen=True)
class English:
    """English Wikipedia's pages-articles dump, approximately (see `english_lines`)."""

    articles: float
    redirects: float
    other_pages: float
    dump_gb: float
    xml_gb: float
    other_page_kb: float
    redirect_kb: float  # measured on the sample's redirect pages

    @property
    def article_xml_gb(self) -> float:
        return self.xml_gb - (self.redirects * self.redirect_kb
                              + self.other_pages * self.other_page_kb) * 1000 / GB

    def article_kb(self) -> float:
        return self.article_xml_gb * GB / 1000 / self.articles

    def features(self) -> list[float]:
        """The fit's variables without the fixed term; other pages counted as redirects (an upper
        bound: they are dropped at parse time and skip the redirect joins)."""
        return [0.0, self.article_xml_gb * GB / MB, self.articles,
                self.redirects + self.other_pages]


def project(coefficients: list[float], english: English) -> float:
    return sum(c * x for c, x in zip(coefficients, english.features()))


# Each metered shuffle is reported under the step of the job it belongs to (its label's first two
# parts, 'Corpus/JoinLinks'), with what it carries where this table says; a step not in it is
# reported by its name alone. Combines are metered at their input, an upper bound of what they
# shuffle: the combines that shrink little are counted (COMBINED_LITTLE), the counters and other
# combines that shrink to one element per key and bundle are not (COUNTERS).
SHUFFLE_STEPS = {
    "Corpus/SpreadReads": "read tasks (file ranges), before reading",
    "Corpus/GroupById": "article heads and redirects by page id (pages that share an id settled)",
    "Corpus/ChaseRedirects": "redirect chase joins (5 rounds; article titles + redirects)",
    "Corpus/JoinLinks": "packed link refs × title index",
    "Corpus/SampleInbound": "inbound samples (combined per bundle first: ≈ its input)",
    "Corpus/JoinArticle": "per article: where its text is staged, outbound ids, inbound sample",
    "Corpus/GroupByTask": "joined link data by read task, to where its table parts are written",
    "WriteCorpus": "Parquet writes of the small tables (redirects, dead letters)",
    "Pairs/JoinSource": "WLP join: requests × linking article's packed passages",
    "Pairs/CollectHeldOut": "held-out text fingerprints (combined per bundle first: ≈ its input)",
    "Pairs/GroupShards": "serialized pairs by shard",
}
COMBINED_LITTLE = ("Corpus/SampleInbound", "Pairs/CollectHeldOut")
COUNTERS = "counters (combined before the shuffle to one element per key and bundle; not counted)"


def shuffle_step(name: str) -> str:
    """'Corpus/ChaseRedirects/Join0/Group' -> 'Corpus/ChaseRedirects'; every write of the
    corpus tables -> 'WriteCorpus'."""
    parts = name.removesuffix(BEFORE_COMBINING).strip().split("/")
    return parts[0] if parts[0] == "WriteCorpus" else "/".join(parts[:2])


def shuffle_group(name: str) -> str:
    step = shuffle_step(name)
    if name.endswith(BEFORE_COMBINING) and step not in COMBINED_LITTLE:
        return COUNTERS
    return f"{step}: {SHUFFLE_STEPS[step]}" if step in SHUFFLE_STEPS else step


def grouped_sizes(sizes: dict[str, int]) -> dict[str, int]:
    groups: dict[str, int] = {}
    for name, size in sizes.items():
        groups[shuffle_group(name)] = groups.get(shuffle_group(name), 0) + size
    return groups


# --- Dataflow: time and money ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Dataflow:
    # The shuffles one after the other on the job's longest path (measured["sequential_shuffles"],
    # read from the job's graph); in batch each is a barrier: the stage after it starts when the
    # stage before it has finished.
    barriers: int
    vcpus: int
    memory_gb: float
    disk_gb: float
    vcpu_speed: float  # work per vCPU-second, in seconds of one core of this machine
    utilization: float
    startup_min: float
    barrier_min: float
    vcpu_price: float
    memory_price: float
    disk_price: float
    shuffle_price: float

    def worker_price(self) -> float:
        """$ per worker-hour."""
        return (self.vcpus * self.vcpu_price + self.memory_gb * self.memory_price
                + self.disk_gb * self.disk_price)

    def vcpu_hours(self, core_s: float) -> float:
        return core_s / 3600 / self.vcpu_speed

    def wall_h(self, core_s: float, workers: int) -> float:
        """Start-up, the barriers of the longest path, and the work spread over all vCPUs."""
        overhead_min = self.startup_min + self.barriers * self.barrier_min
        return overhead_min / 60 + self.vcpu_hours(core_s) / (workers * self.vcpus
                                                              * self.utilization)

    def cost(self, core_s: float, workers: int, shuffle_gb: float) -> tuple[float, float]:
        """($ for the workers, $ for Dataflow Shuffle: the bytes are written and read once)."""
        return (workers * self.wall_h(core_s, workers) * self.worker_price(),
                2 * shuffle_gb * self.shuffle_price)


# --- report --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Projection:
    inputs: list[Input]
    check: Input  # not fitted: predicted, then measured
    runs: dict  # (input label, stage) -> cpu_run's dict
    cpu: list[float]  # the CPU fit's coefficients
    shuffle_bytes: dict[str, dict[str, int]]  # input label -> shuffle group -> bytes
    shuffle_fits: dict[str, list[float]]  # shuffle group -> coefficients
    english: English
    core_s: float  # CPU on English Wikipedia, seconds of one core of this machine
    shuffle_gb: dict[str, float]  # shuffle group -> GB on English Wikipedia
    runs_per_input: int  # the CPU of an input is the least of this many runs

    @property
    def total_shuffle_gb(self) -> float:
        return sum(gb for group, gb in self.shuffle_gb.items() if group != COUNTERS)

    def run(self, label: str, stage: str = "dump to shards") -> dict:
        return self.runs[(label, stage)]


def projection(measured: dict, english_args) -> Projection:
    inputs = [Input(**i) for i in measured["inputs"]]
    runs = {(r["input"], r["stage"]): r for r in measured["cpu"]}
    cpu = fit(inputs, [runs[(i.label, "dump to shards")]["cpu_s"] for i in inputs])
    english = English(*english_args, redirect_kb=measured["redirect_kb"])
    check = Input(**measured["check"])
    groups = {label: grouped_sizes(sizes) for label, sizes in measured["shuffle"].items()}
    every_group = dict.fromkeys(g for sizes in groups.values() for g in sizes)
    groups = {label: {g: sizes.get(g, 0) for g in every_group} for label, sizes in groups.items()}
    shuffle_fits = {group: fit(inputs, [groups[i.label][group] for i in inputs])
                    for group in every_group}
    shuffle_gb = {group: max(0.0, project(c, english)) / GB for group, c in shuffle_fits.items()}
    return Projection(inputs, check, runs, cpu, groups, shuffle_fits, english,
                      project(cpu, english), shuffle_gb, measured.get("runs", 1))


def runs_table(p: Projection) -> list[str]:
    lines = ["| input | articles | redirects | article XML MB | links (resolved) | pairs "
             "| CPU s, dump → shards | CPU s, corpus only |", "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for i in [*p.inputs, p.check]:
        job, corpus = p.run(i.label), p.runs.get((i.label, "corpus only"))
        name = i.label if i is not p.check else f"{i.label} (the check, not fitted)"
        lines.append(f"| {name} | {i.articles:,} | {i.redirects:,} "
                     f"| {i.article_xml_bytes / MB:.1f} "
                     f"| {job['links']:,} ({job['links_resolved'] / max(1, job['links']):.0%}) "
                     f"| {job['pairs']:,} | {job['cpu_s']:.1f} "
                     f"| {'' if corpus is None else format(corpus['cpu_s'], '.1f')} |")
    return lines


def cpu_lines(p: Projection) -> list[str]:
    fixed, per_mb, per_article, per_redirect = p.cpu
    whole = p.run("big-x10")["cpu_s"] - p.run("small-x10")["cpu_s"]
    corpus = p.run("big-x10", "corpus only")["cpu_s"] - p.run("small-x10", "corpus only")["cpu_s"]
    english = p.english
    return ["Fitted to the four inputs (one core of this machine, CPU seconds of the process, "
            f"the least of {p.runs_per_input} runs each):", "",
            f"    CPU s = {fixed:.1f} + {per_mb:.3f} × MB of article XML "
            f"+ {per_article * 1000:.2f} ms × articles "
            f"+ {per_redirect * 1000:.2f} ms × redirects",
            "", f"so an article of English Wikipedia's average {english.article_kb():.1f} KB costs "
            f"{(per_mb * english.article_kb() / 1000 + per_article) * 1000:.1f} ms "
            f"({1 / (per_mb * english.article_kb() / 1000 + per_article):.0f} articles/s per core) "
            f"and one of the sample's 62 KB {(per_mb * 0.062 + per_article) * 1000:.0f} ms. The "
            f"corpus stage takes {corpus / whole:.0%} of the marginal CPU "
            "(big-x10 − small-x10), "
            "the pair stage the rest.", "", check_line(p)]


def check_line(p: Projection) -> str:
    """The fitted models against the input they never saw."""
    check = p.check
    predicted_cpu = sum(c * x for c, x in zip(p.cpu, check.features()))
    measured_cpu = p.run(check.label)["cpu_s"]
    counted = [g for g in p.shuffle_fits if g != COUNTERS]
    predicted_bytes = sum(sum(c * x for c, x in zip(p.shuffle_fits[g], check.features()))
                          for g in counted)
    measured_bytes = sum(p.shuffle_bytes[check.label][g] for g in counted)
    kb = check.article_xml_bytes / check.articles / 1000
    return (f"Check on an input the fit never saw, {check.label}: {check.articles:,} articles of "
            f"{kb:.1f} KB (about English Wikipedia's average): CPU predicted "
            f"{predicted_cpu:.1f} s, measured {measured_cpu:.1f} s "
            f"({measured_cpu / predicted_cpu - 1:+.0%}); shuffle predicted "
            f"{predicted_bytes / MB:.1f} MB, measured {measured_bytes / MB:.1f} MB "
            f"({measured_bytes / predicted_bytes - 1:+.0%}).")


def shuffle_table(p: Projection) -> list[str]:
    per_article = p.run("small-x20")["articles"]
    sizes = p.shuffle_bytes["small-x20"]
    lines = ["| shuffle | bytes per article, small-x20 | English Wikipedia, GB |",
             "|---|--:|--:|"]
    lines += [f"| {group} | {size / per_article:,.0f} | {p.shuffle_gb[group]:,.1f} |"
              for group, size in sizes.items()]
    counted = sum(size for group, size in sizes.items() if group != COUNTERS)
    lines.append(f"| **total** (without counters) | {counted / per_article:,.0f} "
                 f"| **{p.total_shuffle_gb:,.0f}** |")
    return lines


def projection_table(p: Projection, dataflow: Dataflow, machine_name: str, workers: int,
                     worker_counts) -> list[str]:
    vcpu_h = dataflow.vcpu_hours(p.core_s)
    lines = [f"CPU: {p.core_s / 3600:,.1f} core-hours of this machine = {vcpu_h:,.0f} Dataflow "
             f"vCPU-hours at {dataflow.vcpu_speed} of this core's work per vCPU = "
             f"{vcpu_h / dataflow.vcpus:,.1f} {machine_name} worker-hours of work. Wall time = "
             f"{dataflow.startup_min:.0f} min start-up + {dataflow.barriers} shuffles "
             f"one after the other × {dataflow.barrier_min} min + the work over all vCPUs at "
             f"{dataflow.utilization:.0%} utilization.", "",
             f"| {machine_name} workers | wall time | worker-hours billed | workers $ "
             f"| shuffle $ ({p.total_shuffle_gb:,.0f} GB written + read) | total $ |",
             "|--:|--:|--:|--:|--:|--:|"]
    for count in sorted({*worker_counts, workers}):
        wall = dataflow.wall_h(p.core_s, count)
        workers_cost, shuffle_cost = dataflow.cost(p.core_s, count, p.total_shuffle_gb)
        bold = "**" if count == workers else ""
        lines.append(f"| {bold}{count}{bold} | {wall * 60:,.0f} min | {count * wall:,.1f} "
                     f"| {workers_cost:,.2f} | {shuffle_cost:,.2f} "
                     f"| {bold}{workers_cost + shuffle_cost:,.2f}{bold} |")
    return lines


def sensitivity_table(p: Projection, dataflow: Dataflow, workers: int) -> list[str]:
    lines = [f"| vCPU speed (× this core) | vCPU-hours | wall time, {workers} workers "
             "| worker-hours | total $ |", "|--:|--:|--:|--:|--:|"]
    for speed in (0.25, 0.35, 0.5, 0.7, 1.0):
        d = dataclasses.replace(dataflow, vcpu_speed=speed)
        wall = d.wall_h(p.core_s, workers)
        total = sum(d.cost(p.core_s, workers, p.total_shuffle_gb))
        lines.append(f"| {speed} | {d.vcpu_hours(p.core_s):,.0f} | {wall * 60:,.0f} min "
                     f"| {workers * wall:,.1f} | {total:,.2f} |")
    return lines


def report(measured: dict, args) -> str:
    p = projection(measured, (args.articles, args.redirects, args.other_pages, args.dump_gb,
                              args.xml_gb, args.other_page_kb))
    if "sequential_shuffles" not in measured:
        raise SystemExit(f"{OUT / 'measured.json'} predates the longest chain of shuffles: "
                         "measure again (without --reuse)")
    dataflow = Dataflow(len(measured["sequential_shuffles"]), args.vcpus, args.memory_gb,
                        args.disk_gb, args.vcpu_speed, args.utilization, args.startup_min,
                        args.barrier_min, args.vcpu_price, args.memory_price, args.disk_price,
                        args.shuffle_price)
    pairs_per_article = p.run("small-x20")["pairs"] / p.run("small-x20")["articles"]
    sections = [
        [f"Measured on: {measured['machine']}."], runs_table(p), cpu_lines(p),
        ["| English Wikipedia, pages-articles (approximate) | value | where from |",
         "|---|--:|---|", *english_lines(p.english)],
        shuffle_table(p),
        projection_table(p, dataflow, args.machine, args.workers, (8, 16, 32, 64)),
        [f"The {dataflow.barriers} shuffles one after the other (the job's longest chain of "
         "GroupByKeys, side inputs included, read from its graph): "
         + " → ".join(name.removeprefix("Corpus/").removeprefix("Pairs/")
                      for name in measured["sequential_shuffles"])],
        [f"Sensitivity to the least certain input, the work a Dataflow vCPU does per second of "
         f"this machine's core ({args.vcpu_speed} above):", "",
         *sensitivity_table(p, dataflow, args.workers)],
        [f"Pairs: about {p.english.articles * pairs_per_article / 1e6:,.0f}M at the measured "
         f"{pairs_per_article:.1f} per article (fewer in fact: a stub has fewer passages). Prices: "
         f"Dataflow batch in us-central1, list prices as known to the author "
         f"(${args.vcpu_price} per vCPU-hour, ${args.memory_price} per GB-hour, "
         f"${args.disk_price} per GB-hour of standard PD, ${args.shuffle_price} per GB of "
         f"Dataflow Shuffle data processed, counted here written and read, without the volume "
         f"discounts): check the pricing page before quoting."],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def english_lines(english: English) -> list[str]:
    return [
        f"| articles (content pages; our filters also drop disambiguation and list pages) "
        f"| {english.articles / 1e6:.1f}M | Special:Statistics, late 2025 |",
        f"| main-namespace redirects | {english.redirects / 1e6:.0f}M | approximate; counted by "
        f"the job as kept:redirect |",
        f"| pages of other namespaces | {english.other_pages / 1e6:.0f}M | templates, categories, "
        f"files, project pages…: about 24M pages in the dump in all (its multistream index lists "
        f"every title) |",
        f"| pages-articles-multistream.xml.bz2 | {english.dump_gb:.0f} GB "
        f"| dumps.wikimedia.org, 2024–2025 |",
        f"| its XML, uncompressed | {english.xml_gb:.0f} GB | about 4.3× the bz2; approximate "
        f"(`bzcat … \\| wc -c` gives it) |",
        f"| XML of a redirect page / of another page | {english.redirect_kb:.2f} KB / "
        f"{english.other_page_kb:.1f} KB | the sample's redirects / assumed |",
        f"| article XML | {english.article_xml_gb:.0f} GB = {english.article_kb():.1f} KB "
        f"per article | the rest (the sample's articles average 62 KB: the first articles of "
        f"the alphabet are long ones) |",
    ]


# --- main ----------------------------------------------------------------------------------------

def measure_all(core: int, runs: int) -> dict:
    inputs, check = bench_inputs()
    cpu = [cpu_run(i, "dump to shards", core, runs) for i in [*inputs, check]]
    cpu += [cpu_run(i, "corpus only", core, runs) for i in inputs
            if i.label in ("small-x10", "big-x10")]
    shuffle, chains = {}, set()
    for i in [*inputs, check]:
        shuffle[i.label], chain = shuffle_run(i)
        chains.add(tuple(chain))
    if len(chains) != 1:
        raise SystemExit(f"the longest chain of shuffles differs between inputs: {chains}")
    _, redirects = sample_pages()
    return {"machine": machine(), "runs": runs, "inputs": [dataclasses.asdict(i) for i in inputs],
            "check": dataclasses.asdict(check), "cpu": cpu, "shuffle": shuffle,
            "sequential_shuffles": list(chains.pop()),
            "redirect_kb": sum(map(len, redirects)) / len(redirects) / 1000}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--core", type=int, default=min(os.sched_getaffinity(0)))
    parser.add_argument("--runs", type=int, default=2, help="runs per input (least CPU kept)")
    parser.add_argument("--reuse", action="store_true", help="project from the cached measurements")
    english = parser.add_argument_group("English Wikipedia (approximate)")
    english.add_argument("--articles", type=float, default=6.9e6)
    english.add_argument("--redirects", type=float, default=11e6)
    english.add_argument("--other_pages", type=float, default=6e6)
    english.add_argument("--dump_gb", type=float, default=22)
    english.add_argument("--xml_gb", type=float, default=95)
    english.add_argument("--other_page_kb", type=float, default=1.5)
    dataflow = parser.add_argument_group("Dataflow (batch, us-central1 list prices)")
    dataflow.add_argument("--workers", type=int, default=100)
    dataflow.add_argument("--machine", default="n2-standard-4")
    dataflow.add_argument("--vcpus", type=int, default=4)
    dataflow.add_argument("--memory_gb", type=float, default=16)
    dataflow.add_argument("--disk_gb", type=float, default=25,
                          help="boot disk with Dataflow Shuffle")
    dataflow.add_argument("--vcpu_speed", type=float, default=0.5,
                          help="work a Dataflow vCPU (one hyperthread) does per second of this "
                               "machine's core: measure it with one dump part on Dataflow")
    dataflow.add_argument("--utilization", type=float, default=0.8,
                          help="share of worker time spent working (ramp-up, stage barriers, "
                               "stragglers)")
    dataflow.add_argument("--startup_min", type=float, default=5,
                          help="workers starting, the job graph, the SDK installed on them")
    dataflow.add_argument("--barrier_min", type=float, default=0.5,
                          help="minutes each shuffle on the longest path adds, at least")
    dataflow.add_argument("--vcpu_price", type=float, default=0.056, help="$ per vCPU-hour")
    dataflow.add_argument("--memory_price", type=float, default=0.003557, help="$ per GB-hour")
    dataflow.add_argument("--disk_price", type=float, default=0.000054,
                          help="$ per GB-hour of standard persistent disk")
    dataflow.add_argument("--shuffle_price", type=float, default=0.011,
                          help="$ per GB of Dataflow Shuffle data processed (batch)")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    cache = OUT / "measured.json"
    if args.reuse and cache.exists():
        measured = json.loads(cache.read_text())
    else:
        if not VOCAB.exists():
            from pipeline.sample_data import bert_uncased_vocab_path

            bert_uncased_vocab_path()
        measured = measure_all(args.core, args.runs)
        cache.write_text(json.dumps(measured, indent=2))
    print(report(measured, args))


if __name__ == "__main__":
    main()
