"""Warm start from a Hugging Face BERT-family model folder (`hf:DIR`): its sizes, pooling and
lower-casing for the model config, and its weights assigned into tf-models-official's BertEncoderV2.

A folder holds `config.json` (`model_type: bert`), `model.safetensors` and `vocab.txt`, and, from
sentence-transformers, `1_Pooling/config.json` and `tokenizer_config.json`. The weights are read
with the `safetensors` package's NumPy loader, so no PyTorch is needed.

Every encoder variable gets exactly one checkpoint tensor and every checkpoint tensor is used; a
missing, unexpected or misshaped weight is a one-line `CheckpointError` naming the file and key.
The one exception is BERT's tanh pooler, which sentence-transformers folders often lack and the
towers do not use: left as initialised then, and reported.

Position table: an encoder built for a shorter `max_sequence_length` than the checkpoint's
`max_position_embeddings` gets the first rows of the table. BertEncoderV2 only ever reads the first
`seq_len` rows, so the sliced encoder computes exactly what the full one would for every input it
accepts, while the towers keep their own lengths (64 / 288, the shards' static shapes) and do not
carry 512-row tables they never read into training state and exported models.
"""
from __future__ import annotations

import dataclasses
import json
import math
import pathlib
from typing import Any

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"
POOLING_FILE = "1_Pooling/config.json"
TOKENIZER_FILE = "tokenizer_config.json"

SPEC_PREFIX = "hf:"
# BertEncoderV2 builds its LayerNorms with epsilon 1e-12 and exposes no way to change it.
LAYER_NORM_EPS = 1e-12
# Hugging Face's hidden_act -> the Keras activation name BertEncoderV2 is built with. "gelu" is
# BERT's exact erf GELU; BertEncoderV2's default is the tanh approximation, which differs by ~1e-4.
ACTIVATIONS = {"gelu": "gelu", "relu": "relu"}
# Which sentence-transformers pooling flag means which of the towers' poolings.
POOLING_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean"}
# The key every BERT checkpoint has; what stands before it is the checkpoint's prefix
# ("bert.", "", "model.0.auto_model." ...).
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
# Task heads that stand beside the encoder in a checkpoint (MLM/NSP, classification, QA): dropped.
HEAD_PREFIXES = ("cls.", "classifier.", "qa_outputs.")
POOLER_KEYS = ("pooler.dense.weight", "pooler.dense.bias")
POOLER_VARIABLES = ("pooler_transform/kernel", "pooler_transform/bias")


class CheckpointError(ValueError):
    """A folder that is not a BERT checkpoint this importer can load; the message names the file
    and the key."""


@dataclasses.dataclass(frozen=True)
class HFBertConfig:
    """What a Hugging Face BERT folder says about the model, in the project's terms."""

    folder: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_positions: int
    type_vocab_size: int
    activation: str  # a Keras activation name (see ACTIVATIONS)
    pooling: str  # cls | mean
    lower_case: bool

    @property
    def vocab_path(self) -> str:
        return str(pathlib.Path(self.folder) / VOCAB_FILE)

    @property
    def weights_path(self) -> str:
        return str(pathlib.Path(self.folder) / WEIGHTS_FILE)

    def model_overrides(self) -> dict[str, Any]:
        """The `model` section values (trainer.config.ModelConfig fields) the checkpoint fixes."""
        return {"vocab_size": self.vocab_size, "num_layers": self.num_layers,
                "hidden_size": self.hidden_size, "num_heads": self.num_heads,
                "intermediate_size": self.intermediate_size, "pooling": self.pooling}

    def encoder_kwargs(self, max_len: int) -> dict[str, Any]:
        """BertEncoderV2 arguments that make its variables match the checkpoint (dropout and the
        like are the caller's)."""
        if max_len > self.max_positions:
            raise CheckpointError(
                f"{pathlib.Path(self.folder) / CONFIG_FILE}: max_position_embeddings is "
                f"{self.max_positions}, shorter than the requested length {max_len}")
        return {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                "num_layers": self.num_layers, "num_attention_heads": self.num_heads,
                "inner_dim": self.intermediate_size, "inner_activation": self.activation,
                "type_vocab_size": self.type_vocab_size, "max_sequence_length": max_len}


def folder_of(spec: str) -> str | None:
    """'hf:DIR' -> DIR; anything else (a model_dir, '') -> None."""
    return spec[len(SPEC_PREFIX):] if spec.startswith(SPEC_PREFIX) else None


def _read_json(folder: pathlib.Path, name: str, required: bool) -> dict:
    path = folder / name
    if not path.exists():
        if required:
            raise CheckpointError(f"{path}: missing (not a Hugging Face model folder)")
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path}: not JSON ({error})") from None


def _field(config: dict, key: str, path: pathlib.Path):
    if key not in config:
        raise CheckpointError(f"{path}: missing key {key!r}")
    return config[key]


def _pooling(pooling: dict, path: pathlib.Path) -> str:
    """sentence-transformers' pooling flags -> 'cls' | 'mean'; without the file, [CLS] (BERT's)."""
    if not pooling:
        return "cls"
    chosen = [key for key, value in pooling.items() if key.startswith("pooling_mode_") and value]
    if len(chosen) != 1 or chosen[0] not in POOLING_MODES:
        raise CheckpointError(f"{path}: pooling {chosen} is not one of {list(POOLING_MODES)}")
    return POOLING_MODES[chosen[0]]


def _lower_case(tokenizer: dict, path: pathlib.Path) -> bool:
    """do_lower_case (Hugging Face's default: True). The project's lower-casing also strips
    accents, as BERT's does unless strip_accents says otherwise."""
    lower = tokenizer.get("do_lower_case", True)
    strip = tokenizer.get("strip_accents")
    if strip is not None and strip != lower:
        raise CheckpointError(f"{path}: strip_accents={strip} with do_lower_case={lower} is not "
                              "a tokenization the project's WordPiece tokenizer has")
    return bool(lower)


def _check_vocab(path: pathlib.Path, vocab_size: int) -> None:
    """vocab.txt exists and every id it gives has a row in the embedding table (a table may be
    padded past the vocabulary, never shorter)."""
    from schemas.vocab import parse_vocab

    if not path.exists():
        raise CheckpointError(f"{path}: missing (the checkpoint's WordPiece vocabulary; the "
                              "shards must be tokenized with it)")
    tokens = len(parse_vocab(path.read_bytes()))
    if tokens > vocab_size:
        raise CheckpointError(f"{path}: {tokens} tokens, more than config.json's vocab_size "
                              f"{vocab_size}")


def read_config(folder: str) -> HFBertConfig:
    """The folder's config.json (+ pooling and tokenizer files), checked against what
    BertEncoderV2 can run."""
    root = pathlib.Path(folder)
    config_path = root / CONFIG_FILE
    config = _read_json(root, CONFIG_FILE, required=True)
    model_type = _field(config, "model_type", config_path)
    if model_type != "bert":
        raise CheckpointError(f"{config_path}: model_type is {model_type!r}, expected 'bert'")
    position_type = config.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise CheckpointError(
            f"{config_path}: position_embedding_type {position_type!r} is not 'absolute'")
    eps = config.get("layer_norm_eps", LAYER_NORM_EPS)
    if not math.isclose(eps, LAYER_NORM_EPS, rel_tol=1e-3):
        raise CheckpointError(f"{config_path}: layer_norm_eps {eps} is not BertEncoderV2's "
                              f"{LAYER_NORM_EPS}")
    hidden_act = _field(config, "hidden_act", config_path)
    if hidden_act not in ACTIVATIONS:
        raise CheckpointError(f"{config_path}: hidden_act {hidden_act!r} is not one of "
                              f"{list(ACTIVATIONS)}")
    hidden_size = _field(config, "hidden_size", config_path)
    num_heads = _field(config, "num_attention_heads", config_path)
    if hidden_size % num_heads:
        raise CheckpointError(f"{config_path}: hidden_size {hidden_size} is not a multiple of "
                              f"num_attention_heads {num_heads}")
    vocab_size = _field(config, "vocab_size", config_path)
    _check_vocab(root / VOCAB_FILE, vocab_size)
    return HFBertConfig(
        folder=str(root), vocab_size=vocab_size,
        hidden_size=hidden_size, num_layers=_field(config, "num_hidden_layers", config_path),
        num_heads=num_heads, intermediate_size=_field(config, "intermediate_size", config_path),
        max_positions=_field(config, "max_position_embeddings", config_path),
        type_vocab_size=_field(config, "type_vocab_size", config_path),
        activation=ACTIVATIONS[hidden_act],
        pooling=_pooling(_read_json(root, POOLING_FILE, required=False), root / POOLING_FILE),
        lower_case=_lower_case(_read_json(root, TOKENIZER_FILE, required=False),
                               root / TOKENIZER_FILE))


def load_weights(path: str) -> dict:
    """model.safetensors -> {key: np.ndarray}, through the safetensors NumPy loader."""
    from safetensors.numpy import load_file

    if not pathlib.Path(path).exists():
        raise CheckpointError(f"{path}: missing (only safetensors weights are read)")
    return load_file(path)


def bert_weights(weights: dict, path: str) -> dict:
    """Checkpoint keys -> BERT's own names (`embeddings.…`, `encoder.layer.N.…`, `pooler.…`):
    the prefix before the word embeddings removed, old TF-converted LayerNorm gamma/beta renamed,
    the position-id buffer and task heads dropped. Any other key outside the encoder is an error."""
    found = [key for key in weights if key.endswith(WORD_EMBEDDINGS)]
    if len(found) != 1:
        raise CheckpointError(f"{path}: expected one key ending in {WORD_EMBEDDINGS!r}, "
                              f"found {found}")
    prefix = found[0][:-len(WORD_EMBEDDINGS)]
    renamed = {}
    for key, value in weights.items():
        if key.endswith("embeddings.position_ids"):  # a buffer (arange), not a weight
            continue
        if not key.startswith(prefix):
            if key.startswith(HEAD_PREFIXES):
                continue
            raise CheckpointError(f"{path}: unexpected weight {key!r} (outside {prefix!r})")
        name = key[len(prefix):]
        name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace(
            "LayerNorm.beta", "LayerNorm.bias")
        renamed[name] = value
    return renamed


# How a checkpoint tensor becomes a variable's value. A torch Linear weight is [out, in], a Keras
# (Einsum)Dense kernel [in..., out...]: `kernel1` has one input axis (query/key/value [H, heads,
# head_dim], intermediate, output, pooler), `kernel2` two (attention output [heads, head_dim, H]).
COPY, ROWS, VECTOR, KERNEL1, KERNEL2 = "copy", "rows", "vector", "kernel1", "kernel2"


def _layer_plan(i: int) -> dict[str, tuple[str, str]]:
    tf_layer, hf_layer = f"transformer/layer_{i}/", f"encoder.layer.{i}."
    plan = {}
    for tf_name, hf_name, kind in (
            ("self_attention/query", "attention.self.query", KERNEL1),
            ("self_attention/key", "attention.self.key", KERNEL1),
            ("self_attention/value", "attention.self.value", KERNEL1),
            ("self_attention/attention_output", "attention.output.dense", KERNEL2),
            ("intermediate", "intermediate.dense", KERNEL1),
            ("output", "output.dense", KERNEL1)):
        plan[f"{tf_layer}{tf_name}/kernel"] = (f"{hf_layer}{hf_name}.weight", kind)
        plan[f"{tf_layer}{tf_name}/bias"] = (f"{hf_layer}{hf_name}.bias", VECTOR)
    for tf_name, hf_name in (("self_attention_layer_norm", "attention.output.LayerNorm"),
                             ("output_layer_norm", "output.LayerNorm")):
        plan[f"{tf_layer}{tf_name}/gamma"] = (f"{hf_layer}{hf_name}.weight", VECTOR)
        plan[f"{tf_layer}{tf_name}/beta"] = (f"{hf_layer}{hf_name}.bias", VECTOR)
    return plan


def weight_plan(num_layers: int) -> dict[str, tuple[str, str]]:
    """BertEncoderV2 variable path (below the encoder's name) -> (BERT key, how to convert)."""
    plan = {
        "word_embeddings/embeddings": ("embeddings.word_embeddings.weight", COPY),
        "position_embedding/embeddings": ("embeddings.position_embeddings.weight", ROWS),
        "type_embeddings/embeddings": ("embeddings.token_type_embeddings.weight", COPY),
        "embeddings/layer_norm/gamma": ("embeddings.LayerNorm.weight", VECTOR),
        "embeddings/layer_norm/beta": ("embeddings.LayerNorm.bias", VECTOR),
        POOLER_VARIABLES[0]: (POOLER_KEYS[0], KERNEL1),
        POOLER_VARIABLES[1]: (POOLER_KEYS[1], VECTOR),
    }
    for i in range(num_layers):
        plan.update(_layer_plan(i))
    return plan


def _expected_shape(kind: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The checkpoint shape that converts to a variable of `shape` (ROWS: at least these rows)."""
    if kind in (COPY, ROWS):
        return shape
    if kind == VECTOR:
        return (math.prod(shape),)
    inputs = 1 if kind == KERNEL1 else 2
    return (math.prod(shape[inputs:]), math.prod(shape[:inputs]))


def convert(kind: str, value, shape: tuple[int, ...]):
    """A checkpoint tensor as the value of a variable of `shape`, or None if the shapes do not
    fit."""
    want = _expected_shape(kind, shape)
    if kind == ROWS:
        fits = value.ndim == 2 and value.shape[1] == want[1] and value.shape[0] >= want[0]
        return value[:want[0]] if fits else None
    if tuple(value.shape) != want:
        return None
    return value.T.reshape(shape) if kind in (KERNEL1, KERNEL2) else value.reshape(shape)


def relative_name(variable, encoder) -> str:
    """'doc_tower/bert_encoder_v2_1/transformer/layer_0/output/bias:0' -> 'transformer/...'."""
    _, sep, rest = variable.name.partition(f"{encoder.name}/")
    if not sep:
        raise CheckpointError(f"variable {variable.name} is not under encoder {encoder.name}")
    return rest.removesuffix(":0")


def check_encoder(encoder, config: HFBertConfig) -> None:
    """The encoder was built with the checkpoint's sizes and activation (its position table may be
    shorter): otherwise the same weights would compute something else."""
    built = encoder.get_config()
    for key, want in config.encoder_kwargs(built["max_sequence_length"]).items():
        if built[key] != want:
            raise CheckpointError(
                f"{pathlib.Path(config.folder) / CONFIG_FILE}: the encoder has {key}="
                f"{built[key]!r}, the checkpoint needs {want!r} (build it with "
                "HFBertConfig.encoder_kwargs)")
    if built["norm_first"] or built["embedding_width"] != config.hidden_size:
        raise CheckpointError(f"{config.folder}: the encoder is not a post-norm BERT "
                              f"(norm_first={built['norm_first']}, "
                              f"embedding_width={built['embedding_width']})")


def _value(name: str, shape: tuple[int, ...], plan: dict, weights: dict, path: str):
    """The checkpoint's value for encoder variable `name`, converted to `shape`."""
    key, kind = plan[name]
    if key not in weights:
        raise CheckpointError(f"{path}: missing weight {key!r} (for {name})")
    value = convert(kind, weights[key], shape)
    if value is None:
        raise CheckpointError(f"{path}: weight {key!r} has shape {tuple(weights[key].shape)}, "
                              f"{name} {shape} needs {_expected_shape(kind, shape)}")
    return value


def assign(encoder, folder: str) -> tuple[str, ...]:
    """Load the folder's weights into a built BertEncoderV2 (a bare one or `tower.encoder`),
    all or nothing: every check passes before the first variable changes.

    Returns the variables left as initialised: the pooler's, when the checkpoint has none."""
    config = read_config(folder)
    check_encoder(encoder, config)
    if not encoder.weights:
        raise CheckpointError(f"{folder}: the encoder has no variables yet; call it once first")
    path = config.weights_path
    weights = bert_weights(load_weights(path), path)
    plan = weight_plan(config.num_layers)
    skipped = () if all(key in weights for key in POOLER_KEYS) else POOLER_VARIABLES
    names = [relative_name(variable, encoder) for variable in encoder.weights]
    if sorted(names) != sorted(plan):
        raise CheckpointError(f"{folder}: the encoder's variables {sorted(set(names) ^ set(plan))} "
                              "do not match a BERT encoder's one to one")
    values = [(variable, _value(name, tuple(variable.shape), plan, weights, path))
              for variable, name in zip(encoder.weights, names) if name not in skipped]
    unexpected = sorted(set(weights) - {plan[name][0] for name in names if name not in skipped})
    if unexpected:
        more = f" (and {len(unexpected) - 1} more)" if len(unexpected) > 1 else ""
        raise CheckpointError(f"{path}: unexpected weight {unexpected[0]!r}{more}")
    for variable, value in values:
        variable.assign(value.astype(variable.dtype.as_numpy_dtype))
    return skipped


def build_encoder(config: HFBertConfig, max_len: int, **kwargs):
    """A BertEncoderV2 with the checkpoint's sizes, variables created (not yet loaded); kwargs are
    the rest of BertEncoderV2's arguments (dropout ...)."""
    import tensorflow as tf
    from official.nlp.modeling.networks import BertEncoderV2

    encoder = BertEncoderV2(**config.encoder_kwargs(max_len), **kwargs)
    ids = tf.zeros([1, 2], tf.int32)
    encoder({"input_word_ids": ids, "input_mask": tf.ones_like(ids), "input_type_ids": ids})
    return encoder


def load_encoder(folder: str, max_len: int, **kwargs):
    """(HFBertConfig, BertEncoderV2 with the folder's weights): for evaluating a checkpoint as it
    is (`reqa --model hf:DIR`)."""
    config = read_config(folder)
    encoder = build_encoder(config, max_len, **kwargs)
    assign(encoder, folder)
    return config, encoder
