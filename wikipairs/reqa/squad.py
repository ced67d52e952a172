"""SQuAD-format data (v1.1 and v2.0) as plain dataclasses, read with errors that name the file and
the record, and written back (the NQ converter and the sample QA builder emit this format)."""
from __future__ import annotations

import dataclasses
import json
from typing import Any


@dataclasses.dataclass(frozen=True)
class Answer:
    text: str
    start: int  # character offset of `text` in the paragraph's context


@dataclasses.dataclass(frozen=True)
class Question:
    qid: str
    text: str
    answers: tuple[Answer, ...]
    is_impossible: bool = False  # SQuAD v2.0's unanswerable questions
    # Answers left out because they cannot be located, each with where and why. A question left
    # with no answer (and not is_impossible) is skipped by ReQA, counted as unlocated.
    dropped: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Paragraph:
    title: str
    context: str
    questions: tuple[Question, ...]


class SquadFormatError(ValueError):
    """A SQuAD file that does not hold what the format says, with where."""


def wrong_type(value: Any, kind: type | tuple[type, ...]) -> str | None:
    """The name of `value`'s type when it is not a `kind` (a bool is not an int here; None is
    'null', as the JSON said), else None."""
    if isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
        return None
    return "null" if value is None else type(value).__name__


def _field(record: dict, key: str, kind: type | tuple[type, ...], where: str,
           default: Any = ...) -> Any:
    """record[key], checked to be of `kind`; `default` when it is absent (if one is given)."""
    if key not in record:
        if default is not ...:
            return default
        raise SquadFormatError(f"{where}: missing field {key!r}")
    value = record[key]
    if problem := wrong_type(value, kind):
        expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise SquadFormatError(f"{where}: field {key!r} is {problem}, not {expected}")
    return value


def _object(value: Any, where: str) -> dict:
    if problem := wrong_type(value, dict):
        raise SquadFormatError(f"{where} is {problem}, not an object")
    return value


def parse_squad(data: Any, source: str = "<squad>") -> list[Paragraph]:
    """The paragraphs of a loaded SQuAD JSON document.

    A file whose structure is not SQuAD's (a record of the wrong type, a null or empty context, a
    missing field, an answer whose text is not at its offset) is refused with a SquadFormatError
    naming the article, paragraph and question: a misaligned or mistyped file would silently give
    wrong targets. An answer that cannot be located at all (an offset that is not a character
    position of the context, an empty text) is dropped and noted in its Question, so that one
    bad question does not cost the rest of the file."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise SquadFormatError(f"{source}: not SQuAD JSON (no top-level 'data' list)")
    paragraphs = []
    for a, article in enumerate(data["data"]):
        article = _object(article, f"{source}: data[{a}]")
        title = _field(article, "title", str, f"{source}: data[{a}]", default="")
        for p, paragraph in enumerate(_field(article, "paragraphs", list,
                                             f"{source}: data[{a}] ({title!r})", default=[])):
            where = f"{source}: data[{a}] ({title!r}) paragraphs[{p}]"
            paragraph = _object(paragraph, where)
            context = _field(paragraph, "context", str, where)
            if not context.strip():
                raise SquadFormatError(f"{where}: empty context")
            qas = _field(paragraph, "qas", list, where, default=[])
            questions = tuple(_question(_object(q, f"{where} qas[{i}]"), context,
                                        f"{where} qas[{i}]") for i, q in enumerate(qas))
            paragraphs.append(Paragraph(title, context, questions))
    return paragraphs


def _question(record: dict, context: str, where: str) -> Question:
    qid = _field(record, "id", (str, int), where)
    where = f"{where} (id {qid!r})"
    text = _field(record, "question", str, where)
    answers, dropped = [], []
    for i, answer in enumerate(_field(record, "answers", list, where, default=[])):
        answer = _object(answer, f"{where} answers[{i}]")
        located = _answer(answer, context)
        if isinstance(located, str):
            dropped.append(f"{where} answers[{i}]: {located}")
        elif context[located.start:located.start + len(located.text)] != located.text:
            raise SquadFormatError(
                f"{where}: answer {located.text!r} is not at offset {located.start} of the "
                f"context (found {context[located.start:located.start + len(located.text)]!r})")
        else:
            answers.append(located)
    impossible = _field(record, "is_impossible", bool, where, default=False)
    if not answers and not dropped and not impossible:
        raise SquadFormatError(f"{where}: no answers and not marked is_impossible")
    return Question(str(qid), text, tuple(answers), impossible, tuple(dropped))


def _answer(record: dict, context: str) -> Answer | str:
    """The answer, or why it cannot be located in the context: its text must be a non-empty
    string and its answer_start a character position of the context (a whole number, possibly
    written as a string of digits; a negative one would count from the end in Python and make
    the first sentence the target)."""
    text, start = record.get("text"), record.get("answer_start")
    if not isinstance(text, str) or not text:
        return f"answer text {text!r} is not a non-empty string"
    if isinstance(start, str) and start.strip().isdecimal():
        start = int(start)
    if wrong_type(start, int) or not 0 <= start < len(context):
        return (f"answer_start {start!r} is not a character offset of the "
                f"{len(context)}-character context")
    return Answer(text, start)


def read_squad(path: str) -> list[Paragraph]:
    """A SQuAD JSON file, local or gs:// (gs:// through tf.io.gfile, imported only then)."""
    try:
        data = json.loads(_read_text(path))
    except UnicodeDecodeError as error:
        raise SquadFormatError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})"
                               ) from None
    except json.JSONDecodeError as error:
        raise SquadFormatError(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise SquadFormatError(f"{path}: not valid JSON (nested too deeply)") from None
    return parse_squad(data, path)


def _read_text(path: str) -> str:
    if "://" in path:
        import tensorflow as tf

        with tf.io.gfile.GFile(path) as handle:
            return handle.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def to_squad_json(paragraphs: list[Paragraph], version: str = "1.1") -> dict:
    """SQuAD JSON with one article per run of paragraphs sharing a title."""
    articles: list[dict] = []
    for paragraph in paragraphs:
        if not articles or articles[-1]["title"] != paragraph.title:
            articles.append({"title": paragraph.title, "paragraphs": []})
        qas = []
        for q in paragraph.questions:
            record = {"id": q.qid, "question": q.text,
                      "answers": [{"text": a.text, "answer_start": a.start} for a in q.answers]}
            if version.startswith("2") or q.is_impossible:
                record["is_impossible"] = q.is_impossible
            qas.append(record)
        articles[-1]["paragraphs"].append({"context": paragraph.context, "qas": qas})
    return {"version": version, "data": articles}


def write_squad(paragraphs: list[Paragraph], path: str, version: str = "1.1") -> None:
    """Local or gs:// (through tf.io.gfile, imported only then)."""
    text = json.dumps(to_squad_json(paragraphs, version), ensure_ascii=False, indent=1)
    if "://" in path:
        import tensorflow as tf

        with tf.io.gfile.GFile(path, "w") as handle:
            handle.write(text)
        return
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
