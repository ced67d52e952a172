"""vocab.txt, the WordPiece vocabulary every pair shard's ids refer to (BERT's format): one token
per line, the line number is the id; the reserved tokens the project relies on; the sha256 by
which metadata.json and model_dirs name a vocabulary. The tokenizer that reads it is
pipeline/tokenizer.py."""
from __future__ import annotations

import hashlib
from typing import Sequence


RESERVED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD, UNK, CLS, SEP, MASK = RESERVED_TOKENS


SUFFIX_INDICATOR = "##"


# Tokens that frame or pad a sequence rather than stand for text: `decode` hides them by default.
FRAMING_TOKENS = (PAD, CLS, SEP)


def read_bytes(path: str) -> bytes:
    """A whole file, local or on any filesystem Beam knows (gs://, ...)."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


def vocab_sha256(vocab_bytes: bytes) -> str:
    """What metadata.json and model_dirs record of a vocabulary: ids mean the same tokens only
    under the same file."""
    return hashlib.sha256(vocab_bytes).hexdigest()


def parse_vocab(data: bytes) -> list[str]:
    """A BERT vocab.txt: one token per line, the line number is the id.

    Split on '\\n' only: `str.splitlines` would also split on U+2028, U+0085 and others that a
    token may legitimately hold.
    """
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def reserved_ids(vocab: Sequence[str]) -> dict[str, int]:
    """Ids of the reserved tokens, checking what the rest of the project relies on."""
    index = {}
    for token_id, token in enumerate(vocab):
        if token in index:
            raise ValueError(f"vocabulary has {token!r} twice (ids {index[token]} and {token_id})")
        index[token] = token_id
    missing = [token for token in RESERVED_TOKENS if token not in index]
    if missing:
        raise ValueError(f"vocabulary lacks the reserved tokens {missing}")
    if index[PAD] != 0:
        # Padding is done by zero-filling (RaggedTensor.to_tensor, tf.data padded_batch).
        raise ValueError(f"{PAD} must have id 0, has {index[PAD]}")
    return {token: index[token] for token in RESERVED_TOKENS}
