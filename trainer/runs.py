"""What every training command shares (trainer.task's two towers, trainer.mlm's masked LM): the
flags, the resolved config, precision and seed, the distribution strategy, the files a run writes
before it trains, and the custom loop with its progress line."""
from __future__ import annotations

import argparse
import contextlib
import posixpath
import shutil
import sys
import tempfile
import time
from typing import Iterator

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from pipeline.progress import format_duration
from trainer.config import PRESETS, ExperimentConfig, TrainConfig, resolve, to_yaml
from trainer.layout import CONFIG_FILE, METADATA_COPY, VOCAB_COPY


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
    parser.set_defaults(prog=parser.prog)  # for one-line errors (usage_error)


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


def usage_error(args: argparse.Namespace, message: str) -> SystemExit:
    """What a command raises for input a person can fix: one line on stderr, exit code 2."""
    print(f"{getattr(args, 'prog', 'wikipairs')}: {message}", file=sys.stderr, flush=True)
    return SystemExit(2)


def resolve_config(args: argparse.Namespace) -> ExperimentConfig:
    """The resolved config, every key and the training shards checked before anything is built
    (a typo is one line naming it, not a traceback after the model was built)."""
    import tensorflow as tf

    data = {k: v for k, v in (("train_data", args.train_data), ("eval_data", args.eval_data)) if v}
    inherit, direct = {}, {"data": data}
    if args.config_file and not tf.io.gfile.exists(args.config_file):
        raise usage_error(args, f"--config_file {args.config_file}: no such file")
    if args.init_checkpoint:
        from trainer.warm_start import resolve_warm_start

        try:
            inherit = {"model": resolve_warm_start(args.init_checkpoint).model_overrides}
        except (FileNotFoundError, ValueError) as error:
            raise usage_error(args, str(error)) from None
        direct["train"] = {"init_checkpoint": args.init_checkpoint}
    try:
        config = resolve(args.config, args.config_file, args.assignments, inherit=inherit,
                         **direct)
    except ValueError as error:
        raise usage_error(args, str(error)) from None
    if not config.data.train_data:
        raise usage_error(args, "give --train_data (or data.train_data in the config)")
    from trainer.data import find_shards

    for flag, value in (("--train_data", config.data.train_data),
                        ("--eval_data", config.data.eval_data)):
        if value:
            try:
                find_shards(value, config.data.unlisted_shards)
            except (FileNotFoundError, ValueError) as error:
                raise usage_error(args, f"{flag} {value}: {error}") from None
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

    vocab_size = read_metadata(find_shards(config.data.train_data,
                                           config.data.unlisted_shards).pairs_dir).vocab_size
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
                  examples_per_second: float, seconds_per_step: float,
                  names: tuple[str, str] = ("loss", "in-batch acc")) -> str:
    eta = (total - step) * seconds_per_step
    return (f"step {step}/{total} {names[0]} {loss:.4f} {names[1]} {accuracy:.3f} "
            f"lr {learning_rate:.2e} {examples_per_second:,.0f} examples/s "
            f"ETA {format_duration(eta)}")


def first_step_line(step: int, total: int, loss: float, accuracy: float, seconds: float,
                    names: tuple[str, str] = ("loss", "in-batch acc")) -> str:
    """The line after a run's first step, which traces and compiles the step function: its time
    says nothing of the rate, so the rate and ETA come with the second step's line."""
    return (f"step {step}/{total} {names[0]} {loss:.4f} {names[1]} {accuracy:.3f} (first step "
            f"{format_duration(seconds)}, tracing included; rate and ETA after the next step)")


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


def is_chief(strategy) -> bool:
    """Whether this worker writes the run's files: always, except on the non-chief workers of a
    multi-worker strategy."""
    return bool(strategy.extended.should_checkpoint)


@contextlib.contextmanager
def run_write_dir(chief: bool, model_dir: str) -> Iterator[str]:
    """Where this worker writes the run's files: model_dir on the chief. The other workers of a
    multi-worker run must still take part in saving (the variables are read collectively), so
    they write to a throwaway local directory, as tf.distribute's guide does; it is removed when
    the run ends, however it ends, so that a worker leaves nothing behind."""
    if chief:
        yield model_dir
        return
    path = tempfile.mkdtemp(prefix="wikipairs_worker_")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_scalars(writer, step: int, scalars: dict[str, float]) -> None:
    """TensorBoard scalars at one step."""
    import tensorflow as tf

    with writer.as_default(step=step):
        for name, value in scalars.items():
            tf.summary.scalar(name, value)


class StopRequest:
    """Ctrl-C (SIGINT) while a training loop runs: the first asks the loop to stop at the end of
    the steps running now (a host call), save a checkpoint and say how to resume; a second one
    stops at once. TensorFlow only returns to Python between host calls, so that is the soonest
    a checkpoint can be written."""

    def __init__(self):
        self.requested = False
        self.previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("stopping after the steps running now, with a checkpoint (Ctrl-C again: stop at "
              "once, losing them)", file=sys.stderr, flush=True)

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def run_loop(loop, iterator, optimizer, manager, writer, train: TrainConfig,
             scalar_names: tuple[str, str] = ("loss", "in_batch_accuracy"),
             line_names: tuple[str, str] = ("loss", "in-batch acc"), intervals: tuple = (),
             after=None) -> dict:
    """The custom loop of every training command, from the optimizer's step to train.steps:
    one step first and one more (so the progress line, and any error, come before a whole loop
    has run: the first step's time is mostly tracing, the second's gives the rate and ETA), then
    `steps_per_loop` steps per host call, each call ending on the step of the next checkpoint,
    log line or other `intervals` event; after each call the TensorBoard scalars, the progress
    line on log steps, a checkpoint on checkpoint steps, and `after(step, last)` (e.g. held-out
    evaluation). Ctrl-C stops it between calls with a checkpoint (StopRequest). Returns the last
    call's numbers, every call's (step, loss) as `history`, and `interrupted`."""
    import tensorflow as tf

    step = first_step = int(optimizer.iterations.numpy())
    history, last = [], {"step": step}
    steady = (step, time.time())  # (step, time) after the first call, which traces the step
    with StopRequest() as stop:
        while step < train.steps:
            steps = 1 if step < first_step + 2 else steps_this_loop(
                step, train.steps, train.steps_per_loop, train.checkpoint_every, train.log_every,
                *intervals)
            loop_start = time.time()
            loss, accuracy = (float(value) for value in loop(iterator, tf.constant(steps)))
            seconds = time.time() - loop_start  # float() above waited for the device
            step = int(optimizer.iterations.numpy())
            learning_rate = float(optimizer.learning_rate.numpy())
            rate = steps * train.global_batch_size / seconds
            write_scalars(writer, step, {scalar_names[0]: loss, "learning_rate": learning_rate,
                                         scalar_names[1]: accuracy, "examples_per_second": rate})
            history.append((step, loss))
            last = {"step": step, "loss": loss, "accuracy": accuracy, "examples_per_second": rate}
            if step == first_step + steps:
                print(first_step_line(step, train.steps, loss, accuracy, seconds, line_names),
                      flush=True)
                steady = (step, time.time())
            elif (step % train.log_every == 0 or step == train.steps or stop.requested
                  or step == first_step + 2):
                per_step = (time.time() - steady[1]) / (step - steady[0])
                print(progress_line(step, train.steps, loss, accuracy, learning_rate, rate,
                                    per_step, line_names), flush=True)
            if step % train.checkpoint_every == 0 or step == train.steps or stop.requested:
                saved = manager.save(checkpoint_number=step)
            if stop.requested:
                print(f"interrupted at step {step}/{train.steps}: checkpoint {saved}; the same "
                      "command resumes from it", flush=True)
                break
            if after is not None:
                after(step, last)
    writer.flush()
    return {**last, "history": history, "interrupted": stop.requested}
