"""Issue 16's goals, measured in one command: every ratio the issue sets, ours against its peer,
with the numbers, the target and whether it is met; then the per-run detail.

1. corpus: the corpus stage (`pipeline.run --stages=corpus --direct_running_mode=in_memory`)
   against `wikiextractor --links --no-templates --processes 1`, articles per second per core
   on the 10x sample (each tool's articles by its own filters): >= 1.2x.
2. whole: the whole job (dump -> pair shards, `--vocab` bert-base-uncased, in_memory) against
   the corpus stage, articles/s on the 10x sample: >= 0.8x.
3. memory: peak RSS of the process tree at 10x <= 1.2x that at 1x, for the corpus stage and for
   the whole job, in the configuration docs/pipeline.md gives for local runs (in_memory);
   measured at every size of --repeats and drawn as bench/results/memory_curve.png (+ .json).
4. stats: `wikipairs stats` at >= 85% of the fastest plain tf.data reading of the same shards,
   as bench/cli_bench.py measures it (its own process, its own rounds; median wall s).

Goals 1-3 run each command as its own process tree pinned to one core (corpus_bench.measure:
wall s, CPU s of the tree, peak RSS/PSS polled from another core); each command-and-input runs
--runs times, the commands alternated round by round (the first of a round rotates) so that load
on the machine hits all of them alike; the tables give medians. The rates of goals 1 and 2 are
per CPU s when the machine was shared (some run got less than 90% of its wall time on its core)
and per wall s otherwise (--rate_on picks either); both are printed.

Goals 1 and 2 also run at 1x, and a second table splits every command's seconds into a fixed
cost and a cost per copy of the sample (bench/cost_fit.py): the ratio each added article gets
(the marginal ratio, which the fixed cost of imports and graph hides at 10x) and the input size
from which the goal's ratio would reach its target. The verdict stays the 10x ratio.

    python bench/goals.py [--only corpus,whole,memory,stats] [--runs 3] [--core 1]
                          [--repeat 10] [--repeats 1,10,30] [--rate_on auto|cpu|wall]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import (BY_NAME, PYTHON, ROOT, WORK, Contender, Measured,  # noqa: E402
                          describe_input, keep_off_core, machine, measure)
from cost_fit import LinearCost, copies_to_reach, marginal_ratio, rate_ratio  # noqa: E402
from memory_bench import dump_for  # noqa: E402
from pairs_bench import STAGES, job_command, outputs  # noqa: E402

GOALS = ("corpus", "whole", "memory", "stats")
OUT = WORK / "goals"
RESULTS = BENCH_DIR / "results"
CLI_BENCH = BENCH_DIR / "cli_bench.py"
MB = 10**6
SHARED_CORE = 0.9  # a run with CPU s below this share of its wall s waited for its core
UNITS = {"cpu": "CPU s", "wall": "wall s"}  # what a rate of goals 1 and 2 divides by

CORPUS = BY_NAME["ours"]
WIKIEXTRACTOR = BY_NAME["wikiextractor"]
WHOLE = Contender("whole", "the whole job: pipeline.run dump -> pair shards, --vocab "
                  "bert-base-uncased, DirectRunner in_memory",
                  lambda path, out: job_command(path, out, STAGES["dump to shards"]),
                  lambda out: outputs(out)[0])
LABELS = {CORPUS.name: "corpus stage", WHOLE.name: "whole job", WIKIEXTRACTOR.name: "wikiextractor"}


# --- runs: every command on every input it is needed on, alternated round by round ---------------

@dataclasses.dataclass(frozen=True)
class Run:
    command: str  # a contender's name
    copies: int
    round: int
    measured: Measured
    articles: int | None
    log: str


def needed(goals: list[str], repeat: int, repeats: list[int]) -> list[tuple[Contender, int]]:
    """(command, copies of the sample) for every run the goals need, each once."""
    jobs = []
    # Goals 1 and 2 at 1x too: two sizes split each time into a fixed cost and a cost per copy.
    if "corpus" in goals:
        jobs += [(CORPUS, repeat), (WIKIEXTRACTOR, repeat), (CORPUS, 1), (WIKIEXTRACTOR, 1)]
    if "whole" in goals:
        jobs += [(WHOLE, repeat), (CORPUS, repeat), (WHOLE, 1), (CORPUS, 1)]
    if "memory" in goals:
        jobs += [(command, copies) for copies in repeats for command in (CORPUS, WHOLE)]
    return list({(c.name, copies): (c, copies) for c, copies in jobs}.values())


def run_once(command: Contender, copies: int, round_number: int, core: int,
             timeout_s: float) -> Run:
    label = f"{command.name}-x{copies}"
    out, log = OUT / "out" / label, OUT / "logs" / f"{label}-{round_number}.log"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    m = measure(command.command(dump_for(copies), out), core, log, timeout_s)
    articles = None
    if m.returncode == 0:
        try:
            articles = command.articles(out)
        except (OSError, ValueError, KeyError) as exc:
            print(f"  {label}: cannot count its articles: {exc}", file=sys.stderr)
    print(f"  round {round_number + 1} {LABELS[command.name]:<14} {copies:>3}x: {m.wall_s:7.2f} s "
          f"({m.cpu_s:.2f} CPU s), RSS {m.peak_rss / MB:5.0f} MB, {articles} articles, "
          f"exit {m.returncode}", file=sys.stderr, flush=True)
    return Run(command.name, copies, round_number, m, articles, str(log))


def run_rounds(jobs: list[tuple[Contender, int]], runs: int, core: int,
               timeout_s: float) -> list[Run]:
    done = []
    for round_number in range(runs):
        first = round_number % len(jobs)
        for command, copies in jobs[first:] + jobs[:first]:
            done.append(run_once(command, copies, round_number, core, timeout_s))
    return done


@dataclasses.dataclass(frozen=True)
class Summary:
    """The medians of one command's runs on one input (None where a run failed)."""
    command: str
    copies: int
    xml_bytes: int
    runs: list[Run]

    @property
    def ok(self) -> bool:
        return all(r.measured.returncode == 0 and r.articles is not None for r in self.runs)

    def median(self, field: str) -> float | None:
        return statistics.median(getattr(r.measured, field) for r in self.runs) if self.ok else None

    @property
    def articles(self) -> int | None:
        return self.runs[0].articles if self.ok else None

    def rate(self, basis: str) -> float | None:
        seconds = self.median("cpu_s" if basis == "cpu" else "wall_s")
        return None if seconds is None else self.articles / seconds

    def shared(self) -> bool:
        return any(r.measured.cpu_s < SHARED_CORE * r.measured.wall_s for r in self.runs)

    def failure(self) -> str:
        bad = next(r for r in self.runs if r.measured.returncode or r.articles is None)
        return (f"{LABELS[self.command]} {self.copies}x failed (exit "
                f"{bad.measured.returncode}), see {bad.log}")


def summarize(runs: list[Run], xml_bytes: dict[int, int]) -> dict[tuple[str, int], Summary]:
    keys = dict.fromkeys((r.command, r.copies) for r in runs)
    return {(c, k): Summary(c, k, xml_bytes[k],
                            [r for r in runs if (r.command, r.copies) == (c, k)])
            for c, k in keys}


# --- the goals -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Goal:
    goal: str
    measured: str
    ratio: float | None
    target: str
    met: bool | None
    percent: bool = False  # the ratio printed as a share (the targets say so)

    def row(self) -> str:
        ratio = "n/a" if self.ratio is None else (f"{self.ratio:.0%}" if self.percent
                                                  else f"{self.ratio:.2f}×")
        met = "n/a" if self.met is None else ("yes" if self.met else "**no**")
        return f"| {self.goal} | {self.measured} | {ratio} | {self.target} | {met} |"


def rate_basis(rate_on: str, *summaries: Summary) -> tuple[str, str]:
    """('cpu' | 'wall', why): CPU s when some run waited for its core, unless --rate_on says."""
    if rate_on != "auto":
        return rate_on, "--rate_on"
    if any(s.shared() for s in summaries):
        return "cpu", f"the core was shared: some run had CPU s < {SHARED_CORE:.0%} of wall s"
    return "wall", f"every run had its core: CPU s >= {SHARED_CORE:.0%} of wall s"


def rate_text(s: Summary) -> str:
    return (f"{LABELS[s.command]} {s.articles:,} articles in {s.median('cpu_s'):.2f} CPU s / "
            f"{s.median('wall_s'):.2f} wall s = {s.rate('cpu'):,.1f} per CPU s, "
            f"{s.rate('wall'):,.1f} per wall s")


def rate_goal(name: str, ours: Summary, peer: Summary, target: float, rate_on: str) -> Goal:
    target_text = f"≥ {target}×"
    if not (ours.ok and peer.ok):
        return Goal(name, "; ".join(s.failure() for s in (ours, peer) if not s.ok), None,
                    target_text, None)
    basis, why = rate_basis(rate_on, ours, peer)
    other = "wall" if basis == "cpu" else "cpu"
    ratio = ours.rate(basis) / peer.rate(basis)
    # Each tool counts the articles it writes; ours skips disambiguation pages and lists that
    # the peer writes, so the time for the same input is given too (not the verdict).
    field = f"{basis}_s"
    same_input = ("; for the same input (time alone): "
                  f"{peer.median(field) / ours.median(field):.2f}×"
                  if ours.articles != peer.articles else "")
    return Goal(f"{name}: articles per {UNITS[basis]}",
                f"{rate_text(ours)} vs {rate_text(peer)}; per {UNITS[other]} "
                f"{ours.rate(other) / peer.rate(other):.2f}×{same_input}; the ratio is per "
                f"{UNITS[basis]}: {why}", ratio, target_text, ratio >= target)


def memory_goal(command: Contender, summaries: dict, repeat: int, repeats: list[int],
                target: float) -> Goal:
    name = f"3. bounded memory, {LABELS[command.name]}: peak RSS {repeat}x / 1x (in_memory)"
    curve = [summaries[(command.name, k)] for k in repeats]
    failed = [s.failure() for s in curve if not s.ok]
    if failed:
        return Goal(name, "; ".join(failed), None, f"≤ {target}×", None)
    rss = {s.copies: s.median("peak_rss") for s in curve}
    ratio = rss[repeat] / rss[1]
    points = " → ".join(f"{k}x {rss[k] / MB:,.0f} MB" for k in repeats)
    return Goal(name, f"{points} (median peak RSS of the process tree; input "
                      f"{curve[0].xml_bytes / MB:.1f} → {curve[-1].xml_bytes / MB:.1f} MB XML)",
                ratio, f"≤ {target}×", ratio <= target)


def linear_cost(summaries: dict, command: str, repeat: int, basis: str) -> LinearCost | None:
    small, large = summaries.get((command, 1)), summaries.get((command, repeat))
    if not (small and large and small.ok and large.ok):
        return None
    field = f"{basis}_s"
    return LinearCost.fit((1, small.median(field), small.articles),
                          (repeat, large.median(field), large.articles))


def fixed_cost_table(pairs: list[tuple[str, str, str, float]], summaries: dict, repeat: int,
                     basis: str) -> str:
    """What each rate goal's ratio is made of: every command's seconds split into a fixed cost and
    a cost per copy of the sample (from its 1x and `repeat`x medians), the ratio that fixed cost
    hides (each added article's), and the input from which the ratio reaches its target. Not
    the goals' verdict: they are set at `repeat`x."""
    unit = UNITS[basis]
    lines = [f"| goal | ours: fixed {unit} + per copy | peer: fixed + per copy | ratio at "
             f"{repeat}x (fit) | marginal ratio | reaches the target from |",
             "|---|--:|--:|--:|--:|--:|"]
    for name, ours_name, peer_name, target in pairs:
        ours, peer = (linear_cost(summaries, c, repeat, basis) for c in (ours_name, peer_name))
        if ours is None or peer is None:
            lines.append(f"| {name} | a run failed |||||")
            continue
        n = copies_to_reach(ours, peer, target)
        reach = "never" if n == float("inf") else f"{n:.0f}x the sample"
        lines.append(f"| {name} (≥ {target}×) | {ours.fixed_s:.2f} + {ours.per_copy_s:.2f} n "
                     f"| {peer.fixed_s:.2f} + {peer.per_copy_s:.2f} n "
                     f"| {rate_ratio(ours, peer, repeat):.2f}× | {marginal_ratio(ours, peer):.2f}× "
                     f"| {reach} |")
    return "\n".join(lines)


# --- stats: bench/cli_bench.py as its own process ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class StatsResult:
    goal: Goal
    output: str  # cli_bench's stdout


def markdown_rows(text: str, first_column: str) -> dict[str, dict[str, str]]:
    """The table of `text` whose header starts with `first_column`: row name -> column -> cell."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header, cells))
    return rows


def stats_goal_from(output: str, target: float) -> Goal:
    """The goal row from cli_bench's summary table (it has no machine-readable output): stats'
    median wall s against the fastest floor's median wall s, the best rounds beside them."""
    rows = markdown_rows(output, "process")
    floors = {name: row for name, row in rows.items() if name.startswith("floor")}
    stats = rows["stats"]

    def fastest(column: str) -> tuple[str, float]:
        name = min(floors, key=lambda n: float(floors[n][column]))
        return name, float(floors[name][column])

    median_floor, median_floor_s = fastest("median wall s")
    best_floor, best_floor_s = fastest("best wall s")
    stats_median, stats_best = float(stats["median wall s"]), float(stats["best wall s"])
    ratio = median_floor_s / stats_median
    return Goal("4. `wikipairs stats` vs the fastest plain tf.data reading, records/s "
                "(median wall s of whole processes)",
                f"stats {stats_median:.2f} s vs {median_floor} {median_floor_s:.2f} s (median); "
                f"best rounds: stats {stats_best:.2f} s vs {best_floor} {best_floor_s:.2f} s "
                f"= {best_floor_s / stats_best:.0%}", ratio, f"≥ {target:.0%}", ratio >= target,
                percent=True)


def run_stats(rounds: int, copies: int | None, cores: set[int], target: float) -> StatsResult:
    """cli_bench.py with its own rounds, on every core this bench may use (it reads in parallel)."""
    argv = [PYTHON, str(CLI_BENCH), f"--rounds={rounds}"]
    if copies is not None:
        argv.append(f"--copies={copies}")
    print(f"  stats: {' '.join(argv[1:])} ...", file=sys.stderr, flush=True)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=lambda: os.sched_setaffinity(0, cores))
    log = OUT / "logs" / "cli_bench.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout + done.stderr)
    name = "4. `wikipairs stats` vs the fastest plain tf.data reading"
    if done.returncode:
        return StatsResult(Goal(name, f"cli_bench.py failed (exit {done.returncode}), see {log}",
                                None, f"≥ {target:.0%}", None, percent=True), done.stdout)
    try:
        return StatsResult(stats_goal_from(done.stdout, target), done.stdout)
    except (StopIteration, KeyError, ValueError) as exc:
        return StatsResult(Goal(name, f"cannot read cli_bench.py's table ({exc!r}), see {log}",
                                None, f"≥ {target:.0%}", None, percent=True), done.stdout)


# --- the memory curve ----------------------------------------------------------------------------

def curve_points(summaries: dict, repeats: list[int]) -> list[dict]:
    points = []
    for command in (CORPUS, WHOLE):
        for copies in repeats:
            s = summaries[(command.name, copies)]
            points.append({"command": LABELS[command.name], "copies": copies,
                           "xml_mb": round(s.xml_bytes / MB, 1), "ok": s.ok,
                           "articles": s.articles,
                           "peak_rss_mb": s.ok and round(s.median("peak_rss") / MB),
                           "peak_pss_mb": s.ok and round(s.median("peak_pss") / MB),
                           "cpu_s": s.ok and round(s.median("cpu_s"), 2),
                           "wall_s": s.ok and round(s.median("wall_s"), 2),
                           "runs": len(s.runs)})
    return points


def write_curve(points: list[dict], header: dict, results: pathlib.Path) -> list[pathlib.Path]:
    """memory_curve.json and memory_curve.png: peak RSS and CPU s against MB of input XML."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results.mkdir(parents=True, exist_ok=True)
    json_path, png_path = results / "memory_curve.json", results / "memory_curve.png"
    json_path.write_text(json.dumps({**header, "points": points}, indent=2) + "\n")
    fig, (rss_ax, cpu_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for command in dict.fromkeys(p["command"] for p in points):
        ok = [p for p in points if p["command"] == command and p["ok"]]
        xs = [p["xml_mb"] for p in ok]
        line, = rss_ax.plot(xs, [p["peak_rss_mb"] for p in ok], marker="o", label=command)
        cpu_ax.plot(xs, [p["cpu_s"] for p in ok], marker="o", label=command)
        if ok and ok[0]["copies"] == 1:
            rss_ax.axhline(ok[0]["peak_rss_mb"] * 1.2, color=line.get_color(), linestyle=":",
                           linewidth=1, label=f"{command}: goal, 1.2× its 1x")
        for p in ok:
            rss_ax.annotate(f"{p['copies']}x", (p["xml_mb"], p["peak_rss_mb"]),
                            textcoords="offset points", xytext=(4, 4), fontsize=8)
    rss_ax.set(title="peak RSS of the process tree", xlabel="input, MB of XML (sample copies)",
               ylabel="MB", ylim=(0, None))
    cpu_ax.set(title="CPU s (user + system, one core)", xlabel="input, MB of XML",
               ylabel="s", ylim=(0, None))
    for ax, where in ((rss_ax, "center right"), (cpu_ax, "upper left")):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc=where)
    fig.suptitle(f"pipeline.run --direct_running_mode=in_memory, median of {header['runs']} "
                 f"run(s) at {header['commit'][:10]}", fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return [json_path, png_path]


# --- report --------------------------------------------------------------------------------------

def runs_table(runs: list[Run]) -> str:
    lines = ["| command | input | round | wall s | CPU s | of it system s | minor faults | CPU / wall "
             "| peak RSS MB | peak PSS MB | articles | exit |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in sorted(runs, key=lambda r: (r.command, r.copies, r.round)):
        m = r.measured
        lines.append(f"| {LABELS[r.command]} | {r.copies}x | {r.round + 1} | {m.wall_s:.2f} "
                     f"| {m.cpu_s:.2f} | {m.system_s:.2f} | {m.minor_faults:,} "
                     f"| {m.cpu_s / m.wall_s:.0%} | {m.peak_rss / MB:,.0f} "
                     f"| {m.peak_pss / MB:,.0f} "
                     f"| {r.articles if r.articles is not None else '—'} "
                     f"| {m.returncode} |")
    return "\n".join(lines)


def medians_table(summaries: dict) -> str:
    lines = ["| command | input | MB of XML | articles | wall s | CPU s | of it system s "
             "| articles per wall s | articles per CPU s | peak RSS MB | peak PSS MB |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for s in sorted(summaries.values(), key=lambda s: (s.command, s.copies)):
        if not s.ok:
            lines.append(f"| {LABELS[s.command]} | {s.copies}x | {s.xml_bytes / MB:.1f} "
                         f"| {s.failure()} ||||||||")
            continue
        lines.append(f"| {LABELS[s.command]} | {s.copies}x | {s.xml_bytes / MB:.1f} "
                     f"| {s.articles:,} | {s.median('wall_s'):.2f} | {s.median('cpu_s'):.2f} "
                     f"| {s.median('system_s'):.2f} | {s.rate('wall'):,.1f} | {s.rate('cpu'):,.1f} "
                     f"| {s.median('peak_rss') / MB:,.0f} | {s.median('peak_pss') / MB:,.0f} |")
    return "\n".join(lines)


def commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


# --- main ----------------------------------------------------------------------------------------

def copies_list(text: str) -> list[int]:
    try:
        values = sorted({int(v) for v in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}")
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"copies must be at least 1: {text!r}")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(GOALS),
                        help=f"comma-separated goals, from: {', '.join(GOALS)}")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each command on each input (and cli_bench rounds)")
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)),
                        help="the one core every pinned command runs on")
    parser.add_argument("--repeat", type=int, default=10,
                        help="copies of the sample for goals 1 and 2, and memory's big point")
    parser.add_argument("--repeats", type=copies_list, default=[1, 10, 30],
                        help="copies of the sample the memory curve is measured at (1 and "
                             "--repeat are always added)")
    parser.add_argument("--rate_on", choices=("auto", "cpu", "wall"), default="auto",
                        help="seconds the rates of goals 1 and 2 divide by (auto: CPU s when the "
                             "core was shared, else wall s)")
    parser.add_argument("--stats_copies", type=int,
                        help="cli_bench.py --copies (default: its own)")
    parser.add_argument("--results_dir", type=pathlib.Path, default=RESULTS,
                        help="where memory_curve.png and .json go")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = parser.parse_args(argv)
    goals = args.only.split(",")
    unknown = set(goals) - set(GOALS)
    if unknown:
        parser.error(f"unknown goals {sorted(unknown)}; known: {', '.join(GOALS)}")
    if args.runs < 1 or args.repeat < 2:
        parser.error("--runs must be at least 1 and --repeat at least 2")
    if args.core not in os.sched_getaffinity(0):
        parser.error(f"--core {args.core} is not one this process may run on")
    args.goals = [g for g in GOALS if g in goals]
    args.repeats = sorted({1, args.repeat, *args.repeats})
    return args


def main() -> None:
    args = parse_args()
    cores = os.sched_getaffinity(0)
    header = {"machine": machine(), "commit": commit(), "runs": args.runs, "core": args.core}
    print(f"machine: {header['machine']}\ncode: {header['commit']}", file=sys.stderr, flush=True)
    keep_off_core(args.core)
    jobs = needed(args.goals, args.repeat, args.repeats)
    xml_bytes = {copies: describe_input(f"{copies}x", dump_for(copies)).xml_bytes
                 for copies in sorted({copies for _, copies in jobs})}
    runs = run_rounds(jobs, args.runs, args.core, args.timeout) if jobs else []
    summaries = summarize(runs, xml_bytes)
    goals: list[Goal] = []
    if "corpus" in args.goals:
        goals.append(rate_goal(f"1. corpus stage vs wikiextractor, {args.repeat}x",
                               summaries[(CORPUS.name, args.repeat)],
                               summaries[(WIKIEXTRACTOR.name, args.repeat)], 1.2, args.rate_on))
    if "whole" in args.goals:
        goals.append(rate_goal(f"2. whole job vs corpus stage, {args.repeat}x",
                               summaries[(WHOLE.name, args.repeat)],
                               summaries[(CORPUS.name, args.repeat)], 0.8, args.rate_on))
    written = []
    if "memory" in args.goals:
        goals += [memory_goal(c, summaries, args.repeat, args.repeats, 1.2)
                  for c in (CORPUS, WHOLE)]
        written = write_curve(curve_points(summaries, args.repeats), header, args.results_dir)
    stats = run_stats(args.runs, args.stats_copies, cores, 0.85) if "stats" in args.goals else None
    if stats:
        goals.append(stats.goal)

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "goals.json").write_text(json.dumps(
        {**header, "goals": [dataclasses.asdict(g) for g in goals],
         "runs_detail": [{**dataclasses.asdict(r), "command": LABELS[r.command]} for r in runs]},
        indent=2) + "\n")
    pinned = (f"; pinned commands on core {args.core}, {args.runs} run(s) each, alternated "
              "round by round" if runs else "")
    sections = [f"machine: {header['machine']}; code: {header['commit']}{pinned}",
                "| goal | measured: ours vs peer | ratio | target | met |\n|---|---|--:|--:|:-:|\n"
                + "\n".join(g.row() for g in goals)]
    fits = []
    if "corpus" in args.goals:
        fits.append(("1. corpus stage vs wikiextractor", CORPUS.name, WIKIEXTRACTOR.name, 1.2))
    if "whole" in args.goals:
        fits.append(("2. whole job vs corpus stage", WHOLE.name, CORPUS.name, 0.8))
    if fits:
        fitted = [summaries[(c, k)] for _, *names, _ in fits for c in names
                  for k in (1, args.repeat)]
        basis, _ = rate_basis(args.rate_on, *fitted)
        sections.append(f"What the ratios are made of (n copies of the sample, {UNITS[basis]}, "
                        f"from the 1x and {args.repeat}x medians):\n\n"
                        + fixed_cost_table(fits, summaries, args.repeat, basis))
    if runs:
        sections += ["Medians per command and input:\n\n" + medians_table(summaries),
                     "Every run:\n\n" + runs_table(runs)]
    if written:
        sections.append("Memory curve: " + ", ".join(str(p) for p in written))
    if stats:
        sections.append("bench/cli_bench.py's own output:\n\n" + stats.output.strip())
    print("\n\n".join(sections))


if __name__ == "__main__":
    main()
