"""`python -m trainer.evaluate`: held-out retrieval of a finished (or running) training run on any
split, e.g. the test split that training never looked at:

    python -m trainer.evaluate --model_dir=out/demo/model --eval_data=out/demo/pairs/test

The run's config.yaml rebuilds the model and its latest checkpoint (or --checkpoint) fills it; the
split's shards are checked against the run's vocabulary first. Each query retrieves among all the
split's distinct documents (trainer/held_out.py): the same table training prints on --eval_data.
"""
from __future__ import annotations

import argparse
import json
import posixpath
import sys

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE, METADATA_COPY


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trainer.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_dir", required=True, help="the training run (its config.yaml "
                        "and checkpoints/)")
    parser.add_argument("--eval_data", required=True, help="a split directory of pair shards "
                        "(out/demo/pairs/test)")
    parser.add_argument("--checkpoint", help="a checkpoint prefix (default: the run's latest)")
    parser.add_argument("--output", help="also write the results as JSON here")
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


def refuse(message: str) -> SystemExit:
    print(f"python -m trainer.evaluate: {message}", file=sys.stderr, flush=True)
    return SystemExit(2)


def read_config(model_dir: str):
    import tensorflow as tf

    from trainer.config import from_yaml

    config_path = posixpath.join(model_dir, CONFIG_FILE)
    if not tf.io.gfile.exists(config_path):
        raise refuse(f"no training run at {model_dir} ({config_path} is missing)")
    with tf.io.gfile.GFile(config_path) as f:
        return from_yaml(f.read())


def restore_model(config, model_dir: str, checkpoint: str | None):
    """(the run's model with the checkpoint's weights, the checkpoint's path)."""
    import tensorflow as tf

    from trainer.model import build_model

    checkpoint = checkpoint or tf.train.latest_checkpoint(posixpath.join(model_dir,
                                                                         CHECKPOINT_DIR))
    if not checkpoint:
        raise refuse(f"{model_dir} has no checkpoint yet "
                     f"({posixpath.join(model_dir, CHECKPOINT_DIR)} is empty)")
    model = build_model(config.model)
    # Only the towers are read: the optimizer's slots in the checkpoint are not needed here.
    tf.train.Checkpoint(model=model).restore(checkpoint).assert_existing_objects_matched() \
        .expect_partial()
    return model, checkpoint


def main(argv=None) -> dict:
    args = parse_args(argv)
    from schemas import pairs as schemas_pairs
    from trainer.data import check_shards, eval_dataset, find_shards, naming_damaged_shards
    from trainer.held_out import build_eval_set, evaluate, format_table

    config = read_config(args.model_dir)
    try:  # before the model is built: a wrong path costs nothing
        shards = find_shards(args.eval_data)
        # Ids mean nothing under another vocabulary: the split must share the training shards'.
        trained_on = schemas_pairs.read_metadata(posixpath.join(args.model_dir, METADATA_COPY))
        check_shards(shards, config.model, config.data.vocab_sha256 or trained_on.vocab_sha256)
    except (FileNotFoundError, ValueError) as problem:
        raise refuse(str(problem)) from None
    model, checkpoint = restore_model(config, args.model_dir, args.checkpoint)
    print(f"evaluating {checkpoint} on {args.eval_data}", flush=True)
    with naming_damaged_shards(shards):
        results = evaluate(model, build_eval_set(eval_dataset(shards, config.model)
                                                 .as_numpy_iterator()))
    print(format_table(results), flush=True)
    if args.output:
        from trainer.runs import write_text

        write_text(args.output, json.dumps({"checkpoint": checkpoint, "eval_data": args.eval_data,
                                            "results": results}, indent=2))
        print(f"wrote {args.output}", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
