"""Which split a pair goes to, and the rules that keep held-out text out of train.

Articles are split by a hash of their id, and a pair lands in the split of its articles: the
samplers only pair articles of one split (WLP's two articles included). Text is not unique to an
article, though: a quotation, a stock phrase or a copied paragraph can stand in several. So a
training pair is also dropped when its query or any sentence of its document is the query
sentence of a held-out pair, or its document is a held-out document (exact text, 64-bit hashes).
Held-out pairs are left as drawn, so the held-out sets stay an unbiased sample of their articles.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import numpy as np

from schemas.pairs import SPLITS as SPLIT_NAMES

TRAIN = SPLIT_NAMES[0]


def hash64(text: str) -> int:
    """A 64-bit hash that is the same in every process and on every run (unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def split_of(article_id: int, fractions: Sequence[float], names=SPLIT_NAMES) -> str:
    """Train/valid/test by a hash of an article's id: an article is in one split only."""
    point = hash64(str(article_id)) / 2**64
    total = 0.0
    for name, fraction in zip(names, fractions):
        total += fraction / sum(fractions)
        if point < total:
            return name
    return names[len(fractions) - 1]


def pair_split(query_article_id: int, doc_article_id: int, fractions: Sequence[float]) -> str:
    """The split of both articles of a pair (ValueError if they differ: a sampler's bug)."""
    split = split_of(query_article_id, fractions)
    if split_of(doc_article_id, fractions) != split:
        raise ValueError(f"a pair joins articles {query_article_id} and {doc_article_id} "
                         "of two splits")
    return split


# A pair's text as the held-out rules compare it: (query key, document key, key of each sentence
# of the document), 64-bit hashes computed once, where the pair is drawn.
TextKeys = tuple[int, ...]


def text_keys(query_text: str, doc_sentences: Iterable[str], doc_text: str) -> TextKeys:
    return (hash64(query_text), hash64(doc_text), *(hash64(s) for s in doc_sentences))


def held_out_keys(query_text: str, doc_text: str) -> tuple[int, int]:
    """What a held-out pair forbids in train: its query sentence and its document."""
    return hash64(query_text), hash64(doc_text)


def leaks(query_text: str, doc_sentences: Iterable[str], doc_text: str,
          held_out: "HeldOutText") -> bool:
    """Whether a training pair carries held-out text: its query or a sentence of its document is
    a held-out query sentence, or its document is a held-out document."""
    return keys_leak(text_keys(query_text, doc_sentences, doc_text), held_out)


def keys_leak(keys: TextKeys, held_out: "HeldOutText") -> bool:
    """`leaks`, on a pair's `text_keys`."""
    query, doc, *sentences = keys
    return held_out.has_query([query, *sentences]) or held_out.has_doc(doc)


class HeldOutText:
    """The held-out query sentences and documents as sorted uint64 arrays: 16 bytes per held-out
    pair, so even the English Wikipedia's held-out sets are a small side input."""

    def __init__(self, keys: Iterable[tuple[int, int]] = ()):
        keys = list(keys)
        self.queries = np.unique(np.array([q for q, _ in keys], np.uint64))
        self.docs = np.unique(np.array([d for _, d in keys], np.uint64))

    @staticmethod
    def _contains(sorted_keys: np.ndarray, keys) -> bool:
        keys = np.asarray(keys, np.uint64)
        at = np.searchsorted(sorted_keys, keys)
        at = np.minimum(at, max(len(sorted_keys) - 1, 0))
        return bool(len(sorted_keys) and np.any(sorted_keys[at] == keys))

    def has_query(self, keys: Sequence[int]) -> bool:
        return self._contains(self.queries, keys)

    def has_doc(self, key: int) -> bool:
        return self._contains(self.docs, [key])
