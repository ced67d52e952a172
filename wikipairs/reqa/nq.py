"""Natural Questions -> SQuAD JSON, the way ReQA (Ahmad et al. 2019) builds its NQ set.

    python -m wikipairs.reqa.nq --input 'nq/v1.0-simplified-nq-train.jsonl.gz' --output nq-train.json
    python -m wikipairs.reqa.nq --input 'nq/dev/nq-dev-*.jsonl.gz' --output nq-dev.json

Inputs are `.jsonl` or `.jsonl.gz` files or globs, local or gs:// (gs:// through tf.io.gfile,
imported only then), in either NQ format:

- simplified (v1.0-simplified-nq-train.jsonl.gz): `document_text` is the page's tokens joined by
  single blanks; token indices are into `document_text.split(" ")` (not `split()`: NQ warns that
  some characters, e.g. U+180E, are whitespace to one Python and not to another). HTML tokens are
  recognised by their shape, `<Tag>`, `</Tag>` or `<Tag_attr...>`.
- original (nq-dev-XX.jsonl.gz): `document_tokens` [{token, html_token, ...}]; the `html_token`
  flag says which tokens are HTML.

Rules (every token span is [start_token, end_token), end exclusive):

- An annotation *qualifies* when its long answer starts with an opening `<P>` tag, its
  `yes_no_answer` is NONE and it has exactly one short answer, inside the long answer, holding
  at least one text token. An example is kept iff one of its annotations qualifies; with several
  annotations (the dev set has five) the first that qualifies, in file order, is used - the
  question counts when any annotator found a one-span answer in a paragraph. (ReQA's own script
  reads only annotations[0]; the training set has just that one, so both agree there.)
- A dropped example counts under one reason: with several annotations, the reason of the
  annotation that came closest to qualifying, in this order of the checks: no_long_answer,
  long_answer_not_paragraph, yes_no_answer, no_short_answer, several_short_answers,
  short_answer_outside_long_answer, empty_short_answer (a short answer of HTML tokens only).
  Examples with no annotation at all count as no_annotation; a second example with an
  example_id already kept counts as duplicate_example_id (question ids must be unique).
- context = the text tokens (neither HTML nor empty) of the long answer joined by single blanks;
  answer = the text tokens of the short answer joined the same way; its offset is the length of
  the context's tokens before the short answer's first text token (each plus its blank), so it
  is exact even when the answer's words also occur earlier in the paragraph.
- title = `document_title` when present, else from `document_url` (after undoing NQ's `&amp;`):
  its `title=` query parameter, else its last path element; percent-decoded (not `+` -> blank:
  `+` is a legal title character) and `_` -> blank.
- question id = str(example_id); question = question_text, as given.
- Identical contexts become one Paragraph holding all their questions (in input order; the title
  is the first one seen), so the ReQA candidate set holds each paragraph once.
- A line that is not JSON (or nests deeper than Python's JSON parser follows), lacks a field,
  has a field of the wrong type or a token span outside the document is *malformed*: reported
  with file and line number, counted, and skipped. A file that cannot be read to its end (e.g.
  a truncated .gz) is reported and the next file is read. Blank lines are ignored.

The CLI prints a progress line with the rate to stderr every few seconds, then the counts by
reason; it exits 1 (writing nothing) if no example was kept, 2 if an input matches no file.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import glob
import gzip
import html
import json
import os
import re
import sys
import urllib.parse
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Sequence

from wikipairs.reqa.squad import (Answer, Paragraph, Question, to_squad_json, write_squad,
                                  wrong_type)

KEPT = "kept"
NO_ANNOTATION = "no_annotation"
MALFORMED = "malformed"
DUPLICATE_EXAMPLE_ID = "duplicate_example_id"
NO_LONG_ANSWER = "no_long_answer"
LONG_ANSWER_NOT_PARAGRAPH = "long_answer_not_paragraph"
YES_NO_ANSWER = "yes_no_answer"
NO_SHORT_ANSWER = "no_short_answer"
SEVERAL_SHORT_ANSWERS = "several_short_answers"
SHORT_ANSWER_OUTSIDE_LONG_ANSWER = "short_answer_outside_long_answer"
EMPTY_SHORT_ANSWER = "empty_short_answer"
# The annotation checks in the order they run: a later reason means "closer to qualifying".
ANNOTATION_REASONS = (NO_LONG_ANSWER, LONG_ANSWER_NOT_PARAGRAPH, YES_NO_ANSWER, NO_SHORT_ANSWER,
                      SEVERAL_SHORT_ANSWERS, SHORT_ANSWER_OUTSIDE_LONG_ANSWER, EMPTY_SHORT_ANSWER)

NO_YES_NO_ANSWER = "NONE"
PARAGRAPH_TAG = "p"
# <P>, </P>, <Table>, and simplified NQ's tags with attributes, whose blanks became '_':
# <Th_colspan="2">. Also accepts the original format's blank.
HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:[_ ][^<>]*)?>")
MAX_REPORTED_PROBLEMS = 100


class MalformedExample(ValueError):
    """An NQ record that does not hold what the format says."""


@dataclasses.dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclasses.dataclass(frozen=True)
class Annotation:
    long_answer: Span | None  # None: the annotator found no long answer (NQ's -1 offsets)
    short_answers: tuple[Span, ...]
    yes_no_answer: str


@dataclasses.dataclass(frozen=True)
class Document:
    tokens: Sequence[str]
    html_flags: Sequence[bool] | None = None  # original format; None: recognise tags by shape

    def is_html(self, index: int) -> bool:
        if self.html_flags is not None:
            return self.html_flags[index]
        return HTML_TAG.fullmatch(self.tokens[index]) is not None

    def opens_paragraph(self, index: int) -> bool:
        return self.is_html(index) and opening_tag_name(self.tokens[index]) == PARAGRAPH_TAG

    def text_tokens(self, start: int, end: int) -> list[str]:
        """The words of [start, end): HTML tags out, and empty tokens (two blanks in a row in
        document_text) out so the joined text never holds a double blank."""
        return [token for index, token in enumerate(self.tokens[start:end], start)
                if token and not self.is_html(index)]


@dataclasses.dataclass(frozen=True)
class NqExample:
    example_id: str
    question: str
    title: str
    document: Document
    annotations: tuple[Annotation, ...]


@dataclasses.dataclass(frozen=True)
class Kept:
    title: str
    context: str
    question: Question


@dataclasses.dataclass(frozen=True)
class Dropped:
    reason: str


def opening_tag_name(token: str) -> str | None:
    """'p' for '<P>' or '<P_class=x>'; None for closing tags and words."""
    match = HTML_TAG.fullmatch(token)
    return match.group(2).lower() if match and not match.group(1) else None


def title_from_url(url: str) -> str:
    """NQ's simplified train set has no title, only a URL such as
    'https://en.wikipedia.org//w/index.php?title=Email_marketing&amp;oldid=814073893'."""
    parts = urllib.parse.urlsplit(html.unescape(url))
    for field in parts.query.split("&"):
        name, _, value = field.partition("=")
        if name == "title" and value:
            return readable_title(value)
    return readable_title(parts.path.rstrip("/").rsplit("/", 1)[-1])


def readable_title(url_title: str) -> str:
    return urllib.parse.unquote(url_title).replace("_", " ")


# ---- parsing a record --------------------------------------------------------------------------

def required(record: Any, key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    """record[key], checked to be of `kind` (a bool is not an int here)."""
    name = f"{where}.{key}" if where else key
    if not isinstance(record, dict):
        raise MalformedExample(f"{where or 'record'} is {type(record).__name__}, not an object")
    if key not in record:
        raise MalformedExample(f"missing field {name}")
    value = record[key]
    if problem := wrong_type(value, kind):
        raise MalformedExample(f"field {name} is {problem}")
    return value


def parse_document(record: dict) -> Document:
    if "document_text" in record:
        return Document(required(record, "document_text", str).split(" "))
    return parse_document_tokens(required(record, "document_tokens", list))


def parse_document_tokens(tokens: list) -> Document:
    """The original format's tokens. A dev page has thousands, so they are checked in bulk and
    only a failing document is walked token by token to say which one is wrong."""
    try:
        words = [token["token"] for token in tokens]
        flags = [token["html_token"] for token in tokens]
    except (KeyError, TypeError):
        words = flags = []
    if len(words) != len(tokens) or not all(type(word) is str for word in words) or not all(
            type(flag) is bool for flag in flags):
        for i, token in enumerate(tokens):
            required(token, "token", str, f"document_tokens[{i}]")
            required(token, "html_token", bool, f"document_tokens[{i}]")
    return Document(words, flags)


def parse_span(record: Any, n_tokens: int, where: str) -> Span | None:
    """None for NQ's 'no answer' offsets (-1); a span outside the document is malformed."""
    start = required(record, "start_token", int, where)
    end = required(record, "end_token", int, where)
    if start < 0 and end < 0:
        return None
    if not 0 <= start < end <= n_tokens:
        raise MalformedExample(f"{where} [{start}, {end}) is not a span of the {n_tokens}-token "
                               "document")
    return Span(start, end)


def parse_annotation(record: Any, n_tokens: int, where: str) -> Annotation:
    long_answer = parse_span(required(record, "long_answer", dict, where), n_tokens,
                             f"{where}.long_answer")
    short_answers = []
    for i, short in enumerate(required(record, "short_answers", list, where)):
        span = parse_span(short, n_tokens, f"{where}.short_answers[{i}]")
        if span is None:
            raise MalformedExample(f"{where}.short_answers[{i}] has no span")
        short_answers.append(span)
    return Annotation(long_answer, tuple(short_answers),
                      required(record, "yes_no_answer", str, where))


def parse_title(record: dict) -> str:
    if "document_title" in record:
        return required(record, "document_title", str)
    return title_from_url(required(record, "document_url", str))


def parse_example(record: Any) -> NqExample:
    """An NQ record of either format; MalformedExample says what is wrong with it."""
    example_id = str(required(record, "example_id", (int, str)))
    question = required(record, "question_text", str)
    document = parse_document(record)
    annotations = tuple(parse_annotation(annotation, len(document.tokens), f"annotations[{i}]")
                        for i, annotation in enumerate(required(record, "annotations", list)))
    return NqExample(example_id, question, parse_title(record), document, annotations)


# ---- the ReQA rules ----------------------------------------------------------------------------

def annotation_problem(annotation: Annotation, document: Document) -> str | None:
    """Why this annotation gives no ReQA example, or None when it qualifies."""
    long_answer = annotation.long_answer
    if long_answer is None:
        return NO_LONG_ANSWER
    if not document.opens_paragraph(long_answer.start):
        return LONG_ANSWER_NOT_PARAGRAPH
    if annotation.yes_no_answer != NO_YES_NO_ANSWER:
        return YES_NO_ANSWER
    if not annotation.short_answers:
        return NO_SHORT_ANSWER
    if len(annotation.short_answers) > 1:
        return SEVERAL_SHORT_ANSWERS
    short_answer = annotation.short_answers[0]
    if not long_answer.contains(short_answer):
        return SHORT_ANSWER_OUTSIDE_LONG_ANSWER
    if not document.text_tokens(short_answer.start, short_answer.end):
        return EMPTY_SHORT_ANSWER
    return None


def answer_in_context(document: Document, long_answer: Span,
                      short_answer: Span) -> tuple[str, Answer]:
    """The context and the answer at its exact offset, from token positions (str.find would
    pick the first occurrence of the answer's words, which need not be the annotated one)."""
    before = document.text_tokens(long_answer.start, short_answer.start)
    answer_text = " ".join(document.text_tokens(short_answer.start, short_answer.end))
    context = " ".join(document.text_tokens(long_answer.start, long_answer.end))
    return context, Answer(answer_text, sum(len(token) + 1 for token in before))


def convert_example(example: NqExample) -> Kept | Dropped:
    """The example as one SQuAD question on its paragraph, from the first qualifying annotation."""
    if not example.annotations:
        return Dropped(NO_ANNOTATION)
    problems = []
    for annotation in example.annotations:
        problem = annotation_problem(annotation, example.document)
        if problem is None:
            context, answer = answer_in_context(example.document, annotation.long_answer,
                                                annotation.short_answers[0])
            return Kept(example.title, context,
                        Question(example.example_id, example.question, (answer,)))
        problems.append(problem)
    return Dropped(max(problems, key=ANNOTATION_REASONS.index))


# ---- many examples -----------------------------------------------------------------------------

@dataclasses.dataclass
class Conversion:
    """What a run kept (questions grouped by identical context) and what it dropped, by reason."""
    counts: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    problems: list[str] = dataclasses.field(default_factory=list)  # the first few, with where
    unreported_problems: int = 0
    unreadable_files: list[str] = dataclasses.field(default_factory=list)
    by_context: dict[str, tuple[str, list[Question]]] = dataclasses.field(default_factory=dict)
    kept_ids: set[str] = dataclasses.field(default_factory=set)

    def add(self, outcome: Kept | Dropped) -> None:
        if isinstance(outcome, Dropped):
            self.counts[outcome.reason] += 1
        elif outcome.question.qid in self.kept_ids:
            self.counts[DUPLICATE_EXAMPLE_ID] += 1
        else:
            self.counts[KEPT] += 1
            self.kept_ids.add(outcome.question.qid)
            self.by_context.setdefault(outcome.context, (outcome.title, []))[1].append(
                outcome.question)

    def add_malformed(self, where: str, why: str) -> None:
        self.counts[MALFORMED] += 1
        self.note_problem(f"{where}: {why}")

    def note_problem(self, message: str) -> None:
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(message)
        else:
            self.unreported_problems += 1

    def paragraphs(self) -> list[Paragraph]:
        return [Paragraph(title, context, tuple(questions))
                for context, (title, questions) in self.by_context.items()]


def convert_line(line: bytes, where: str, conversion: Conversion) -> None:
    """One JSON line into `conversion`; a malformed one is counted and noted with `where`."""
    try:
        record = json.loads(line)
    except ValueError as error:  # JSONDecodeError, or UnicodeDecodeError for bytes not UTF-8
        conversion.add_malformed(where, f"not JSON ({error})")
        return
    except RecursionError:  # more levels than Python's JSON parser can follow
        conversion.add_malformed(where, "not JSON (nested too deeply)")
        return
    try:
        example = parse_example(record)
    except MalformedExample as error:
        conversion.add_malformed(where, str(error))
        return
    conversion.add(convert_example(example))


def convert_files(paths: Iterable[str], conversion: Conversion | None = None,
                  progress: Callable[[int], None] = lambda n: None,
                  on_file: Callable[[str], None] = lambda path: None) -> Conversion:
    """Every line of every file; a file that breaks off (truncated .gz) is noted, not fatal."""
    conversion = conversion if conversion is not None else Conversion()
    for path in paths:
        on_file(path)
        number = 0
        try:
            for number, line in numbered_lines(path):
                if line.strip():
                    convert_line(line, f"{path}:{number}", conversion)
                    progress(1)
        except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
            conversion.unreadable_files.append(path)
            conversion.note_problem(f"{path}: unreadable after line {number} ({error})")
    return conversion


# ---- files -------------------------------------------------------------------------------------

def _gfile():
    from tensorflow.io import gfile

    return gfile


def expand_inputs(patterns: Sequence[str]) -> list[str]:
    """The files the patterns name, each glob sorted, in pattern order, each file once. Raises
    ValueError for a pattern that matches nothing (a typo should not give an empty dataset)."""
    paths: list[str] = []
    for pattern in patterns:
        remote = "://" in pattern
        if glob.has_magic(pattern):
            matches = sorted(_gfile().glob(pattern) if remote else glob.glob(pattern))
        else:
            exists = _gfile().exists(pattern) if remote else os.path.isfile(pattern)
            matches = [pattern] if exists else []
        if not matches:
            raise ValueError(f"--input {pattern}: no such file")
        paths.extend(match for match in matches if match not in paths)
    return paths


def open_binary(path: str) -> BinaryIO:
    raw = _gfile().GFile(path, "rb") if "://" in path else open(path, "rb")
    return gzip.GzipFile(fileobj=raw, mode="rb") if path.endswith(".gz") else raw


def numbered_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) of a .jsonl or .jsonl.gz file, streamed."""
    with open_binary(path) as handle:
        yield from enumerate(handle, 1)


def write_output(paragraphs: list[Paragraph], path: str) -> None:
    if "://" not in path:
        write_squad(paragraphs, path)
        return
    with _gfile().GFile(path, "w") as handle:
        handle.write(json.dumps(to_squad_json(paragraphs), ensure_ascii=False, indent=1))


# ---- the CLI -----------------------------------------------------------------------------------

def summary(conversion: Conversion) -> str:
    """The counts by reason (each non-blank line counts once) and the problems, with where."""
    counts = conversion.counts
    read = sum(counts.values())
    paragraphs = len(conversion.by_context)
    lines = [f"NQ examples read: {read:,}"]
    by_size = sorted(counts.items(), key=lambda item: (item[0] != KEPT, -item[1], item[0]))
    for reason, count in by_size:
        label = reason if reason == KEPT else f"dropped:{reason}"
        lines.append(f"  {label:<42}{count:>12,}")
    lines.append(f"paragraphs: {paragraphs:,} for {counts[KEPT]:,} questions")
    if conversion.problems:
        total = len(conversion.problems) + conversion.unreported_problems
        shown = (f", the first {len(conversion.problems)} shown"
                 if conversion.unreported_problems else "")
        lines.append(f"problems: {total:,}{shown}")
        lines.extend(f"  {problem}" for problem in conversion.problems)
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m wikipairs.reqa.nq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", nargs="+", required=True, metavar="PATH",
                        help=".jsonl or .jsonl.gz files or globs, local or gs://")
    parser.add_argument("--output", required=True, help="the SQuAD JSON file to write")
    parser.add_argument("--progress_every_s", type=float, default=5.0)
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from pipeline.progress import LineProgress

    args = parse_args(argv)
    try:
        paths = expand_inputs(args.input)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    # stream given: LineProgress's default is whatever sys.stderr was when pipeline.progress loaded
    progress = LineProgress("converting NQ", None, stream=sys.stderr,
                            every_s=args.progress_every_s)
    conversion = convert_files(paths, progress=progress.update,
                               on_file=lambda path: print(f"reading {path}", file=sys.stderr))
    progress.close()
    print(summary(conversion))
    paragraphs = conversion.paragraphs()
    if not paragraphs:
        print("no example kept; nothing written", file=sys.stderr)
        return 1
    write_output(paragraphs, args.output)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
