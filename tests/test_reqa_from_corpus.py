"""wikipairs.reqa.from_corpus: placing hand-written questions in corpus passages (pure logic on hand-made
articles, the command on a hand-made corpus table), and the committed sample question set, which
must resolve completely against the corpus built from the bundled sample dump."""
from __future__ import annotations

import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wikipairs.reqa.from_corpus import (ANSWER_NOT_IN_EVIDENCE, EVIDENCE_AMBIGUOUS, EVIDENCE_NOT_FOUND,
                              MALFORMED, TITLE_NOT_FOUND, Placement, QARecord, Unresolved,
                              build_paragraphs, load_corpus, main, parse_record, place, read_lines,
                              resolve_all, resolve_line, sentence_spans)
from wikipairs.reqa.squad import read_squad
from schemas.corpus import ARTICLES, CORPUS_SCHEMA_VERSION, STATS_FILE

REPO = pathlib.Path(__file__).resolve().parent.parent
SAMPLE_QA = REPO / "wikipairs" / "reqa" / "sample_qa.jsonl"

# Two articles of passages (lists of sentences). "Paris" occurs twice in Zorvania's second passage,
# and "In 1901 the river froze." is in both of Tessel's passages.
ZORVANIA = [
    ["Zorvania is a small country.", "Its capital is Melbrook."],
    ["The king visited Paris in 1850.", "He sailed from Melbrook to Paris again in 1852."],
]
TESSEL = [
    ["The Tessel is a river.", "In 1901 the river froze."],
    ["Fishing is common.", "In 1901 the river froze."],
]
ARTICLES_BY_TITLE = {"Zorvania": ZORVANIA, "Tessel": TESSEL}


def record(answer: str, evidence: str, title: str = "Zorvania", line: int = 1) -> QARecord:
    return QARecord(line, title, "a question?", answer, evidence)


def line_of(answer: str, evidence: str, title: str = "Zorvania") -> str:
    return json.dumps({"title": title, "question": "a question?", "answer": answer,
                       "evidence": evidence})


def reason(call) -> str:
    with pytest.raises(Unresolved) as caught:
        call()
    return caught.value.reason


# --- placing one question ----------------------------------------------------------------------

def test_sentence_spans_follow_the_single_space_join():
    context = " ".join(ZORVANIA[1])
    for (start, end), sentence in zip(sentence_spans(ZORVANIA[1]), ZORVANIA[1]):
        assert context[start:end] == sentence


def test_answer_offset_is_taken_inside_the_evidence_not_at_the_first_occurrence():
    placement = place(record("Paris", "sailed from Melbrook to Paris again"), ZORVANIA)
    context = " ".join(ZORVANIA[1])
    assert placement.passage == 1
    assert placement.answer_start == context.index("Paris", context.index("sailed"))
    assert placement.answer_start != context.index("Paris")  # the earlier sentence's "Paris"


def test_answer_outside_the_evidence_but_in_its_sentence_is_found_there():
    placement = place(record("Paris", "again in 1852"), ZORVANIA)
    context = " ".join(ZORVANIA[1])
    assert context[placement.answer_start:].startswith("Paris again in 1852")


def test_evidence_may_cross_sentences_and_the_answer_lie_in_either():
    placement = place(record("capital", "small country. Its capital"), ZORVANIA)
    assert placement == Placement(0, " ".join(ZORVANIA[0]).index("capital"))


def test_evidence_not_found():
    assert reason(lambda: place(record("1850", "visited Rome in 1850"), ZORVANIA)) == \
        EVIDENCE_NOT_FOUND


def test_evidence_in_two_passages_is_ambiguous():
    assert reason(lambda: place(record("1901", "In 1901 the river froze.", "Tessel"), TESSEL)) == \
        EVIDENCE_AMBIGUOUS


def test_evidence_twice_in_one_passage_is_ambiguous():
    assert reason(lambda: place(record("Paris", "Paris"), ZORVANIA)) == EVIDENCE_AMBIGUOUS


def test_answer_in_another_sentence_of_the_passage_is_not_accepted():
    assert reason(lambda: place(record("1850", "again in 1852"), ZORVANIA)) == \
        ANSWER_NOT_IN_EVIDENCE


def test_unknown_title():
    assert reason(lambda: resolve_line(1, line_of("x", "y", "Atlantis"), ARTICLES_BY_TITLE)) == \
        TITLE_NOT_FOUND


@pytest.mark.parametrize("text", ["not json", "[1, 2]", json.dumps({"title": "Zorvania"}),
                                  json.dumps({"title": "Zorvania", "question": "q?",
                                              "answer": "", "evidence": "small country"})])
def test_malformed_lines(text):
    assert reason(lambda: parse_record(text, 1)) == MALFORMED


# --- many questions, paragraphs ---------------------------------------------------------------

def test_every_failure_is_reported_with_its_line_number():
    lines = [(1, line_of("Melbrook", "Its capital is Melbrook.")),
             (3, line_of("x", "y", "Atlantis")),
             (4, line_of("1850", "again in 1852")),
             (7, "{")]
    placed, failures = resolve_all(lines, ARTICLES_BY_TITLE)
    assert [r.line for r, _ in placed] == [1]
    assert [(n, problem.reason) for n, problem in failures] == [
        (3, TITLE_NOT_FOUND), (4, ANSWER_NOT_IN_EVIDENCE), (7, MALFORMED)]


def test_paragraphs_are_the_passages_of_asked_articles_with_their_questions():
    placed, _ = resolve_all([(2, line_of("1852", "again in 1852")),
                             (5, line_of("Melbrook", "Its capital is Melbrook."))],
                            ARTICLES_BY_TITLE)
    ordered = [("Tessel", TESSEL), ("Zorvania", ZORVANIA)]
    paragraphs = build_paragraphs(ordered, placed)
    assert [(p.title, p.context) for p in paragraphs] == [
        ("Zorvania", " ".join(ZORVANIA[0])), ("Zorvania", " ".join(ZORVANIA[1]))]
    assert [[q.qid for q in p.questions] for p in paragraphs] == [["sample-5"], ["sample-2"]]
    for paragraph in paragraphs:
        for question in paragraph.questions:
            answer = question.answers[0]
            assert paragraph.context[answer.start:answer.start + len(answer.text)] == answer.text
    every = build_paragraphs(ordered, placed, all_articles=True)
    assert [p.title for p in every] == ["Tessel", "Tessel", "Zorvania", "Zorvania"]


# --- the command on a hand-made corpus table ---------------------------------------------------

def write_corpus(corpus_dir: pathlib.Path, articles: dict[str, list[list[str]]]) -> None:
    """A one-shard articles table (each article one lead section holding its passages) and the
    corpus_stats.json that says which schema it is, as the corpus stage writes them."""
    rows = [{"id": i, "title": title, "links": [], "inbound_links": [], "source": "test",
             "sections": [{"heading": "", "path": [], "level": 0, "is_lead": True,
                           "passages": passages}]}
            for i, (title, passages) in enumerate(articles.items(), start=1)]
    (corpus_dir / "articles").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLES),
                   corpus_dir / "articles" / "part-00000-of-00001.parquet")
    (corpus_dir / STATS_FILE).write_text(json.dumps({"schema_version": CORPUS_SCHEMA_VERSION}))


def test_command_writes_squad_or_lists_every_unresolved_line(tmp_path, capsys):
    write_corpus(tmp_path / "corpus", ARTICLES_BY_TITLE)
    questions = tmp_path / "qa.jsonl"
    questions.write_text("\n".join([line_of("Paris", "sailed from Melbrook to Paris again"),
                                    line_of("x", "y", "Atlantis"),
                                    line_of("1850", "Rome")]) + "\n")
    args = ["--corpus", str(tmp_path / "corpus"), "--questions", str(questions)]

    assert main([*args, "--output", str(tmp_path / "strict.json")]) == 1
    err = capsys.readouterr().err
    assert f"{questions}:2: {TITLE_NOT_FOUND}" in err
    assert f"{questions}:3: {EVIDENCE_NOT_FOUND}" in err
    assert not (tmp_path / "strict.json").exists()

    assert main([*args, "--output", str(tmp_path / "out.json"), "--skip_unresolved"]) == 0
    paragraphs = read_squad(str(tmp_path / "out.json"))  # checks every answer is at its offset
    assert [p.title for p in paragraphs] == ["Zorvania", "Zorvania"]
    assert [q.qid for p in paragraphs for q in p.questions] == ["sample-1"]


# --- the committed sample question set ---------------------------------------------------------

@pytest.fixture(scope="module")
def sample_corpus_dir(sample_pairs) -> str:
    """The corpus tables the session's whole-job run on the bundled sample wrote."""
    return str(sample_pairs["dir"].parent)


def test_sample_questions_resolve_completely_against_the_sample_corpus(sample_corpus_dir,
                                                                          tmp_path):
    lines = read_lines(str(SAMPLE_QA))
    placed, failures = resolve_all(lines, dict(load_corpus(sample_corpus_dir)))
    assert not failures, "\n".join(f"line {n}: {problem}" for n, problem in failures)
    assert len(placed) == len(lines) >= 250
    assert len({r.title for r, _ in placed}) >= 60

    output = tmp_path / "sample_squad.json"
    assert main(["--corpus", sample_corpus_dir, "--questions", str(SAMPLE_QA),
                 "--output", str(output)]) == 0
    paragraphs = read_squad(str(output))
    qids = [q.qid for p in paragraphs for q in p.questions]
    assert sorted(qids) == sorted(f"sample-{n}" for n, _ in lines)


def test_a_missing_corpus_is_one_line_through_the_command(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "wikipairs.reqa.from_corpus", f"--corpus={tmp_path / 'nope'}",
         "--questions=wikipairs/reqa/sample_qa.jsonl", f"--output={tmp_path / 'squad.json'}"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"python -m wikipairs.reqa.from_corpus: --corpus {tmp_path / 'nope'}: no such directory "
        "(give the --output_dir of `python -m pipeline.run`)"]
    assert not (tmp_path / "squad.json").exists()


def test_sample_names_the_questions_that_ship_with_the_package(tmp_path, capsys):
    """`--questions sample` reads the packaged file (an installed wikipairs has no bench/)."""
    from wikipairs.reqa.from_corpus import SAMPLE_QUESTIONS

    assert pathlib.Path(SAMPLE_QUESTIONS).read_bytes() == SAMPLE_QA.read_bytes()
    write_corpus(tmp_path / "corpus", ARTICLES_BY_TITLE)  # none of the sample's titles
    assert main(["--corpus", str(tmp_path / "corpus"), "--questions", "sample", "--output",
                 str(tmp_path / "out.json")]) == 1
    assert f"{SAMPLE_QUESTIONS}:1: {TITLE_NOT_FOUND}" in capsys.readouterr().err
