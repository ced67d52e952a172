"""How fast, and in how much memory, does our corpus stage turn a dump into a corpus, next to the
tools people already use for that job? And does its memory stay flat as the input grows?

Each contender runs as its own process pinned to ONE core (taskset, thread pools at 1) on the same
.xml.bz2: the real enwiki sample (1x) and the sample with every page repeated `--repeat` times
under new ids and titles (make_big_dump.py). Per run: wall and CPU seconds of the whole process
tree (start-up included; CPU s well below wall s means something else used the core), the articles
the tool wrote (main namespace, no redirects, by its own filters), and peak memory of the tree,
polled from another core every 50 ms: RSS summed as asked, and PSS summed, because summed RSS
counts pages shared by forked workers once per worker. Pages/s and MB/s of uncompressed XML are
the denominators that do not depend on a tool's filters.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/corpus_bench.py [--repeat 10] [--only ours,gensim,...] [--runs 3]
"""
from __future__ import annotations

import argparse
import bz2
import dataclasses
import gzip
import json
import os
import pathlib
import platform
import resource
import select
import shutil
import statistics
import subprocess
import sys
import time
from typing import Callable, Iterator

import psutil

BENCH_DIR = pathlib.Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK = BENCH_DIR / "work"
SAMPLE = ROOT / "data" / "enwiki-sample-pages-articles.xml.bz2"
PYTHON = sys.executable
MB = 10**6
POLL_S = 0.05

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))
from make_big_dump import ensure_big_dump  # noqa: E402


# --- inputs --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Input:
    label: str  # '1x', '10x'
    path: pathlib.Path
    pages: int  # <page> elements, whatever their namespace
    xml_bytes: int  # uncompressed size


def describe_input(label: str, path: pathlib.Path) -> Input:
    """Counts pages and uncompressed bytes in one streaming pass (the common denominators)."""
    pages = xml_bytes = 0
    tail = b""
    with bz2.open(path) as dump:
        for chunk in iter(lambda: dump.read(1 << 20), b""):
            xml_bytes += len(chunk)
            data = tail + chunk
            pages += data.count(b"<page>")
            tail = data[-5:]  # shorter than the marker, so no match is counted twice
    return Input(label, path, pages, xml_bytes)


def bench_inputs(repeat: int) -> list[Input]:
    big = ensure_big_dump(SAMPLE, WORK / f"enwiki-sample-x{repeat}.xml.bz2", repeat)
    return [describe_input("1x", SAMPLE), describe_input(f"{repeat}x", big)]


# --- the in-process contenders (run as `corpus_bench.py --inline NAME INPUT OUT`) ----------------

def main_namespace_texts(path: pathlib.Path) -> Iterator[str]:
    """The wikitext of every main-namespace non-redirect page, by bz2 + ElementTree.iterparse: the
    least any tool must do. Cleared pages are dropped from the root so memory stays flat."""
    from xml.etree import ElementTree

    with bz2.open(path) as dump:
        events = ElementTree.iterparse(dump, events=("start", "end"))
        _, root = next(events)
        prefix = root.tag[: root.tag.find("}") + 1]  # the export schema's namespace, '{...}'
        for event, element in events:
            if event != "end" or element.tag != prefix + "page":
                continue
            if element.findtext(prefix + "ns") == "0" and element.find(prefix + "redirect") is None:
                yield element.findtext(f"{prefix}revision/{prefix}text") or ""
            root.clear()


def inline_floor(path: pathlib.Path) -> int:
    return sum(1 for _ in main_namespace_texts(path))


def inline_mwparserfromhell(path: pathlib.Path) -> int:
    """The parse every mwparserfromhell-based tool starts with, and nothing after it."""
    import mwparserfromhell

    articles = 0
    for text in main_namespace_texts(path):
        mwparserfromhell.parse(text)
        articles += 1
    return articles


def inline_parse_page(path: pathlib.Path) -> int:
    """Our per-page function over the dump in a plain loop, with the corpus stage's own default
    config: what a page costs us without Beam."""
    from pipeline.dump_reader import iter_pages, read_siteinfo
    from pipeline.parse_page import parse_page
    from pipeline.records import Article, RawPage
    from pipeline.run import corpus_config, parse_args

    args, _ = parse_args([f"--input={path}", "--output_dir=unused"])
    config = corpus_config(args).parse
    site = read_siteinfo(str(path))
    return sum(isinstance(parse_page(page, site, config), Article)
               for page in iter_pages(str(path)) if isinstance(page, RawPage))


INLINE: dict[str, Callable[[pathlib.Path], int]] = {
    "floor": inline_floor,
    "parse_page": inline_parse_page,
    "mwparserfromhell": inline_mwparserfromhell,
}
INLINE_COUNT_FILE = "articles.txt"


def run_inline(name: str, path: pathlib.Path, out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / INLINE_COUNT_FILE).write_text(str(INLINE[name](path)))


# --- contenders: the command to run, and how many articles it wrote ------------------------------

@dataclasses.dataclass(frozen=True)
class Contender:
    name: str
    what: str
    command: Callable[[pathlib.Path, pathlib.Path], list[str]]  # (input, out dir) -> argv
    articles: Callable[[pathlib.Path], int]  # out dir -> articles written


def inline_contender(name: str, what: str) -> Contender:
    return Contender(name, what,
                     lambda path, out: [PYTHON, __file__, "--inline", name, str(path), str(out)],
                     lambda out: int((out / INLINE_COUNT_FILE).read_text()))


def ours_command(path: pathlib.Path, out: pathlib.Path) -> list[str]:
    return [PYTHON, "-m", "pipeline.run", f"--input={path}", f"--output_dir={out}",
            "--direct_running_mode=in_memory", *corpus_only_flags()]


def corpus_only_flags() -> list[str]:
    """`--stages=corpus` if pipeline.run has stages after the corpus: only the corpus is timed."""
    from pipeline.run import parse_args

    args, _ = parse_args(["--input=x", "--output_dir=y"])
    return ["--stages=corpus"] if hasattr(args, "stages") else []


def parquet_rows(out: pathlib.Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(f).num_rows for f in (out / "articles").glob("*.parquet"))


def json_lines(out: pathlib.Path) -> int:
    with gzip.open(out / "articles.json.gz") as lines:
        return sum(1 for _ in lines)


def wikiextractor_docs(out: pathlib.Path) -> int:
    return sum(f.read_bytes().count(b"<doc id=") for f in out.rglob("wiki_*"))


CONTENDERS = [
    inline_contender("floor", "bz2 + ElementTree.iterparse, text of each article, nothing else"),
    inline_contender("parse_page", "our parse_page() in a plain loop: no Beam, joins or writing"),
    Contender("ours", "our corpus stage: pipeline.run, DirectRunner in_memory, Parquet out",
              ours_command, parquet_rows),
    Contender("gensim", "gensim segment_wiki -w 1 -i (sections + interlinks, json.gz out)",
              lambda path, out: [PYTHON, "-m", "gensim.scripts.segment_wiki", "-f", str(path),
                                 "-o", str(out / "articles.json.gz"), "-w", "1", "-i"],
              json_lines),
    Contender("wikiextractor", "wikiextractor --links --no-templates --processes 1",
              lambda path, out: [PYTHON, "-m", "wikiextractor.WikiExtractor", str(path), "--links",
                                 "--no-templates", "--processes", "1", "-o", str(out), "-q"],
              wikiextractor_docs),
    inline_contender("mwparserfromhell", "mwparserfromhell.parse(text) of each article, no more"),
]
BY_NAME = {c.name: c for c in CONTENDERS}


# --- running one process on one core and watching its memory -------------------------------------

def single_thread_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env[var] = "1"
    return env


def pinned(argv: list[str], core: int) -> tuple[list[str], Callable[[], None] | None]:
    """The command pinned to `core`: by taskset (children inherit it), else by sched_setaffinity."""
    if shutil.which("taskset"):
        return ["taskset", "-c", str(core), *argv], None
    return argv, lambda: os.sched_setaffinity(0, {core})


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, each summed. Summed RSS counts a page
    shared after fork once per process; PSS shares it out, so it adds up to the tree's real use."""
    rss = pss = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss, pss


def kill_tree(proc: psutil.Popen) -> None:
    for p in [*proc.children(recursive=True), proc]:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


@dataclasses.dataclass(frozen=True)
class Measured:
    wall_s: float
    peak_rss: int
    peak_pss: int
    cpu_s: float  # user + system of the whole tree
    returncode: int
    system_s: float = 0.0  # of cpu_s, the kernel's: mostly zeroing pages the tree touches first
    minor_faults: int = 0  # pages the kernel had to map in for the tree


def children_usage() -> tuple[float, float, int]:
    """(CPU s, of it system s, minor page faults) of every finished descendant this process (or
    they, for theirs) waited for, summed since this process started."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_stime, usage.ru_minflt


def measure(argv: list[str], core: int, log: pathlib.Path, timeout_s: float) -> Measured:
    """Wall time, CPU time and peak process-tree memory of one run; its output goes to `log`."""
    argv, preexec = pinned(argv, core)
    before = children_usage()
    with log.open("wb") as sink:
        start = time.perf_counter()
        proc = psutil.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT,
                            env=single_thread_env(), preexec_fn=preexec)
        exited = os.pidfd_open(proc.pid)  # readable the moment it exits: no poll delay in wall s
        peak_rss = peak_pss = 0
        try:
            while not select.select([exited], [], [], POLL_S)[0]:
                try:
                    rss, pss = tree_memory(proc)
                except psutil.NoSuchProcess:
                    continue
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
                if time.perf_counter() - start > timeout_s:
                    kill_tree(proc)
            wall_s = time.perf_counter() - start
        finally:
            os.close(exited)
        returncode = proc.wait()
    cpu_s, system_s, minor_faults = (b - a for a, b in zip(before, children_usage()))
    return Measured(wall_s, peak_rss, peak_pss, cpu_s, returncode, system_s, minor_faults)


# --- one contender on one input ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Result:
    tool: str
    input: str
    pages: int
    xml_bytes: int
    runs: int
    articles: int | None = None
    wall_s: float | None = None  # median over runs
    cpu_s: float | None = None  # median over runs
    peak_rss: int | None = None  # max over runs
    peak_pss: int | None = None  # max over runs
    error: str | None = None

    def rate(self, amount: float) -> float | None:
        return None if self.wall_s is None or amount is None else amount / self.wall_s


def bench_one(contender: Contender, inp: Input, runs: int, core: int, timeout_s: float) -> Result:
    """`runs` runs of one contender on one input: median wall time, max peak RSS."""
    out = WORK / "out" / f"{contender.name}-{inp.label}"
    base = Result(contender.name, inp.label, inp.pages, inp.xml_bytes, runs)
    measured = []
    for i in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        log = WORK / "logs" / f"{contender.name}-{inp.label}-{i}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        m = measure(contender.command(inp.path, out), core, log, timeout_s)
        print(f"  {contender.name:<16} {inp.label:>4} run {i + 1}/{runs}: {m.wall_s:7.2f} s "
              f"({m.cpu_s:.2f} CPU s), RSS {m.peak_rss / MB:4.0f} MB, "
              f"PSS {m.peak_pss / MB:4.0f} MB, exit {m.returncode}", file=sys.stderr, flush=True)
        if m.returncode != 0:
            return dataclasses.replace(base, error=f"exit {m.returncode}, see {log}")
        measured.append(m)
    try:
        articles = contender.articles(out)
    except (OSError, ValueError) as exc:
        return dataclasses.replace(base, error=f"cannot count its output: {exc}")
    return dataclasses.replace(base, articles=articles,
                               wall_s=statistics.median(m.wall_s for m in measured),
                               cpu_s=statistics.median(m.cpu_s for m in measured),
                               peak_rss=max(m.peak_rss for m in measured),
                               peak_pss=max(m.peak_pss for m in measured))


# --- report --------------------------------------------------------------------------------------

def fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "n/a" if value is None else format(value, spec) + unit


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def main_table(results: list[Result]) -> str:
    """One row per tool and input; the last column is articles/s over gensim's on that input."""
    gensim = {r.input: r.rate(r.articles) for r in results if r.tool == "gensim"}
    lines = ["| tool | input | articles | wall s | CPU s | articles/s | pages/s | input MB/s | "
             "peak RSS MB | peak PSS MB | articles/s vs gensim |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    lines += [main_row(r, gensim.get(r.input)) for r in results]
    return "\n".join(lines)


def main_row(r: Result, gensim_articles_per_s: float | None) -> str:
    if r.error:
        return f"| {r.tool} | {r.input} | FAILED: {r.error} ||||||||||"
    vs_gensim = fmt(ratio(r.rate(r.articles), gensim_articles_per_s), ".2f", "×")
    return (f"| {r.tool} | {r.input} | {r.articles:,} | {r.wall_s:.2f} | {r.cpu_s:.2f} "
            f"| {r.rate(r.articles):,.1f} | {r.rate(r.pages):,.1f} "
            f"| {r.rate(r.xml_bytes / MB):.2f} | {r.peak_rss / MB:,.0f} | {r.peak_pss / MB:,.0f} "
            f"| {vs_gensim} |")


def scaling_table(results: list[Result], small: str, big: str) -> str:
    """Small vs big input per tool: peak memory side by side, and the marginal page rate (extra
    pages over extra seconds), which leaves out start-up and imports."""
    by_key = {(r.tool, r.input): r for r in results if not r.error}
    lines = [f"| tool | wall s {small} | wall s {big} | marginal pages/s | peak RSS MB {small} "
             f"| peak RSS MB {big} | RSS {big} / {small} | peak PSS MB {small} "
             f"| peak PSS MB {big} |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for tool in dict.fromkeys(r.tool for r in results):
        a, b = by_key.get((tool, small)), by_key.get((tool, big))
        if a is None or b is None:
            continue
        marginal = ratio(b.pages - a.pages, b.wall_s - a.wall_s)
        lines.append(f"| {tool} | {a.wall_s:.2f} | {b.wall_s:.2f} | {fmt(marginal, ',.1f')} "
                     f"| {a.peak_rss / MB:,.0f} | {b.peak_rss / MB:,.0f} "
                     f"| {b.peak_rss / a.peak_rss:.2f} | {a.peak_pss / MB:,.0f} "
                     f"| {b.peak_pss / MB:,.0f} |")
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Model name")), "unknown CPU")


def machine() -> str:
    return (f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average before the runs {os.getloadavg()[0]:.2f}")


def contender_lines(contenders: list[Contender]) -> str:
    return "\n".join(f"- {c.name}: {c.what}" for c in contenders)


def input_lines(inputs: list[Input]) -> str:
    return "\n".join(f"- {i.label}: {i.path.relative_to(ROOT)}, {i.pages:,} pages, "
                     f"{i.xml_bytes / MB:.1f} MB XML, {i.path.stat().st_size / MB:.1f} MB bz2"
                     for i in inputs)


# --- main ----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="size of the big input, in samples")
    parser.add_argument("--only", default=",".join(BY_NAME),
                        help=f"comma-separated contenders, from: {', '.join(BY_NAME)}")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs on the 1x input (median wall time); the big input runs once")
    parser.add_argument("--core", type=int, default=min(os.sched_getaffinity(0)),
                        help="the one core every contender runs on")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--inline", nargs=3, metavar=("NAME", "INPUT", "OUT"),
                        help=argparse.SUPPRESS)  # the bench's own child process
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(BY_NAME)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}; known: {', '.join(BY_NAME)}")
    return args


def keep_off_core(core: int) -> None:
    """Moves this process (the RSS poller) off the benchmark core, when there is another one."""
    others = os.sched_getaffinity(0) - {core}
    if others:
        os.sched_setaffinity(0, others)


def main() -> None:
    args = parse_args()
    if args.inline:
        name, path, out = args.inline
        run_inline(name, pathlib.Path(path), pathlib.Path(out))
        return
    keep_off_core(args.core)
    contenders = [BY_NAME[name] for name in args.only.split(",")]
    inputs = bench_inputs(args.repeat)
    header = (f"machine: {machine()}\ninputs:\n{input_lines(inputs)}\n"
              f"contenders:\n{contender_lines(contenders)}")
    print(header, file=sys.stderr, flush=True)
    results = [bench_one(c, inp, args.runs if inp.label == "1x" else 1, args.core, args.timeout)
               for inp in inputs for c in contenders]
    (WORK / "corpus_bench.json").write_text(
        json.dumps([dataclasses.asdict(r) for r in results], indent=2))
    print(f"{header}\n\n{main_table(results)}\n\n"
          f"{scaling_table(results, inputs[0].label, inputs[1].label)}")


if __name__ == "__main__":
    main()
