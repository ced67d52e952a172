"""The project's tokenizer (pipeline/tokenizer.py) with the real bert-base-uncased vocabulary, on the
real sentences of the Wikipedia sample."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from pipeline.records import Article  # noqa: E402
from pipeline.sample_data import BERT_UNCASED_VOCAB, bert_uncased_vocab_path  # noqa: E402
from pipeline.vocab import words  # noqa: E402
from schemas.vocab import RESERVED_TOKENS  # noqa: E402
from pipeline.tokenizer import (  # noqa: E402
    TokenizerSpec, WordPieceTokenizer, join_wordpieces, make_tf_tokenizer)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def tokenizer() -> WordPieceTokenizer:
    return TokenizerSpec(str(bert_uncased_vocab_path()), lower_case=True).build()


@pytest.fixture(scope="module")
def articles(sample_article_sentences) -> list[list[str]]:
    return sample_article_sentences


@pytest.fixture(scope="module")
def sentences(sample_sentences) -> list[str]:
    return sample_sentences


@pytest.fixture(scope="module")
def sample_ids(tokenizer, sentences) -> list[list[int]]:
    return tokenizer.tokenize(sentences)


def tokens(tokenizer, text: str) -> list[str]:
    return [tokenizer.vocab[i] for i in tokenizer.tokenize([text])[0]]


# --- the vocabulary ----------------------------------------------------------------------------

def test_bert_uncased_vocab_facts(tokenizer):
    assert tokenizer.vocab_size == 30522
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.sep_id,
            tokenizer.mask_id) == (0, 100, 101, 102, 103)
    assert tokenizer.sha256 == BERT_UNCASED_VOCAB.sha256
    assert tokenizer.lower_case


def test_known_ids(tokenizer):
    assert tokenizer.tokenize(["the", "Hello World", "tokenization", "Café"]) == [
        [1996], [7592, 2088], [19204, 3989], [7668]]
    assert tokens(tokenizer, "tokenization") == ["token", "##ization"]


def test_no_cls_or_sep_added_and_empty_inputs(tokenizer):
    assert tokenizer.tokenize([]) == []
    assert tokenizer.tokenize(["", "the"]) == [[], [1996]]


def test_unknown_characters_map_to_unk(tokenizer):
    hieroglyph, snowman = "\U00013000", "\u2603"  # not in bert-base-uncased's vocabulary
    assert tokenizer.tokenize([f"hello {snowman} world"]) == [[7592, 100, 2088]]
    # WordPiece cannot piece a word around an unknown character: the whole word is [UNK].
    assert tokens(tokenizer, f"ab{hieroglyph}cd hello") == ["[UNK]", "hello"]
    assert tokens(tokenizer, "x" * 101) == ["[UNK]"]  # longer than BERT's 100 bytes per word


# --- FastBertTokenizer (ours) == BertTokenizer; tf_tokenize == tokenize -------------------------

def test_fast_and_classic_bert_tokenizers_agree_on_the_sample(tokenizer, sentences, sample_ids):
    import tensorflow as tf

    assert len(sentences) >= 1000
    classic = make_tf_tokenizer(tokenizer.vocab, lower_case=True, kind="bert")
    assert classic(tf.constant(sentences)).to_list() == sample_ids


def test_per_article_batches_give_the_same_ids(tokenizer, articles, sample_ids):
    assert [ids for article in articles for ids in tokenizer.tokenize(article)] == sample_ids


def test_tf_tokenize_inside_tf_function_matches_tokenize(tokenizer, sentences, sample_ids):
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def ids_in_graph(strings):
        return tokenizer.tf_tokenize(strings)

    ragged = ids_in_graph(tf.constant(sentences))
    assert ragged.dtype == tf.int32
    assert ragged.to_list() == sample_ids


def test_tf_tokenize_survives_a_saved_model(tokenizer, sentences, sample_ids, tmp_path):
    """The trainer's text-input SavedModel tokenizes in-graph: the vocabulary must go with it."""
    import tensorflow as tf

    class TextToIds(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, strings):
            return tokenizer.tf_tokenize(strings).to_tensor()

    tf.saved_model.save(TextToIds(), str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    padded = loaded(tf.constant(sentences[:200])).numpy().tolist()
    assert [row[:len(ids)] for row, ids in zip(padded, sample_ids)] == sample_ids[:200]
    assert all(set(row[len(ids):]) <= {tokenizer.pad_id} for row, ids in zip(padded, sample_ids))


# --- ids -> text ---------------------------------------------------------------------------------

def test_decode_gives_the_normalized_sentence(tokenizer, sentences, sample_ids):
    """Without [UNK], decoding is exact: the words of the sentence (lower-cased, accents
    stripped, punctuation split off), separated by single spaces."""
    plain = [(sentence, ids) for sentence, ids in zip(sentences, sample_ids)
             if tokenizer.unk_id not in ids]
    assert len(plain) >= 0.99 * len(sentences)
    for sentence, ids in plain:
        assert tokenizer.decode(ids) == " ".join(words(sentence, lower_case=True)), sentence
    assert tokenizer.decode(tokenizer.tokenize(["Straße café, naïve!"])[0]) == (
        "strasse cafe , naive !")


def test_decode_hides_or_shows_framing_tokens(tokenizer):
    title, passage = tokenizer.tokenize(["Anarchism", "It is a political philosophy."])
    framed = ([tokenizer.cls_id] + title + [tokenizer.sep_id] + passage + [tokenizer.sep_id]
              + [tokenizer.pad_id] * 2)
    assert tokenizer.decode(framed) == "anarchism it is a political philosophy ."
    assert tokenizer.decode(framed, show_special=True) == (
        "[CLS] anarchism [SEP] it is a political philosophy . [SEP] [PAD] [PAD]")
    assert tokenizer.decode([tokenizer.mask_id, tokenizer.unk_id]) == "[MASK] [UNK]"


def test_segment_ids_of_text_framed_with_the_bert_vocab(tokenizer, sample_results):
    """The export's in-graph framing of real titles and passages with BERT's vocabulary ([SEP] is
    102 there, 3 in a learned one), read by the tower's segment rule: `[CLS] title [SEP]` is
    segment 0, `passage [SEP]` segment 1, a query all 0."""
    import numpy as np
    import tensorflow as tf

    from schemas.framing import tf_frame_doc as frame_doc, tf_frame_query as frame_query
    from trainer.model import input_type_ids

    pages = [r for r in sample_results.values() if isinstance(r, Article)][:40]
    titles = [page.title for page in pages]
    texts = [" ".join(next(p for section in page.sections for p in section.passages))
             for page in pages]
    cls, sep = tokenizer.cls_id, tokenizer.sep_id
    framed = frame_doc(tokenizer.tf_tokenize(tf.constant(titles)),
                       tokenizer.tf_tokenize(tf.constant(texts)), cls, sep, 32, 288)
    title_lens = [min(len(ids), 32) for ids in tokenizer.tokenize(titles)]
    text_lens = [min(len(ids), 288 - 3 - t) for ids, t in zip(tokenizer.tokenize(texts),
                                                                 title_lens)]
    expected = [[0] * (t + 2) + [1] * (x + 1) + [0] * (288 - t - x - 3)
                for t, x in zip(title_lens, text_lens)]
    assert input_type_ids(framed).numpy().tolist() == expected
    queries = frame_query(tokenizer.tf_tokenize(tf.constant(texts)), cls, sep, 64)
    assert not np.any(input_type_ids(queries).numpy())


def test_decode_rejects_ids_outside_the_vocabulary(tokenizer):
    for bad in (-1, 30522):
        with pytest.raises(ValueError, match="outside the vocabulary"):
            tokenizer.decode([101, bad])


def test_join_wordpieces():
    assert join_wordpieces(["un", "##aff", "##able", ",", "ok", "#", "#"]) == "unaffable , ok # #"
    assert join_wordpieces(["##s", "a"]) == "##s a"  # nothing to continue


# --- building, pickling, importing ---------------------------------------------------------------

def test_pickles_without_tensorflow_state(tokenizer, sample_ids, sentences):
    tokenizer.tokenize(["warm"])  # the TensorFlow tokenizer now exists and must not be pickled
    data = pickle.dumps(tokenizer)
    assert len(data) < 2 * len(tokenizer.vocab_bytes)
    copy = pickle.loads(data)
    assert copy.sha256 == tokenizer.sha256 and copy.spec == tokenizer.spec
    assert copy.tokenize(sentences[:50]) == sample_ids[:50]


@pytest.mark.slow
def test_import_and_decode_do_not_load_tensorflow():
    """`import pipeline.tokenizer` and the CLI's decoding must not load TensorFlow."""
    script = (
        "import sys; import pipeline.tokenizer as t\n"
        "assert 'tensorflow' not in sys.modules\n"
        f"tok = t.TokenizerSpec({str(bert_uncased_vocab_path())!r}, True).build()\n"
        "text = tok.decode([101, 7592, 2088, 102], show_special=True)\n"
        "assert text == '[CLS] hello world [SEP]', text\n"
        "assert 'tensorflow' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO_ROOT)


@pytest.mark.slow
def test_tokenizing_loads_tensorflow_without_keras_3():
    """The pipeline's first tokenizing step imports TensorFlow; with the pipeline's flag that
    import loads tf_keras, not Keras 3 and scikit-learn (~0.9 CPU s more per worker)."""
    script = (
        "import os, sys; os.environ.pop('TF_USE_LEGACY_KERAS', None)\n"
        "import pipeline.tokenizer as t\n"
        f"tok = t.TokenizerSpec({str(bert_uncased_vocab_path())!r}, True).build()\n"
        "assert tok.tokenize(['hello world']) == [[7592, 2088]]\n"
        "assert 'tensorflow' in sys.modules\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'sklearn'))\n"
        "assert not loaded, loaded[:5]\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO_ROOT, env=env)


def write_lines(path, lines) -> str:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("lines, problem", [
    (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"], "lacks the reserved tokens"),
    (["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"], "must have id 0"),
    (list(RESERVED_TOKENS) + ["a", "a"], "twice"),
])
def test_rejects_vocabularies_the_project_cannot_use(tmp_path, lines, problem):
    with pytest.raises(ValueError, match=problem):
        TokenizerSpec(write_lines(tmp_path / "vocab.txt", lines), lower_case=True).build()


def test_vocab_lines_split_on_newline_only(tmp_path):
    odd = "a\u2028b"  # str.splitlines() would cut this token in two
    vocab = list(RESERVED_TOKENS) + [odd, "c"]
    tokenizer = TokenizerSpec(write_lines(tmp_path / "vocab.txt", vocab), lower_case=False).build()
    assert tokenizer.vocab == vocab
