"""The pair stage in Beam on the real sample (bert-base-uncased vocab and a learned vocab) and on
a hand-made mini-wiki whose possible pairs are known."""
from __future__ import annotations

import collections
import json

import pytest

from pipeline.sampling import PairConfig
from pipeline.sample_data import bert_uncased_vocab_path
from schemas.corpus import read_table
from schemas.pairs import FEATURES, PAIRS_SCHEMA_VERSION, SPLITS
from schemas.pairs import PRETRAINING_TASKS as TASKS  # what the pipeline writes
from tests.corpus_run import run_corpus
from tests.pairs_run import run_job, run_pairs

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

FRACTIONS = (0.6, 0.2, 0.2)


@pytest.fixture(scope="module")
def corpus_dir(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    run_corpus([sample], out)
    return out


@pytest.fixture(scope="module")
def bert_pairs(corpus_dir, tmp_path_factory):
    return run_pairs(corpus_dir, tmp_path_factory.mktemp("bert"), str(bert_uncased_vocab_path()),
                     split_fractions=FRACTIONS, keep_text=True)


@pytest.fixture(scope="module")
def learned_pairs(corpus_dir, tmp_path_factory):
    return run_pairs(corpus_dir, tmp_path_factory.mktemp("learned"), None, vocab_size=8000,
                     split_fractions=FRACTIONS)


@pytest.fixture(scope="module")
def articles(corpus_dir):
    return {row["id"]: row for row in read_table(str(corpus_dir), "articles").to_pylist()}


@pytest.mark.parametrize("run", ["bert_pairs", "learned_pairs"])
def test_records_follow_the_schema_and_limits(run, request):
    out = request.getfixturevalue(run)
    records, metadata = out["records"], out["metadata"]
    vocab_size = metadata["vocab_size"]
    assert sum(1 for _ in open(out["dir"] / "vocab.txt")) == vocab_size
    counts = collections.Counter((r["split"], r["task"]) for r in records)
    for task in TASKS:
        assert counts[("train", task)] > 0, task
    assert {(s, t): metadata["counts"][s][t] for s in SPLITS for t in TASKS if
            metadata["counts"][s][t]} == dict(counts)
    for record in records:
        assert set(FEATURES) <= set(record)
        assert record["schema_version"] == PAIRS_SCHEMA_VERSION
        assert record["shard"].startswith(record["task"] + "-")
        assert 3 <= len(record["query_ids"]) <= 64 and 5 <= len(record["doc_ids"]) <= 288
        assert all(0 <= i < vocab_size for i in record["query_ids"] + record["doc_ids"])


def test_documents_start_with_the_title(bert_pairs, articles):
    from pipeline.tokenizer import TokenizerSpec

    tokenizer = TokenizerSpec(str(bert_pairs["dir"] / "vocab.txt"), True).build()
    for record in bert_pairs["records"]:
        title_ids = tokenizer.tokenize([articles[record["doc_article_id"]]["title"]])[0][:32]
        prefix = [tokenizer.cls_id, *title_ids, tokenizer.sep_id]
        assert record["doc_ids"][:len(prefix)] == prefix
        assert record["query_ids"][0] == tokenizer.cls_id
        assert record["query_ids"][-1] == tokenizer.sep_id == record["doc_ids"][-1]


def _lead_sentences(article):
    return {s for section in article["sections"] if section["is_lead"]
            for passage in section["passages"] for s in passage}


def _body_passages(article):
    return [" ".join(p) for section in article["sections"] if not section["is_lead"]
            for p in section["passages"]]


def test_each_task_draws_from_the_right_places(bert_pairs, articles, corpus_dir):
    links = {(l["source_id"], l["target_id"])
             for l in read_table(str(corpus_dir), "links").to_pylist()}
    by_task = collections.defaultdict(list)
    for record in bert_pairs["records"]:
        by_task[record["task"]].append(record)
    for record in by_task["ict"]:
        assert record["query_article_id"] == record["doc_article_id"]
    for record in by_task["bfs"]:
        article = articles[record["query_article_id"]]
        assert record["doc_article_id"] == article["id"]
        assert record["query_text"] in _lead_sentences(article)
        # the document is made of body sentences only, never of the lead
        assert not any(s in record["doc_text"] for s in _lead_sentences(article) if len(s) > 40)
    for record in by_task["wlp"]:
        assert record["query_text"] in _lead_sentences(articles[record["query_article_id"]])
        assert (record["doc_article_id"], record["query_article_id"]) in links
        assert record["doc_article_id"] != record["query_article_id"]


def test_no_article_is_a_query_in_two_splits(bert_pairs):
    splits = collections.defaultdict(set)
    for record in bert_pairs["records"]:
        splits[record["query_article_id"]].add(record["split"])
    assert all(len(s) == 1 for s in splits.values())
    assert {s for v in splits.values() for s in v} == set(SPLITS)


def test_shards_do_not_hold_runs_of_one_article(bert_pairs):
    train_ict = [r for r in bert_pairs["records"] if r["split"] == "train" and r["task"] == "ict"]
    same_as_next = sum(a["query_article_id"] == b["query_article_id"]
                       for a, b in zip(train_ict, train_ict[1:]))
    assert len(train_ict) > 100 and same_as_next < len(train_ict) * 0.1


def _record_set(out):
    return sorted(json.dumps({k: v for k, v in r.items()}, sort_keys=True) for r in out["records"])


def test_same_seed_same_records_other_seed_other_pairs(bert_pairs, corpus_dir, tmp_path):
    vocab = str(bert_uncased_vocab_path())
    again = run_pairs(corpus_dir, tmp_path / "again", vocab, split_fractions=FRACTIONS,
                      keep_text=True)
    assert _record_set(again) == _record_set(bert_pairs)
    other = run_pairs(corpus_dir, tmp_path / "other", vocab, PairConfig(seed=1),
                      split_fractions=FRACTIONS, keep_text=True)
    ours = {(r["pair_id"], r["query_text"], r["doc_text"]) for r in bert_pairs["records"]}
    theirs = {(r["pair_id"], r["query_text"], r["doc_text"]) for r in other["records"]}
    assert len(ours ^ theirs) > len(ours) // 2


MINI_WIKI = {
    "Alpha": "Alpha is the first letter here. It comes before all others.\n\n"
             "== History ==\nAlpha was used by the Greeks. It had a clear sound.",
    "Beta": "Beta is the second letter here. It follows [[alpha]] directly.\n\n"
            "== Use ==\nBeta is used in [[Old alpha|many tests]]. Beta appears very often.",
    "Gamma": "Gamma is the third letter here. Nothing links to this page.",
}


def _passages(text: str) -> list[tuple[str, str]]:
    """The (first, second) sentences of each paragraph of MINI_WIKI, links as their anchors."""
    import re

    plain = re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", text)
    paragraphs = [p for p in re.split(r"\n\n|== \w+ ==\n", plain) if p.strip()]
    return [tuple(s.strip() + "." for s in p.split(".")[:2]) for p in paragraphs]


def test_mini_wiki_gives_exactly_the_possible_pairs(tmp_path):
    from xml.sax.saxutils import escape

    from tests.dumpfactory import page_xml, write_dump

    pages = [page_xml(i, title, text) for i, (title, text) in enumerate(MINI_WIKI.items(), 1)]
    pages.append(b'<page><title>Old alpha</title><ns>0</ns><id>9</id><redirect title="Alpha" />'
                 b"<revision><id>99</id><text>" + escape("#REDIRECT [[Alpha]]").encode()
                 + b"</text></revision></page>")
    dump = write_dump(tmp_path / "mini.xml", pages)
    config = PairConfig(ict_per_article=10, ict_keep_query_prob=0.0, bfs_per_article=3,
                        wlp_max_per_target=5)
    out = run_job([str(dump)], tmp_path / "out", str(bert_uncased_vocab_path()), config,
                  split_fractions=(1.0, 0.0, 0.0), keep_text=True)
    ids = {title: i for i, title in enumerate(MINI_WIKI, 1)}
    passages = {title: _passages(text) for title, text in MINI_WIKI.items()}
    got = collections.Counter((r["task"], r["query_article_id"], r["doc_article_id"],
                               r["query_text"], r["doc_text"]) for r in out["records"])

    ict = {("ict", ids[t], ids[t], q, d) for t, ps in passages.items() for a, b in ps
           for q, d in ((a, b), (b, a))}
    bfs = {("bfs", ids[t], ids[t], q, " ".join(body)) for t, ps in passages.items() if len(ps) > 1
           for q in ps[0] for body in ps[1:]}
    wlp = {("wlp", ids["Alpha"], ids["Beta"], q, " ".join(d)) for q in passages["Alpha"][0]
           for d in passages["Beta"]}
    by_task = collections.defaultdict(list)
    for key, n in got.items():
        by_task[key[0]].extend([key] * n)
    assert set(by_task["ict"]) <= ict and len(by_task["ict"]) == 5  # one per passage
    every_passage = {frozenset(p) for ps in passages.values() for p in ps}
    assert {frozenset(k[3:]) for k in by_task["ict"]} == every_passage
    # 2 lead sentences x 1 body passage in Alpha and in Beta (Gamma has no body): asked for 3
    # per article, BFS gives each of the 4 possible pairs once
    assert sorted(by_task["bfs"]) == sorted(bfs) and len(bfs) == 4
    assert set(by_task["wlp"]) <= wlp and len(by_task["wlp"]) == 1  # Beta -> Alpha only
    assert all(r["split"] == "train" for r in out["records"])


def test_shard_ids_are_the_shared_tokenizer_s_ids(bert_pairs):
    """The pipeline, the in-graph tokenizer (what a text SavedModel runs) and the eager one (what
    the CLI runs) give the same ids for the same text: they are one definition."""
    import tensorflow as tf

    from pipeline.tokenizer import TokenizerSpec

    tokenizer = TokenizerSpec(str(bert_pairs["dir"] / "vocab.txt"), True).build()
    records = [r for r in bert_pairs["records"] if r["task"] == "bfs"][:50]
    texts = [r["query_text"] for r in records]
    eager = tokenizer.tokenize(texts)
    in_graph = tf.function(tokenizer.tf_tokenize)(tf.constant(texts)).to_list()
    for record, eager_ids, graph_ids in zip(records, eager, in_graph):
        assert record["query_ids"][1:-1] == eager_ids[:62] == graph_ids[:62]
