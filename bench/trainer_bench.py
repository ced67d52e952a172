"""Training examples/s of the `tiny` and `base` configs on CPU, and of the tf.data input pipeline
alone (parse, pad, mix, batch): the input must outrun the step it feeds (target: 10x `tiny`).

    .venv/bin/python bench/trainer_bench.py [--pairs_dir=out/demo/pairs] [--steps 30]

Without --pairs_dir the pair stage runs on the sample first (learned 2,000-token vocab, 16 ICT and
8 BFS pairs per article). `base` runs at a small batch (--base_batch, 8): on CPU it shows the cost
of a BERT-base step, not the paper's throughput.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def sample_pairs(out: pathlib.Path) -> pathlib.Path:
    from pipeline.sampling import PairConfig
    from pipeline.sample_data import sample_path
    from tests.pairs_run import run_job

    return run_job([str(sample_path())], out, None, vocab_size=2000,
                   pair_config=PairConfig(ict_per_article=16, bfs_per_article=8))["dir"]


def input_rate(shards, config, batches: int) -> float:
    """Examples/s of train_dataset alone, after its first batch (buffers filled)."""
    from trainer.data import train_dataset

    dataset = train_dataset(shards, config.data, config.model, config.train.global_batch_size)
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * config.train.global_batch_size / (time.perf_counter() - start)


def training_rate(shards, config, steps: int) -> float:
    """Examples/s of the training loop (one device), after a first call that compiles it."""
    import tensorflow as tf

    from trainer.data import train_dataset
    from trainer.model import build_model
    from trainer.train_lib import make_optimizer, make_replica_step, make_train_loop

    strategy = tf.distribute.get_strategy()
    batch = config.train.global_batch_size
    model = build_model(config.model)
    loop = make_train_loop(strategy, make_replica_step(model, make_optimizer(config.train),
                                                       config, batch), batch)
    iterator = iter(train_dataset(shards, config.data, config.model, batch))
    float(loop(iterator, tf.constant(1))[0])
    start = time.perf_counter()
    float(loop(iterator, tf.constant(steps))[0])
    return steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs_dir")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--base_steps", type=int, default=3)
    parser.add_argument("--base_batch", type=int, default=8)
    args = parser.parse_args()

    import trainer  # noqa: F401
    from trainer.config import resolve
    from trainer.data import find_shards, read_metadata

    pairs_dir = pathlib.Path(args.pairs_dir) if args.pairs_dir else sample_pairs(
        pathlib.Path(tempfile.mkdtemp(prefix="trainer_bench_")))
    shards = find_shards(str(pairs_dir / "train"))
    vocab_size = read_metadata(str(pairs_dir)).vocab_size
    tiny = resolve("tiny", model={"vocab_size": vocab_size})
    base = resolve("base", model={"vocab_size": max(vocab_size, 30522)},
                   train={"global_batch_size": args.base_batch})
    rows = [("tf.data input (batch 32)", input_rate(shards, tiny, args.steps * 10)),
            ("tiny training step (batch 32)", training_rate(shards, tiny, args.steps)),
            (f"base training step (batch {args.base_batch})",
             training_rate(shards, base, args.base_steps))]
    print(f"{'what':<34}{'examples/s':>12}")
    for name, rate in rows:
        print(f"{name:<34}{rate:>12,.1f}")
    print(f"input / tiny step: {rows[0][1] / rows[1][1]:.0f}x")


if __name__ == "__main__":
    main()
