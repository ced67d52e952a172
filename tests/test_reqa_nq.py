"""wikipairs.reqa.nq: Natural Questions (simplified and original format) -> SQuAD JSON as ReQA builds it."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys

import pytest

from wikipairs.reqa import nq
from wikipairs.reqa.squad import Answer, Paragraph, Question, read_squad

# A page in simplified NQ: tokens joined by single blanks, HTML tags as tokens.
DOCUMENT_TEXT = ("<H1> Moon </H1> "
                 "<P> The Moon orbits Earth . It was formed 4.51 billion years ago . </P> "
                 "<Table> <Tr> <Td> Moon </Td> </Tr> </Table> "
                 "<P> Apollo 11 landed on the Moon in 1969 . </P>")
TOKENS = DOCUMENT_TEXT.split(" ")
FIRST_P = (3, 18)  # <P> The Moon ... ago . </P>
TABLE = (18, 25)
SECOND_P = (25, 36)  # <P> Apollo 11 ... 1969 . </P>
AGE = (12, 15)  # 4.51 billion years
YEAR = (33, 34)  # 1969
FIRST_CONTEXT = "The Moon orbits Earth . It was formed 4.51 billion years ago ."
URL = "https://en.wikipedia.org//w/index.php?title=Moon_(satellite)&amp;oldid=814073893"


def test_the_token_positions_the_tests_rely_on():
    assert len(TOKENS) == 36
    assert (TOKENS[FIRST_P[0]], TOKENS[FIRST_P[1] - 1]) == ("<P>", "</P>")
    assert TOKENS[TABLE[0]] == "<Table>" and TOKENS[SECOND_P[0]] == "<P>"
    assert TOKENS[AGE[0]:AGE[1]] == ["4.51", "billion", "years"] and TOKENS[YEAR[0]] == "1969"


def span(start_end):
    start, end = start_end
    return {"start_token": start, "end_token": end}


NO_SPAN = (-1, -1)


def annotation(long_answer=FIRST_P, short_answers=(AGE,), yes_no="NONE"):
    return {"long_answer": {**span(long_answer), "candidate_index": 0},
            "short_answers": [span(short) for short in short_answers],
            "yes_no_answer": yes_no}


def simplified(annotations=None, example_id=1, question="how old is the moon",
               document_text=DOCUMENT_TEXT, url=URL):
    """A line of v1.0-simplified-nq-train.jsonl."""
    return {"example_id": example_id, "question_text": question, "document_text": document_text,
            "document_url": url,
            "long_answer_candidates": [{**span(FIRST_P), "top_level": True}],
            "annotations": [annotation()] if annotations is None else annotations}


def original(tokens, annotations, example_id=2, question="how old is the moon", title="Moon",
             html=lambda token: token.startswith("<")):
    """A line of nq-dev-XX.jsonl.gz; `html(token)` gives each token's html_token flag."""
    return {"example_id": example_id, "question_text": question, "document_title": title,
            "document_url": "https://en.wikipedia.org//w/index.php?title=Moon&amp;oldid=1",
            "document_html": "<html>...</html>",
            "document_tokens": [{"token": token, "start_byte": 0, "end_byte": 0,
                                 "html_token": html(token)} for token in tokens],
            "annotations": annotations}


def replacing_token(index, token):
    record = original(TOKENS, [annotation()])
    record["document_tokens"][index] = token
    return record


def convert(record):
    return nq.convert_example(nq.parse_example(record))


def write_jsonl(path, records, opener=open):
    with opener(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return str(path)


# ---- one example -------------------------------------------------------------------------------

def test_a_kept_simplified_example_gives_the_paragraph_without_tags_and_the_answer_at_its_offset():
    kept = convert(simplified())
    assert kept == nq.Kept("Moon (satellite)", FIRST_CONTEXT, Question(
        "1", "how old is the moon", (Answer("4.51 billion years", 38),)))
    assert FIRST_CONTEXT[38:38 + len("4.51 billion years")] == "4.51 billion years"


def test_the_original_format_gives_the_same_question_as_the_simplified_one():
    record = original(TOKENS, [annotation()])
    assert convert(record) == nq.Kept("Moon", FIRST_CONTEXT, Question(
        "2", "how old is the moon", (Answer("4.51 billion years", 38),)))


def test_an_answer_whose_words_occur_earlier_gets_the_offset_of_the_annotated_occurrence():
    tokens = "<P> Earth has one Moon ; <B> the Moon </B> is bright . </P>".split(" ")
    context = "Earth has one Moon ; the Moon is bright ."
    second_moon = convert(simplified([annotation((0, 14), [(8, 9)])],
                                     document_text=" ".join(tokens)))
    assert (second_moon.context, second_moon.question.answers) == (context, (Answer("Moon", 25),))
    assert context.find("Moon") == 14  # what str.find would have said
    from_the_tag = convert(original(tokens, [annotation((0, 14), [(6, 9)])]))
    assert from_the_tag.question.answers == (Answer("the Moon", 21),)


def test_in_the_original_format_the_html_flag_decides_not_the_shape_of_the_token():
    tokens = ["<P>", "x", "<", "y", "<i>", "</P>"]
    kept = convert(original(tokens, [annotation((0, 6), [(3, 4)])],
                            html=lambda token: token in ("<P>", "</P>")))
    assert kept.context == "x < y <i>" and kept.question.answers == (Answer("y", 4),)


def test_a_simplified_tag_with_attributes_is_html_and_a_lone_angle_bracket_is_text():
    document_text = '<P> a < b <Th_colspan="2"> c </P>'
    kept = convert(simplified([annotation((0, 7), [(5, 6)])], document_text=document_text))
    assert kept.context == "a < b c" and kept.question.answers == (Answer("c", 6),)


def test_empty_tokens_from_double_blanks_keep_their_index_but_leave_no_double_blank():
    kept = convert(simplified([annotation((0, 6), [(4, 5)])],
                              document_text="<P> one  two three </P>"))
    assert kept.context == "one two three" and kept.question.answers == (Answer("three", 8),)


@pytest.mark.parametrize("url, title", [
    (URL, "Moon (satellite)"),
    ("https://en.wikipedia.org/wiki/Caf%C3%A9_de_Flore", "Café de Flore"),
    ("https://en.wikipedia.org/w/index.php?oldid=5&amp;title=C%2B%2B", "C++"),
    ("https://en.wikipedia.org/w/index.php?title=A+B&amp;oldid=5", "A+B"),
])
def test_the_title_comes_from_the_url_when_there_is_no_document_title(url, title):
    assert nq.title_from_url(url) == title
    assert convert(simplified(url=url)).title == title


# ---- drop reasons ------------------------------------------------------------------------------

@pytest.mark.parametrize("annotations, reason", [
    ([], nq.NO_ANNOTATION),
    ([annotation(NO_SPAN, [])], nq.NO_LONG_ANSWER),
    ([annotation(TABLE, [(21, 22)])], nq.LONG_ANSWER_NOT_PARAGRAPH),
    ([annotation(FIRST_P, [])], nq.NO_SHORT_ANSWER),
    ([annotation(FIRST_P, [AGE, (5, 6)])], nq.SEVERAL_SHORT_ANSWERS),
    ([annotation(FIRST_P, [], yes_no="YES")], nq.YES_NO_ANSWER),
    ([annotation(FIRST_P, [YEAR])], nq.SHORT_ANSWER_OUTSIDE_LONG_ANSWER),
    ([annotation(FIRST_P, [(17, 18)])], nq.EMPTY_SHORT_ANSWER),  # just </P>
    # several annotators: the one closest to qualifying names the reason
    ([annotation(NO_SPAN, []), annotation(FIRST_P, [AGE, YEAR]), annotation(TABLE, [])],
     nq.SEVERAL_SHORT_ANSWERS),
])
def test_each_drop_reason(annotations, reason):
    assert convert(simplified(annotations)) == nq.Dropped(reason)
    assert convert(original(TOKENS, annotations)) == nq.Dropped(reason)


def test_with_several_annotations_the_first_that_qualifies_is_used():
    annotations = [annotation(NO_SPAN, []), annotation(TABLE, [(21, 22)]),
                   annotation(SECOND_P, [YEAR]), annotation(FIRST_P, [AGE])]
    kept = convert(original(TOKENS, annotations))
    assert kept.context == "Apollo 11 landed on the Moon in 1969 ."
    assert kept.question.answers == (Answer("1969", 32),)


@pytest.mark.parametrize("record, message", [
    ({**simplified(), "question_text": None}, "field question_text is null"),
    ({key: value for key, value in simplified().items() if key != "annotations"},
     "missing field annotations"),
    (simplified([annotation(FIRST_P, [(30, 40)])]),
     "annotations[0].short_answers[0] [30, 40) is not a span of the 36-token document"),
    (simplified([annotation(FIRST_P, [NO_SPAN])]), "annotations[0].short_answers[0] has no span"),
    ({**simplified(), "example_id": True}, "field example_id is bool"),
    (replacing_token(3, {"token": 3, "html_token": False}),
     "field document_tokens[3].token is int"),
    (replacing_token(3, {"token": "<P>"}), "missing field document_tokens[3].html_token"),
    (replacing_token(3, "<P>"), "document_tokens[3] is str, not an object"),
    ({key: value for key, value in simplified().items() if key != "document_url"},
     "missing field document_url"),
    ([1, 2], "record is list"),
])
def test_a_malformed_record_says_what_is_wrong(record, message):
    with pytest.raises(nq.MalformedExample, match=re.escape(message)):
        nq.parse_example(record)


# ---- many examples -----------------------------------------------------------------------------

def test_questions_on_the_same_paragraph_share_one_paragraph():
    conversion = nq.Conversion()
    for record in (simplified(example_id=1),
                   simplified([annotation(SECOND_P, [YEAR])], example_id=2, question="when"),
                   simplified([annotation(FIRST_P, [(7, 8)])], example_id=3, question="orbits"),
                   simplified(example_id=1)):  # the same id again
        conversion.add(convert(record))
    first, second = conversion.paragraphs()
    assert (first.context, [q.qid for q in first.questions]) == (FIRST_CONTEXT, ["1", "3"])
    assert first.questions[1].answers == (Answer("Earth", 16),)
    assert [q.qid for q in second.questions] == ["2"]
    assert conversion.counts == {nq.KEPT: 3, nq.DUPLICATE_EXAMPLE_ID: 1}


def test_gz_input_and_malformed_lines_reported_with_their_line_number(tmp_path):
    path = write_jsonl(tmp_path / "nq-dev-00.jsonl.gz", [
        original(TOKENS, [annotation()], example_id=10),
        "{not json",
        {**simplified(example_id=12), "question_text": 5},
        "",
        simplified([annotation(TABLE, [(21, 22)])], example_id=13),
        simplified([annotation(SECOND_P, [YEAR])], example_id=14),
    ], opener=gzip.open)
    conversion = nq.convert_files([path])
    assert conversion.counts == {nq.KEPT: 2, nq.MALFORMED: 2, nq.LONG_ANSWER_NOT_PARAGRAPH: 1}
    assert conversion.problems[0].startswith(f"{path}:2: not JSON")
    assert conversion.problems[1] == f"{path}:3: field question_text is int"
    assert [q.qid for p in conversion.paragraphs() for q in p.questions] == ["10", "14"]


def test_a_line_nested_too_deeply_is_malformed_with_its_line_and_the_rest_is_read(tmp_path):
    """100,000 levels exhaust Python's JSON parser (RecursionError): before, that ended the whole
    conversion."""
    deep_list = "[" * 100_000 + "]" * 100_000
    deep_field = json.dumps(simplified(example_id=3))[:-1] + ', "x": ' + deep_list + "}"
    path = write_jsonl(tmp_path / "deep.jsonl", [
        simplified(example_id=1), deep_list, deep_field, simplified(example_id=4)])
    conversion = nq.convert_files([path])
    assert conversion.counts == {nq.KEPT: 2, nq.MALFORMED: 2}
    assert conversion.problems == [f"{path}:2: not JSON (nested too deeply)",
                                   f"{path}:3: not JSON (nested too deeply)"]
    assert conversion.kept_ids == {"1", "4"}


def test_a_truncated_gz_is_reported_and_the_next_file_still_read(tmp_path):
    broken = write_jsonl(tmp_path / "a.jsonl.gz", [simplified(example_id=i) for i in range(50)],
                         opener=gzip.open)
    with open(broken, "rb") as handle:
        data = handle.read()
    with open(broken, "wb") as handle:
        handle.write(data[:len(data) // 2])
    whole = write_jsonl(tmp_path / "b.jsonl", [simplified(example_id="b")])
    conversion = nq.convert_files([broken, whole])
    assert conversion.unreadable_files == [broken]
    assert conversion.problems[-1].startswith(f"{broken}: unreadable after line ")
    assert "b" in conversion.kept_ids


def test_inputs_expand_globs_in_order_once_each_and_a_missing_input_is_an_error(tmp_path):
    for name in ("nq-01.jsonl", "nq-00.jsonl.gz", "other.txt"):
        (tmp_path / name).write_text("")
    pattern = str(tmp_path / "nq-*")
    assert nq.expand_inputs([pattern, str(tmp_path / "nq-01.jsonl")]) == [
        str(tmp_path / "nq-00.jsonl.gz"), str(tmp_path / "nq-01.jsonl")]
    with pytest.raises(ValueError, match="no such file"):
        nq.expand_inputs([str(tmp_path / "missing-*.jsonl")])
    with pytest.raises(ValueError, match="no such file"):
        nq.expand_inputs([str(tmp_path / "missing.jsonl")])


# ---- the CLI -----------------------------------------------------------------------------------

def test_the_cli_writes_squad_json_that_read_squad_loads(tmp_path, capsys):
    train = write_jsonl(tmp_path / "train.jsonl.gz", [
        simplified(example_id=1), simplified([annotation(FIRST_P, [(7, 8)])], example_id=3),
        simplified([annotation(NO_SPAN, [])], example_id=4)], opener=gzip.open)
    dev = write_jsonl(tmp_path / "dev.jsonl", [original(TOKENS, [annotation(SECOND_P, [YEAR])]),
                                               "[]"])
    output = tmp_path / "nq.json"
    assert nq.main(["--input", str(tmp_path / "*.jsonl.gz"), dev, "--output", str(output),
                    "--progress_every_s", "0"]) == 0
    assert read_squad(str(output)) == [
        Paragraph("Moon (satellite)", FIRST_CONTEXT, (
            Question("1", "how old is the moon", (Answer("4.51 billion years", 38),)),
            Question("3", "how old is the moon", (Answer("Earth", 16),)))),
        Paragraph("Moon", "Apollo 11 landed on the Moon in 1969 .", (
            Question("2", "how old is the moon", (Answer("1969", 32),)),))]
    out, err = capsys.readouterr()
    assert "NQ examples read: 5" in out
    assert [line.split() for line in out.splitlines() if line.startswith("  ")][:3] == [
        ["kept", "3"], ["dropped:malformed", "1"], ["dropped:no_long_answer", "1"]]
    assert f"{dev}:2: record is list, not an object" in out
    assert "records/s" in err and f"reading {train}" in err


def test_the_cli_exits_non_zero_and_writes_nothing_when_nothing_is_kept(tmp_path, capsys):
    path = write_jsonl(tmp_path / "nq.jsonl", [simplified([annotation(TABLE, [])])])
    output = tmp_path / "nq.json"
    assert nq.main(["--input", path, "--output", str(output)]) == 1
    assert not output.exists()
    assert nq.main(["--input", str(tmp_path / "absent.jsonl"), "--output", str(output)]) == 2


def test_python_dash_m_runs_without_importing_tensorflow(tmp_path):
    path = write_jsonl(tmp_path / "nq.jsonl", [simplified()])
    output = tmp_path / "nq.json"
    script = ("import sys, runpy; sys.argv = ['wikipairs.reqa.nq', '--input', sys.argv[1], '--output', "
              "sys.argv[2]]\ntry:\n    runpy.run_module('wikipairs.reqa.nq', run_name='__main__')\n"
              "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
              "assert 'tensorflow' not in sys.modules")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-c", script, path, str(output)], check=True, cwd=root,
                   capture_output=True)
    assert [q.qid for p in read_squad(str(output)) for q in p.questions] == ["1"]
