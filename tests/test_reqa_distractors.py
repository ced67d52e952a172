"""Open-domain ReQA (wikipairs/reqa/distractors.py, `reqa --distractors`): tests/data/reqa_handmade.json (its
five candidates, tests/test_reqa_eval.py) and a corpus written here in the pipeline's schema:

  'Melbrook'     passage 0: 'Melbrook is the capital of Zorvania.' (d_capital)
                            'Its capital is Melbrook.'   (a real candidate's sentence: skipped)
                 passage 1: the handmade paragraph A word for word (three real candidates: skipped)
  'Wool'         passage 0: 'Wool is exported by many towns.' (d_wool) 'Timber comes from forests.'
                            (d_timber)
  'Wool (copy)'  the same passage again (the same pairs: counted once)
  'Quillon'      handmade paragraph B as one sentence (not a real candidate's sentence, but its
                 passage is a real paragraph: skipped)

so 10 sentences are read, 5 skipped as real, and 3 distractors are eligible whatever N asks.

BM25 over the sentences alone with all three (8 candidates; tokens d_capital: melbrook capit
zorvania, d_wool: wool export mani town, d_timber: timber come from forest; avgdl 28 / 8):
  q1 [what capit zorvania] -> 1: d_capital matches both terms; 0 and 1 one df-2 term each at the
     same length, a tie -> 3 (was 2)
  q2 [which river flow through capit] -> 2: three df-1 terms, nothing else near -> 1 (was 1)
  q4 [where doe tessel flow] -> 2: only 2 -> 1;  q5 [how big zorvania] -> 0: d_capital ties -> 2
  q6 [what doe quillon export] -> 4: export is df 2 now, so 3 (quillon, df 1) beats 4; d_wool
     matches export at length 4 < 4's score -> 2 (was 2: a tie)
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wikipairs.reqa.bm25 import BM25Config
from wikipairs.reqa.candidates import build_reqa_set
from wikipairs.reqa.distractors import (RealText, corpus_candidates, draw, draw_from_corpus, draw_key,
                              with_distractors)
from wikipairs.reqa.evaluate import evaluate_open_domain, run, run_open_domain
from wikipairs.reqa.squad import read_squad
from schemas.corpus import ARTICLES, STATS_FILE, read_table
from tests.test_reqa_eval import BM25_RANKS, HANDMADE, REPO
from tests.test_search import write_corpus

PARAGRAPH_A = ["Zorvania is a small country.", "Its capital is Melbrook.",
               "The river Tessel flows through Melbrook."]
D_CAPITAL = "Melbrook is the capital of Zorvania."
WOOL = ["Wool is exported by many towns.", "Timber comes from forests."]
ALL_THREE_BM25_RANKS = [3, 1, 1, 2, 2]


def article(article_id: int, title: str, passages: list[list[str]]) -> dict:
    return {"id": article_id, "title": title, "sections": [
        {"heading": "", "path": [], "level": 0, "is_lead": True, "passages": passages}],
        "links": [], "inbound_links": [], "inbound_link_count": 0, "source": "test"}


ARTICLE_ROWS = [article(1, "Melbrook", [[D_CAPITAL, "Its capital is Melbrook."], PARAGRAPH_A]),
                article(2, "Wool", [WOOL]), article(3, "Wool (copy)", [WOOL]),
                article(4, "Quillon", [["Quillon is a port town. It exports wool and timber."]])]


def write_stats(directory: pathlib.Path) -> pathlib.Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / STATS_FILE).write_text(json.dumps({"schema_version": 3}))
    return directory / STATS_FILE


@pytest.fixture(scope="module")
def hand_corpus(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("hand_corpus")
    return str(write_corpus(directory, pa.Table.from_pylist(ARTICLE_ROWS, schema=ARTICLES),
                            write_stats(directory / "stats")))


@pytest.fixture(scope="module")
def reqa_set():
    return build_reqa_set(read_squad(str(HANDMADE)))


def sentences(drawn) -> list[str]:
    return [c.sentence for c in drawn.candidates]


def test_real_candidates_are_not_added_and_the_rest_come_once(hand_corpus, reqa_set):
    drawn = draw_from_corpus(hand_corpus, 100, 0, reqa_set)
    assert sorted(sentences(drawn)) == sorted([D_CAPITAL, *WOOL])
    assert (drawn.sentences_read, drawn.same_as_real) == (10, 5)
    by_sentence = {c.sentence: c for c in drawn.candidates}
    assert by_sentence[D_CAPITAL].context == f"{D_CAPITAL} Its capital is Melbrook."
    assert by_sentence[WOOL[0]].context == " ".join(WOOL)
    assert by_sentence[WOOL[0]].title == "Wool"  # the smaller of the two titles, in any row order


def test_the_draw_is_the_first_n_of_one_seeded_order(hand_corpus, reqa_set):
    """Nested (every N a prefix of the largest), in ascending key order with no eligible pair of
    the corpus left out below the last key, and another seed gives another order."""
    exclude = RealText.of(reqa_set)
    largest = draw(corpus_candidates(hand_corpus), 3, 7, exclude).candidates
    for n in range(4):
        assert draw(corpus_candidates(hand_corpus), n, 7, exclude).candidates == largest[:n]
    keys = [draw_key(c.sentence, c.context, 7) for c in largest]
    assert keys == sorted(keys)
    orders = {tuple(sentences(draw(corpus_candidates(hand_corpus), 3, seed, exclude)))
              for seed in range(8)}
    assert len(orders) > 1


def test_the_draw_does_not_depend_on_the_corpus_row_order(sample_pairs, tmp_path):
    """The sample corpus, and a copy written in reversed row order over two shards: the same
    draw; the same seed twice, the same draw; a smaller N, a prefix of it."""
    corpus = str(sample_pairs["dir"].parent)
    articles = read_table(corpus, "articles")
    reversed_rows = articles.take(np.arange(len(articles))[::-1])
    copy = tmp_path / "reversed"
    (copy / "articles").mkdir(parents=True)
    half = len(articles) // 2
    pq.write_table(reversed_rows.slice(0, half), copy / "articles" / "part-00000-of-00002.parquet")
    pq.write_table(reversed_rows.slice(half), copy / "articles" / "part-00001-of-00002.parquet")
    write_stats(copy)
    first = draw(corpus_candidates(corpus), 300, 0).candidates
    assert len(first) == 300
    assert draw(corpus_candidates(str(copy)), 300, 0).candidates == first
    assert draw(corpus_candidates(corpus), 120, 0).candidates == first[:120]
    assert draw(corpus_candidates(corpus), 300, 1).candidates != first


def test_distractors_come_after_the_real_candidates(reqa_set, hand_corpus):
    drawn = draw_from_corpus(hand_corpus, 3, 0, reqa_set).candidates
    grown = with_distractors(reqa_set, drawn)
    assert grown.candidates[:5] == reqa_set.candidates and grown.candidates[5:] == drawn
    assert grown.targets == reqa_set.targets and grown.questions == reqa_set.questions


def test_bm25_ranks_never_improve_worked_out_by_hand(reqa_set, hand_corpus):
    """Every N of the draw, both BM25 documents: no question ranks better than without
    distractors; with all three, the ranks worked out above."""
    drawn = draw_from_corpus(hand_corpus, 3, 0, reqa_set).candidates
    for document in ("sentence", "sentence_context"):
        results, _ = evaluate_open_domain(reqa_set, drawn, [0, 1, 2, 3],
                                          bm25_config=BM25Config(document=document))
        ranks = {n: systems[0].ranks for n, systems in results.items()}
        for n in (1, 2, 3):
            assert np.all(ranks[n] >= ranks[n - 1]), (document, n, ranks)
        if document == "sentence":
            assert ranks[0].tolist() == BM25_RANKS
            assert ranks[3].tolist() == ALL_THREE_BM25_RANKS


def test_no_distractors_is_plain_reqa_and_a_model_never_ranks_better(reqa_set, hand_corpus,
                                                                     tiny_model):
    """N=0 gives plain ReQA's report values exactly, for BM25 and the tiny model; the model's
    ranks never improve with N (its scores of the real candidates do not change)."""
    model = f"tiny={tiny_model[2]}"
    plain = run(str(HANDMADE), [model], report=lambda line: None)
    report = run_open_domain(str(HANDMADE), hand_corpus, [3, 0, 1], [model],
                             report=lambda line: None)
    assert [row["num_distractors"] for row in report["by_n"]] == [0, 1, 3]
    assert [(row["added"], row["candidates"]) for row in report["by_n"]] == [(0, 5), (1, 6),
                                                                              (3, 8)]
    for name in ("BM25", "tiny"):
        plain_values = {k: v for k, v in plain["systems"][name].items()
                        if k not in ("seconds", "inputs")}
        values = {k: v for k, v in report["by_n"][0]["systems"][name].items() if k != "seconds"}
        assert values == plain_values
    inputs = report["inputs"]["tiny"]
    assert {k: inputs[k] for k in plain["systems"]["tiny"]["inputs"]} == \
        plain["systems"]["tiny"]["inputs"]
    assert {k: v for k, v in report.items() if k in plain and k != "systems"} == \
        {k: v for k, v in plain.items() if k != "systems"}

    drawn = draw_from_corpus(hand_corpus, 3, 0, reqa_set).candidates
    results, _ = evaluate_open_domain(reqa_set, drawn, [0, 1, 2, 3], [model], bm25=False)
    ranks = [results[n][0].ranks for n in range(4)]
    assert all(np.all(later >= earlier) for earlier, later in zip(ranks, ranks[1:]))


def main_without_tensorflow(argv: list[str]) -> str:
    """`wikipairs.reqa.evaluate`'s main in a fresh process that must not import TensorFlow: stdout."""
    code = (f"import sys; from wikipairs.reqa.evaluate import main; main({argv!r}); "
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_command_prints_a_table_per_n_and_draws_the_plot(hand_corpus, tmp_path):
    """`python -m wikipairs.reqa.evaluate --bm25_only --distractors ... --plot` in a fresh process:
    one table per N with the N actually added, the JSON report, a PNG, and no TensorFlow."""
    plot, output = tmp_path / "open_domain.png", tmp_path / "r.json"
    lines = main_without_tensorflow(
        ["--squad", str(HANDMADE), "--bm25_only", "--bm25_document", "sentence",
         "--distractors", hand_corpus, "--num_distractors", "3,0,1,100", "--plot", str(plot),
         "--output", str(output)]).splitlines()
    assert lines[0].startswith("Open-domain ReQA on ") and "5 candidate sentences" in lines[0]
    assert ("3 drawn from 10 corpus sentences, 5 skipped as a real candidate's sentence or "
            "paragraph") in lines[1]
    headings = [line for line in lines if line.startswith("N=")]
    assert headings == ["N=0: 0 distractors added, 5 candidates",
                        "N=1: 1 distractors added, 6 candidates",
                        "N=3: 3 distractors added, 8 candidates",
                        "N=100: 3 distractors added (the corpus has no more eligible sentences), "
                        "8 candidates"]
    for heading in headings:
        at = lines.index(heading)
        assert lines[at + 1].split()[0] == "system" and lines[at + 2].split()[0] == "BM25"
    assert lines[lines.index(headings[0]) + 2].split()[1:] == ["0.600", "1.000", "1.000",
                                                               "1.000", "1.000", "0.800"]
    report = json.loads(output.read_text())
    assert [row["added"] for row in report["by_n"]] == [0, 1, 3, 3]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000


def test_flags_without_their_partner_or_a_corpus_are_refused(tmp_path, hand_corpus):
    from wikipairs.reqa.evaluate import main

    base = ["--squad", str(HANDMADE), "--bm25_only"]
    with pytest.raises(SystemExit, match="--num_distractors needs --distractors"):
        main([*base, "--num_distractors", "10"])
    with pytest.raises(SystemExit, match="--distractors needs --num_distractors"):
        main([*base, "--distractors", hand_corpus])
    with pytest.raises(SystemExit, match="no corpus here"):
        main([*base, "--distractors", str(tmp_path), "--num_distractors", "10"])
    with pytest.raises(SystemExit):
        main([*base, "--distractors", hand_corpus, "--num_distractors", "10,-1"])
