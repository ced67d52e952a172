"""A SQuAD v1.1 file from corpus passages and a hand-written question list (JSON Lines of
{title, question, answer, evidence}), so ReQA can run on Wikipedia paragraphs that are also in the
pre-training corpus, as in Chang et al. 2020 (SQuAD contexts are Wikipedia paragraphs).

Each question is placed by its `evidence`, a distinctive piece of the sentence holding the answer:
the evidence must occur exactly once in the titled article, and the answer must lie in the
sentence(s) that evidence touches. The answer offset is taken there, never by a global find, so an
answer string that also occurs earlier in the passage still gets the offset the writer meant.

    python -m wikipairs.reqa.from_corpus --corpus out/demo --questions wikipairs/reqa/sample_qa.jsonl \
        --output out/demo/sample_squad.json [--all_articles] [--skip_unresolved]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from schemas.corpus import passage_text, row_passages
from wikipairs.reqa.squad import Answer, Paragraph, Question, write_squad

REQUIRED_FIELDS = ("title", "question", "answer", "evidence")

# Why a question did not resolve; each is one reason a writer can fix.
MALFORMED = "malformed line"
# The project's hand-written questions over the bundled sample's articles, shipped with the
# package (bench/data/README.md says how they were written); `--questions sample` names them.
SAMPLE_QUESTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample_qa.jsonl")

TITLE_NOT_FOUND = "title not found"
EVIDENCE_NOT_FOUND = "evidence not found"
EVIDENCE_AMBIGUOUS = "evidence ambiguous"
ANSWER_NOT_IN_EVIDENCE = "answer not in evidence"


@dataclasses.dataclass(frozen=True)
class QARecord:
    """One line of the question file."""
    line: int  # 1-based line number, also the question id's suffix
    title: str
    question: str
    answer: str
    evidence: str


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a question's answer is: passage index within its article and offset in the passage."""
    passage: int
    answer_start: int


class Unresolved(ValueError):
    """A question that cannot be placed, with the reason (one of the constants above)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --- reading ---------------------------------------------------------------------------------

def parse_record(text: str, line: int) -> QARecord:
    """One JSON line as a record; a line that is not an object with the four string fields is
    an Unresolved(MALFORMED), so it is reported with the others rather than stopping the run."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unresolved(MALFORMED, f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise Unresolved(MALFORMED, "not a JSON object")
    bad = [f for f in REQUIRED_FIELDS if not isinstance(data.get(f), str) or not data[f]]
    if bad:
        raise Unresolved(MALFORMED, f"missing or empty field(s) {', '.join(bad)}")
    return QARecord(line, data["title"], data["question"], data["answer"], data["evidence"])


def read_lines(path: str) -> list[tuple[int, str]]:
    """(line number, text) of the non-blank lines of a JSON Lines file."""
    with open(path, encoding="utf-8") as handle:
        return [(number, text) for number, text in enumerate(handle, start=1) if text.strip()]


def sentence_spans(sentences: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each sentence in passage_text(sentences)."""
    spans, start = [], 0
    for sentence in sentences:
        spans.append((start, start + len(sentence)))
        start += len(sentence) + 1
    return spans


# --- placing one question --------------------------------------------------------------------

def occurrences(text: str, part: str) -> list[int]:
    """Every start offset of `part` in `text`, overlapping ones included."""
    found, start = [], text.find(part)
    while start != -1:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def covering_span(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The span of the sentences that [start, end) touches (the evidence may cross sentences)."""
    touched = [(s, e) for s, e in spans if s < end and start < e]
    return touched[0][0], touched[-1][1]


def answer_offset(context: str, answer: str, evidence: tuple[int, int],
                  sentences: tuple[int, int]) -> int | None:
    """The answer's offset: its first occurrence inside the evidence match, else its first
    occurrence inside the evidence's sentences; None if it is in neither."""
    for low, high in (evidence, sentences):
        start = context.find(answer, low, high)
        if start != -1:
            return start
    return None


def place(record: QARecord, passages: list[list[str]]) -> Placement:
    """Where `record`'s answer is in an article's passages, or Unresolved with the reason."""
    contexts = [passage_text(sentences) for sentences in passages]
    matches = [(p, start) for p, context in enumerate(contexts)
               for start in occurrences(context, record.evidence)]
    if not matches:
        raise Unresolved(EVIDENCE_NOT_FOUND, repr(record.evidence))
    if len(matches) > 1:
        where = ", ".join(f"passage {p} offset {s}" for p, s in matches)
        raise Unresolved(EVIDENCE_AMBIGUOUS, f"{record.evidence!r} occurs at {where}")
    passage, start = matches[0]
    evidence = (start, start + len(record.evidence))
    sentences = covering_span(sentence_spans(passages[passage]), *evidence)
    offset = answer_offset(contexts[passage], record.answer, evidence, sentences)
    if offset is None:
        raise Unresolved(ANSWER_NOT_IN_EVIDENCE,
                         f"{record.answer!r} not in {contexts[passage][slice(*sentences)]!r}")
    return Placement(passage, offset)


def resolve_line(number: int, text: str,
                 articles: dict[str, list[list[str]]]) -> tuple[QARecord, Placement]:
    """One question line parsed and placed in its titled article."""
    record = parse_record(text, number)
    if record.title not in articles:
        raise Unresolved(TITLE_NOT_FOUND, repr(record.title))
    return record, place(record, articles[record.title])


def resolve_all(lines: list[tuple[int, str]], articles: dict[str, list[list[str]]]
                ) -> tuple[list[tuple[QARecord, Placement]], list[tuple[int, Unresolved]]]:
    """Every line placed, or collected as a failure: all problems are reported in one go."""
    placed, failures = [], []
    for number, text in lines:
        try:
            placed.append(resolve_line(number, text, articles))
        except Unresolved as problem:
            failures.append((number, problem))
    return placed, failures


def failure_report(path: str, failures: list[tuple[int, Unresolved]]) -> str:
    return "\n".join(f"{path}:{number}: {problem}" for number, problem in failures)


# --- building the SQuAD paragraphs ----------------------------------------------------------

def question_id(record: QARecord) -> str:
    return f"sample-{record.line}"


def to_question(record: QARecord, placement: Placement) -> Question:
    return Question(question_id(record), record.question,
                    (Answer(record.answer, placement.answer_start),))


def build_paragraphs(ordered_articles: list[tuple[str, list[list[str]]]],
                     placed: list[tuple[QARecord, Placement]],
                     all_articles: bool = False) -> list[Paragraph]:
    """One paragraph per passage, articles in corpus order, questions in file order. Without
    `all_articles` only articles with a question are kept (all their passages: the other
    passages are the candidates a retriever must not pick)."""
    by_passage: dict[tuple[str, int], list[Question]] = {}
    for record, placement in placed:
        by_passage.setdefault((record.title, placement.passage), []).append(
            to_question(record, placement))
    asked = {record.title for record, _ in placed}
    return [Paragraph(title, passage_text(sentences), tuple(by_passage.get((title, p), ())))
            for title, passages in ordered_articles if all_articles or title in asked
            for p, sentences in enumerate(passages)]


def load_corpus(corpus_dir: str) -> list[tuple[str, list[list[str]]]]:
    """(title, passages) of every article of a corpus directory, in table order."""
    from schemas.corpus import read_table

    rows = read_table(corpus_dir, "articles").select(["title", "sections"]).to_pylist()
    return [(row["title"], [passage.sentences for passage in row_passages(row)]) for row in rows]


# --- command line ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m wikipairs.reqa.from_corpus", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="a corpus stage --output_dir")
    parser.add_argument("--questions", required=True, help="JSON Lines question file, or "
                        "'sample': the questions over the bundled sample that ship with wikipairs")
    parser.add_argument("--output", required=True, help="SQuAD v1.1 JSON file to write")
    parser.add_argument("--all_articles", action="store_true",
                        help="every article of the corpus, not only those with a question")
    parser.add_argument("--skip_unresolved", action="store_true",
                        help="report questions that do not resolve and leave them out")
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.questions == "sample":
        args.questions = SAMPLE_QUESTIONS
    from schemas.corpus import check_schema_version

    try:  # a corpus that is not there is one line, not a report of every question unresolved
        check_schema_version(args.corpus)
    except ValueError as error:
        print(f"python -m wikipairs.reqa.from_corpus: --corpus {error}", file=sys.stderr)
        return 2
    if not os.path.exists(args.questions) and "://" not in args.questions:
        print(f"python -m wikipairs.reqa.from_corpus: --questions {args.questions}: no such file",
              file=sys.stderr)
        return 2
    ordered = load_corpus(args.corpus)
    placed, failures = resolve_all(read_lines(args.questions), dict(ordered))
    if failures:
        print(failure_report(args.questions, failures), file=sys.stderr)
        if not args.skip_unresolved:
            print(f"{len(failures)} question(s) did not resolve; nothing written "
                  "(--skip_unresolved to leave them out)", file=sys.stderr)
            return 1
        print(f"skipped {len(failures)} unresolved question(s)", file=sys.stderr)
    paragraphs = build_paragraphs(ordered, placed, args.all_articles)
    write_squad(paragraphs, args.output)
    titles = {p.title for p in paragraphs}
    print(f"{args.output}: {len(placed)} questions, {len(paragraphs)} paragraphs, "
          f"{len(titles)} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
