"""Open-domain ReQA (Chang et al. 2020, section 4.4): the candidate set grows by sentences of a
corpus the pipeline wrote, each with its passage as context (as a ReQA candidate has its
paragraph), so a retriever must find the answer among many sentences that answer nothing.

How the distractors are drawn, and why:
- Order: every sentence of every passage of the corpus's `articles` table has the key
  `hash64(seed, sentence, passage)` (pipeline/splits.py: the same in every process and run), and
  the distractors come in increasing (key, sentence, passage) order. The order depends on the
  corpus's content and the seed only, not on how a Beam job happened to order its shards and rows.
- Nested: N distractors are the first N of that one order, so a larger N holds every smaller N's
  draw; a run draws once for its largest N and every N is a prefix of it (models encode the
  distractors once).
- Memory O(N): the corpus is streamed a record batch at a time and only the N smallest keys are
  kept (a bounded heap), so a full Wikipedia's sentences are never in memory together.
- Not added: any sentence whose text equals a real candidate's sentence, whatever its passage.
  The same sentence with the same passage is a copy of the candidate; with another passage it is
  still the answer sentence when that candidate is a target (ReQA retrieves sentences), and an
  unmarked second copy of the answer would count a system wrong for finding it. Nor any sentence
  of a passage that is a real candidate's paragraph: that paragraph's sentences are candidates
  already, and the corpus may cut them otherwise than ReQA's split of the paragraph (the answer
  sentence again, under another cut; wikipairs.reqa.from_corpus builds ReQA sets from the corpus). Identical
  (sentence, passage) pairs of the corpus count once, as ReQA's own candidates do (under the
  smallest of their titles, so the draw does not depend on row order either).
- Fewer than N are added when the corpus has fewer eligible sentences; the report says how many.
"""
from __future__ import annotations

import dataclasses
import heapq
from typing import Iterable, Iterator

from pipeline.splits import hash64
from wikipairs.reqa.candidates import Candidate, ReqaSet
from schemas.corpus import passage_text, row_passages
from wikipairs.retrieval.passages import CorpusFile, article_files

ARTICLE_COLUMNS = ["id", "title", "sections"]


@dataclasses.dataclass
class Draw:
    candidates: list[Candidate]  # in draw order: the first N are the draw of N
    sentences_read: int  # corpus sentences seen (every occurrence)
    same_as_real: int  # occurrences skipped: a real candidate's sentence, or in its paragraph


@dataclasses.dataclass(frozen=True)
class RealText:
    """The real candidates' sentences and paragraphs: what a distractor must not repeat."""
    sentences: frozenset[str] = frozenset()
    contexts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, reqa_set: ReqaSet) -> "RealText":
        return cls(frozenset(c.sentence for c in reqa_set.candidates),
                   frozenset(c.context for c in reqa_set.candidates))

    def holds(self, candidate: Candidate) -> bool:
        return candidate.sentence in self.sentences or candidate.context in self.contexts


def draw_key(sentence: str, context: str, seed: int) -> int:
    """A sentence's place in the draw order; its passage is part of the key so that one sentence
    under two passages is two independent draws, as it is two ReQA candidates."""
    return hash64(f"{seed}\x1f{sentence}\x1f{context}")


def corpus_files(corpus_dir: str) -> list[CorpusFile]:
    """The `articles` shards of a finished corpus of this schema version, checked before any
    work starts (FileNotFoundError / ValueError naming the directory)."""
    from schemas.corpus import check_schema_version

    files = article_files(corpus_dir)
    check_schema_version(corpus_dir)
    return files


def stream_articles(files: Iterable[CorpusFile], batch_rows: int = 256) -> Iterator[dict]:
    """The articles' id, title and sections, a record batch at a time (never the whole table)."""
    import pyarrow.parquet as pq
    from apache_beam.io.filesystems import FileSystems

    for corpus_file in files:
        with FileSystems.open(corpus_file.path) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=batch_rows,
                                                             columns=ARTICLE_COLUMNS):
                yield from batch.to_pylist()


def article_sentences(article: dict) -> Iterator[Candidate]:
    """Every sentence of every passage of one article, with the passage's text as context (the
    passages of wikipairs/retrieval/passages.py: the same text a search indexes)."""
    for passage in row_passages(article):
        text = passage_text(passage.sentences)
        if not text.strip():
            continue
        for sentence in passage.sentences:
            if sentence.strip():
                yield Candidate(sentence, text, article["title"])


def corpus_candidates(corpus_dir: str) -> Iterator[Candidate]:
    """Every sentence of the corpus as a candidate, streamed; the corpus is checked now."""
    files = corpus_files(corpus_dir)
    return (c for article in stream_articles(files) for c in article_sentences(article))


class _Largest:
    """A heap entry ordered backwards: heapq's min-heap then keeps the largest key on top, the
    one a smaller key evicts."""

    __slots__ = ("item",)

    def __init__(self, item: tuple[int, str, str]):
        self.item = item

    def __lt__(self, other: "_Largest") -> bool:
        return other.item < self.item


def draw(candidates: Iterable[Candidate], n: int, seed: int, real: RealText = RealText()) -> Draw:
    """The first n distinct (sentence, context) pairs in draw order, none repeating `real`, in
    one pass keeping at most n of them.

    A pair seen again while it is kept only lowers its title; one evicted or refused before has a
    key at least the heap's top then, and the top only falls, so it is refused again."""
    heap: list[_Largest] = []
    titles: dict[tuple[str, str], str] = {}
    read = same_as_real = 0
    for candidate in candidates:
        read += 1
        if real.holds(candidate):
            same_as_real += 1
            continue
        pair = (candidate.sentence, candidate.context)
        if pair in titles:
            titles[pair] = min(titles[pair], candidate.title)
            continue
        entry = (draw_key(*pair, seed), *pair)
        if len(heap) < n:
            heapq.heappush(heap, _Largest(entry))
        elif n and entry < heap[0].item:
            del titles[heapq.heapreplace(heap, _Largest(entry)).item[1:]]
        else:
            continue
        titles[pair] = candidate.title
    ordered = sorted(e.item for e in heap)
    return Draw([Candidate(s, c, titles[s, c]) for _, s, c in ordered], read, same_as_real)


def draw_from_corpus(corpus_dir: str, n: int, seed: int, reqa_set: ReqaSet) -> Draw:
    """The draw of n distractors for `reqa_set` from a corpus directory."""
    return draw(corpus_candidates(corpus_dir), n, seed, RealText.of(reqa_set))


def with_distractors(reqa_set: ReqaSet, distractors: list[Candidate]) -> ReqaSet:
    """The set with the distractors appended after the real candidates: every target keeps its
    index, and no distractor is a target."""
    return dataclasses.replace(reqa_set, candidates=reqa_set.candidates + list(distractors))
