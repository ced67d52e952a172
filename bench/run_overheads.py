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
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import PYTHON, ROOT, WORK, ours_command, pinned, single_thread_env  # noqa: E402


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


def run_child(args: list[str], core: int) -> tuple[dict, dict]:
    """(the child's result, its own wall/CPU/system/faults) of this script run with `args`."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        argv, preexec = pinned([PYTHON, __file__, "--child", result.name, *args], core)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, cwd=ROOT, env=single_thread_env(), preexec_fn=preexec,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        usage = {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime)
                 - (before.ru_utime + before.ru_stime),
                 "system_s": after.ru_stime - before.ru_stime,
                 "minor_faults": after.ru_minflt - before.ru_minflt}
        return json.load(result), usage


def child(result_path: str, argv: list[str]) -> None:
    """In the measured process: pipeline.run with `argv`; the result as JSON."""
    pathlib.Path(result_path).write_text(json.dumps(job_child(argv)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", default=str(WORK / "enwiki-sample-x10.xml.bz2"))
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not pathlib.Path(args.input).exists():
        sys.exit(f"{args.input}: no such dump (bench/make_big_dump.py makes the 10x sample)")

    jobs = []
    out_dir = WORK / "out" / "run-overheads"
    for round_number in range(args.rounds):
        shutil.rmtree(out_dir, ignore_errors=True)
        job_argv = ours_command(pathlib.Path(args.input), out_dir)[3:]  # after `python -m x`
        jobs.append(run_child(job_argv, args.core))
        print(f"  round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    def med(values):
        return statistics.median(values)

    print(f"core {args.core}, {args.rounds} rounds, medians; input {args.input}\n")
    print("| corpus stage | value |\n|---|--:|")
    rows = [("wall s", med(u["wall_s"] for _, u in jobs)),
            ("CPU s", med(u["cpu_s"] for _, u in jobs)),
            ("of it system s", med(u["system_s"] for _, u in jobs)),
            ("minor page faults", med(u["minor_faults"] for _, u in jobs)),
            ("bundles", med(r["bundles"] for r, _ in jobs)),
            ("wall s waiting at bundle ends", med(r["bundle_end_wait_s"] for r, _ in jobs))]
    for name, value in rows:
        print(f"| {name} | {value:,.2f} |" if isinstance(value, float) else f"| {name} | {value:,} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
