"""The BM25 baseline, with bm25s: Lucene's BM25 (k1=1.2, b=0.75, Lucene's idf), English stop words
and Snowball stemming, i.e. what Anserini/Pyserini's default English analyzer scores, without a
JVM. bm25s scores a query against all candidates from a scipy sparse matrix (fast enough for ReQA's
~100k candidates on one core); rank-bm25 is pure Python and ~100x slower at that size."""
from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from wikipairs.reqa.candidates import Candidate


@dataclasses.dataclass(frozen=True)
class BM25Config:
    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"
    stopwords: str = "en"
    stem: bool = True
    # What a candidate's document is: the sentence alone, or the sentence and its paragraph
    # (what the document tower sees).
    document: str = "sentence_context"


def candidate_text(candidate: Candidate, document: str) -> str:
    if document == "sentence":
        return candidate.sentence
    if document == "sentence_context":
        return f"{candidate.sentence} {candidate.context}"
    raise ValueError(f"unknown BM25 document {document!r} (sentence | sentence_context)")


def tokenize(texts: list[str], config: BM25Config) -> list[list[str]]:
    """Lower-cased word tokens without English stop words, Snowball-stemmed (bm25s's tokenizer)."""
    import bm25s

    stemmer = None
    if config.stem:
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
    return bm25s.tokenize(texts, lower=True, stopwords=config.stopwords, stemmer=stemmer,
                          show_progress=False, return_ids=False)


class BM25Scorer:
    """Index candidates once; then score blocks of questions against all of them."""

    def __init__(self, candidates: Sequence[Candidate], config: BM25Config = BM25Config()):
        import bm25s

        self.config = config
        self.retriever = bm25s.BM25(k1=config.k1, b=config.b, method=config.method)
        self.retriever.index(tokenize([candidate_text(c, config.document) for c in candidates],
                                      config), show_progress=False)
        self.num_candidates = len(candidates)

    def score_questions(self, questions: Sequence[str]) -> np.ndarray:
        """float32 [len(questions), candidates]; a term not in any candidate adds nothing, and a
        question with no term left after tokenizing (stopwords only) scores 0 everywhere."""
        rows = [self.retriever.get_scores(tokens) if tokens else np.zeros(self.num_candidates)
                for tokens in tokenize(list(questions), self.config)]
        return np.asarray(rows, np.float32).reshape(len(rows), self.num_candidates)
