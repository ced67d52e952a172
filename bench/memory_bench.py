"""Does the corpus stage's memory stay flat as the input grows, and what does it cost in CPU?

Runs `pipeline.run --stages=corpus` pinned to one core on the sample repeated 1x, 10x, 30x
(make_big_dump.py), in each DirectRunner mode asked for, and prints per run: CPU s (user+sys of
the whole process tree: the reliable number on a shared machine), wall s, peak RSS and PSS of the
process tree (corpus_bench.measure), and a digest of the tables (corpus_digest.py), so that runs
of two versions of the code can be checked to write the same rows.

    python bench/memory_bench.py [--repeats 1,10,30] [--modes in_memory,multi_processing]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import PYTHON, SAMPLE, WORK, measure  # noqa: E402
from corpus_digest import corpus_digest  # noqa: E402
from make_big_dump import ensure_big_dump  # noqa: E402

MB = 10**6


def dump_for(repeat: int) -> pathlib.Path:
    if repeat == 1:
        return SAMPLE
    return ensure_big_dump(SAMPLE, WORK / f"enwiki-sample-x{repeat}.xml.bz2", repeat)


def corpus_command(dump: pathlib.Path, out: pathlib.Path, mode: str) -> list[str]:
    return [PYTHON, "-m", "pipeline.run", f"--input={dump}", f"--output_dir={out}",
            "--stages=corpus", f"--direct_running_mode={mode}", "--direct_num_workers=1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", default="1,10,30")
    parser.add_argument("--modes", default="in_memory,multi_processing")
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--timeout_s", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the output dirs under bench/work")
    args = parser.parse_args()
    for mode in args.modes.split(","):
        for repeat in (int(r) for r in args.repeats.split(",")):
            out = WORK / f"memory-{mode}-x{repeat}"
            shutil.rmtree(out, ignore_errors=True)
            log = WORK / f"memory-{mode}-x{repeat}.log"
            m = measure(corpus_command(dump_for(repeat), out, mode), args.core, log, args.timeout_s)
            digest = corpus_digest(str(out)) if m.returncode == 0 else {}
            print(json.dumps({"mode": mode, "repeat": repeat, "returncode": m.returncode,
                              "cpu_s": round(m.cpu_s, 1), "wall_s": round(m.wall_s, 1),
                              "peak_rss_mb": round(m.peak_rss / MB), "peak_pss_mb": round(m.peak_pss / MB),
                              "digest": {k: v for k, v in digest.items() if k != "stats"},
                              "stats_links": digest.get("stats", {}).get("links")}), flush=True)
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
