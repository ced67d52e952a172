"""The framing of every id sequence a tower reads: the pair shards' ids, ReQA's candidates and
the SavedModels' text inputs are framed by this one rule, written here twice (Python for the
pipeline and ReQA, TensorFlow for the in-graph framing of exported towers) so the two sit side by
side; tests check them equal on real text.

    query:     [CLS] text [SEP]                the text cut to max_len - 2 tokens
    document:  [CLS] title [SEP] text [SEP]    the title cut to max_title_tokens first, the text
                                               to what is left: max_len - 3 - len(title)

Ids are padded with [PAD] = 0 (schemas/vocab.py) to a tower's fixed length.
"""
from __future__ import annotations

from typing import Sequence


def query_room(max_len: int) -> int:
    return max_len - 2


def doc_room(max_len: int, title_len: int) -> int:
    return max_len - 3 - title_len


def frame_query(text_ids: Sequence[int], cls_id: int, sep_id: int,
                max_len: int) -> tuple[tuple[int, ...], bool]:
    """(framed ids, whether the text was cut)."""
    room = query_room(max_len)
    return (cls_id, *text_ids[:room], sep_id), len(text_ids) > room


def frame_doc(title_ids: Sequence[int], text_ids: Sequence[int], cls_id: int, sep_id: int,
              max_len: int) -> tuple[tuple[int, ...], bool]:
    """(framed ids, whether the text was cut); `title_ids` already cut to max_title_tokens."""
    room = doc_room(max_len, len(title_ids))
    return (cls_id, *title_ids, sep_id, *text_ids[:room], sep_id), len(text_ids) > room


# --- the same rule in TensorFlow, on ragged token ids [batch, (n)] -> int32 [batch, max_len] ----

def tf_frame_query(token_ids, cls_id: int, sep_id: int, max_len: int):
    import tensorflow as tf

    body = token_ids[:, :query_room(max_len)]
    return _pad(tf.concat([_column(body, cls_id), body, _column(body, sep_id)], axis=1), max_len)


def tf_frame_doc(title_ids, text_ids, cls_id: int, sep_id: int, max_title_tokens: int,
                 max_len: int):
    import tensorflow as tf

    title = title_ids[:, :max_title_tokens]
    room = doc_room(max_len, title.row_lengths())
    keep = tf.ragged.range(text_ids.row_lengths()) < tf.expand_dims(room, 1)
    body = tf.ragged.boolean_mask(text_ids, keep)
    framed = tf.concat([_column(title, cls_id), title, _column(title, sep_id), body,
                        _column(title, sep_id)], axis=1)
    return _pad(framed, max_len)


def _column(ragged, token_id: int):
    import tensorflow as tf

    return tf.RaggedTensor.from_tensor(
        tf.fill([ragged.nrows(), 1], tf.constant(token_id, ragged.dtype)))


def _pad(ragged, max_len: int):
    return ragged.to_tensor(default_value=0, shape=[None, max_len])
