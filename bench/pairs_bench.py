"""End-to-end rate of the whole job, dump to pair shards, on one core.

Runs `python -m pipeline.run` (DirectRunner, one process) on the sample (1x) and on the sample
repeated (10x) twice: the corpus stage alone, and the whole job with the bert-base-uncased vocab.
Prints articles/s, pairs/s and peak RSS; the difference between the two rows is what the pair
stage (tokenizing, packing, sampling, joins, TFRecord writing) costs.

    .venv/bin/python bench/pairs_bench.py [--repeat 10] [--core 0]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import ROOT, WORK, bench_inputs, machine, measure  # noqa: E402

VOCAB = ROOT / "data" / "bert-base-uncased-vocab.txt"
STAGES = {"corpus only": ["--stages=corpus"],
          "dump to shards": [f"--vocab={VOCAB}", "--split_fractions=0.98,0.01,0.01"]}


def job_command(path: pathlib.Path, out: pathlib.Path, flags: list[str]) -> list[str]:
    return [sys.executable, "-m", "pipeline.run", f"--input={path}", f"--output_dir={out}",
            "--direct_running_mode=in_memory", *flags]


def outputs(out: pathlib.Path) -> tuple[int, int]:
    """(articles kept, pairs written) of a finished run, from its own stats files."""
    stats = json.loads((out / "corpus_stats.json").read_text())
    metadata = out / "pairs" / "metadata.json"
    pairs = 0
    if metadata.exists():
        counts = json.loads(metadata.read_text())["counts"]
        pairs = sum(n for by_task in counts.values() for n in by_task.values())
    return stats["buckets"].get("kept:article", 0), pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--core", type=int, default=0)
    args = parser.parse_args()
    print(machine())
    rows = ["| run | input | articles | pairs | wall s | CPU s | articles/s | pairs/s "
            "| peak RSS MB |", "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for inp in bench_inputs(args.repeat):
        for name, flags in STAGES.items():
            out = WORK / "pairs_bench" / f"{inp.label}-{name.replace(' ', '_')}"
            shutil.rmtree(out, ignore_errors=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            run = measure(job_command(inp.path, out, flags), args.core, out.with_suffix(".log"),
                          timeout_s=1800)
            if run.returncode:
                rows.append(f"| {name} | {inp.label} | failed (see {out.with_suffix('.log')}) |")
                continue
            articles, pairs = outputs(out)
            rows.append(f"| {name} | {inp.label} | {articles:,} | {pairs:,} | {run.wall_s:.1f} "
                        f"| {run.cpu_s:.1f} | {articles / run.wall_s:.1f} "
                        f"| {pairs / run.wall_s:.1f} | {run.peak_rss / 2**20:,.0f} |")
            print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
