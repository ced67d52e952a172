"""`wikipairs stats`: one pass over the shards, a report of what they hold.

The work per record is done on whole batches: tf.data parses a batch and reduces it to a few
numbers per record (task, lengths, [UNK] counts, article ids, a fingerprint of the pair's ids),
in parallel, as each file is read; numpy adds those arrays into running counts
(`wikipairs.cli.tally`). No Python runs per record.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from wikipairs.cli import tally
from wikipairs.cli.shards import ShardSet
from schemas.pairs import SPLITS, TASKS

SIDES = ("query", "doc")
GROUPS = (*TASKS, "other")  # 'other': a task value the schema does not know
SPLIT_GROUPS = (*SPLITS, "other")  # 'other': a shard outside train/valid/test directories
# What the per-batch summary needs: parsing fewer features is cheaper.
STATS_FEATURES = ("task", "query_ids", "doc_ids", "query_article_id", "doc_article_id",
                  "doc_title")
# The per-record numbers of a batch summary, the rows of its one int64 matrix (one tensor to
# hand over to numpy per batch rather than eight).
NUMBERS = ("task", "query_len", "doc_len", "query_unk", "doc_unk", "query_article",
           "doc_article", "pair")


@dataclasses.dataclass(frozen=True)
class StatsConfig:
    batch_size: int = 1024
    parallel_files: int = 0
    top_articles: int = 10
    progress: bool = True


def pair_fingerprints(query, doc):
    """One 64-bit fingerprint per pair of ragged id rows, the same for equal pairs in any batch:
    the duplicate count. Each row is hashed from its ids' bytes, unpadded: the batch's ids in one
    string (serialize_tensor: a header, then the values' bytes in order), a [pairs, 2] tensor of
    substrings of it (query, doc), and tf.fingerprint of each pair hashes both strings, then the
    two hashes, so where query ends and doc begins counts. Ids as int32: vocabulary ids fit
    (`validate` checks they are below the vocab size). 64 bits: ~1M pairs (the bench) collide
    with probability ~3e-8, 1e9 pairs ~3%, and a collision miscounts one pair."""
    import tensorflow as tf

    values = tf.concat([tf.cast(query.flat_values, tf.int32), tf.cast(doc.flat_values, tf.int32)],
                       axis=0)
    blob = tf.io.serialize_tensor(values)
    header = tf.strings.length(blob) - 4 * tf.size(values)
    splits = [tf.cast(query.row_splits, tf.int32),
              tf.cast(doc.row_splits, tf.int32) + tf.size(query.flat_values)]
    starts = tf.stack([s[:-1] for s in splits], axis=1)
    lengths = tf.stack([s[1:] - s[:-1] for s in splits], axis=1)
    pairs = tf.strings.substr(blob, header + 4 * starts, 4 * lengths)
    return tf.bitcast(tf.fingerprint(pairs), tf.int64)


def batch_summary_fn(unk_id: int):
    """A tf function: a batch of serialized records -> per-record numbers (see module doc)."""
    import tensorflow as tf

    from wikipairs.cli.read import parse

    tasks = tf.constant(TASKS)

    def task_codes(task):
        matches = tf.equal(task[:, None], tasks[None, :])
        known = tf.reduce_any(matches, axis=1)
        return tf.where(known, tf.argmax(tf.cast(matches, tf.int32), 1, output_type=tf.int32),
                        len(TASKS))

    def count_unk(ids):
        """[UNK]s per row, from the few positions that hold one (a ragged reduce_sum costs more
        than the parsing: it builds a segment id per token)."""
        splits = ids.row_splits
        at = tf.cast(tf.where(tf.equal(ids.flat_values, unk_id))[:, 0], splits.dtype)
        rows = tf.searchsorted(splits, at, side="right") - 1
        return tf.math.bincount(rows, minlength=tf.size(splits) - 1, dtype=tf.int64)

    def summarize(batch):
        f = parse(batch["serialized"], names=STATS_FEATURES)
        query, doc = f["query_ids"], f["doc_ids"]
        docs, index = tf.unique(f["doc_article_id"])
        first = tf.math.unsorted_segment_min(tf.range(tf.size(index)), index, tf.size(docs))
        numbers = {"task": tf.cast(task_codes(f["task"]), tf.int64),
                   "query_len": tf.cast(query.row_lengths(), tf.int64),
                   "doc_len": tf.cast(doc.row_lengths(), tf.int64),
                   "query_unk": count_unk(query), "doc_unk": count_unk(doc),
                   "query_article": f["query_article_id"], "doc_article": f["doc_article_id"],
                   "pair": pair_fingerprints(query, doc)}
        return {"file": batch["file"], "numbers": tf.stack([numbers[n] for n in NUMBERS]),
                "batch_docs": docs, "batch_doc_titles": tf.gather(f["doc_title"], first)}

    return summarize


class StatsAccumulator:
    """Adds the per-batch summaries up (numpy, per batch)."""

    def __init__(self, split_of_file: list[int]):
        self.split_of_file = split_of_file
        self.records = np.zeros((len(SPLIT_GROUPS), len(GROUPS)), np.int64)
        self.lengths = {side: tally.GroupedBincount(len(GROUPS)) for side in SIDES}
        self.unk_tokens = {side: np.zeros(len(GROUPS)) for side in SIDES}
        self.unk_records = {side: np.zeros(len(GROUPS), np.int64) for side in SIDES}
        self.query_articles = tally.ValueCounts()
        self.doc_articles = tally.ValueCounts()
        self.pairs = tally.ValueCounts()
        self.titles = tally.TitleBook()

    def add(self, summary: dict) -> int:
        # Copies of the rows the value counts keep until their next merge (a view would keep
        # the whole batch's numbers).
        numbers = dict(zip(NUMBERS, summary["numbers"]))
        task = numbers["task"]
        groups = len(GROUPS)
        self.records[self.split_of_file[summary["file"]]] += np.bincount(task, minlength=groups)
        for side in SIDES:
            self.lengths[side].add(task, numbers[f"{side}_len"])
            unk = numbers[f"{side}_unk"]
            self.unk_tokens[side] += np.bincount(task, weights=unk, minlength=groups)
            self.unk_records[side] += np.bincount(task[unk > 0], minlength=groups)
        self.query_articles.add(numbers["query_article"].copy())
        self.doc_articles.add(numbers["doc_article"].copy())
        self.pairs.add(numbers["pair"].copy())
        self.titles.add(summary["batch_docs"], summary["batch_doc_titles"], self.doc_articles)
        return int(task.size)


def _split_index(split: str | None) -> int:
    return SPLIT_GROUPS.index(split) if split in SPLITS else len(SPLITS)


def compute_stats(shard_set: ShardSet, config: StatsConfig, unk_id: int | None,
                  max_lengths: dict[str, int] | None) -> dict:
    """Reads every shard once and returns the report (see `report`)."""
    from pipeline.progress import make_progress
    from wikipairs.cli.read import ReadConfig, record_batches

    summarize = batch_summary_fn(-1 if unk_id is None else unk_id)
    read = ReadConfig(config.batch_size, config.parallel_files)
    dataset = record_batches([s.path for s in shard_set.shards], read, summarize)
    accumulator = StatsAccumulator([_split_index(s.split) for s in shard_set.shards])
    expected = shard_set.expected_counts()
    progress = make_progress("stats", sum(expected.values()) if shard_set.is_whole else None,
                             config.progress)
    try:
        for summary in dataset.as_numpy_iterator():
            progress.update(accumulator.add(summary))
    finally:
        progress.close()
    return report(accumulator, shard_set, config.top_articles, unk_id is not None, max_lengths)


def shown_tasks(accumulator: StatsAccumulator, shard_set: ShardSet) -> tuple[str, ...]:
    """The tasks a report has rows for: those the shards hold or metadata.json counts (pre-training
    pairs show no empty `reqa` column, fine-tuning pairs no empty ict/bfs/wlp)."""
    per_task = accumulator.records.sum(axis=0)
    expected = {task for _, task in shard_set.expected_counts()}
    return tuple(task for i, task in enumerate(TASKS) if per_task[i] or task in expected)


def _by_task(row: np.ndarray, shown: tuple[str, ...]) -> dict[str, int]:
    """{task: n} for the shown tasks, 'other' only when there is some, and 'total'."""
    counts = {group: int(n) for group, n in zip(GROUPS, row) if group in shown or n}
    return {**counts, "total": int(row.sum())}


def _records_report(accumulator: StatsAccumulator, shard_set: ShardSet) -> dict:
    records = accumulator.records
    shown = shown_tasks(accumulator, shard_set)
    by_split = {split: _by_task(records[i], shown) for i, split in enumerate(SPLIT_GROUPS)
                if split in SPLITS or records[i].any()}
    by_split["total"] = _by_task(records.sum(axis=0), shown)
    expected = shard_set.expected_counts()
    mismatches = [{"split": split, "task": task, "read": by_split.get(split, {}).get(task, 0),
                   "metadata": n} for (split, task), n in sorted(expected.items())
                  if by_split.get(split, {}).get(task, 0) != n]
    return {"by_split": by_split,
            "metadata_check": {"groups_checked": len(expected), "mismatches": mismatches}
            if expected else None}


def _lengths_report(accumulator: StatsAccumulator, shard_set: ShardSet, side: str) -> dict:
    counts = accumulator.lengths[side].counts
    shown = shown_tasks(accumulator, shard_set)
    rows = {group: counts[i] for i, group in enumerate(GROUPS) if group in shown or counts[i].any()}
    rows["all"] = counts.sum(axis=0)
    return {group: {**tally.distribution(row), "histogram": tally.histogram(row),
                    "by_length": row.tolist()} for group, row in rows.items()}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _truncation_report(accumulator: StatsAccumulator, shard_set: ShardSet,
                       max_lengths: dict[str, int] | None) -> dict | None:
    """Records at the max length (an upper bound: a text may fit exactly), and metadata.json's
    exact counts of cut texts when every shard it counts is read."""
    if not max_lengths:
        return None
    per_task = accumulator.records.sum(axis=0)
    result = {"max_lengths": max_lengths,
              "source": "metadata.json (exact: counted by the pipeline as it cut)"
              if shard_set.is_whole else "records at the max length (an upper bound)"}
    for side in SIDES:
        counts = accumulator.lengths[side].counts
        at_max = counts[:, max_lengths[side]:].sum(axis=1)
        rows = {}
        shown = shown_tasks(accumulator, shard_set)
        for i, task in enumerate(TASKS):
            if task not in shown:
                continue
            row = {"at_max_length": int(at_max[i]), "at_max_rate": _rate(at_max[i], per_task[i])}
            if shard_set.is_whole:
                cut = shard_set.metadata.truncated.get(side, {}).get(task, 0)
                row.update(metadata_truncated=cut, metadata_rate=_rate(cut, per_task[i]))
            rows[task] = row
        result[side] = rows
    return result


def _unk_report(accumulator: StatsAccumulator) -> dict:
    result = {}
    for side in SIDES:
        counts = accumulator.lengths[side].counts.sum(axis=0)
        tokens = int(np.dot(np.arange(counts.size), counts))
        unk = int(accumulator.unk_tokens[side].sum())
        result[side] = {"unk_tokens": unk, "tokens": tokens, "rate": _rate(unk, tokens),
                        "records_with_unk": int(accumulator.unk_records[side].sum())}
    return result


def report(accumulator: StatsAccumulator, shard_set: ShardSet, top_articles: int,
           unk_known: bool, max_lengths: dict[str, int] | None) -> dict:
    """The JSON-able report `--json` prints and the text and plot are made from."""
    repeated_records, repeated_pairs = accumulator.pairs.repeats()
    metadata = shard_set.metadata
    return {
        "path": shard_set.given,
        "shards": len(shard_set.shards),
        "records": int(accumulator.records.sum()),
        "metadata": None if metadata is None else {
            "schema_version": metadata.schema_version, "vocab_size": metadata.vocab_size,
            "lower_case": metadata.lower_case, "keep_text": metadata.keep_text,
            "whole": shard_set.is_whole},
        "records_by_split": _records_report(accumulator, shard_set),
        "lengths": {side: _lengths_report(accumulator, shard_set, side) for side in SIDES},
        "truncation": _truncation_report(accumulator, shard_set, max_lengths),
        "unk": _unk_report(accumulator) if unk_known else None,
        "articles": {"distinct_query": accumulator.query_articles.distinct(),
                     "distinct_doc": accumulator.doc_articles.distinct()},
        "duplicates": {"records": repeated_records, "pairs": repeated_pairs},
        "top_doc_articles": [
            {"id": article, "title": accumulator.titles.title(article), "records": n}
            for article, n in accumulator.doc_articles.top(top_articles)],
    }
