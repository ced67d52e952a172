"""Where training starts: `--init_checkpoint` names a checkpoint prefix, a pre-training run's
model_dir, or `hf:DIR`, a Hugging Face BERT-family folder (trainer/hf_checkpoint.py). A model_dir
or an hf folder also gives the pre-trained model's architecture (its config.yaml `model`
section becomes the default, so `--config finetune` fine-tunes the model it was given rather than
building a differently sized one) and its vocabulary's sha256 (fine-tuning shards tokenized with
another vocabulary are refused: the embedding rows would mean other tokens). From an hf folder the
encoder weights of both towers (or the shared one) come from the checkpoint; the projection on top
is new, unless model.output_dim is 0 (the pooled output is the embedding)."""
from __future__ import annotations

import dataclasses
import posixpath

import yaml

from trainer.layout import CHECKPOINT_DIR, CONFIG_FILE, METADATA_COPY


@dataclasses.dataclass(frozen=True)
class WarmStart:
    checkpoint: str  # a checkpoint prefix (path without .index); "" for an hf folder
    model_overrides: dict  # the pre-trained run's `model` section ({} if unknown)
    vocab_sha256: str  # "" if unknown
    hf_folder: str = ""  # a Hugging Face folder whose weights the encoders start from
    lower_case: bool | None = None  # what the checkpoint's tokenizer does, if it says
    mlm_dir: str = ""  # a masked-LM run (trainer/mlm.py) whose encoder both towers start from

    def initialise(self, model) -> str:
        """Load the start weights into `model` (a built TwoTower); says from where. From an hf
        folder or an MLM run only the encoders are loaded (the projection is new); from a
        two-tower checkpoint every model variable must be found."""
        import tensorflow as tf

        if self.hf_folder or self.mlm_dir:
            from trainer import hf_checkpoint

            for tower in model.towers():
                if self.hf_folder:
                    hf_checkpoint.assign(tower.encoder, self.hf_folder)
                else:
                    restore_encoder(self.mlm_dir, tower.encoder)
            return f"initialised the encoders from {self.hf_folder or self.mlm_dir}"
        (tf.train.Checkpoint(model=model).read(self.checkpoint)
         .assert_existing_objects_matched().expect_partial())
        return f"initialised the model from {self.checkpoint}"


def hf_warm_start(folder: str) -> WarmStart:
    """The checkpoint's architecture becomes the model section; its vocab must be the shards'."""
    from schemas.vocab import read_bytes, vocab_sha256
    from trainer import hf_checkpoint

    config = hf_checkpoint.read_config(folder)
    overrides = {**config.model_overrides(), "type_vocab_size": config.type_vocab_size,
                 "activation": config.activation}
    return WarmStart("", overrides, vocab_sha256(read_bytes(config.vocab_path)), folder,
                     config.lower_case)


def resolve_warm_start(init: str) -> WarmStart:
    import tensorflow as tf

    from trainer.hf_checkpoint import folder_of

    if (folder := folder_of(init)) is not None:
        return hf_warm_start(folder)
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
        from trainer.masked_lm import is_mlm_run

        return WarmStart(latest, model, sha, mlm_dir=init if is_mlm_run(init) else "")
    if not tf.io.gfile.exists(init + ".index"):
        raise FileNotFoundError(f"--init_checkpoint {init}: neither a training run's model_dir "
                                f"nor a checkpoint ({init}.index is missing)")
    return WarmStart(init, {}, "")


def vocab_mismatch(warm_start: WarmStart, shards_vocab_sha256: str,
                   shards_lower_case: bool | None = None) -> str:
    """Why the shards cannot train from this checkpoint ('' if they can)."""
    if warm_start.vocab_sha256 and warm_start.vocab_sha256 != shards_vocab_sha256:
        if warm_start.hf_folder:
            remedy = (f"make the pairs with its vocabulary (python -m pipeline.run ... "
                      f"--vocab={posixpath.join(warm_start.hf_folder, 'vocab.txt')})")
        else:
            remedy = ("make the fine-tuning shards with that model's vocab.txt "
                      "(python -m wikipairs.reqa.finetune_pairs --vocab MODEL_DIR)")
        return (f"the shards were tokenized with vocab sha256 {shards_vocab_sha256[:12]}..., the "
                f"model in --init_checkpoint was trained with {warm_start.vocab_sha256[:12]}...: "
                + remedy)
    if (warm_start.lower_case is not None and shards_lower_case is not None
            and warm_start.lower_case != shards_lower_case):
        flag = "--lower_case" if warm_start.lower_case else "--no-lower_case"
        return (f"the shards were tokenized with lower_case={shards_lower_case}, the checkpoint "
                f"in --init_checkpoint with lower_case={warm_start.lower_case}: make the pairs "
                f"again with {flag}")
    return ""


def restore_encoder(model_dir: str, encoder) -> str:
    """Load the encoder of model_dir's latest MLM checkpoint into `encoder`, a built tower's
    BertEncoderV2 (e.g. `tower.encoder` of trainer.model.build_model) of the same architecture
    (the run's config.yaml `model` section). A shorter position table (a 64-token query tower)
    gets the first rows, which are all a shorter encoder reads. All checks pass before the first
    variable changes; returns the checkpoint path. ValueError / FileNotFoundError say what is
    wrong."""
    import tensorflow as tf

    from trainer.config import ModelConfig, apply_overrides
    from trainer.hf_checkpoint import relative_name
    from trainer.masked_lm import (ARCHITECTURE, MARKER_FILE, POSITION_TABLE, build_encoder,
                                   read_marker)

    found = read_marker(model_dir)
    if found is None:
        raise ValueError(f"{model_dir} is not an MLM pre-training run's model_dir "
                         f"({posixpath.join(model_dir, MARKER_FILE)} is missing; "
                         "python -m trainer.mlm writes it)")
    # The latest checkpoint and the run's model section, found as any warm start finds them.
    warm_start = resolve_warm_start(model_dir)
    source = build_encoder(apply_overrides(ModelConfig(), warm_start.model_overrides),
                           found["max_len"])
    (tf.train.Checkpoint(encoder=source).read(warm_start.checkpoint)
     .assert_existing_objects_matched().expect_partial())
    built, wanted = source.get_config(), encoder.get_config()
    if differ := [key for key in ARCHITECTURE if built[key] != wanted[key]]:
        raise ValueError(f"{model_dir}: the MLM encoder has " + ", ".join(
            f"{key}={built[key]!r}" for key in differ) + "; the encoder to initialise has "
            + ", ".join(f"{key}={wanted[key]!r}" for key in differ)
            + " (build it from the run's config.yaml model section)")
    if not encoder.weights:
        raise ValueError("the encoder has no variables yet: call it once first")
    values = {relative_name(variable, source): variable.numpy() for variable in source.weights}
    targets = []
    for variable in encoder.weights:
        value = values[relative_name(variable, encoder)]
        if relative_name(variable, encoder) == POSITION_TABLE:
            value = value[:variable.shape[0]]  # BertEncoderV2 reads the first seq_len rows only
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"{model_dir}: {variable.name} {tuple(variable.shape)} does not fit "
                             f"the MLM encoder's {tuple(value.shape)}")
        targets.append((variable, value))
    for variable, value in targets:
        variable.assign(value)
    return warm_start.checkpoint
