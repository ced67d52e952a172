"""The split rules as pure functions: article splits, pair splits, and held-out text in train."""
from __future__ import annotations

import pytest

from pipeline.splits import (HeldOutText, hash64, held_out_keys, leaks, pair_split, split_of)

FRACTIONS = (0.6, 0.2, 0.2)


def _ids_in(split, count):
    return [i for i in range(10_000) if split_of(i, FRACTIONS) == split][:count]


def test_hash64_is_blake2b_of_the_utf8_text():
    import hashlib

    digest = hashlib.blake2b("Zürich".encode("utf-8"), digest_size=8).digest()
    assert hash64("Zürich") == int.from_bytes(digest, "little") < 2**64


def test_a_pair_is_in_its_articles_split_and_never_across():
    (a, b), (c,) = _ids_in("valid", 2), _ids_in("train", 1)
    assert pair_split(a, b, FRACTIONS) == "valid"
    with pytest.raises(ValueError, match="two splits"):
        pair_split(a, c, FRACTIONS)


def test_held_out_text_is_found_by_exact_text():
    held_out = HeldOutText([held_out_keys("Paris is the capital.", "Some passage. More."),
                            held_out_keys("Rome was not built in a day.", "Another passage.")])
    # the held-out query as a training query, as a sentence of a training document
    assert leaks("Paris is the capital.", ["x."], "x.", held_out)
    assert leaks("Unrelated.", ["First.", "Rome was not built in a day."],
                 "First. Rome was not built in a day.", held_out)
    # the held-out document as a training document
    assert leaks("Unrelated.", ["Some passage.", "More."], "Some passage. More.", held_out)
    # near misses are not the same text
    assert not leaks("Paris is the capital!", ["Some passage."], "Some passage.", held_out)
    assert not leaks("Another passage.", ["Rome."], "Rome.", held_out)  # a held-out doc, as query


def test_no_held_out_pairs_means_nothing_leaks():
    assert not leaks("Anything.", ["At all."], "At all.", HeldOutText())
