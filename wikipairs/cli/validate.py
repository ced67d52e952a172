"""`wikipairs validate`: is every shard readable and every record what schemas/pairs.py and
metadata.json say it is?

Each shard is read batch by batch, shards in parallel threads; each batch is checked at once
(`wikipairs.cli.record_checks`). A shard that stops being readable (truncated or corrupted GZIP, TFRecord
CRC mismatch) is inflated again by `wikipairs.cli.salvage` to name the first record lost. Then metadata.json,
the vocab and the counts per split and task.
"""
from __future__ import annotations

import collections
import dataclasses
from concurrent.futures import ThreadPoolExecutor

from wikipairs.cli.record_checks import Expectations, batch_problems
from wikipairs.cli.salvage import salvage
from wikipairs.cli.shards import CliError, Shard, ShardSet, load_tokenizer
from schemas.pairs import PAIRS_SCHEMA_VERSION


@dataclasses.dataclass(frozen=True)
class Problem:
    where: str  # a shard's name, metadata.json, vocab.txt or 'split/task'
    record: int | None  # record number in the shard (from 0), when it is about one record
    what: str
    kind: str  # for the summary: integrity, feature, value, length, ids, framing, task, ...

    def __str__(self) -> str:
        at = f"record {self.record}: " if self.record is not None else ""
        return f"{self.where}: {at}{self.what}"


@dataclasses.dataclass(frozen=True)
class ValidateConfig:
    batch_size: int = 1024
    parallel_files: int = 0
    progress: bool = True


@dataclasses.dataclass
class ShardCheck:
    shard: Shard
    records: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)


# --- shards -------------------------------------------------------------------------------------


def check_shard(shard: Shard, expectations: Expectations, batch_size: int, progress) -> ShardCheck:
    import tensorflow as tf

    from wikipairs.cli.read import READ_BUFFER_BYTES
    from schemas.pairs import COMPRESSION

    check = ShardCheck(shard)

    def add(batch) -> None:
        found = batch_problems(batch, expectations, shard.task)
        check.problems.extend(Problem(shard.name, check.records + i, what, kind)
                              for i, kind, what in found)
        check.records += int(batch.shape[0])
        progress.update(int(batch.shape[0]))

    batches = iter(tf.data.TFRecordDataset(shard.path, COMPRESSION, READ_BUFFER_BYTES)
                   .batch(batch_size).prefetch(1))
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return check
        except tf.errors.OpError:
            break
        add(batch)
    readable, reason = salvage(shard.path, check.records)
    if readable:
        add(tf.constant(readable))
    check.problems.append(Problem(shard.name, check.records,
                                  f"unreadable ({reason}); the rest of the shard is not checked",
                                  "integrity"))
    return check


# --- the whole set ------------------------------------------------------------------------------


def metadata_problems(shard_set: ShardSet, vocab: str | None) -> tuple[list[Problem], object]:
    """Problems of metadata.json, the shard listing and the vocab; and the tokenizer (or None)."""
    from schemas.pairs import METADATA_FILE

    problems = [Problem(path, None, "listed in metadata.json but missing", "listing")
                for path in shard_set.missing]
    problems += [Problem(path, None, "a shard that metadata.json does not list", "listing")
                 for path in shard_set.unlisted]
    problems += [Problem(name, None, why, "integrity") for name, why in shard_set.mismatched]
    metadata = shard_set.metadata
    if metadata is not None and metadata.schema_version != PAIRS_SCHEMA_VERSION:
        problems.append(Problem(METADATA_FILE, None, f"schema_version {metadata.schema_version}, "
                                f"this wikipairs reads {PAIRS_SCHEMA_VERSION}", "metadata"))
    try:
        tokenizer = load_tokenizer(shard_set, vocab)
    except CliError:
        return problems, None  # no vocab to check against: said in the summary
    except Exception as error:  # a missing or malformed vocab.txt
        problems.append(Problem(vocab or shard_set.vocab_path, None, f"unusable vocab: {error}",
                                "vocab"))
        return problems, None
    if metadata is not None:
        for field, value in (("vocab_size", tokenizer.vocab_size),
                             ("vocab_sha256", tokenizer.sha256)):
            if getattr(metadata, field) != value:
                problems.append(Problem(tokenizer.spec.vocab_path, None,
                                        f"{field} is {value}, metadata.json says "
                                        f"{getattr(metadata, field)}", "vocab"))
    return problems, tokenizer


def expectations_of(shard_set: ShardSet, tokenizer) -> Expectations:
    metadata = shard_set.metadata
    return Expectations(
        vocab_size=(tokenizer.vocab_size if tokenizer
                    else metadata.vocab_size if metadata else None),
        cls_id=tokenizer.cls_id if tokenizer else None,
        sep_id=tokenizer.sep_id if tokenizer else None,
        max_lengths={"query": metadata.max_query_len, "doc": metadata.max_doc_len}
        if metadata else None,
        keep_text=metadata.keep_text if metadata else None)


def count_problems(shard_set: ShardSet, checks: list[ShardCheck]) -> list[Problem]:
    """Records per shard, and per split and task (summed over the group's shards), against
    metadata.json."""
    if shard_set.metadata is None:
        return []
    read = {check.shard.name: check.records for check in checks}
    problems = []
    for name, got in sorted(read.items()):
        expected = shard_set.metadata.shard_files.get(name, {}).get("records")
        if expected is not None and got != expected:
            problems.append(Problem(name, None, f"{got:,} records read, metadata.json lists "
                                    f"{expected:,}", "count"))
    for (split, task), expected in sorted(shard_set.expected_counts().items()):
        names = shard_set.metadata.shards.get(split, {}).get(task, [])
        got = sum(read.get(name, 0) for name in names)
        if got != expected:
            problems.append(Problem(f"{split}/{task}", None, f"{got:,} records read, "
                                    f"metadata.json counts {expected:,}", "count"))
    return problems


@dataclasses.dataclass
class ValidateResult:
    shards: int
    records: int
    problems: list[Problem]
    notes: list[str]


def validate(shard_set: ShardSet, config: ValidateConfig,
             vocab: str | None = None) -> ValidateResult:
    from pipeline.progress import make_progress
    from wikipairs.cli.read import ReadConfig

    problems, tokenizer = metadata_problems(shard_set, vocab)
    expectations = expectations_of(shard_set, tokenizer)
    notes = []
    if shard_set.metadata is None:
        notes.append("no metadata.json: max lengths, text features and counts not checked")
    if tokenizer is None:
        notes.append("no vocab.txt (pass --vocab): [CLS]/[SEP] framing not checked"
                     + ("" if expectations.vocab_size else ", nor ids against the vocab size"))
    total = sum(shard_set.expected_counts().values()) if shard_set.is_whole else None
    progress = make_progress("validate", total, config.progress)
    workers = ReadConfig(parallel_files=config.parallel_files).cycle_length(len(shard_set.shards))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            checks = list(pool.map(
                lambda shard: check_shard(shard, expectations, config.batch_size, progress),
                shard_set.shards))
    finally:
        progress.close()
    problems += [p for check in checks for p in check.problems]
    problems += count_problems(shard_set, checks)
    return ValidateResult(len(shard_set.shards), sum(c.records for c in checks), problems, notes)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def render(result: ValidateResult, given: str, max_problems: int) -> str:
    lines = [str(p) for p in result.problems[:max_problems]]
    if len(result.problems) > max_problems:
        lines.append(f"... and {len(result.problems) - max_problems:,} more problems")
    lines += [f"note: {note}" for note in result.notes]
    if result.problems:
        kinds = collections.Counter(p.kind for p in result.problems)
        places = len({p.where for p in result.problems})
        lines.append(f"FAILED: {_count(len(result.problems), 'problem')} ("
                     + ", ".join(f"{k} {n:,}" for k, n in kinds.most_common())
                     + f") in {_count(places, 'place')}; {result.records:,} records read from "
                     f"{_count(result.shards, 'shard')} of {given}")
    else:
        lines.append(f"OK: {result.records:,} records in {_count(result.shards, 'shard')} of "
                     f"{given} pass every check")
    return "\n".join(lines)
