"""The on-disk cache of FastBertTokenizer's compiled models (pipeline/tokenizer_models.py): the ids
of a tokenizer built from cached models are those of tensorflow-text's own build from the
vocabulary, and a damaged, foreign or unwritable cache never changes an id."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from pipeline import tokenizer_models  # noqa: E402
from pipeline.sample_data import CACHE_ENV, bert_uncased_vocab_path  # noqa: E402
from pipeline.tokenizer import MAX_BYTES_PER_WORD, TokenizerSpec, make_tf_tokenizer  # noqa: E402
from schemas.vocab import SUFFIX_INDICATOR, UNK  # noqa: E402

TEXTS = ["Héllo Wörld, naïve café!", "The quick brown fox jumps.", "日本語 テキスト", "",
         "tokenization of UNBELIEVABLY long words " + "x" * 101, "tab\tand\u2028separator"]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path / "tokenizer"


@pytest.fixture(scope="module")
def vocab():
    return TokenizerSpec(str(bert_uncased_vocab_path()), lower_case=True).build().vocab


def tensorflow_text_ids(vocab, lower_case, texts):
    """The reference: tensorflow-text compiling both models itself from the vocabulary."""
    import tensorflow as tf
    import tensorflow_text as text

    reference = text.FastBertTokenizer(
        vocab=list(vocab), suffix_indicator=SUFFIX_INDICATOR,
        max_bytes_per_word=MAX_BYTES_PER_WORD, token_out_type=tf.int32, unknown_token=UNK,
        lower_case_nfd_strip_accents=lower_case)
    return reference.tokenize(tf.constant(texts)).to_list()


@pytest.mark.parametrize("lower_case", [True, False])
def test_cached_models_give_tensorflow_texts_ids(cache, vocab, sample_sentences, lower_case):
    import tensorflow as tf

    texts = TEXTS + sample_sentences[:300]
    expected = tensorflow_text_ids(vocab, lower_case, texts)
    first = make_tf_tokenizer(vocab, lower_case)  # compiles and fills the cache
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == [
        "fast_bert_normalizer", "fast_wordpiece"]
    second = make_tf_tokenizer(vocab, lower_case)  # reads it
    assert first(tf.constant(texts)).to_list() == expected
    assert second(tf.constant(texts)).to_list() == expected


def test_a_cached_model_is_read_not_rebuilt(cache):
    key = {"what": "test"}
    assert tokenizer_models.cached_model("m", key, lambda: b"compiled") == b"compiled"

    def must_not_build():
        raise AssertionError("rebuilt although cached")

    assert tokenizer_models.cached_model("m", key, must_not_build) == b"compiled"
    # Another key (another vocabulary, tensorflow-text version or option) is another file.
    assert tokenizer_models.cached_model("m", {"what": "other"}, lambda: b"other") == b"other"
    assert len(list(cache.iterdir())) == 2


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "digest only"])
def test_a_damaged_cache_file_is_rebuilt(cache, vocab, damage):
    import tensorflow as tf

    make_tf_tokenizer(vocab, True)
    [path] = [p for p in cache.iterdir() if p.name.startswith("fast_wordpiece")]
    data = path.read_bytes()
    damaged = {"truncated": data[:len(data) // 2],
               "flipped byte": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
               "empty": b"", "digest only": data[:tokenizer_models.DIGEST_BYTES]}[damage]
    path.write_bytes(damaged)
    assert tokenizer_models.read_verified(path) is None
    tokenize = make_tf_tokenizer(vocab, True)
    assert tokenize(tf.constant(TEXTS)).to_list() == tensorflow_text_ids(vocab, True, TEXTS)
    assert path.read_bytes() == data  # repaired


def test_an_unwritable_cache_only_costs_the_build(tmp_path, monkeypatch, vocab):
    import tensorflow as tf

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    tokenize = make_tf_tokenizer(vocab, True)
    assert tokenize(tf.constant(TEXTS)).to_list() == tensorflow_text_ids(vocab, True, TEXTS)
    assert blocker.read_text().startswith("a file")
