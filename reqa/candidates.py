"""The ReQA candidate set and each question's targets.

Candidates are every sentence of every paragraph (the pipeline's sentence splitter), each paired
with its paragraph as context; identical (sentence, context) pairs count once, so a paragraph that
appears under two titles does not make a question's answer compete with its own copy. A
question's targets are the candidates holding the start offset of one of its answers (SQuAD dev
questions have up to three annotator answers, which may sit in different sentences). SQuAD v2.0's
unanswerable questions are skipped and counted.
"""
from __future__ import annotations

import bisect
import dataclasses

from pipeline.sentences import split_sentences
from reqa.squad import Paragraph


@dataclasses.dataclass(frozen=True)
class Candidate:
    sentence: str
    context: str  # the whole paragraph
    title: str  # the first title the (sentence, context) pair appeared under


@dataclasses.dataclass
class ReqaSet:
    candidates: list[Candidate]
    question_ids: list[str]
    questions: list[str]
    targets: list[tuple[int, ...]]  # per question, candidate indices, ascending
    unanswerable: int  # SQuAD v2.0 is_impossible questions, skipped
    unlocated: int  # answerable questions none of whose answer offsets fell inside a sentence


def sentence_at(starts: list[int], spans: list[tuple[int, int]], offset: int) -> int | None:
    """Index of the sentence holding character `offset`; an offset in the whitespace before a
    sentence belongs to that sentence (answers copied with a leading space); None past the end."""
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and offset < spans[index][1]:
        return index
    return index + 1 if index + 1 < len(spans) else None


def build_reqa_set(paragraphs: list[Paragraph]) -> ReqaSet:
    candidates: list[Candidate] = []
    index_of: dict[tuple[str, str], int] = {}
    ids, texts, targets = [], [], []
    unanswerable = unlocated = 0
    for paragraph in paragraphs:
        spans = split_sentences(paragraph.context)
        starts = [start for start, _ in spans]
        sentence_ids = []
        for start, end in spans:
            key = (paragraph.context[start:end], paragraph.context)
            if key not in index_of:
                index_of[key] = len(candidates)
                candidates.append(Candidate(key[0], paragraph.context, paragraph.title))
            sentence_ids.append(index_of[key])
        for question in paragraph.questions:
            if question.is_impossible:
                unanswerable += 1
                continue
            found = {sentence_ids[i] for a in question.answers
                     if (i := sentence_at(starts, spans, a.start)) is not None}
            if not found:
                unlocated += 1
                continue
            ids.append(question.qid)
            texts.append(question.text)
            targets.append(tuple(sorted(found)))
    return ReqaSet(candidates, ids, texts, targets, unanswerable, unlocated)
