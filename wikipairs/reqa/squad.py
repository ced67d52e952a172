"""SQuAD-format data (v1.1 and v2.0) as plain dataclasses, read with errors that name the file and
the record, and written back (the NQ converter and the sample QA builder emit this format)."""
from __future__ import annotations

import dataclasses
import json


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


@dataclasses.dataclass(frozen=True)
class Paragraph:
    title: str
    context: str
    questions: tuple[Question, ...]


class SquadFormatError(ValueError):
    """A SQuAD file that does not hold what the format says, with where."""


def parse_squad(data: dict, source: str = "<squad>") -> list[Paragraph]:
    """The paragraphs of a loaded SQuAD JSON document. Answers whose text is not at their offset
    are errors (a misaligned file would silently give wrong targets)."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise SquadFormatError(f"{source}: not SQuAD JSON (no top-level 'data' list)")
    paragraphs = []
    for a, article in enumerate(data["data"]):
        title = article.get("title", "")
        for p, paragraph in enumerate(article.get("paragraphs", [])):
            where = f"{source}: data[{a}] ({title!r}) paragraphs[{p}]"
            try:
                context = paragraph["context"]
                questions = tuple(_question(q, context, f"{where} qas[{i}]")
                                  for i, q in enumerate(paragraph.get("qas", [])))
            except KeyError as error:
                raise SquadFormatError(f"{where}: missing field {error}") from None
            paragraphs.append(Paragraph(title, context, questions))
    return paragraphs


def _question(record: dict, context: str, where: str) -> Question:
    answers = []
    for answer in record.get("answers", []):
        text, start = answer["text"], int(answer["answer_start"])
        if context[start:start + len(text)] != text:
            raise SquadFormatError(
                f"{where} (id {record.get('id')!r}): answer {text!r} is not at offset {start} of "
                f"the context (found {context[start:start + len(text)]!r})")
        answers.append(Answer(text, start))
    impossible = bool(record.get("is_impossible", False))
    if not answers and not impossible:
        raise SquadFormatError(f"{where} (id {record.get('id')!r}): no answers and not marked "
                               "is_impossible")
    return Question(str(record["id"]), record["question"], tuple(answers), impossible)


def read_squad(path: str) -> list[Paragraph]:
    """A SQuAD JSON file, local or gs:// (gs:// through tf.io.gfile, imported only then)."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise SquadFormatError(f"{path}: not valid JSON ({error})") from None
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
