"""`wikipairs stats` on small hand-made shards, every number it prints against a count in plain
Python over the same records: pairs that differ only in where query ends and doc begins, rows
longer than the max lengths, ids past 16 bits, [UNK] at the ends of rows, empty rows, tasks and
splits the schema does not know, batches that split files at odd places."""
from __future__ import annotations

import collections
import contextlib
import io
import json
import random

import numpy as np
import pytest

from wikipairs.cli.main import main
from schemas.pairs import SPLITS, TASKS, serialize_example, write_shard_file
from schemas.vocab import RESERVED_TOKENS

UNK_ID = 1
VOCAB = ["[PAD]", "[UNK]", *[t for t in RESERVED_TOKENS if t not in ("[PAD]", "[UNK]")],
         *[f"w{i}" for i in range(40)]]
# (directory, file) -> the tasks of its records; 'misc' is no split, 'xyz' no task.
SHARDS = {("train", "ict-00000-of-00002"): ("ict",), ("train", "ict-00001-of-00002"): ("ict",),
          ("valid", "bfs-00000-of-00001"): ("bfs", "xyz"), ("misc", "wlp-00000-of-00001"): ("wlp",)}


def _record(rng: random.Random, task: str, n: int) -> dict:
    """Short rows of few distinct ids (so that pairs repeat), [UNK] among them."""
    def ids():
        return [rng.choice((UNK_ID, 5, 6)) for _ in range(rng.randrange(3))]

    query, doc = rng.randrange(30), 100 + rng.randrange(25)
    return {"schema_version": 1, "task": task, "pair_id": f"{task}-{n}", "query_ids": ids(),
            "doc_ids": ids(), "query_article_id": query, "doc_article_id": doc,
            "query_title": f"Q{query}", "doc_title": f"Doc {doc}"}


def _hand_made() -> list[dict]:
    """Pairs a fingerprint of the concatenation, of the first 64/288 ids (padding to the max
    lengths) or of 16-bit ids would confuse."""
    long_query = [7] * 70
    long_doc = [UNK_ID] + [8] * 298 + [UNK_ID]
    rows = [([7, 8, 9], [10]), ([7, 8], [9, 10]), ([7], [8, 9, 10]),  # one concatenation
            (long_query, [10]), (long_query[:-1] + [9], [10]),  # differ past id 64
            (long_query, [10]),  # a repeat of a long row
            ([7], long_doc), ([7], long_doc[:-1] + [9]), ([7], long_doc),  # past id 288
            ([70000], [10]), ([70000 - 65536], [10]),  # equal in 16 bits
            ([UNK_ID], [UNK_ID]),
            ([], []), ([], []), ([UNK_ID], []),  # records 12-14: a batch of empty docs
            ([], [UNK_ID, UNK_ID])]
    return [{"schema_version": 1, "task": "ict", "pair_id": f"hand-{n}", "query_ids": query,
             "doc_ids": doc, "query_article_id": 40 + n, "doc_article_id": 200 + n % 3,
             "query_title": "H", "doc_title": f"Hand {n % 3}"} for n, (query, doc) in
            enumerate(rows)]


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """{'glob', 'vocab', 'records': [(split or None, record)]}, written as GZIP shards."""
    root = tmp_path_factory.mktemp("stats")
    rng = random.Random(16)
    records = []
    for (directory, name), tasks in SHARDS.items():
        values = [_record(rng, rng.choice(tasks), n) for n in range(rng.randrange(40, 60))]
        if name == "ict-00001-of-00002":
            values[:0] = _hand_made()
        write_shard_file(str(root / directory / f"{name}.tfrecord.gz"),
                         map(serialize_example, values))
        records += [(directory if directory in SPLITS else None, v) for v in values]
    (root / "vocab.txt").write_text("".join(f"{token}\n" for token in VOCAB))
    return {"glob": str(root / "*" / "*.tfrecord.gz"), "vocab": str(root / "vocab.txt"),
            "records": records}


# 2 files at once: the summary runs inside each file's branch of the interleave; 8 (more than
# the 4 files): after it (wikipairs.cli.read.record_batches).
@pytest.fixture(scope="module", params=[2, 8], ids=["in-file", "after-interleave"])
def report(shards, request):
    """`wikipairs stats GLOB --json`, batches of 3 records."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["stats", shards["glob"], "--vocab", shards["vocab"], "--json", "--quiet",
                       "--batch-size", "3", "--parallel-files", str(request.param)])
    assert status == 0
    return json.loads(out.getvalue())


def _group(task: str) -> str:
    return task if task in TASKS else "other"


def _nearest_rank(values: list[int], q: float) -> int:
    return int(np.percentile(values, 100 * q, method="inverted_cdf"))


def test_records_by_split_and_task(report, shards):
    records = shards["records"]
    counts = collections.Counter((split or "other", _group(r["task"])) for split, r in records)
    shown = [t for t in TASKS if any(task == t for _, task in counts)]
    columns = [*shown, *(["other"] if any(t == "other" for _, t in counts) else [])]

    def row(splits):
        cells = {t: sum(counts[s, t] for s in splits) for t in columns}
        return {t: n for t, n in cells.items() if t in shown or n} | {"total": sum(cells.values())}

    expected = {s: row([s]) for s in (*SPLITS, "other")} | {"total": row([*SPLITS, "other"])}
    assert report["records_by_split"]["by_split"] == expected
    assert report["records"] == len(records)


def test_lengths_and_unk(report, shards):
    records = [r for _, r in shards["records"]]
    for side in ("query", "doc"):
        ids = [r[f"{side}_ids"] for r in records]
        longest = max(map(len, ids))
        groups = {_group(r["task"]) for r in records}
        for group in (*groups, "all"):
            lengths = [len(r[f"{side}_ids"]) for r in records
                       if group in ("all", _group(r["task"]))]
            got = report["lengths"][side][group]
            assert (got["records"], got["min"], got["max"]) == (
                len(lengths), min(lengths), max(lengths))
            assert (got["median"], got["p95"]) == (_nearest_rank(lengths, 0.5),
                                                   _nearest_rank(lengths, 0.95))
            assert got["mean"] == pytest.approx(sum(lengths) / len(lengths))
            assert got["by_length"] == [lengths.count(k) for k in range(longest + 1)]
        assert report["unk"][side] == {
            "unk_tokens": sum(row.count(UNK_ID) for row in ids),
            "tokens": sum(map(len, ids)),
            "rate": pytest.approx(sum(row.count(UNK_ID) for row in ids) / sum(map(len, ids))),
            "records_with_unk": sum(1 for row in ids if UNK_ID in row)}


def test_duplicates_articles_and_titles(report, shards):
    records = [r for _, r in shards["records"]]
    seen = collections.Counter((tuple(r["query_ids"]), tuple(r["doc_ids"])) for r in records)
    assert report["duplicates"] == {"records": sum(n - 1 for n in seen.values()),
                                    "pairs": sum(1 for n in seen.values() if n > 1)}
    assert report["articles"] == {"distinct_query": len({r["query_article_id"] for r in records}),
                                  "distinct_doc": len({r["doc_article_id"] for r in records})}
    docs = collections.Counter(r["doc_article_id"] for r in records)
    titles = {r["doc_article_id"]: r["doc_title"] for r in records}
    top = sorted(docs.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(a["id"], a["title"], a["records"]) for a in report["top_doc_articles"]] == [
        (article, titles[article], n) for article, n in top]
