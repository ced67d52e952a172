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

import numpy as np

from pipeline.sentences import split_sentences
from wikipairs.reqa.squad import Paragraph


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


# --- the candidates as the document tower sees them ------------------------------------------

# A candidate's sentence is cut at the query length, whatever the model's training shards cut
# their titles to (32 for pre-training, 64 after fine-tuning): every model of a ReQA table, and
# the fine-tuning pairs (wikipairs/reqa/finetune_pairs.py), see the same candidate ids.
MAX_SENTENCE_TOKENS = 64
CANDIDATE_FRAMING = "[CLS] sentence [SEP] paragraph [SEP]"


@dataclasses.dataclass
class FramedCandidates:
    ids: np.ndarray  # int32 [candidates, max_doc_len], 0 = [PAD]
    sentences_cut: int  # sentences longer than the cut
    paragraphs_cut: int  # paragraphs cut to what is left of max_doc_len


def frame_candidate(cls_id: int, sep_id: int, sentence_ids, context_ids, max_doc_len: int,
                    max_sentence_tokens: int = MAX_SENTENCE_TOKENS) -> tuple[tuple[int, ...], bool]:
    """(ids, paragraph cut): the document framing (schemas/framing.py) with the
    sentence, cut at max_sentence_tokens, in the title's place and the paragraph as the passage."""
    from schemas.framing import frame_doc

    return frame_doc(tuple(sentence_ids[:max_sentence_tokens]), tuple(context_ids), cls_id, sep_id,
                     max_doc_len)


def tokenize_candidates(candidates: list[Candidate], tokenizer) -> tuple[list, list]:
    """(sentence ids, paragraph ids) of each candidate; each distinct paragraph tokenized once."""
    contexts = sorted({c.context for c in candidates})
    context_ids = dict(zip(contexts, tokenizer.tokenize(contexts)))
    return (tokenizer.tokenize([c.sentence for c in candidates]),
            [context_ids[c.context] for c in candidates])


def frame_candidates(candidates: list[Candidate], tokenizer, max_doc_len: int) -> FramedCandidates:
    """Every candidate framed for a document tower of max_doc_len tokens (its `encode_ids`)."""
    if max_doc_len < MAX_SENTENCE_TOKENS + 3:
        raise ValueError(f"a document tower of {max_doc_len} tokens cannot hold the ReQA framing "
                         f"{CANDIDATE_FRAMING} with a {MAX_SENTENCE_TOKENS}-token sentence")
    sentences, contexts = tokenize_candidates(candidates, tokenizer)
    ids = np.zeros((len(candidates), max_doc_len), np.int32)
    paragraphs_cut = 0
    for row, (sentence, context) in enumerate(zip(sentences, contexts)):
        framed, cut = frame_candidate(tokenizer.cls_id, tokenizer.sep_id, sentence, context,
                                      max_doc_len)
        ids[row, :len(framed)] = framed
        paragraphs_cut += cut
    return FramedCandidates(ids, sum(len(s) > MAX_SENTENCE_TOKENS for s in sentences),
                            paragraphs_cut)
