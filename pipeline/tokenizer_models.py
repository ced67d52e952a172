"""The two compiled models inside `FastBertTokenizer` (its normalization table and its WordPiece
trie), cached on disk under the wikipairs cache (`pipeline.sample_data.cache_root`).

tensorflow-text compiles both each time a tokenizer is built: about 0.9 CPU s for BERT's vocabulary,
the normalization table (the same for every vocabulary) alone 0.55 s, paid by every process that
tokenizes (each pipeline worker, each trainer export), while loading the compiled bytes takes
0.04 s. The bytes depend only on the tensorflow-text version and the options named in the key, and
tensorflow-text's builders are deterministic, so a cached model gives the very ids a fresh build
gives (tests/test_tokenizer_models.py). A cache file stores the sha256 of its payload: a damaged
or partial file is rebuilt, never fed to the C++ kernels; an unwritable cache only costs the build.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile
from typing import Callable, Sequence

DIGEST_BYTES = 32  # sha256 of the payload, written before it


def cache_dir() -> pathlib.Path:
    from pipeline.sample_data import cache_root

    return cache_root() / "tokenizer"


def cache_path(name: str, key: dict) -> pathlib.Path:
    """The file of one compiled model: its name and a hash of everything that determines it."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    return cache_dir() / f"{name}-{digest}.bin"


def read_verified(path: pathlib.Path) -> bytes | None:
    """The payload of a cache file, or None when it is missing or does not match its sha256."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, payload = data[:DIGEST_BYTES], data[DIGEST_BYTES:]
    return payload if payload and hashlib.sha256(payload).digest() == digest else None


def write_atomically(path: pathlib.Path, payload: bytes) -> None:
    """Digest + payload, renamed into place: concurrent writers of the same model each leave a
    whole file. A cache that cannot be written is skipped silently (the model is still built)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp",
                                         delete=False) as handle:
            handle.write(hashlib.sha256(payload).digest() + payload)
        os.replace(handle.name, path)
    except OSError:
        pass


def cached_model(name: str, key: dict, build: Callable[[], bytes]) -> bytes:
    """The cached compiled model `name` for `key`, built (and cached) when absent or damaged."""
    path = cache_path(name, key)
    payload = read_verified(path)
    if payload is None:
        payload = build()
        write_atomically(path, payload)
    return payload


def _tf_text_version() -> str:
    from importlib.metadata import version

    return version("tensorflow-text")


def normalizer_model(lower_case: bool) -> bytes:
    """FastBertNormalizer's table: lower-casing + NFD + accent stripping, or control characters
    only."""
    from tensorflow_text.core.pybinds import pywrap_fast_bert_normalizer_model_builder as builder

    key = {"tensorflow_text": _tf_text_version(), "lower_case_nfd_strip_accents": lower_case}
    return cached_model("fast_bert_normalizer", key,
                        lambda: builder.build_fast_bert_normalizer_model(lower_case))


def wordpiece_model(vocab: Sequence[str], suffix_indicator: str, max_bytes_per_word: int,
                    unknown_token: str) -> bytes:
    """FastWordpieceTokenizer's trie of `vocab`, with BERT's pre-tokenization and no
    detokenization (what `FastBertTokenizer` builds by default)."""
    from tensorflow_text.core.pybinds import pywrap_fast_wordpiece_tokenizer_model_builder as builder

    vocab = list(vocab)
    key = {"tensorflow_text": _tf_text_version(),
           "vocab_sha256": hashlib.sha256("\n".join(vocab).encode()).hexdigest(),
           "suffix_indicator": suffix_indicator, "max_bytes_per_word": max_bytes_per_word,
           "unknown_token": unknown_token, "no_pretokenization": False,
           "support_detokenization": False}
    return cached_model("fast_wordpiece", key, lambda: builder.build_fast_wordpiece_model(
        vocab, max_bytes_per_word, suffix_indicator, unknown_token, False, False))
