"""The pair stage alone, from an earlier run's corpus tables, on one pinned core: CPU seconds
(user+sys, the reliable number on a shared machine), wall seconds and peak RSS, median of N runs,
and the sha256 of every file the stage wrote under pairs/ (the oracle of a change meant to be
faster without changing a single output byte: compare the digests before and after).

    .venv/bin/python bench/pair_stage_bench.py --corpus_dir DIR [--vocab V | --vocab_size 2000]
        [--runs 3] [--core 1] [--profile FILE]

Run the corpus stage once first: `python -m pipeline.run --input=DUMP --output_dir=DIR
--stages=corpus`. `--profile` runs once under cProfile instead and prints the top functions.
"""
from __future__ import annotations

import argparse
import hashlib
import pathlib
import shutil
import statistics
import sys

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import WORK, measure  # noqa: E402


def pairs_digests(out: pathlib.Path) -> dict[str, str]:
    pairs = out / "pairs"
    return {str(p.relative_to(pairs)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pairs.rglob("*")) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus_dir", required=True)
    parser.add_argument("--vocab")
    parser.add_argument("--vocab_size", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--out", default=str(WORK / "pair_stage_bench"))
    parser.add_argument("--profile", help="one run under cProfile, stats written here")
    args = parser.parse_args()
    vocab = [f"--vocab={args.vocab}"] if args.vocab else [f"--vocab_size={args.vocab_size}"]
    out = pathlib.Path(args.out)
    command = [sys.executable, *(["-m", "cProfile", "-o", args.profile] if args.profile else []),
               "-m", "pipeline.run", f"--corpus_dir={args.corpus_dir}", f"--output_dir={out}",
               "--stages=pairs", "--direct_running_mode=in_memory", *vocab]
    runs = []
    for _ in range(1 if args.profile else args.runs):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        run = measure(command, args.core, out.with_suffix(".log"), timeout_s=1800)
        if run.returncode:
            raise SystemExit(f"failed, see {out.with_suffix('.log')}")
        runs.append(run)
        print(f"run: CPU {run.cpu_s:.1f} s, wall {run.wall_s:.1f} s, "
              f"peak RSS {run.peak_rss / 2**20:,.0f} MB", flush=True)
    digests = pairs_digests(out)
    print(f"median CPU {statistics.median(r.cpu_s for r in runs):.1f} s, "
          f"wall {statistics.median(r.wall_s for r in runs):.1f} s, "
          f"peak RSS {max(r.peak_rss for r in runs) / 2**20:,.0f} MB")
    print(f"{len(digests)} files under pairs/, sha256 of their digests: "
          f"{hashlib.sha256(repr(sorted(digests.items())).encode()).hexdigest()}")
    for name, digest in digests.items():
        print(f"  {digest[:16]}  {name}")
    if args.profile:
        import pstats

        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
