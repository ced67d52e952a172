"""Where fine-tuning starts: `--init_checkpoint` names a checkpoint prefix or a pre-training run's
model_dir. A model_dir also gives the pre-trained model's architecture (its config.yaml `model`
section becomes the default, so `--config finetune` fine-tunes the model it was given rather than
building a differently sized one) and its vocabulary's sha256 (fine-tuning shards tokenized with
another vocabulary are refused: the embedding rows would mean other tokens)."""
from __future__ import annotations

import dataclasses
import posixpath

import yaml

from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE, METADATA_COPY


@dataclasses.dataclass(frozen=True)
class WarmStart:
    checkpoint: str  # a checkpoint prefix (path without .index)
    model_overrides: dict  # the pre-trained run's `model` section ({} if unknown)
    vocab_sha256: str  # "" if unknown


def resolve_warm_start(init: str) -> WarmStart:
    import tensorflow as tf

    if tf.io.gfile.isdir(init):
        latest = tf.train.latest_checkpoint(posixpath.join(init, CHECKPOINT_DIR))
        if not latest:
            raise FileNotFoundError(f"--init_checkpoint {init}: a directory with no checkpoint "
                                    f"under {posixpath.join(init, CHECKPOINT_DIR)}")
        model = {}
        config_path = posixpath.join(init, CONFIG_FILE)
        if tf.io.gfile.exists(config_path):
            with tf.io.gfile.GFile(config_path) as handle:
                model = (yaml.safe_load(handle.read()) or {}).get("model", {})
        sha = ""
        metadata_path = posixpath.join(init, METADATA_COPY)
        if tf.io.gfile.exists(metadata_path):
            from schemas.pairs import read_metadata

            sha = read_metadata(metadata_path).vocab_sha256
        return WarmStart(latest, model, sha)
    if not tf.io.gfile.exists(init + ".index"):
        raise FileNotFoundError(f"--init_checkpoint {init}: neither a training run's model_dir "
                                f"nor a checkpoint ({init}.index is missing)")
    return WarmStart(init, {}, "")


def vocab_mismatch(warm_start: WarmStart, shards_vocab_sha256: str) -> str:
    """Why the shards cannot fine-tune this checkpoint ('' if they can)."""
    if warm_start.vocab_sha256 and warm_start.vocab_sha256 != shards_vocab_sha256:
        return (f"the shards were tokenized with vocab sha256 {shards_vocab_sha256[:12]}..., the "
                f"model in --init_checkpoint was trained with {warm_start.vocab_sha256[:12]}...: "
                "make the fine-tuning shards with that model's vocab.txt "
                "(python -m reqa.finetune_pairs --vocab MODEL_DIR)")
    return ""
