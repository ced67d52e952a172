"""How close does `wikipairs stats` come to the floor: the fastest plain tf.data reading and
`tf.io.parse_example` of the same shards, doing nothing else? Target: stats at >= 85% of the
floor's records/s, both measured as whole processes (TensorFlow's import included).

Data: the job's real pairs on the sample (`pipeline.run` with the bert-base-uncased vocab, 80/10/10
splits, as `make demo`), each record copied `--copies` times (1,590: about a million pairs) into GZIP
TFRecord shards of at most `--records-per-shard` (125,000: 13 shards, 4 of them train/ict) with a
metadata.json and vocab.txt, as the job lays them out. Each copy gets a new pair id and article ids
shifted by copy * 10^7, so the distinct-article and title bookkeeping of stats works on 150k
articles rather than 96; ids and titles are the real ones. No text features (keep_text off, as
production runs). Built once under bench/work/cli_bench/.

The floors, plain tf.data reading of every file:
- A: TFRecordDataset(files, num_parallel_reads=AUTOTUNE) -> batch -> map(parse_example of the
  whole schema, AUTOTUNE) -> prefetch: records interleaved one by one, then batched.
- B: files interleaved (one per core), records batched across files, then parsed.
- D: files interleaved, each file's records batched and parsed inside its own branch of the
  interleave (parallel), then prefetch: batches per file before parse_example, the fastest plain
  reading found (what stats itself reads with).
- C: D parsing only the 6 features stats needs: the floor of the work stats cannot avoid.
Runs, alternated round by round: each floor as its own process (`--floor X`), and the `wikipairs
stats --json --quiet` process. The floor is the fastest of A, B, C and D, by best and by median
wall, and by median CPU seconds (what a machine shared with other jobs still measures).

    .venv/bin/python bench/cli_bench.py [--copies 1590] [--rounds 3] [--batch-size 1024]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BENCH_DIR = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from corpus_bench import ROOT, WORK, machine  # noqa: E402

sys.path.insert(0, str(ROOT))
from schemas.pairs import (COMPRESSION, METADATA_FILE, TEXT_FEATURES, VOCAB_FILE,  # noqa: E402
                           shard_name)

SAMPLE = ROOT / "data" / "enwiki-sample-pages-articles.xml.bz2"
VOCAB = ROOT / "data" / "bert-base-uncased-vocab.txt"
BENCH_WORK = WORK / "cli_bench"
FLOORS = "ABCD"
ID_STRIDE = 10**7  # article ids of the sample are below this


def sample_pairs() -> pathlib.Path:
    """The job's pairs on the sample (run once)."""
    out = BENCH_WORK / "sample_run"
    pairs = out / "pairs"
    if not (pairs / METADATA_FILE).exists():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pipeline.run", f"--input={SAMPLE}",
                        f"--output_dir={out}", f"--vocab={VOCAB}", "--split_fractions=0.8,0.1,0.1",
                        "--direct_running_mode=in_memory"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return pairs


def _source_records(pairs: pathlib.Path) -> list[tuple[str, str, object]]:
    """(split, task, tf.train.Example) of every record of the job's shards."""
    import tensorflow as tf

    records = []
    for shard in sorted(pairs.glob("*/*.tfrecord.gz")):
        for raw in tf.data.TFRecordDataset(str(shard), COMPRESSION):
            example = tf.train.Example.FromString(raw.numpy())
            for name in TEXT_FEATURES:
                example.features.feature.pop(name, None)
            task = example.features.feature["task"].bytes_list.value[0].decode()
            records.append((shard.parent.name, task, example))
    return records


def _as_copy(example, copy: int) -> bytes:
    features = example.features.feature
    query = features["query_article_id"].int64_list.value[0] % ID_STRIDE + copy * ID_STRIDE
    doc = features["doc_article_id"].int64_list.value[0] % ID_STRIDE + copy * ID_STRIDE
    task, *_, k = features["pair_id"].bytes_list.value[0].decode().split("-")
    features["query_article_id"].int64_list.value[0] = query
    features["doc_article_id"].int64_list.value[0] = doc
    features["pair_id"].bytes_list.value[0] = f"{task}-{query}-{doc}-{k}".encode()
    return example.SerializeToString()


def replicate(source: pathlib.Path, copies: int, records_per_shard: int) -> pathlib.Path:
    """The bench's pairs directory (see the module doc); built once per (copies, shard size)."""
    import tensorflow as tf

    out = BENCH_WORK / f"pairs-x{copies}-{records_per_shard}"
    if (out / METADATA_FILE).exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    metadata = json.loads((source / METADATA_FILE).read_text())
    groups: dict[tuple[str, str], list] = {}
    for split, task, example in _source_records(source):
        groups.setdefault((split, task), []).append(example)
    shards = {split: {task: [] for task in by_task}
              for split, by_task in metadata["counts"].items()}
    shard_files: dict[str, dict] = {}  # what readers check each shard against
    for (split, task), examples in sorted(groups.items()):
        count = math.ceil(len(examples) * copies / records_per_shard)
        names = [f"{split}/{shard_name(task, i, count)}" for i in range(count)]
        (out / split).mkdir(parents=True, exist_ok=True)
        writers = [tf.io.TFRecordWriter(str(out / name), COMPRESSION) for name in names]
        written = [0] * count
        for copy in range(copies):
            for j, example in enumerate(examples):
                shard = (copy * len(examples) + j) % count
                writers[shard].write(_as_copy(example, copy))
                written[shard] += 1
        for writer in writers:
            writer.close()
        shards[split][task] = names
        shard_files.update({name: {"records": n, "bytes": (out / name).stat().st_size}
                            for name, n in zip(names, written)})
        metadata["counts"][split][task] = len(examples) * copies
    for side in metadata["truncated"].values():
        for task in side:
            side[task] *= copies
    metadata.update(shards=shards, shard_files=shard_files, keep_text=False,
                    inputs=[f"{source} x{copies} (cli_bench)"])
    shutil.copy(source / VOCAB_FILE, out / VOCAB_FILE)
    (out / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
    return out


def floor_dataset(files: list[str], batch_size: int, variant: str):
    """The bare read + parse_example, nothing else (the module doc says how each reads)."""
    import tensorflow as tf

    from wikipairs.cli.read import READ_BUFFER_BYTES, ReadConfig
    from schemas.pairs import feature_spec

    spec = feature_spec()
    if variant == "C":
        from wikipairs.cli.stats import STATS_FEATURES

        spec = {name: spec[name] for name in STATS_FEATURES}
    parse = (lambda serialized: tf.io.parse_example(serialized, spec))
    cycle = ReadConfig().cycle_length(len(files))
    if variant in ("C", "D"):
        return tf.data.Dataset.from_tensor_slices(files).interleave(
            lambda f: tf.data.TFRecordDataset(f, COMPRESSION, READ_BUFFER_BYTES)
            .batch(batch_size).map(parse),
            cycle_length=cycle, num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=False).prefetch(tf.data.AUTOTUNE)
    if variant == "A":
        records = tf.data.TFRecordDataset(files, COMPRESSION, READ_BUFFER_BYTES,
                                          num_parallel_reads=tf.data.AUTOTUNE)
    else:
        records = tf.data.Dataset.from_tensor_slices(files).interleave(
            lambda f: tf.data.TFRecordDataset(f, COMPRESSION, READ_BUFFER_BYTES),
            cycle_length=cycle, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    return records.batch(batch_size).map(parse, num_parallel_calls=tf.data.AUTOTUNE,
                                         deterministic=False).prefetch(tf.data.AUTOTUNE)


def read_floor(files: list[str], batch_size: int, variant: str) -> int:
    """Records read (the sum of each batch's size, so that nothing is optimised away)."""
    import tensorflow as tf

    return sum(int(tf.shape(batch["task"])[0]) for batch in
               floor_dataset(files, batch_size, variant))


def floor_process(pairs: pathlib.Path, batch_size: int, variant: str) -> list[str]:
    return [sys.executable, __file__, "--floor", variant, "--pairs", str(pairs),
            f"--batch-size={batch_size}"]


def stats_process(pairs: pathlib.Path, batch_size: int) -> list[str]:
    return [sys.executable, "-m", "wikipairs.cli", "stats", str(pairs), "--json", "--quiet",
            f"--batch_size={batch_size}"]


def timed_process(command: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, its stdout)."""
    before = os.times()
    wall = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return wall, cpu, done.stdout


@dataclasses.dataclass
class Runs:
    name: str
    walls: list[float] = dataclasses.field(default_factory=list)
    cpus: list[float] = dataclasses.field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1590)
    parser.add_argument("--records-per-shard", type=int, default=125_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--floor", choices="ABCD", help=argparse.SUPPRESS)  # one floor's process
    parser.add_argument("--pairs", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        files = sorted(str(p) for p in args.pairs.glob("*/*.tfrecord.gz"))
        print(read_floor(files, args.batch_size, args.floor))
        return
    print(machine())
    pairs = replicate(sample_pairs(), args.copies, args.records_per_shard)
    metadata = json.loads((pairs / METADATA_FILE).read_text())
    records = sum(n for by_task in metadata["counts"].values() for n in by_task.values())
    files = sorted(str(p) for p in pairs.glob("*/*.tfrecord.gz"))
    size = sum(os.path.getsize(f) for f in files)
    print(f"data: {pairs}: {records:,} pairs in {len(files)} shards, {size / 1e6:,.0f} MB")
    runs = {name: Runs(name) for name in ("floor A", "floor B", "floor D", "floor C", "stats")}
    # The floor is the fastest plain reading of whatever the shards hold that stats reads: C reads
    # only stats' features, so a stats that parses less than D cannot beat its floor by that.
    for round_number in range(args.rounds):
        for name, run in runs.items():
            command = (stats_process(pairs, args.batch_size) if name == "stats"
                       else floor_process(pairs, args.batch_size, name[-1]))
            wall, cpu, out = timed_process(command)
            if name == "stats":
                assert json.loads(out)["records"] == records
            else:
                assert int(out) == records, out
            run.add(wall, cpu)
        floor_s = min(runs[f"floor {v}"].walls[-1] for v in FLOORS)
        floor_cpu = min(runs[f"floor {v}"].cpus[-1] for v in FLOORS)
        print(f"round {round_number + 1}: " + ", ".join(
            f"{r.name} {r.walls[-1]:.2f} s ({r.cpus[-1]:.1f} CPU s)" for r in runs.values())
            + f"; stats at {floor_s / runs['stats'].walls[-1]:.0%} of the floor "
            f"({floor_cpu / runs['stats'].cpus[-1]:.0%} by CPU s); load average "
            f"{os.getloadavg()[0]:.2f}", flush=True)
    # Both ways: the floor's best round against stats' best, and median against median (tf.data's
    # parallelism on 2 cores makes single rounds bimodal).
    best_floor = min((runs[f"floor {v}"] for v in FLOORS), key=lambda r: min(r.walls))
    median_floor = min((runs[f"floor {v}"] for v in FLOORS),
                       key=lambda r: statistics.median(r.walls))
    # And by CPU seconds, what a machine shared with other jobs still measures: on 2 busy cores
    # a round's wall doubles whenever another process takes one, its CPU seconds barely move.
    cpu_floor = min((runs[f"floor {v}"] for v in FLOORS), key=lambda r: statistics.median(r.cpus))
    rows = [f"whole processes, {args.rounds} rounds; the floor: {best_floor.name} by best wall, "
            f"{median_floor.name} by median wall, {cpu_floor.name} by median CPU",
            "| process | best wall s | vs floor (best) | median wall s | vs floor (median) "
            "| median CPU s | vs floor (CPU) |", "|---|--:|--:|--:|--:|--:|--:|"]
    for run in runs.values():
        best, median = min(run.walls), statistics.median(run.walls)
        cpu = statistics.median(run.cpus)
        rows.append(f"| {run.name} | {best:.2f} | {min(best_floor.walls) / best:.0%} "
                    f"| {median:.2f} | {statistics.median(median_floor.walls) / median:.0%} "
                    f"| {cpu:.1f} | {statistics.median(cpu_floor.cpus) / cpu:.0%} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
