"""How close does `wikipairs stats` come to the floor: reading the same shards with tf.data and
`tf.io.parse_example` and doing nothing else? Target: stats at >= 70% of the floor's records/s.

Data: the job's real pairs on the sample (`pipeline.run` with the bert-base-uncased vocab, 80/10/10
splits, as `make demo`), each record copied `--copies` times (1,590: 1,000,110 pairs) into GZIP
TFRecord shards of at most `--records-per-shard` (125,000: 13 shards, 4 of them train/ict) with a
metadata.json and vocab.txt, as the job lays them out. Each copy gets a new pair id and article ids
shifted by copy * 10^7, so the distinct-article and title bookkeeping of stats works on 150k
articles rather than 96; ids and titles are the real ones. No text features (keep_text off, as
production runs). Built once under bench/work/cli_bench/.

Runs, alternated round by round, in this process:
- floor A: TFRecordDataset(files, num_parallel_reads=AUTOTUNE) -> batch -> map(parse_example of
  the whole schema, AUTOTUNE) -> prefetch; iterate, nothing else.
- floor B: the same with the CLI's reading (interleave over files, one per core).
- floor C: floor B parsing only the 6 features stats needs (stats skips pair_id, query_title and
  schema_version): the floor of the work stats cannot avoid. Not part of "the floor"; shown so
  that the gain from parsing less is visible.
- stats: wikipairs.cli.stats.compute_stats, the whole command minus printing (progress bar off).
The floor (the issue's: read + parse_example of the records) is the faster of A and B. Then
once: the `wikipairs stats` process end to end.

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
    for (split, task), examples in sorted(groups.items()):
        count = math.ceil(len(examples) * copies / records_per_shard)
        names = [f"{split}/{shard_name(task, i, count)}" for i in range(count)]
        (out / split).mkdir(parents=True, exist_ok=True)
        writers = [tf.io.TFRecordWriter(str(out / name), COMPRESSION) for name in names]
        for copy in range(copies):
            for j, example in enumerate(examples):
                writers[(copy * len(examples) + j) % count].write(_as_copy(example, copy))
        for writer in writers:
            writer.close()
        shards[split][task] = names
        metadata["counts"][split][task] = len(examples) * copies
    for side in metadata["truncated"].values():
        for task in side:
            side[task] *= copies
    metadata.update(shards=shards, keep_text=False, inputs=[f"{source} x{copies} (cli_bench)"])
    shutil.copy(source / VOCAB_FILE, out / VOCAB_FILE)
    (out / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
    return out


def floor_dataset(files: list[str], batch_size: int, variant: str):
    """The bare read + parse_example, nothing else."""
    import tensorflow as tf

    from wikipairs.cli.read import READ_BUFFER_BYTES, ReadConfig
    from schemas.pairs import feature_spec

    spec = feature_spec()
    if variant == "C":
        from wikipairs.cli.stats import STATS_FEATURES

        spec = {name: spec[name] for name in STATS_FEATURES}
    if variant == "A":
        records = tf.data.TFRecordDataset(files, COMPRESSION, READ_BUFFER_BYTES,
                                          num_parallel_reads=tf.data.AUTOTUNE)
    else:
        records = tf.data.Dataset.from_tensor_slices(files).interleave(
            lambda f: tf.data.TFRecordDataset(f, COMPRESSION, READ_BUFFER_BYTES),
            cycle_length=ReadConfig().cycle_length(len(files)),
            num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    return records.batch(batch_size).map(
        lambda serialized: tf.io.parse_example(serialized, spec),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=False).prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float  # all threads of this process: less disturbed by other jobs on the machine


def timed(run) -> tuple[Timing, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), result


def read_floor(files: list[str], batch_size: int, variant: str) -> None:
    for _ in floor_dataset(files, batch_size, variant):
        pass


def run_stats(pairs: pathlib.Path, batch_size: int) -> dict:
    from wikipairs.cli.shards import load_tokenizer, resolve
    from wikipairs.cli.stats import StatsConfig, compute_stats

    shard_set = resolve(str(pairs))
    tokenizer = load_tokenizer(shard_set)
    metadata = shard_set.metadata
    return compute_stats(shard_set, StatsConfig(batch_size, progress=False), tokenizer.unk_id,
                         {"query": metadata.max_query_len, "doc": metadata.max_doc_len})


def run_cli(pairs: pathlib.Path, batch_size: int) -> None:
    subprocess.run([sys.executable, "-m", "cli", "stats", str(pairs), "--json", "--quiet",
                    f"--batch-size={batch_size}"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


@dataclasses.dataclass
class Runs:
    name: str
    timings: list[Timing] = dataclasses.field(default_factory=list)

    def best(self) -> Timing:
        return min(self.timings, key=lambda t: t.wall_s)

    def median_wall_s(self) -> float:
        return statistics.median(t.wall_s for t in self.timings)

    def min_cpu_s(self) -> float:
        return min(t.cpu_s for t in self.timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1590)
    parser.add_argument("--records-per-shard", type=int, default=125_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()
    print(machine())
    pairs = replicate(sample_pairs(), args.copies, args.records_per_shard)
    metadata = json.loads((pairs / METADATA_FILE).read_text())
    records = sum(n for by_task in metadata["counts"].values() for n in by_task.values())
    files = sorted(str(p) for p in pairs.glob("*/*.tfrecord.gz"))
    size = sum(os.path.getsize(f) for f in files)
    print(f"data: {pairs}: {records:,} pairs in {len(files)} shards, {size / 1e6:,.0f} MB")
    floor_a, floor_b, floor_c, stats = (Runs("floor A"), Runs("floor B"),
                                        Runs("floor C (B parsing only the 6 features stats uses)"),
                                        Runs("stats"))
    for round_number in range(args.rounds):
        for runs, run in ((floor_a, lambda: read_floor(files, args.batch_size, "A")),
                          (floor_b, lambda: read_floor(files, args.batch_size, "B")),
                          (floor_c, lambda: read_floor(files, args.batch_size, "C")),
                          (stats, lambda: run_stats(pairs, args.batch_size))):
            timing, result = timed(run)
            runs.timings.append(timing)
        assert result["records"] == records, result["records"]
        floor_s = min(floor_a.timings[-1].wall_s, floor_b.timings[-1].wall_s)
        print(f"round {round_number + 1}: " + ", ".join(
            f"{r.name} {r.timings[-1].wall_s:.2f} s ({r.timings[-1].cpu_s:.1f} CPU s)"
            for r in (floor_a, floor_b, floor_c, stats))
            + f"; stats at {floor_s / stats.timings[-1].wall_s:.0%} of the floor", flush=True)
    cli_timing, _ = timed(lambda: run_cli(pairs, args.batch_size))
    floor_rate = records / min(floor_a.best().wall_s, floor_b.best().wall_s)
    floor_cpu_rate = records / min(floor_a.min_cpu_s(), floor_b.min_cpu_s())
    rows = ["| run | best wall s | median wall s | records/s (best) | vs floor | least CPU s "
            "| records per CPU s | vs floor |", "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for runs in (floor_a, floor_b, floor_c, stats):
        rate, cpu_rate = records / runs.best().wall_s, records / runs.min_cpu_s()
        rows.append(f"| {runs.name} | {runs.best().wall_s:.2f} | {runs.median_wall_s():.2f} "
                    f"| {rate:,.0f} | {rate / floor_rate:.0%} | {runs.min_cpu_s():.1f} "
                    f"| {cpu_rate:,.0f} | {cpu_rate / floor_cpu_rate:.0%} |")
    cli_rate = records / cli_timing.wall_s
    rows.append(f"| `wikipairs stats --json` process, once (TensorFlow import included) "
                f"| {cli_timing.wall_s:.2f} | | {cli_rate:,.0f} | {cli_rate / floor_rate:.0%} "
                "| | | |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
