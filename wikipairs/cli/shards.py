"""What a PATH on the command line means: which shard files, and the metadata.json and vocab.txt
that describe them.

PATH is a pairs directory (the one holding metadata.json), a job's output directory (holding
`pairs/`), a split directory of a pairs directory, a shard file or a glob of shard files; local or
any filesystem tf.io.gfile knows (gs://).

A directory is read only with its metadata.json, and then exactly the shards it lists: the
pipeline writes it last, so a directory without it is an unfinished run, refused. Shard files
named directly (a file or a glob) are read as they are; their metadata.json, when the pairs
directory above their split directory has one, still gives the vocab and max lengths
(`wikipairs stats 'out/pairs/train/ict-*'`) and what they are checked against.
"""
from __future__ import annotations

import dataclasses
import posixpath
from typing import Iterable

from schemas.pairs import (METADATA_FILE, PAIRS_DIR, SHARD_SUFFIX, SPLITS, TASKS, VOCAB_FILE,
                           IncompletePairs, PairsMetadata, committed_metadata, listed_files,
                           read_metadata, size_mismatch)


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


@dataclasses.dataclass(frozen=True)
class Shard:
    path: str  # what to open
    name: str  # what to print: relative to the pairs directory when there is one
    split: str | None  # from the name of the directory holding it
    task: str | None  # from the file name (`ict-00000-of-00004.tfrecord.gz`)


@dataclasses.dataclass(frozen=True)
class ShardSet:
    given: str
    shards: tuple[Shard, ...]
    pairs_dir: str | None
    metadata: PairsMetadata | None
    missing: tuple[str, ...] = ()  # listed in metadata.json but not found
    unlisted: tuple[str, ...] = ()  # found in the pairs directory but not in metadata.json
    # (shard name, why): listed shards whose size is not the one metadata.json lists
    mismatched: tuple[tuple[str, str], ...] = ()

    def refuse_mismatched(self) -> None:
        """A reader that is not `validate` stops at a shard that is not what metadata.json
        lists, naming it, rather than at an unreadable record later on."""
        if self.mismatched:
            name, why = self.mismatched[0]
            more = f" (and {len(self.mismatched) - 1} more)" if len(self.mismatched) > 1 else ""
            raise CliError(f"{name}: {why}{more}; `wikipairs validate {self.given}` checks "
                           "them all")

    def expected_counts(self) -> dict[tuple[str, str], int]:
        """metadata.json's record count of each (split, task) whose shards are all selected: the
        counts the records read must equal."""
        if self.metadata is None:
            return {}
        selected = {shard.name for shard in self.shards}
        return {(split, task): self.metadata.counts.get(split, {}).get(task, 0)
                for split, by_task in self.metadata.shards.items()
                for task, names in by_task.items() if set(names) <= selected}

    @property
    def is_whole(self) -> bool:
        """Every shard metadata.json lists is selected (so its totals apply)."""
        if self.metadata is None or self.missing:
            return False
        groups = sum(len(by_task) for by_task in self.metadata.shards.values())
        return len(self.expected_counts()) == groups

    @property
    def vocab_path(self) -> str | None:
        if self.pairs_dir is None or self.metadata is None:
            return None
        return join(self.pairs_dir, self.metadata.vocab_file or VOCAB_FILE)


def join(directory: str, name: str) -> str:
    return posixpath.join(directory.rstrip("/"), name)


def _gfile():
    from tensorflow.io import gfile

    return gfile


def load_metadata(path: str) -> PairsMetadata:
    try:
        return read_metadata(path)
    except (TypeError, ValueError) as error:
        raise CliError(f"{path} is not a metadata.json of schemas.pairs: {error}") from error


def shard_of(path: str, pairs_dir: str | None) -> Shard:
    directory, file_name = posixpath.split(path)
    split = posixpath.basename(directory)
    task = file_name.split("-", 1)[0]
    prefix = pairs_dir.rstrip("/") + "/" if pairs_dir else None
    name = path[len(prefix):] if prefix and path.startswith(prefix) else path
    return Shard(path, name, split if split in SPLITS else None, task if task in TASKS else None)


def _on_disk(pairs_dir: str) -> list[str]:
    return sorted(_gfile().glob(join(pairs_dir, f"*/*{SHARD_SUFFIX}")))


def _pairs_dir_above(files: Iterable[str]) -> str | None:
    """The pairs directory holding all `files` in its split directories, if it has metadata."""
    parents = {posixpath.dirname(posixpath.dirname(f)) for f in files}
    if len(parents) == 1:
        (parent,) = parents
        if _gfile().exists(join(parent, METADATA_FILE)):
            return parent
    return None


def _mismatched(shards: Iterable[Shard], metadata: PairsMetadata | None):
    if metadata is None or not metadata.shard_files:
        return ()
    gfile = _gfile()
    found = ((shard.name, size_mismatch(shard.name, gfile.stat(shard.path).length, metadata))
             for shard in shards if shard.name in metadata.shard_files)
    return tuple((name, why) for name, why in found if why)


def from_pairs_dir(given: str, pairs_dir: str, split: str | None = None) -> ShardSet:
    """The shards metadata.json lists (of one split, or all), never any other file."""
    try:
        metadata = committed_metadata(pairs_dir)
    except (TypeError, ValueError) as error:
        raise CliError(f"{join(pairs_dir, METADATA_FILE)} is not a metadata.json of "
                       f"schemas.pairs: {error}") from error
    listed = [join(pairs_dir, name) for name in listed_files(metadata, split)]
    on_disk = _on_disk(pairs_dir)
    if split is not None:
        on_disk = [path for path in on_disk if shard_of(path, pairs_dir).split == split]
    found = set(on_disk)
    present = tuple(shard_of(p, pairs_dir) for p in listed if p in found)
    return ShardSet(
        given, present, pairs_dir, metadata,
        missing=tuple(p for p in listed if p not in found),
        unlisted=tuple(sorted(found - set(listed))), mismatched=_mismatched(present, metadata))


def from_files(given: str, files: list[str]) -> ShardSet:
    from schemas.commit import is_temporary

    files = [f for f in files if not is_temporary(f)]  # a killed run's unfinished files
    if not files:
        raise CliError(f"no pair shards (*{SHARD_SUFFIX}) at {given}, only unfinished files")
    pairs_dir = _pairs_dir_above(files)
    metadata = load_metadata(join(pairs_dir, METADATA_FILE)) if pairs_dir else None
    shards = tuple(shard_of(path, pairs_dir) for path in files)
    listed = set(listed_files(metadata)) if metadata else set()
    unlisted = tuple(s.path for s in shards if metadata and s.name not in listed)
    return ShardSet(given, shards, pairs_dir, metadata, unlisted=unlisted,
                    mismatched=_mismatched(shards, metadata))


def resolve(path: str) -> ShardSet:
    """PATH -> the shards it means (see the module docstring)."""
    gfile = _gfile()
    trimmed = path.rstrip("/") if not path.endswith("://") else path
    if gfile.isdir(trimmed):
        for candidate in (trimmed, join(trimmed, PAIRS_DIR)):
            if gfile.exists(join(candidate, METADATA_FILE)):
                return from_pairs_dir(path, candidate)
        parent, name = posixpath.split(trimmed)
        if name in SPLITS and gfile.exists(join(parent, METADATA_FILE)):
            return from_pairs_dir(path, parent, split=name)
        holder = next((d for d in (trimmed, join(trimmed, PAIRS_DIR)) if _on_disk(d)),
                      parent if name in SPLITS else trimmed)
        try:
            committed_metadata(holder)
        except IncompletePairs as error:
            raise CliError(f"{path}: not a finished pairs directory: {error}") from None
    files = sorted(gfile.glob(trimmed))
    if not files:
        raise CliError(f"no pair shards (*{SHARD_SUFFIX}) or {METADATA_FILE} at {path}")
    return from_files(path, files)


def load_tokenizer(shard_set: ShardSet, vocab_path: str | None = None):
    """The tokenizer of the shards' ids: --vocab, else the vocab.txt metadata.json names."""
    from pipeline.tokenizer import TokenizerSpec

    path = vocab_path or shard_set.vocab_path
    if path is None:
        raise CliError(f"no {METADATA_FILE} next to {shard_set.given}: pass --vocab=vocab.txt")
    lower_case = shard_set.metadata.lower_case if shard_set.metadata else True
    return TokenizerSpec(path, lower_case).build()


def unk_id(shard_set: ShardSet, vocab_path: str | None = None) -> int | None:
    """The [UNK] id of the shards' vocabulary (--vocab, else the one metadata.json names), read
    with tf.io.gfile: what stats needs, without building a tokenizer (or importing Beam's
    filesystems, a second of start-up). None when there is no vocabulary to read."""
    from schemas.vocab import UNK, parse_vocab, reserved_ids

    path = vocab_path or shard_set.vocab_path
    if path is None:
        return None
    if not _gfile().exists(path):
        raise CliError(f"{path}: no such vocabulary file")
    with _gfile().GFile(path, "rb") as handle:
        return reserved_ids(parse_vocab(handle.read()))[UNK]


def has_text(shard_set: ShardSet) -> bool:
    """Whether the records hold query_text/doc_text: metadata's keep_text, else the first record."""
    if shard_set.metadata is not None:
        return shard_set.metadata.keep_text
    import tensorflow as tf

    from schemas.pairs import COMPRESSION, TEXT_FEATURES

    for shard in shard_set.shards:
        for raw in tf.data.TFRecordDataset(shard.path, COMPRESSION).take(1):
            names = tf.train.Example.FromString(raw.numpy()).features.feature
            return set(TEXT_FEATURES) <= set(names)
    return False
