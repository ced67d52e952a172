"""ReQA evaluation against values worked out by hand on tests/data/reqa_handmade.json:

    candidates (5): 0 'Zorvania is a small country.'  1 'Its capital is Melbrook.'
                    2 'The river Tessel flows through Melbrook.'  (paragraph A, under 'Zorvania'
                    and again, identical, under 'Tessel River': de-duplicated)
                    3 'Quillon is a port town.'  4 'It exports wool and timber.'
    questions: q1 -> {1}; q2 -> {2}; q3 unanswerable (skipped); q4 has two annotator answers,
               in sentences 2 and 1 -> {1, 2}; q5 (asked on the duplicate paragraph) -> {0};
               q6 -> {4}.
"""
from __future__ import annotations

import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from wikipairs.reqa.bm25 import BM25Config, BM25Scorer
from wikipairs.reqa.candidates import build_reqa_set, sentence_at
from wikipairs.reqa.evaluate import evaluate_scorer, format_report, model_label, report_dict
from trainer.ranking import best_ranks, metrics, rank_all
from wikipairs.reqa.squad import SquadFormatError, parse_squad, read_squad

REPO = pathlib.Path(__file__).resolve().parent.parent
HANDMADE = REPO / "tests" / "data" / "reqa_handmade.json"


@pytest.fixture(scope="module")
def reqa_set():
    return build_reqa_set(read_squad(str(HANDMADE)))


def test_candidates_are_deduplicated_sentences_with_their_paragraph(reqa_set):
    assert [c.sentence for c in reqa_set.candidates] == [
        "Zorvania is a small country.", "Its capital is Melbrook.",
        "The river Tessel flows through Melbrook.", "Quillon is a port town.",
        "It exports wool and timber."]
    assert reqa_set.candidates[0].context.endswith("flows through Melbrook.")
    assert reqa_set.candidates[4].context == "Quillon is a port town. It exports wool and timber."


def test_targets_follow_answer_offsets_and_unanswerable_is_skipped(reqa_set):
    assert reqa_set.question_ids == ["q1", "q2", "q4", "q5", "q6"]
    assert reqa_set.targets == [(1,), (2,), (1, 2), (0,), (4,)]
    assert (reqa_set.unanswerable, reqa_set.unlocated) == (1, 0)


def test_offset_in_the_whitespace_before_a_sentence_belongs_to_it():
    spans = [(0, 5), (6, 10)]
    starts = [0, 6]
    assert [sentence_at(starts, spans, o) for o in (0, 4, 5, 6, 9, 10)] == [0, 0, 1, 1, 1, None]


# Stub scores, one row per evaluated question (q1 q2 q4 q5 q6), one column per candidate.
STUB = np.array([[0.1, 0.5, 0.9, 0.2, 0.5],   # target 1 (0.5): beaten by 2, tied by 4 -> 3
                 [0.3, 0.2, 0.8, 0.1, 0.0],   # target 2 best -> 1
                 [0.9, 0.4, 0.6, 0.7, 0.1],   # targets 1, 2: best 0.6; 0 and 3 above -> 3
                 [0.0, 0.1, 0.2, 0.3, 0.4],   # target 0 at the bottom -> 5
                 [0.0, 0.0, 0.0, 0.0, 1.0]])  # target 4 -> 1
STUB_RANKS = [3, 1, 3, 5, 1]


def test_stub_scorer_ranks_and_metrics(reqa_set):
    ranks = best_ranks(STUB, reqa_set.targets)
    assert ranks.tolist() == STUB_RANKS
    result = evaluate_scorer("stub", reqa_set, lambda a, b: STUB[a:b], 0.0).metrics
    assert result["recall@1"] == pytest.approx(2 / 5)
    assert all(result[f"recall@{k}"] == 1.0 for k in (5, 10, 50, 100))
    assert result["mrr"] == pytest.approx((1 / 3 + 1 + 1 / 3 + 1 / 5 + 1) / 5)


def test_scoring_in_small_blocks_gives_the_same_ranks(reqa_set):
    calls = []

    def block(a, b):
        calls.append((a, b))
        return STUB[a:b]

    ranks = rank_all(block, reqa_set.targets, 5, budget_bytes=2 * 5 * 4)  # two rows at a time
    assert ranks.tolist() == STUB_RANKS
    assert calls == [(0, 2), (2, 4), (4, 5)]


def test_metrics_refuse_an_empty_set():
    with pytest.raises(ValueError, match="no answerable question"):
        metrics(np.zeros(0, np.int64))


# BM25 over the sentences alone. bm25s's tokens (English stop words, Snowball stems):
#   0 zorvania small countri | 1 it capit melbrook | 2 river tessel flow through melbrook
#   3 quillon port town | 4 export wool timber            -> N = 5, avgdl = 17 / 5
# q1 [what capit zorvania]: 1 and 0 each match one df=1 term at the same length: a tie -> 2
# q2 [which river flow through capit]: 2 matches three terms, 1 one -> 1
# q4 [where doe tessel flow]: only 2 -> 1;  q5 [how big zorvania]: only 0 -> 1
# q6 [what doe quillon export]: 3 and 4 tie -> 2
BM25_RANKS = [2, 1, 1, 1, 2]


def test_bm25_ranks_worked_out_by_hand(reqa_set):
    scorer = BM25Scorer(reqa_set.candidates, BM25Config(document="sentence"))
    scores = scorer.score_questions(reqa_set.questions)
    assert best_ranks(scores, reqa_set.targets).tolist() == BM25_RANKS
    # One score by Lucene's formula: q2 against candidate 2 (three matching terms, df 1, dl 5).
    idf = math.log(1 + (5 - 1 + 0.5) / (1 + 0.5))
    term = 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * 5 / (17 / 5)))
    assert scores[1, 2] == pytest.approx(3 * idf * term, rel=1e-5)
    assert scores[3, 1:].tolist() == [0.0] * 4  # q5 shares nothing with 1..4
    result = evaluate_scorer("BM25", reqa_set, lambda a, b: scores[a:b], 0.0).metrics
    assert result["recall@1"] == pytest.approx(3 / 5)
    assert result["mrr"] == pytest.approx((0.5 + 1 + 1 + 1 + 0.5) / 5)


def test_bm25_scores_a_question_of_stopwords_only_zero_everywhere(reqa_set):
    """'Is it?' tokenizes to nothing (it crashed bm25s with an IndexError); it scores 0, the
    questions around it as they do alone."""
    scorer = BM25Scorer(reqa_set.candidates, BM25Config(document="sentence"))
    alone = scorer.score_questions(reqa_set.questions[:2])
    scores = scorer.score_questions([reqa_set.questions[0], "Is it?", reqa_set.questions[1]])
    assert scores[1].tolist() == [0.0] * len(reqa_set.candidates)
    np.testing.assert_array_equal(scores[[0, 2]], alone)


def test_report_states_counts_and_one_row_per_system(reqa_set):
    results = [evaluate_scorer(name, reqa_set, lambda a, b: STUB[a:b], 1.0)
               for name in ("stub-a", "stub-b")]
    report = report_dict("hand.json", reqa_set, results)
    assert (report["questions"], report["skipped_unanswerable"], report["candidates"]) == (5, 1, 5)
    text = format_report(report)
    assert "5 questions evaluated, 1 skipped as unanswerable; 5 candidate sentences" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("stub")]
    assert [row[0] for row in rows] == ["stub-a", "stub-b"]
    assert rows[0][1:] == ["0.400", "1.000", "1.000", "1.000", "1.000", "0.573"]


def test_misaligned_answer_is_an_error_naming_the_record():
    data = {"data": [{"title": "T", "paragraphs": [{"context": "Alpha beta.", "qas": [
        {"id": "x1", "question": "?", "answers": [{"text": "beta", "answer_start": 0}]}]}]}]}
    with pytest.raises(SquadFormatError, match=r"f.json: data\[0\] \('T'\) paragraphs\[0\] "
                                               r"qas\[0\] \(id 'x1'\): answer 'beta'"):
        parse_squad(data, "f.json")
    with pytest.raises(SquadFormatError, match="not SQuAD JSON"):
        parse_squad({"version": "1.1"}, "f.json")


CONTEXT = "Alpha beta. Gamma delta."


def _squad(context=CONTEXT, question="Which?", answers=None, qas=None) -> dict:
    """One article 'T', one paragraph, question 'q1' (answer 'delta' in the second sentence)."""
    answers = [{"text": "delta", "answer_start": 18}] if answers is None else answers
    qas = [{"id": "q1", "question": question, "answers": answers}] if qas is None else qas
    return {"version": "1.1", "data": [{"title": "T", "paragraphs": [
        {"context": context, "qas": qas}]}]}


def _evaluate(tmp_path, content, *command: str) -> subprocess.CompletedProcess:
    """The real command (default `python -m wikipairs.reqa.evaluate`) on a SQuAD file holding
    `content` (JSON, or bytes as they are), BM25 only, the JSON report to stdout."""
    path = tmp_path / "squad.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    command = command or ("-m", "wikipairs.reqa.evaluate")
    return subprocess.run([sys.executable, *command, "--squad", str(path), "--bm25_only", "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


NOT_UTF8 = json.dumps(_squad()).encode().replace(b"Alpha", b"Alph\xff")
REFUSED = {
    "null context": (_squad(context=None), "paragraphs[0]: field 'context' is null, not str"),
    "empty context": (_squad(context="  "), "paragraphs[0]: empty context"),
    "null question": (_squad(question=None),
                      "paragraphs[0] qas[0] (id 'q1'): field 'question' is null, not str"),
    "null question record": (_squad(qas=[None]), "paragraphs[0] qas[0] is null, not an object"),
    "qas a string": (_squad(qas="q1"), "paragraphs[0]: field 'qas' is str, not list"),
    "answers a string": (_squad(answers="delta"),
                         "qas[0] (id 'q1'): field 'answers' is str, not list"),
    "misaligned answer": (_squad(answers=[{"text": "delta", "answer_start": 0}]),
                          "qas[0] (id 'q1'): answer 'delta' is not at offset 0"),
    "bad UTF-8": (NOT_UTF8, f"not UTF-8 text (byte {NOT_UTF8.index(0xff)}: invalid start byte)"),
    "empty dataset": ({"version": "1.1", "data": []},
                      "no question to evaluate (0 questions in 0 paragraphs"),
    "no answer left": (_squad(answers=[{"text": "delta", "answer_start": -6}]),
                       "no question to evaluate (1 questions in 1 paragraphs; 0 unanswerable, "
                       "1 with no answer inside a sentence)"),
    "nesting": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON (nested too deeply)"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_malformed_squad_file_is_one_line_naming_the_record_and_exit_1(tmp_path, case):
    content, message = REFUSED[case]
    run = _evaluate(tmp_path, content)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith(str(tmp_path / "squad.json") + ": ") and message in line, run.stderr
    if case.startswith(("null", "qas", "answers", "misaligned", "empty context")):
        assert ": data[0] ('T') paragraphs[0]" in line  # the article and paragraph


def test_the_wikipairs_command_gives_the_same_line(tmp_path):
    run = _evaluate(tmp_path, _squad(context=None), "-m", "wikipairs.cli", "reqa")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"{tmp_path / 'squad.json'}: data[0] ('T') paragraphs[0]: field 'context' is null, "
        "not str"]


def test_finetune_pairs_refuses_a_malformed_file_in_one_line(tmp_path):
    """The fine-tuning shards read the same SQuAD files: the same one line, exit 1, nothing
    written."""
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(_squad(context=None)))
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "alpha", "delta"]))
    run = subprocess.run([sys.executable, "-m", "wikipairs.cli", "finetune-pairs", "--squad",
                          str(path), "--vocab", str(vocab), "--output_dir", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        f"{path}: data[0] ('T') paragraphs[0]: field 'context' is null, not str")
    assert not (tmp_path / "out").exists()


def test_answers_that_cannot_be_located_are_dropped_counted_and_named(tmp_path):
    """A negative answer_start that Python slicing happens to match ('delta' is also at -6 of
    the context) would make the first sentence the target; it is dropped instead, as are a
    non-numeric one, one past the context and an empty text. A question left with no answer is
    skipped; a question keeping one answer is evaluated on it; the rest of the file is kept."""
    assert CONTEXT[-6:-6 + len("delta")] == "delta"
    qas = [{"id": "negative", "question": "a", "answers": [{"text": "delta", "answer_start": -6}]},
           {"id": "word", "question": "b", "answers": [{"text": "delta", "answer_start": "six"},
                                                     {"text": "delta", "answer_start": "1²"}]},
           {"id": "past", "question": "c", "answers": [{"text": "delta", "answer_start": 99}]},
           {"id": "empty", "question": "d", "answers": [{"text": "", "answer_start": 0}]},
           {"id": "one_left", "question": "Is it?", "answers": [{"text": "beta", "answer_start": 6},
                                                        {"text": "delta", "answer_start": None}]},
           {"id": "good", "question": "Gamma delta?",
            "answers": [{"text": "delta", "answer_start": "18"}]}]
    run = _evaluate(tmp_path, _squad(qas=qas))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    counts = report["questions"], report["skipped_unlocated"], report["dropped_answers"]
    assert counts == (2, 4, 6)
    assert ("2 questions evaluated, 0 skipped as unanswerable, 4 with no answer inside a sentence "
            "(6 answer(s) dropped as impossible to locate)") in format_report(report)
    where = f"{tmp_path / 'squad.json'}: data[0] ('T') paragraphs[0]"
    assert report["dropped_answers_first"] == [
        f"{where} qas[0] (id 'negative') answers[0]: answer_start -6 is not a character offset "
        "of the 24-character context",
        f"{where} qas[1] (id 'word') answers[0]: answer_start 'six' is not a character offset "
        "of the 24-character context",
        f"{where} qas[1] (id 'word') answers[1]: answer_start '1²' is not a character offset "
        "of the 24-character context",
        f"{where} qas[2] (id 'past') answers[0]: answer_start 99 is not a character offset of "
        "the 24-character context",
        f"{where} qas[3] (id 'empty') answers[0]: answer text '' is not a non-empty string",
        f"{where} qas[4] (id 'one_left') answers[1]: answer_start None is not a character "
        "offset of the 24-character context"]
    assert [f"answer dropped: {note}" for note in report["dropped_answers_first"]] == [
        line for line in run.stderr.splitlines() if line.startswith("answer dropped: ")]
    paragraphs = parse_squad(_squad(qas=qas), "f.json")
    reqa_set = build_reqa_set(paragraphs)
    assert reqa_set.question_ids == ["one_left", "good"] and reqa_set.targets == [(0,), (1,)]


def test_model_labels():
    assert model_label("ict=out/a/model") == ("ict", "out/a/model")
    assert model_label("out/run1/model/export") == ("model", "out/run1/model/export")
    assert model_label("out/run1/") == ("run1", "out/run1/")


def test_bm25_only_command_needs_no_tensorflow(tmp_path):
    """`python -m wikipairs.reqa.evaluate --bm25_only --json` in a fresh process: the report, and
    TensorFlow never imported."""
    code = ("import sys; from wikipairs.reqa.evaluate import main; "
            f"main(['--squad', {str(HANDMADE)!r}, '--bm25_only', '--json', "
            f"'--bm25_document', 'sentence', '--output', {str(tmp_path / 'new' / 'r.json')!r}]); "
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout)
    assert printed == json.loads((tmp_path / "new" / "r.json").read_text())  # its dir made
    assert printed["questions"] == 5 and printed["skipped_unanswerable"] == 1
    assert printed["systems"]["BM25"]["mrr"] == pytest.approx(0.8)


def test_missing_squad_file_is_named(tmp_path):
    from wikipairs.reqa.evaluate import main

    with pytest.raises(SystemExit, match="nope.json: no such file"):
        main(["--squad", str(tmp_path / "nope.json"), "--bm25_only"])


def test_model_scores_are_the_towers_inner_products(reqa_set, tiny_model):
    """With a real exported model: the evaluation's ranks equal those recomputed from embeddings
    taken straight from the SavedModels' signatures."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    from wikipairs.reqa.evaluate import evaluate_model

    model_dir = tiny_model[2]
    result = evaluate_model("tiny", str(model_dir), reqa_set, batch_size=2)
    query = tf.saved_model.load(str(model_dir / "export" / "query_encoder"))
    doc = tf.saved_model.load(str(model_dir / "export" / "doc_encoder"))
    q = query.signatures["serving_default"](text=tf.constant(reqa_set.questions))["embedding"]
    d = doc.signatures["serving_default"](
        title=tf.constant([c.sentence for c in reqa_set.candidates]),
        text=tf.constant([c.context for c in reqa_set.candidates]))["embedding"]
    expected = metrics(best_ranks(q.numpy() @ d.numpy().T, reqa_set.targets))
    assert result.metrics == pytest.approx(expected)
    assert result.seconds["index"] > 0


# --- one candidate framing for every model -----------------------------------------------------

def test_a_long_sentence_is_cut_at_the_query_length_not_the_title_cut():
    from wikipairs.reqa.candidates import MAX_SENTENCE_TOKENS, frame_candidate

    sentence, context = list(range(100, 200)), list(range(1000, 1400))
    ids, paragraph_cut = frame_candidate(2, 3, sentence, context, 288)
    assert MAX_SENTENCE_TOKENS == 64
    assert ids[:66] == (2, *sentence[:64], 3)  # not sentence[:32]: the pre-training title cut
    assert ids[66:] == (*context[:288 - 67], 3) and paragraph_cut and len(ids) == 288
    short, cut = frame_candidate(2, 3, sentence[:5], context[:5], 288)
    assert short == (2, *sentence[:5], 3, *context[:5], 3) and not cut


def test_a_document_tower_too_short_for_the_framing_is_refused(reqa_set):
    from wikipairs.reqa.candidates import frame_candidates

    with pytest.raises(ValueError, match="cannot hold the ReQA framing"):
        frame_candidates(reqa_set.candidates, None, 66)


def test_report_names_the_models_framing(reqa_set):
    model = evaluate_scorer("model-a", reqa_set, lambda a, b: STUB[a:b], 1.0)
    model.inputs = {"max_query_len": 64, "max_doc_len": 288, "sentences_cut": 1,
                    "paragraphs_cut": 0}
    report = report_dict("hand.json", reqa_set, [model])
    assert report["model_framing"]["candidate"] == "[CLS] sentence [SEP] paragraph [SEP]"
    assert report["model_framing"]["max_sentence_tokens"] == 64
    assert report["systems"]["model-a"]["inputs"]["sentences_cut"] == 1
    text = format_report(report)
    assert ("models see candidates as [CLS] sentence [SEP] paragraph [SEP] (sentence cut at 64 "
            "tokens") in text
    assert "model-a: 1 of 5 sentences cut, 0 paragraphs cut (max_doc_len 288" in text


@pytest.fixture(scope="module")
def sample_squad(sample_pairs, tmp_path_factory) -> str:
    """The committed sample questions over the sample corpus (wikipairs.reqa.from_corpus), its first 120
    paragraphs (a tenth of the whole, for time): real Wikipedia paragraphs, a good share of whose
    sentences are longer than 32 tokens."""
    from wikipairs.reqa.from_corpus import main
    from wikipairs.reqa.squad import write_squad

    out = tmp_path_factory.mktemp("sample_squad")
    assert main(["--corpus", str(sample_pairs["dir"].parent), "--questions",
                 str(REPO / "wikipairs" / "reqa" / "sample_qa.jsonl"),
                 "--output", str(out / "all.json")]) == 0
    write_squad(read_squad(str(out / "all.json"))[:120], str(out / "head.json"))
    return str(out / "head.json")


@pytest.fixture(scope="module")
def two_title_cuts(tiny_model, tmp_path_factory):
    """The tiny model exported twice: as trained (its shards cut titles at 32 tokens) and from a
    copy of its model_dir whose shards' metadata says 64, as fine-tuning shards do."""
    import shutil

    from trainer.export import export_latest
    from trainer.layout import METADATA_COPY

    model_dir = tiny_model[2]
    copy = tmp_path_factory.mktemp("title_cut_64") / "model"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("export"))
    metadata = json.loads((copy / METADATA_COPY).read_text())
    metadata["pair_config"]["max_title_tokens"] = 64
    (copy / METADATA_COPY).write_text(json.dumps(metadata))
    export_latest(str(copy))
    return model_dir, copy


def test_models_exported_with_other_title_cuts_see_the_same_candidates(two_title_cuts,
                                                                       sample_squad):
    """Same weights, title cut 32 or 64 in the export: the exported text signatures frame the
    sample's long sentences differently, the ReQA evaluation gives both the same ids (each
    sentence cut at 64) and so the same numbers, and its report says how it framed them."""
    from wikipairs.reqa.candidates import frame_candidates, tokenize_candidates
    from wikipairs.reqa.evaluate import run
    from wikipairs.retrieval.encoders import Encoders

    cut_32, cut_64 = (Encoders.load(str(path)) for path in two_title_cuts)
    assert (cut_32.info["max_title_tokens"], cut_64.info["max_title_tokens"]) == (32, 64)
    candidates = build_reqa_set(read_squad(sample_squad)).candidates
    tokenizer = cut_32.tokenizer()
    sentences, _ = tokenize_candidates(candidates, tokenizer)
    long = [i for i, s in enumerate(sentences) if len(s) > 32]
    assert len(long) >= len(candidates) // 10

    framed = [frame_candidates(candidates, e.tokenizer(), e.info["max_doc_len"]).ids
              for e in (cut_32, cut_64)]
    np.testing.assert_array_equal(framed[0], framed[1])
    for i in long:
        kept = sentences[i][:64]
        assert framed[0][i, 1:len(kept) + 2].tolist() == [*kept, tokenizer.sep_id]

    by_text = [e.encode_docs([candidates[i].sentence for i in long],
                             [candidates[i].context for i in long]) for e in (cut_32, cut_64)]
    assert np.abs(by_text[0] - by_text[1]).max() > 1e-4  # the exports alone would disagree

    report = run(sample_squad, [f"cut32={two_title_cuts[0]}", f"cut64={two_title_cuts[1]}"],
                 bm25=False, report=lambda line: None)
    systems = report["systems"]
    scores = {name: {k: v for k, v in system.items() if k not in ("seconds", "inputs")}
              for name, system in systems.items()}
    assert scores["cut32"] == pytest.approx(scores["cut64"])
    assert systems["cut32"]["inputs"] == systems["cut64"]["inputs"]
    assert systems["cut32"]["inputs"]["sentences_cut"] == sum(len(s) > 64 for s in sentences)
    assert report["model_framing"]["max_sentence_tokens"] == 64


def test_a_hugging_face_checkpoint_is_evaluated_as_it_is(sample_squad, tmp_path):
    """`--model hf:DIR`: all-MiniLM-L6-v2 zero-shot in the same table as BM25; its question
    embeddings are the checkpoint's own (a NumPy BERT on the same ids), L2-normalised. On 30
    paragraphs of the sample questions (a 6-layer model encodes every candidate on the CPU)."""
    from safetensors.numpy import load_file

    from wikipairs.reqa.squad import write_squad

    write_squad(read_squad(sample_squad)[:30], str(tmp_path / "head.json"))
    sample_squad = str(tmp_path / "head.json")
    from wikipairs.reqa.evaluate import run
    from wikipairs.retrieval.encoders import Encoders
    from tests.test_hf_checkpoint import TOLERANCE, numpy_embeddings
    from trainer import hf_checkpoint as hf
    from trainer.checkpoints import all_minilm_l6_v2
    from schemas.framing import tf_frame_query as frame_query

    folder = all_minilm_l6_v2()
    encoders = Encoders.load(f"hf:{folder}")
    questions = build_reqa_set(read_squad(sample_squad)).questions[:24]
    tokenizer = encoders.tokenizer()
    import tensorflow as tf

    ids = frame_query(tokenizer.tf_tokenize(tf.constant(questions)), tokenizer.cls_id,
                      tokenizer.sep_id, 64).numpy()
    weights = {k: v.astype(np.float64) for k, v in load_file(str(folder / hf.WEIGHTS_FILE)).items()}
    config = json.loads((folder / hf.CONFIG_FILE).read_text())
    order = np.argsort((ids != 0).sum(axis=1))
    reference = numpy_embeddings(weights, config, ids[order])
    ours = encoders.encode_queries(questions)[order]
    assert np.abs(ours - reference).max() <= TOLERANCE
    assert encoders.dim == 384 and encoders.info["normalize"]

    report = run(sample_squad, [f"minilm=hf:{folder}"], report=lambda line: None)
    minilm, bm25 = report["systems"]["minilm"], report["systems"]["BM25"]
    chance_at_1 = 1 / report["candidates"]
    for system in (minilm, bm25):  # both find most answers among ~150 candidates
        assert system["recall@10"] > 0.5 and system["recall@1"] > 20 * chance_at_1
    assert minilm["inputs"]["max_doc_len"] == 288
