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

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.config import ExperimentConfig, to_yaml
from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE, EVAL_FILE
from trainer.runs import (add_run_flags, is_chief, make_strategy, prepare_run, run_loop,
                          run_write_dir, save_run_inputs, write_scalars, write_text)


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
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


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


def run_evaluation(model, config: ExperimentConfig, step: int, model_dir: str, writer) -> dict:
    """Held-out recall@k/MRR: printed, in TensorBoard, and in model_dir/eval_results.json."""
    from trainer.data import check_shards, eval_dataset, find_shards, naming_damaged_shards
    from trainer.held_out import build_eval_set, evaluate, format_table

    shards = find_shards(config.data.eval_data, config.data.unlisted_shards)
    check_shards(shards, config.model, config.data.vocab_sha256)
    with naming_damaged_shards(shards):
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

    Every worker restores from model_dir; only the chief writes there (the others write to a
    throwaway directory, trainer.runs.run_write_dir).
    """
    import tensorflow as tf

    from trainer.data import check_shards, find_shards, naming_damaged_shards, train_dataset
    from trainer.train_lib import make_replica_step, make_train_loop

    train = config.train
    shards = find_shards(config.data.train_data, config.data.unlisted_shards)
    metadata = check_shards(shards, config.model, config.data.vocab_sha256)
    warm_start = None
    if train.init_checkpoint:
        from trainer.warm_start import resolve_warm_start, vocab_mismatch

        warm_start = resolve_warm_start(train.init_checkpoint)
        if problem := vocab_mismatch(warm_start, metadata.vocab_sha256, metadata.lower_case):
            raise ValueError(f"refusing the shards in {shards.pairs_dir}: {problem}")
    chief = is_chief(strategy)
    with run_write_dir(chief, model_dir) as write_dir:
        save_run_inputs(config, shards.pairs_dir, write_dir)
        pairs = (shards.records if shards.records is not None
                 else sum(metadata.counts["train"].values()))  # a metadata.json without shard_files
        print(f"training on {pairs:,} pairs "
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

        def evaluate_when_due(step: int, last: dict) -> None:
            if evaluate_here and (step == train.steps or train.eval_every
                                  and step % train.eval_every == 0):
                last["eval"] = run_evaluation(model, config, step, write_dir, eval_writer)

        with naming_damaged_shards(shards):
            last = run_loop(loop, iterator, optimizer, manager, writer, train,
                            intervals=(train.eval_every,), after=evaluate_when_due)
        writer.close()
        eval_writer.close()
    return {"model": model, "chief": chief, **last}


def main(argv=None) -> dict:
    args = parse_args(argv)
    config = prepare_run(args)
    print(f"resolved config (written to {posixpath.join(args.model_dir, CONFIG_FILE)} once the "
          f"shards are checked):\n{to_yaml(config)}", flush=True)
    strategy = make_strategy(args)
    result = train(config, strategy, args.model_dir)
    if result["interrupted"]:
        raise SystemExit(130)  # the shell's code for a Ctrl-C
    if args.export and result["chief"]:
        from trainer.export import export_encoders

        print(f"exported: {export_encoders(result['model'], config, args.model_dir)}", flush=True)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
