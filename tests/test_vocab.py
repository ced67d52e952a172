"""Vocabulary learning (pipeline/vocab.py): BERT's pre-tokenization checked against
tensorflow-text, and a vocabulary learned from the real Wikipedia sample."""
from __future__ import annotations

import os
import random
import sys
import unicodedata

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from pipeline.sample_data import bert_uncased_vocab_path  # noqa: E402
from pipeline.vocab import (  # noqa: E402
    LearnVocab, count_words, learn_vocab, prune_entry, prune_word_counts, words, write_vocab)
from schemas.vocab import RESERVED_TOKENS, SUFFIX_INDICATOR  # noqa: E402
from pipeline.tokenizer import TokenizerSpec, join_wordpieces, make_tf_tokenizer  # noqa: E402

# Small enough to learn in about a second on the sample; upper_thresh bounds the learner's binary
# search over piece-frequency thresholds (a piece seen 200 times in 2.5 MB is common enough).
LEARN = dict(vocab_size=2000, upper_thresh=200)
MIN_WORD_COUNT = 2


@pytest.fixture(scope="module")
def sentences(sample_sentences) -> list[str]:
    return sample_sentences


@pytest.fixture(scope="module")
def word_counts(sentences):
    return count_words(sentences, lower_case=True)


@pytest.fixture(scope="module")
def learned(word_counts) -> list[str]:
    return learn_vocab(prune_word_counts(word_counts.items(), MIN_WORD_COUNT), **LEARN)


@pytest.fixture(scope="module")
def learned_tokenizer(learned, tmp_path_factory):
    path = write_vocab(learned, str(tmp_path_factory.mktemp("vocab") / "vocab.txt"))
    return TokenizerSpec(path, lower_case=True).build()


def tf_words(texts: list[str], lower_case: bool) -> list[list[str]]:
    """The words FastBertTokenizer (the project's tokenizer) cuts `texts` into, read off its ids:
    with a vocabulary of single characters, each word comes out as 'c', '##c', '##c', ...
    Only the characters of our words are in it: a word holding any other comes out as [UNK]."""
    import tensorflow as tf

    chars = sorted({char for text in texts for word in words(text, lower_case) for char in word})
    vocab = list(RESERVED_TOKENS) + chars + [SUFFIX_INDICATOR + char for char in chars]
    ragged = make_tf_tokenizer(vocab, lower_case)(tf.constant(texts))
    return [join_wordpieces(vocab[i] for i in ids).split(" ") if ids else []
            for ids in ragged.to_list()]


# --- words ---------------------------------------------------------------------------------------

def test_words_examples():
    assert words("Hello, World! It's $5+3=8 (approx.)", lower_case=True) == [
        "hello", ",", "world", "!", "it", "'", "s", "$", "5", "+", "3", "=", "8", "(", "approx",
        ".", ")"]
    assert words("Café Straße ﬁne naïve", lower_case=True) == ["cafe", "strasse", "fine", "naive"]
    assert words("Café Straße", lower_case=False) == ["Café", "Straße"]
    assert words("東京は日本の首都 Tokyo", lower_case=False) == [
        "東", "京", "は", "日", "本", "の", "首", "都", "Tokyo"]  # hiragana is not split off
    assert words("a\u00a0b\tc\u200bd e\x07f soft\u00adhyphen", lower_case=True) == [
        "a", "b", "cd", "e", "f", "softhyphen"]  # ignorables vanish, controls split
    assert words("  ", lower_case=True) == []


def test_words_match_tensorflow_text_basic_tokenizer_on_the_sample(sentences):
    """`text.BertTokenizer`'s basic step (regex pre-tokenization) on every sample sentence."""
    from tensorflow_text.python.ops.bert_tokenizer import BasicTokenizer

    basic = BasicTokenizer(lower_case=True).tokenize(sentences).to_list()
    expected = [[word.decode("utf-8") for word in row] for row in basic]
    assert [words(sentence, lower_case=True) for sentence in sentences] == expected


@pytest.mark.parametrize("lower_case", [True, False])
def test_words_match_fast_bert_tokenizer_on_the_sample(sentences, lower_case):
    assert [words(s, lower_case) for s in sentences] == tf_words(sentences, lower_case)


def test_tokenizing_the_words_one_by_one_gives_the_sentence_ids(sentences):
    tokenizer = TokenizerSpec(str(bert_uncased_vocab_path()), lower_case=True).build()
    sample = sentences[::10]
    by_word = [sum(tokenizer.tokenize(words(s, lower_case=True)), []) for s in sample]
    assert by_word == tokenizer.tokenize(sample)


@pytest.mark.slow
@pytest.mark.parametrize("lower_case", [True, False])
def test_words_match_fast_bert_tokenizer_on_every_character(lower_case):
    """Every code point of the Basic Multilingual Plane that Python's Unicode database knows, as
    a word's middle and alone with an accent: splitting, whitespace, controls, case folding."""
    chars = [chr(code) for code in range(1, 0x10000)
             if not 0xD800 <= code < 0xE000 and unicodedata.category(chr(code)) != "Cn"]
    texts = [f"a{char}b {char}\u0301" for char in chars]
    expected = tf_words(texts, lower_case)
    wrong = [(text, mine, theirs) for text, mine, theirs in
             zip(texts, (words(text, lower_case) for text in texts), expected) if mine != theirs]
    assert wrong == [], f"{len(wrong)} differ (Python {sys.version_info[:2]}), e.g. {wrong[:5]}"


# --- learning ------------------------------------------------------------------------------------

def test_prune_keeps_the_characters_of_rare_words():
    assert prune_entry(("ab", 5), 2) == [("ab", 5)]
    assert prune_entry(("xé", 1), 2) == [("x", 1), ("é", 1)]
    assert sorted(prune_word_counts([("ab", 5), ("ba", 1), ("a", 2)], 2)) == [
        ("a", 3), ("ab", 5), ("b", 1)]


def test_learned_vocabulary_shape(learned):
    assert tuple(learned[:len(RESERVED_TOKENS)]) == RESERVED_TOKENS
    assert len(set(learned)) == len(learned)
    assert len(learned) <= LEARN["vocab_size"]
    assert len(learned) >= 0.9 * LEARN["vocab_size"]


def test_learned_vocabulary_covers_every_character(learned, word_counts):
    corpus_chars = {char for word in word_counts for char in word}
    assert corpus_chars <= set(learned)
    assert {SUFFIX_INDICATOR + char for char in corpus_chars} <= set(learned)


def test_learned_vocabulary_tokenizes_the_sample_compactly(learned_tokenizer, sentences,
                                                           word_counts):
    ids = learned_tokenizer.tokenize(sentences)
    n_tokens = sum(map(len, ids))
    n_words = sum(word_counts.values())
    n_chars = sum(len(word) * count for word, count in word_counts.items())
    assert n_tokens >= n_words
    assert sum(row.count(learned_tokenizer.unk_id) for row in ids) == 0
    assert n_tokens / n_words < 0.5 * n_chars / n_words  # ~1.8 tokens vs ~4.5 characters


def test_learn_vocab_does_not_depend_on_the_order_of_the_counts(word_counts):
    counts = prune_word_counts(word_counts.most_common(1500), MIN_WORD_COUNT)
    shuffled = random.Random(7).sample(counts, len(counts))
    assert learn_vocab(shuffled, **LEARN) == learn_vocab(counts, **LEARN)


def test_learn_vocab_in_beam_equals_the_pure_function(sentences, learned):
    from apache_beam.testing.util import assert_that, equal_to
    import apache_beam as beam
    from tests.corpus_run import local_test_pipeline

    with local_test_pipeline("--direct_running_mode=in_memory") as pipeline:
        vocab = (pipeline
                 | beam.Create(sentences)
                 | LearnVocab(lower_case=True, min_word_count=MIN_WORD_COUNT, **LEARN))
        assert_that(vocab, equal_to([learned]))


def test_write_vocab_round_trips_and_refuses_broken_lines(learned, learned_tokenizer, tmp_path):
    assert learned_tokenizer.vocab == learned
    with pytest.raises(ValueError, match="cannot be lines"):
        write_vocab(list(RESERVED_TOKENS) + ["a\nb"], str(tmp_path / "vocab.txt"))


@pytest.mark.parametrize("params", [LEARN, dict(vocab_size=500, num_iterations=2),
                                    dict(vocab_size=3000, lower_thresh=2, max_token_length=8)])
def test_learn_vocab_gives_tensorflow_texts_vocabulary(word_counts, params):
    """learn_vocab counts the learner's first iteration once for all thresholds of its binary
    search; the vocabulary must stay the library's, token for token."""
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    counts = sorted(prune_word_counts(word_counts.items(), MIN_WORD_COUNT),
                    key=lambda word_count: (-word_count[1], word_count[0]))
    params = {"upper_thresh": 10_000_000, **params}
    vocab_size = params.pop("vocab_size")
    expected = learner.learn(counts, vocab_size, list(RESERVED_TOKENS),
                             include_joiner_token=True, joiner=SUFFIX_INDICATOR, **params)
    assert learn_vocab(counts, vocab_size, **params) == expected
