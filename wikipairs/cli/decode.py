"""A pair's ids back to text, as `show` prints them and `export --text` stores them.

The outer [CLS] ... [SEP] are dropped; the document keeps its inner [SEP], so it reads
'title [SEP] passage', which is what the document tower sees. Words come back in the tokenizer's
normal form (lower-cased and accent-stripped for an uncased vocab).
"""
from __future__ import annotations

from typing import Sequence

from pipeline.tokenizer import WordPieceTokenizer


def without_framing(ids: Sequence[int], cls_id: int, sep_id: int) -> list[int]:
    """ids without a leading [CLS] and a trailing [SEP] (each only when there)."""
    ids = [int(i) for i in ids]
    start = 1 if ids[:1] == [cls_id] else 0
    end = len(ids) - 1 if len(ids) > start and ids[-1] == sep_id else len(ids)
    return ids[start:end]


def decode_side(tokenizer: WordPieceTokenizer, ids: Sequence[int]) -> str:
    inner = without_framing(ids, tokenizer.cls_id, tokenizer.sep_id)
    return tokenizer.decode(inner, show_special=True)
