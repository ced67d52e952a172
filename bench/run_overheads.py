"""What a pinned corpus-stage run pays outside its own Python code, which a Python profile
(py-spy, cProfile) does not show and goal 1's seconds include: the kernel's time (system CPU s,
and the minor page faults behind most of it), and the wall time Beam spends at each bundle's end
waiting for its state-sampling thread, which sleeps up to 200 ms between samples and is joined
when the bundle finishes (timed around `StateSampler.stop` in the run itself).

    python bench/run_overheads.py [--input DUMP] [--core 1] [--rounds 3]

The run is the one goal 1 times (`corpus_bench.ours_command`), pinned to `--core`.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import runpy
import shutil
import statistics
import sys
import tempfile
import time

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import PYTHON, WORK, measure, ours_command  # noqa: E402


def job_child(argv: list[str]) -> dict:
    """pipeline.run with `argv`, every bundle's `StateSampler.stop` timed: the waits' total."""
    from apache_beam.runners.worker import statesampler

    waits = []
    stop = statesampler.StateSampler.stop

    def timed_stop(self):
        start = time.perf_counter()
        stop(self)
        waits.append(time.perf_counter() - start)

    statesampler.StateSampler.stop = timed_stop
    sys.argv = ["pipeline.run", *argv]
    try:
        runpy.run_module("pipeline.run", run_name="__main__")
    except SystemExit as exit_:
        if exit_.code:
            raise
    return {"bundle_end_wait_s": sum(waits), "bundles": len(waits)}


def run_child(args: list[str], core: int, log: pathlib.Path, timeout_s: float):
    """(the child's result, its `Measured`: wall, CPU, system s, faults) of this script run with
    `args`, pinned as goal 1 pins its runs."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        measured = measure([PYTHON, __file__, "--child", result.name, *args], core, log, timeout_s)
        if measured.returncode != 0:
            sys.exit(f"the corpus stage exited {measured.returncode}: see {log}")
        return json.load(result), measured


def child(result_path: str, argv: list[str]) -> None:
    """In the measured process: pipeline.run with `argv`; the result as JSON."""
    pathlib.Path(result_path).write_text(json.dumps(job_child(argv)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", default=str(WORK / "enwiki-sample-x10.xml.bz2"))
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = parser.parse_args()
    if not pathlib.Path(args.input).exists():
        sys.exit(f"{args.input}: no such dump (bench/make_big_dump.py makes the 10x sample)")

    jobs = []
    out_dir = WORK / "out" / "run-overheads"
    for round_number in range(args.rounds):
        shutil.rmtree(out_dir, ignore_errors=True)
        job_argv = ours_command(pathlib.Path(args.input), out_dir)[3:]  # after `python -m x`
        log = WORK / "logs" / f"run-overheads-{round_number}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        jobs.append(run_child(job_argv, args.core, log, args.timeout))
        print(f"  round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    def med(values):
        return statistics.median(values)

    print(f"core {args.core}, {args.rounds} rounds, medians; input {args.input}\n")
    print("| corpus stage | value |\n|---|--:|")
    rows = [("wall s", med(m.wall_s for _, m in jobs)),
            ("CPU s", med(m.cpu_s for _, m in jobs)),
            ("of it system s", med(m.system_s for _, m in jobs)),
            ("minor page faults", med(m.minor_faults for _, m in jobs)),
            ("bundles", med(r["bundles"] for r, _ in jobs)),
            ("wall s waiting at bundle ends", med(r["bundle_end_wait_s"] for r, _ in jobs))]
    for name, value in rows:
        print(f"| {name} | {value:,.2f} |" if isinstance(value, float) else f"| {name} | {value:,} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
