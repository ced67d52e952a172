"""`python -m trainer.task`: train the two towers on pair shards, checkpointing to --model_dir and
resuming from its last checkpoint automatically; evaluate on --eval_data; export SavedModels.

    python -m trainer.task --config=tiny --train_data=out/demo/pairs/train \\
        --eval_data=out/demo/pairs/valid --model_dir=out/model [--config_file=F] \\
        [--set train.steps=500 ...] [--strategy=one_device|mirrored|multi_worker_mirrored|tpu]
"""
from __future__ import annotations

import argparse
import json
import posixpath
import sys
import time

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.config import PRESETS, ExperimentConfig, resolve, to_yaml
from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE, EVAL_FILE, METADATA_COPY, VOCAB_COPY

STRATEGIES = ("one_device", "mirrored", "multi_worker_mirrored", "tpu")


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """The flags every training command shares (trainer.task, trainer.mlm): config and data,
    model_dir, strategy."""
    parser.add_argument("--config", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--config_file", help="YAML overrides of the preset")
    parser.add_argument("--set", dest="assignments", action="append", default=[],
                        metavar="KEY=VALUE", help="override one field, e.g. train.steps=500")
    parser.add_argument("--train_data", help="the pipeline's pairs/train dir or a shard glob")
    parser.add_argument("--model_dir", required=True, help="checkpoints, summaries, exports")
    parser.add_argument("--strategy", default="one_device", choices=STRATEGIES)
    parser.add_argument("--tpu", default="", help="TPU address, or 'local' on a TPU VM")
    parser.add_argument("--num_gpus", type=int, default=None, help="default: all visible")


def prepare_run(args: argparse.Namespace) -> ExperimentConfig:
    """Launch checks, the resolved config, precision policy and seed: what every training
    command does before it builds a model."""
    from trainer.launch_checks import check_launch

    check_launch(args)
    config = resolve_config(args)
    import tf_keras

    tf_keras.mixed_precision.set_global_policy(
        precision_policy(config.train.mixed_precision, args.strategy))
    tf_keras.utils.set_random_seed(config.train.seed)  # initial weights
    return config


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trainer.task", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_flags(parser)
    parser.add_argument("--eval_data", help="pairs/valid (or test): recall@k during/after training")
    parser.add_argument("--init_checkpoint", help="start from a checkpoint, a pre-training "
                        "run's model_dir (its latest checkpoint; its model config becomes the "
                        "default), or hf:DIR, a Hugging Face BERT-family folder (config.json, "
                        "model.safetensors, vocab.txt): its architecture becomes the model "
                        "config and both encoders start from its weights")
    parser.add_argument("--no_export", dest="export", action="store_false")
    return parser.parse_args(argv)


def resolve_config(args: argparse.Namespace) -> ExperimentConfig:
    data = {k: v for k, v in (("train_data", args.train_data), ("eval_data", args.eval_data)) if v}
    inherit, direct = {}, {"data": data}
    if args.init_checkpoint:
        from trainer.warm_start import resolve_warm_start

        try:
            inherit = {"model": resolve_warm_start(args.init_checkpoint).model_overrides}
        except (FileNotFoundError, ValueError) as error:
            raise SystemExit(str(error)) from None
        direct["train"] = {"init_checkpoint": args.init_checkpoint}
    config = resolve(args.config, args.config_file, args.assignments, inherit=inherit, **direct)
    if not config.data.train_data:
        raise SystemExit("give --train_data (or data.train_data in the config)")
    if not sets_vocab_size(args, inherit):
        config = with_shards_vocab_size(config)
    return config


def sets_vocab_size(args: argparse.Namespace, inherit: dict) -> bool:
    """Whether model.vocab_size was chosen: by --set, the config file or a warm start."""
    from trainer.config import load_yaml, parse_set_flags

    chosen = [parse_set_flags(args.assignments), inherit,
              (load_yaml(args.config_file) or {}) if args.config_file else {}]
    return any("vocab_size" in (source.get("model") or {}) for source in chosen)


def with_shards_vocab_size(config: ExperimentConfig) -> ExperimentConfig:
    """model.vocab_size from the training shards' metadata.json: the embedding table then has a
    row for every id the shards can hold, and none more (a learned 2,000-token vocab would
    otherwise train a 30,522-row table)."""
    import dataclasses

    from trainer.data import find_shards, read_metadata

    vocab_size = read_metadata(find_shards(config.data.train_data).pairs_dir).vocab_size
    return dataclasses.replace(config, model=dataclasses.replace(config.model,
                                                                 vocab_size=vocab_size))


def precision_policy(setting: str, strategy_name: str) -> str:
    """'auto' is bfloat16 mixed precision on TPU (its native type), float32 elsewhere."""
    if setting == "auto":
        return "mixed_bfloat16" if strategy_name == "tpu" else "float32"
    return setting


def steps_this_loop(step: int, total: int, steps_per_loop: int, *intervals: int) -> int:
    """Steps until the next end-of-loop event: the loop size, the end, or the next multiple of any
    interval (checkpoint, log, eval), so that those happen exactly on their step."""
    stop = min(total, step + steps_per_loop)
    for interval in intervals:
        if interval > 0:
            stop = min(stop, (step // interval + 1) * interval)
    return stop - step


def progress_line(step: int, total: int, loss: float, accuracy: float, learning_rate: float,
                  examples_per_second: float, seconds_per_step: float) -> str:
    eta = (total - step) * seconds_per_step
    return (f"step {step}/{total} loss {loss:.4f} in-batch acc {accuracy:.3f} "
            f"lr {learning_rate:.2e} {examples_per_second:,.0f} examples/s "
            f"ETA {format_duration(eta)}")


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def make_strategy(args: argparse.Namespace):
    import tensorflow as tf
    from official.common import distribute_utils

    num_gpus = (len(tf.config.list_physical_devices("GPU")) if args.num_gpus is None
                else args.num_gpus)
    if args.strategy == "one_device":
        num_gpus = min(num_gpus, 1)
    return distribute_utils.get_distribution_strategy(
        distribution_strategy=args.strategy, num_gpus=num_gpus, tpu_address=args.tpu)


def write_text(path: str, text: str) -> None:
    import tensorflow as tf

    with tf.io.gfile.GFile(path, "w") as handle:
        handle.write(text)


def save_run_inputs(config: ExperimentConfig, pairs_dir: str, model_dir: str) -> None:
    """The resolved config, and the shards' vocab and metadata (export needs them later, when
    the shards may be gone)."""
    import tensorflow as tf

    from schemas.pairs import METADATA_FILE, VOCAB_FILE

    tf.io.gfile.makedirs(model_dir)
    write_text(posixpath.join(model_dir, CONFIG_FILE), to_yaml(config))
    tf.io.gfile.copy(posixpath.join(pairs_dir, VOCAB_FILE), posixpath.join(model_dir, VOCAB_COPY),
                     overwrite=True)
    tf.io.gfile.copy(posixpath.join(pairs_dir, METADATA_FILE),
                     posixpath.join(model_dir, METADATA_COPY), overwrite=True)


def restore_or_initialize(checkpoint, model_dir: str, model, warm_start) -> str:
    """Resume from model_dir's latest checkpoint (model, optimizer, step); else start from
    `warm_start`'s weights (the optimizer starts afresh); else from scratch. Says which."""
    import tensorflow as tf

    latest = tf.train.latest_checkpoint(posixpath.join(model_dir, CHECKPOINT_DIR))
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        return f"resumed from {latest}"
    if warm_start:
        return warm_start.initialise(model)
    return "starting from scratch"


def is_chief(strategy) -> bool:
    """Whether this worker writes the run's files: always, except on the non-chief workers of a
    multi-worker strategy."""
    return bool(strategy.extended.should_checkpoint)


def build_training_state(config: ExperimentConfig, strategy, write_dir: str):
    """(model, optimizer, checkpoint manager saving under write_dir), variables created under
    the strategy and the optimizer's slots built, so that a restore fills everything at once."""
    import tensorflow as tf

    from trainer.model import build_model
    from trainer.train_lib import make_optimizer

    with strategy.scope():
        model = build_model(config.model)
        optimizer = make_optimizer(config.train)
        optimizer.build(model.trainable_variables)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    manager = tf.train.CheckpointManager(
        checkpoint, posixpath.join(write_dir, CHECKPOINT_DIR), max_to_keep=3,
        step_counter=optimizer.iterations)
    return model, optimizer, manager


def write_scalars(writer, step: int, scalars: dict[str, float]) -> None:
    """TensorBoard scalars at one step."""
    import tensorflow as tf

    with writer.as_default(step=step):
        for name, value in scalars.items():
            tf.summary.scalar(name, value)


def run_evaluation(model, config: ExperimentConfig, step: int, model_dir: str, writer) -> dict:
    """Held-out recall@k/MRR: printed, in TensorBoard, and in model_dir/eval_results.json."""
    from trainer.data import check_shards, eval_dataset, find_shards
    from trainer.evaluate import build_eval_set, evaluate, format_table

    shards = find_shards(config.data.eval_data)
    check_shards(shards, config.model, config.data.vocab_sha256)
    results = evaluate(model, build_eval_set(eval_dataset(shards, config.model)
                                             .as_numpy_iterator()))
    print(f"held-out retrieval at step {step} ({config.data.eval_data}):\n"
          f"{format_table(results)}", flush=True)
    write_scalars(writer, step, {f"{task}/{name}": value for task, metrics in results.items()
                                 for name, value in metrics.items()
                                 if name.startswith(("recall@", "mrr"))})
    write_text(posixpath.join(model_dir, EVAL_FILE),
               json.dumps({"step": step, "results": results}, indent=2))
    return results


def train(config: ExperimentConfig, strategy, model_dir: str) -> dict:
    """The custom loop: `steps_per_loop` steps per host call, then summaries, the progress line,
    checkpoints and evaluation when their step comes. Returns the last loop's numbers.

    Every worker restores from model_dir; only the chief writes there. The other workers of a
    multi-worker run must still take part in saving (the variables are read collectively), so
    they write to a throwaway local directory, as tf.distribute's guide does.
    """
    import tempfile

    import tensorflow as tf

    from trainer.data import check_shards, find_shards, train_dataset
    from trainer.train_lib import make_replica_step, make_train_loop

    train = config.train
    shards = find_shards(config.data.train_data)
    metadata = check_shards(shards, config.model, config.data.vocab_sha256)
    warm_start = None
    if train.init_checkpoint:
        from trainer.warm_start import resolve_warm_start, vocab_mismatch

        warm_start = resolve_warm_start(train.init_checkpoint)
        if problem := vocab_mismatch(warm_start, metadata.vocab_sha256, metadata.lower_case):
            raise ValueError(f"refusing the shards in {shards.pairs_dir}: {problem}")
    chief = is_chief(strategy)
    write_dir = model_dir if chief else tempfile.mkdtemp(prefix="wikipairs_worker_")
    save_run_inputs(config, shards.pairs_dir, write_dir)
    print(f"training on {sum(metadata.counts['train'].values()):,} pairs "
          f"({', '.join(sorted(shards.files_by_task))}) with {strategy.num_replicas_in_sync} "
          f"replica(s), global batch {train.global_batch_size}", flush=True)

    model, optimizer, manager = build_training_state(config, strategy, write_dir)
    print(restore_or_initialize(manager.checkpoint, model_dir, model, warm_start),
          flush=True)
    step = int(optimizer.iterations.numpy())
    dataset = strategy.distribute_datasets_from_function(
        # Seeded by the start step: reproducible, and a resumed run does not replay the batches
        # it already trained on.
        lambda context: train_dataset(shards, config.data, config.model,
                                      train.global_batch_size, context, seed=train.seed + step))
    iterator = iter(dataset)
    loop = make_train_loop(
        strategy, make_replica_step(model, optimizer, config, train.global_batch_size),
        train.global_batch_size)
    writer = tf.summary.create_file_writer(posixpath.join(write_dir, "train"))
    eval_writer = tf.summary.create_file_writer(posixpath.join(write_dir, "eval"))
    evaluate_here = bool(config.data.eval_data) and chief

    last = {"step": step}
    started = time.time()
    first_step = step
    while step < train.steps:
        steps = steps_this_loop(step, train.steps, train.steps_per_loop, train.checkpoint_every,
                                train.log_every, train.eval_every)
        loop_start = time.time()
        loss, accuracy = loop(iterator, tf.constant(steps))
        loss, accuracy = float(loss), float(accuracy)  # waits for the device
        seconds = time.time() - loop_start
        step = int(optimizer.iterations.numpy())
        learning_rate = float(optimizer.learning_rate.numpy())
        rate = steps * train.global_batch_size / seconds
        write_scalars(writer, step, {"loss": loss, "learning_rate": learning_rate,
                                     "in_batch_accuracy": accuracy, "examples_per_second": rate})
        last = {"step": step, "loss": loss, "accuracy": accuracy, "examples_per_second": rate}
        if step % train.log_every == 0 or step == train.steps or step == first_step + steps:
            per_step = (time.time() - started) / (step - first_step)
            print(progress_line(step, train.steps, loss, accuracy, learning_rate, rate, per_step),
                  flush=True)
        if step % train.checkpoint_every == 0 or step == train.steps:
            manager.save(checkpoint_number=step)
        if evaluate_here and (step == train.steps or train.eval_every
                              and step % train.eval_every == 0):
            last["eval"] = run_evaluation(model, config, step, write_dir, eval_writer)
    writer.flush()
    return {"model": model, "chief": chief, **last}


def main(argv=None) -> dict:
    args = parse_args(argv)
    config = prepare_run(args)
    print(f"resolved config (written to {posixpath.join(args.model_dir, CONFIG_FILE)} once the "
          f"shards are checked):\n{to_yaml(config)}", flush=True)
    strategy = make_strategy(args)
    result = train(config, strategy, args.model_dir)
    if args.export and result["chief"]:
        from trainer.export import export_encoders

        print(f"exported: {export_encoders(result['model'], config, args.model_dir)}", flush=True)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
