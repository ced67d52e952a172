"""`python -m trainer.mlm`: masked-LM pre-training of the towers' encoder, the paper's token-level
baseline (BERT's MLM), on the passages the pair tasks use: the document sides of the pair shards.

    python -m trainer.mlm --config=tiny --train_data=out/demo/pairs/train --model_dir=out/mlm \\
        [--config_file=F] [--set train.steps=500 ...] [--strategy=...] [--jit_compile]
    python -m trainer.task --init_checkpoint=out/mlm ...   # both towers start from its encoder

Masking is BERT's recipe, done in tf.data by stateless random ops seeded by (train.seed + start
step, input pipeline, batch index), so a batch's masks are a function of its ids and that seed: of
each sequence's positions that are not [CLS]/[SEP]/[PAD], round(15%) are chosen (at least one),
of which 80% become [MASK], 10% a random token that is not a reserved one, 10% stay as they are.
Static shapes: every batch holds `max_predictions(max_doc_len)` = ceil(15% of max_doc_len)
positions, padded with position 0, label 0, weight 0. The loss is the softmax cross-entropy over
the vocabulary at the chosen positions, averaged over them.

The model is a Tower's encoder (`Tower(config.model, encoder_length(config.model)).encoder`: its
variables are exactly a tower's) under tf-models-official's `MaskedLM` head, whose output
embedding is tied to the encoder's word embeddings (BertPretrainerV2's head; BertPretrainerV2
itself wants a functional encoder with `.inputs`, which BertEncoderV2 is not).

model_dir, written as trainer.task writes its own (names from trainer.layout):
    config.yaml                     the resolved ExperimentConfig: its `model` section is what
                                    `trainer.task --init_checkpoint=MODEL_DIR` inherits
    vocab.txt, pairs_metadata.json  copies of the shards' (the warm start checks the vocab sha256)
    mlm.json                        MARKER_FILE: says this is an MLM run, and the encoder's length
    checkpoints/ckpt-N              tf.train.Checkpoint(encoder=BertEncoderV2,
                                    masked_lm=MaskedLM, optimizer=Adam); resumed automatically
    train/                          TensorBoard scalars (loss, masked accuracy, learning rate)
`restore_encoder(model_dir, encoder)` loads the latest checkpoint's encoder into a tower's.
"""
from __future__ import annotations

import argparse
import json
import posixpath
import sys

import trainer  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
from trainer.config import ExperimentConfig, to_yaml
from trainer.layout import CHECKPOINT_DIR
from trainer.masked_lm import (MARKER_FILE, MaskingSpec, encoder_length, make_pretrainer,
                               make_replica_step, marker, mask_ids, masking_spec, read_vocab)
from trainer.runs import add_run_flags, is_chief, make_strategy, prepare_run, run_loop, \
    run_write_dir, save_run_inputs, write_text


def mlm_dataset(shards, config: ExperimentConfig, spec: MaskingSpec, global_batch_size: int,
                input_context=None, seed: int = 0):
    """Endless masked batches of the shards' documents: trainer.data's training batches (tasks
    mixed, multi-host partition, static shapes), their doc_ids masked by `mask_ids`."""
    import tensorflow as tf

    from trainer.data import input_pipeline, train_dataset

    pipelines, index = input_pipeline(input_context)
    batches = train_dataset(shards, config.data, config.model, global_batch_size, input_context,
                            seed=seed)
    return (batches.enumerate()
            .map(lambda i, batch: mask_ids(batch["doc_ids"], [seed, i * pipelines + index], spec),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def train(config: ExperimentConfig, strategy, model_dir: str, jit_compile: bool = False) -> dict:
    """trainer.task's loop for the masked LM: run inputs and marker written, resumed from
    model_dir's latest checkpoint, progress from the first step. Returns the encoder, the last
    loop's numbers and every loop's (step, loss)."""
    import tensorflow as tf

    from trainer.data import check_shards, find_shards
    from trainer.train_lib import make_optimizer, make_train_loop

    train = config.train
    shards = find_shards(config.data.train_data, config.data.unlisted_shards)
    check_shards(shards, config.model, config.data.vocab_sha256)
    spec = masking_spec(read_vocab(shards.pairs_dir), config.model.max_doc_len)
    chief = is_chief(strategy)
    with run_write_dir(chief, model_dir) as write_dir:
        save_run_inputs(config, shards.pairs_dir, write_dir)
        write_text(posixpath.join(write_dir, MARKER_FILE),
                   json.dumps(marker(config.model), indent=2))

        with strategy.scope():
            model = make_pretrainer(config.model, encoder_length(config.model),
                                    spec.max_predictions)
            optimizer = make_optimizer(train)
            optimizer.build(model.trainable_variables)
        checkpoint = tf.train.Checkpoint(encoder=model.encoder, masked_lm=model.masked_lm,
                                         optimizer=optimizer)
        manager = tf.train.CheckpointManager(checkpoint, posixpath.join(write_dir, CHECKPOINT_DIR),
                                             max_to_keep=3, step_counter=optimizer.iterations)
        if latest := tf.train.latest_checkpoint(posixpath.join(model_dir, CHECKPOINT_DIR)):
            checkpoint.restore(latest).assert_existing_objects_matched()
        print(f"masked LM on the documents of {shards.pairs_dir} with "
              f"{strategy.num_replicas_in_sync} replica(s), "
              f"global batch {train.global_batch_size}, "
              f"{spec.max_predictions} predictions per sequence; "
              + (f"resumed from {latest}" if latest else "starting from scratch"), flush=True)
        step = int(optimizer.iterations.numpy())
        iterator = iter(strategy.distribute_datasets_from_function(
            lambda context: mlm_dataset(shards, config, spec, train.global_batch_size, context,
                                        seed=train.seed + step)))
        loop = make_train_loop(
            strategy, make_replica_step(model, optimizer, train.global_batch_size, jit_compile),
            train.global_batch_size)
        writer = tf.summary.create_file_writer(posixpath.join(write_dir, "train"))
        last = run_loop(loop, iterator, optimizer, manager, writer, train,
                        scalar_names=("mlm_loss", "masked_accuracy"),
                        line_names=("mlm loss", "masked acc"))
        writer.close()
    return {"encoder": model.encoder, **last}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trainer.mlm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_flags(parser)
    parser.add_argument("--jit_compile", action="store_true",
                        help="XLA-compile the step (one_device; TPU steps are compiled anyway)")
    parser.set_defaults(eval_data=None, init_checkpoint=None)  # trainer.runs.resolve_config's
    from pipeline.flags import one_flag_style

    args = one_flag_style(parser).parse_args(argv)
    if args.jit_compile and args.strategy != "one_device":
        # XLA cannot compile a step whose variables sit on several devices (its known issue
        # "tf.Variable on a different device"): say so before a long trace does.
        parser.error("--jit_compile needs --strategy=one_device")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    config = prepare_run(args)
    print(f"resolved config:\n{to_yaml(config)}", flush=True)
    result = train(config, make_strategy(args), args.model_dir, args.jit_compile)
    if result["interrupted"]:
        raise SystemExit(130)  # the shell's code for a Ctrl-C
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
