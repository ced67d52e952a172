"""No held-out text in train, on the pipeline's own output for the bundled sample (every task).

What must hold, checked by exact string comparison over every record of every shard:
- no held-out query sentence occurs in a training query or inside a training document;
- no held-out document occurs as a training document;
- every article whose text a pair carries (query and document article) is in the pair's split.
"""
from __future__ import annotations

import collections

import pytest

from pipeline.splits import split_of
from schemas.pairs import PRETRAINING_TASKS, SPLITS

HELD_OUT = ("valid", "test")


@pytest.fixture(scope="module")
def by_split(sample_pairs):
    records = collections.defaultdict(list)
    for record in sample_pairs["records"]:
        records[record["split"]].append(record)
    return records


def test_every_task_has_held_out_pairs_to_report(by_split):
    """The sample job (make demo's flags) still yields pairs of every task in every split, and
    enough WLP pairs in valid (what make demo evaluates on) for a recall to mean something: a
    held-out WLP pair needs both articles held out, and the sample's 106 articles are sparsely
    linked (119 resolved links)."""
    for split in SPLITS:
        tasks = collections.Counter(r["task"] for r in by_split[split])
        assert all(tasks[task] > 0 for task in PRETRAINING_TASKS), (split, tasks)
    assert sum(r["task"] == "wlp" for r in by_split["valid"]) >= 5


def test_every_article_of_a_pair_is_in_the_pairs_split(sample_pairs):
    fractions = sample_pairs["metadata"]["split_fractions"]
    for record in sample_pairs["records"]:
        assert split_of(record["query_article_id"], fractions) == record["split"], record["pair_id"]
        assert split_of(record["doc_article_id"], fractions) == record["split"], record["pair_id"]


@pytest.mark.parametrize("held_out", HELD_OUT)
def test_no_held_out_query_sentence_reaches_train(by_split, held_out):
    train_queries = {r["query_text"] for r in by_split["train"]}
    train_docs = [r["doc_text"] for r in by_split["train"]]
    leaked = collections.Counter()
    for record in by_split[held_out]:
        query = record["query_text"]
        if query in train_queries or any(query in doc for doc in train_docs):
            leaked[record["task"]] += 1
    assert not leaked, f"{held_out} query sentences found in train, by task: {dict(leaked)}"


@pytest.mark.parametrize("held_out", HELD_OUT)
def test_no_held_out_document_is_a_training_document(by_split, held_out):
    train_docs = {r["doc_text"] for r in by_split["train"]}
    leaked = collections.Counter(r["task"] for r in by_split[held_out]
                                 if r["doc_text"] in train_docs)
    assert not leaked, f"{held_out} documents that are training documents, by task: {dict(leaked)}"


def test_pairs_that_cross_splits_are_counted(sample_pairs):
    """Linking articles in another split are left out of WLP, and metadata.json says how many."""
    crossing = sample_pairs["metadata"]["cross_split"]
    assert set(crossing) == set(PRETRAINING_TASKS)
    assert crossing["ict"] == crossing["bfs"] == 0  # one article each: never cross
    assert crossing["wlp"] > 0


def test_training_pairs_with_held_out_text_are_dropped_and_counted(sample_pairs):
    """The sample has text shared across articles (a quotation in two articles about appeals):
    the training pairs that carry a held-out query sentence are dropped, and counted."""
    dropped = sample_pairs["metadata"]["held_out_text"]
    assert set(dropped) == set(PRETRAINING_TASKS) and sum(dropped.values()) > 0


def test_no_pair_twice_in_a_split(by_split):
    """Same query and document text twice in a split (BFS drew with replacement before)."""
    for split, records in by_split.items():
        seen = collections.Counter((r["task"], r["query_text"], r["doc_text"]) for r in records)
        repeats = {key[0]: n for key, n in seen.items() if n > 1}
        assert not repeats, (split, repeats)
