"""The tower's segment ids (BERT's `input_type_ids`): 0 for `[CLS] title [SEP]` or a whole query,
1 for `passage [SEP]`, 0 on padding, read off the ids alone, for a learned vocabulary ([SEP] = 3)
and BERT's ([SEP] = 102); and they really reach the encoder."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.sampling import PairConfig, TokenIds, doc_ids, query_ids
from pipeline.passages import Sentence


def type_ids(rows, length=None):
    from trainer.model import input_type_ids

    return input_type_ids(padded(rows, length)).numpy().tolist()


def padded(rows, length=None) -> np.ndarray:
    length = length or max(len(row) for row in rows)
    return np.array([list(row) + [0] * (length - len(row)) for row in rows], np.int32)


@pytest.mark.parametrize("cls, sep", [(2, 3), (101, 102)])  # learned vocab, BERT's vocab
def test_type_ids_of_hand_built_rows(cls, sep):
    ids = TokenIds(cls, sep)
    config = PairConfig(max_query_len=8, max_doc_len=12)
    query, _ = query_ids(Sentence("", (7, 8, 9)), config, ids)
    doc, _ = doc_ids((7, 8), [Sentence("", (20, 21, 22))], config, ids)
    truncated, cut = doc_ids((7, 8), [Sentence("", tuple(range(20, 40)))], config, ids)
    assert cut and len(truncated) == 12 and truncated[-1] == sep
    assert type_ids([query], 8) == [[0] * 8]
    assert type_ids([doc]) == [[0, 0, 0, 0, 1, 1, 1, 1]]
    assert type_ids([doc], 12) == [[0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]]  # padded
    assert type_ids([truncated]) == [[0] * 4 + [1] * 8]
    assert type_ids([[0] * 6]) == [[0] * 6]  # an all-padding row
    # One batch gives each row its own segments.
    assert type_ids([query, doc, truncated], 12) == [
        [0] * 12, [0] * 4 + [1] * 4 + [0] * 4, [0] * 4 + [1] * 8]


def test_type_ids_compile_with_xla():
    import tensorflow as tf

    from trainer.model import input_type_ids

    ids = padded([[2, 7, 3, 9, 3], [2, 7, 8, 3]])
    compiled = tf.function(input_type_ids, jit_compile=True)
    np.testing.assert_array_equal(compiled(tf.constant(ids)), input_type_ids(ids))


def test_type_ids_of_every_sample_record_follow_the_vocab_sep(sample_pairs):
    """Against the shards' own vocabulary: a query is segment 0; a document is 0 through its first
    [SEP] (the title's), 1 from there to its last token."""
    from pipeline.tokenizer import TokenizerSpec

    sep = TokenizerSpec(str(sample_pairs["dir"] / "vocab.txt"), True).build().sep_id
    records = sample_pairs["records"]
    docs = [r["doc_ids"] for r in records]
    expected = [[0] * (row.index(sep) + 1) + [1] * (len(row) - row.index(sep) - 1)
                + [0] * (288 - len(row)) for row in docs]
    assert type_ids(docs, 288) == expected
    assert sum(map(sum, expected)) > 0
    assert not np.any(type_ids([r["query_ids"] for r in records], 64))


def test_segment_one_reaches_the_encoder():
    """A new model starts with every segment's type embedding alike; give segment 1 another one
    than segment 0 and a document's embedding changes, a query's (all segment 0) does not."""
    from trainer.config import resolve
    from trainer.model import build_model

    config = resolve("tiny", model={"vocab_size": 50, "max_query_len": 8, "max_doc_len": 12})
    tower = build_model(config.model).doc_tower
    table = next(v for v in tower.weights if "type_embeddings" in v.name)
    np.testing.assert_array_equal(table.numpy(), np.tile(table.numpy()[:1], [table.shape[0], 1]))
    doc = padded([[2, 7, 8, 3, 20, 21, 22, 3]], 12)
    query = padded([[2, 7, 8, 9, 3]], 12)

    def embed_with_segment_one(shift):
        values = table.numpy()
        values[1] = values[0] + shift
        table.assign(values)
        return tower(doc).numpy(), tower(query).numpy()

    same_doc, same_query = embed_with_segment_one(0.0)
    # Not a constant shift: the embedding LayerNorm would take that away again.
    other_doc, other_query = embed_with_segment_one(
        np.random.default_rng(0).normal(size=table.shape[1]))
    assert np.abs(other_doc - same_doc).max() > 1e-3
    np.testing.assert_array_equal(other_query, same_query)
