"""How many CPU seconds does `parse_page` cost per page, and does a faster version give the same
records? The oracle that every speed-up of the per-page work is checked against.

    python bench/parse_bench.py record  [--input DUMP] [--oracle PICKLE]   # today's records
    python bench/parse_bench.py compare [--input DUMP] [--oracle PICKLE]   # equal record for record?
    python bench/parse_bench.py time    [--input DUMP] [--runs 3]          # CPU s, median of runs
    python bench/parse_bench.py profile [--input DUMP]                     # cProfile, top functions

The pages are read into memory first, so `time` measures `parse_page` alone (with the corpus
stage's default config), not bz2 or the reader. Run it pinned to one core: `taskset -c 1`.
Records hold no timing field, so "the same corpus" is plain equality of the records.

`record` with the code before a change, `compare` after it. For a baseline time, run this
script from an export of the older commit (`git archive COMMIT | tar -x -C DIR`, with `data/`
linked), alternating with the current code: the machine's load moves CPU seconds too.
"""
from __future__ import annotations

import argparse
import cProfile
import pathlib
import pickle
import pstats
import statistics
import sys
import time

BENCH_DIR = pathlib.Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK = BENCH_DIR / "work"
SAMPLE = ROOT / "data" / "enwiki-sample-pages-articles.xml.bz2"
sys.path.insert(0, str(ROOT))


def load(path: pathlib.Path):
    """(site, parse config, the dump's RawPages), as the corpus stage's defaults set them."""
    from pipeline.dump_reader import iter_pages, read_siteinfo
    from pipeline.records import RawPage
    from pipeline.run import corpus_config, parse_args

    args, _ = parse_args([f"--input={path}", "--output_dir=unused"])
    pages = [page for page in iter_pages(str(path)) if isinstance(page, RawPage)]
    return read_siteinfo(str(path)), corpus_config(args).parse, pages


def parse_all(site, config, pages) -> list:
    from pipeline.parse_page import parse_page

    return [parse_page(page, site, config) for page in pages]


def count_articles(site, config, pages) -> int:
    """`parse_page` over the pages, keeping only the count, as `corpus_bench.py --inline
    parse_page` does: holding every record would make each garbage collection longer."""
    from pipeline.parse_page import parse_page
    from pipeline.records import Article

    return sum(isinstance(parse_page(page, site, config), Article) for page in pages)


def default_oracle(path: pathlib.Path) -> pathlib.Path:
    return WORK / f"parse_oracle-{path.name.split('.')[0]}.pickle"


def compare(expected: list, actual: list) -> list[str]:
    """One line per record that differs (by position, with its title)."""
    if len(expected) != len(actual):
        return [f"{len(expected)} records expected, {len(actual)} given"]
    problems = []
    for i, (old, new) in enumerate(zip(expected, actual)):
        if old != new:
            problems.append(f"record {i} ({getattr(old, 'title', '?')!r}) differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("record", "compare", "time", "profile"))
    parser.add_argument("--input", type=pathlib.Path, default=SAMPLE)
    parser.add_argument("--oracle", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    oracle = args.oracle or default_oracle(args.input)
    site, config, pages = load(args.input)
    if args.mode == "record":
        oracle.parent.mkdir(parents=True, exist_ok=True)
        oracle.write_bytes(pickle.dumps(parse_all(site, config, pages)))
        print(f"{len(pages)} records -> {oracle}")
    elif args.mode == "compare":
        problems = compare(pickle.loads(oracle.read_bytes()), parse_all(site, config, pages))
        print("\n".join(problems[:20]) or f"all {len(pages)} records equal to {oracle}")
        return 1 if problems else 0
    elif args.mode == "time":
        from pipeline import titles

        seconds = []
        for _ in range(args.runs):
            if hasattr(titles, "title_parser"):  # (absent from the code before issue 16)
                titles.title_parser.cache_clear()  # each run starts cold, as a worker does
            start = time.process_time()
            count_articles(site, config, pages)
            seconds.append(time.process_time() - start)
        print(f"{len(pages)} pages: CPU s per run {[round(s, 2) for s in seconds]}, "
              f"median {statistics.median(seconds):.2f}")
    else:
        profiler = cProfile.Profile()
        profiler.runcall(parse_all, site, config, pages)
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
