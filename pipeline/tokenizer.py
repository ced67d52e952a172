"""The project's one WordPiece tokenizer: the Beam pipeline, the trainer's text-input SavedModel and
the CLI all build it from a `TokenizerSpec`, so a text gets the same ids everywhere.

It is tensorflow-text's `FastBertTokenizer` (BERT's normalization, pre-tokenization and WordPiece
in two C++ kernels), chosen by measurement (bench/tokenizer_bench.py): the same ids as
`BertTokenizer` on the sample, 8-9x faster, and it splits on all Unicode whitespace where
`BertTokenizer`'s regex does not. `make_tf_tokenizer(..., kind="bert")` builds `BertTokenizer` only
so that tests and the bench keep checking that the two agree.

TensorFlow is imported only when ids are first computed: importing this module is instant, and
`decode` (the CLI's use) never loads TensorFlow at all. The tokenizer's compiled models come from an
on-disk cache (`pipeline.tokenizer_models`), so a process builds one in ~0.07 s, not ~0.9 s.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Iterable, Sequence

from schemas.vocab import (FRAMING_TOKENS, RESERVED_TOKENS, SUFFIX_INDICATOR, UNK, parse_vocab,
                           read_bytes, reserved_ids, vocab_sha256)

# BERT's limit: a longer word becomes one [UNK] instead of dozens of single-character pieces.
MAX_BYTES_PER_WORD = 100


@dataclasses.dataclass(frozen=True)
class TokenizerSpec:
    """What defines the ids: the vocabulary file (local or gs://) and whether text is lower-cased
    (which for BERT also means NFD + accents stripped)."""

    vocab_path: str
    lower_case: bool

    def build(self) -> WordPieceTokenizer:
        """Reads the vocabulary; call once per worker (DoFn.setup) or per process."""
        return WordPieceTokenizer(self, read_bytes(self.vocab_path))


def join_wordpieces(tokens: Iterable[str]) -> str:
    """WordPiece tokens back to space-separated words: a '##' piece continues the previous word."""
    words: list[str] = []
    for token in tokens:
        if token.startswith(SUFFIX_INDICATOR) and len(token) > len(SUFFIX_INDICATOR) and words:
            words[-1] += token[len(SUFFIX_INDICATOR):]
        else:
            words.append(token)
    return " ".join(words)


def make_tf_tokenizer(vocab: Sequence[str], lower_case: bool, kind: str = "fast"):
    """A function: 1-D tf.string tensor -> RaggedTensor [batch, (tokens)] of int32 ids.

    kind="fast" is the project's tokenizer (FastBertTokenizer); kind="bert" is tensorflow-text's
    older BertTokenizer (regex pre-tokenization + lookup table), kept for comparison. int32 because
    that is what BERT encoders and TPU serving signatures take.
    """
    import tensorflow as tf
    import tensorflow_text as text

    with tf.init_scope():  # the vocab constants must not end up inside a caller's tf.function graph
        if kind == "fast":
            import numpy as np

            from pipeline.tokenizer_models import normalizer_model, wordpiece_model

            # The two compiled models from the cache (~0.07 s instead of ~0.9 s of compiling), as
            # uint8 tensors: tensorflow-text would otherwise copy the bytes through a Python list.
            def as_tensor(model: bytes):
                return tf.constant(np.frombuffer(model, dtype=np.uint8))

            tokenizer = text.FastBertTokenizer(
                token_out_type=tf.int32,
                fast_bert_normalizer_model_buffer=as_tensor(normalizer_model(lower_case)),
                fast_wordpiece_model_buffer=as_tensor(wordpiece_model(
                    vocab, SUFFIX_INDICATOR, MAX_BYTES_PER_WORD, UNK)))
            return tokenizer.tokenize
        if kind == "bert":
            table = tf.lookup.StaticVocabularyTable(
                tf.lookup.KeyValueTensorInitializer(
                    list(vocab), tf.range(len(vocab), dtype=tf.int64)), num_oov_buckets=1)
            tokenizer = text.BertTokenizer(
                table, suffix_indicator=SUFFIX_INDICATOR, max_bytes_per_word=MAX_BYTES_PER_WORD,
                token_out_type=tf.int64, unknown_token=UNK, lower_case=lower_case)
            # [batch, words, pieces] -> [batch, pieces]
            return lambda strings: tf.cast(tokenizer.tokenize(strings).merge_dims(-2, -1), tf.int32)
    raise ValueError(f"unknown tokenizer kind {kind!r} (expected 'fast' or 'bert')")


class WordPieceTokenizer:
    """Text <-> WordPiece ids, from a BERT vocab.txt (see `TokenizerSpec`).

    Pickles as its spec and vocabulary bytes (not the TensorFlow objects, rebuilt on first use), so
    a Beam DoFn may hold it even when the vocabulary file is only on the launching machine.
    """

    def __init__(self, spec: TokenizerSpec, vocab_bytes: bytes):
        self.spec = spec
        self.vocab_bytes = vocab_bytes
        self.vocab = parse_vocab(vocab_bytes)
        self.sha256 = vocab_sha256(vocab_bytes)
        ids = reserved_ids(self.vocab)
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = (
            ids[token] for token in RESERVED_TOKENS)
        self._framing_ids = frozenset(ids[token] for token in FRAMING_TOKENS)

    def __reduce__(self):
        return (WordPieceTokenizer, (self.spec, self.vocab_bytes))

    def __repr__(self) -> str:
        return (f"WordPieceTokenizer({self.spec.vocab_path!r}, lower_case={self.lower_case}, "
                f"vocab_size={self.vocab_size}, sha256={self.sha256[:12]}...)")

    @property
    def lower_case(self) -> bool:
        return self.spec.lower_case

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    # --- text -> ids ------------------------------------------------------------------------

    @functools.cached_property
    def _tf_tokenize(self):
        return make_tf_tokenizer(self.vocab, self.lower_case)

    def tf_tokenize(self, strings):
        """1-D tf.string tensor -> RaggedTensor [batch, (tokens)] of int32 ids, without [CLS]/[SEP].

        For use inside a tf.function or SavedModel; gives the same ids as `tokenize`.
        """
        return self._tf_tokenize(strings)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of each text, without [CLS]/[SEP]. Pass many texts per call (e.g. all sentences of
        an article): each call adds about 0.1 ms of dispatch (bench/tokenizer_bench.py)."""
        import tensorflow as tf

        if not texts:
            return []
        # Eager, not a tf.function: for an article's batch, calling a tf.function that returns a
        # RaggedTensor costs more than dispatching its few ops (bench/tokenizer_bench.py).
        ragged = self._tf_tokenize(tf.constant(list(texts), dtype=tf.string))
        # Two numpy arrays to lists and slices: a few times cheaper than RaggedTensor.to_list.
        ids, splits = ragged.flat_values.numpy().tolist(), ragged.row_splits.numpy().tolist()
        return [ids[start:end] for start, end in zip(splits, splits[1:])]

    # --- ids -> text ------------------------------------------------------------------------

    def id_to_token(self, token_id: int) -> str:
        token_id = int(token_id)
        if not 0 <= token_id < self.vocab_size:
            raise ValueError(f"id {token_id} is outside the vocabulary (size {self.vocab_size})")
        return self.vocab[token_id]

    def decode(self, ids: Iterable[int], *, show_special: bool = False) -> str:
        """Ids back to readable text: pieces joined into words, words separated by spaces.

        [CLS], [SEP] and [PAD] are dropped unless `show_special`, then they appear as markers
        ('[CLS] title [SEP] passage [SEP]'). [UNK] and [MASK] always appear. The text comes back
        in the tokenizer's normal form (lower-cased, accents stripped, punctuation spaced out).
        """
        hidden = frozenset() if show_special else self._framing_ids
        return join_wordpieces(self.id_to_token(i) for i in ids if int(i) not in hidden)
