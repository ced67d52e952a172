"""ICT, BFS and WLP pair sampling (Chang et al. 2020) as pure functions over tokenized articles.

Every random choice comes from an RNG seeded by (seed, article id, task), so a rerun, a retry on
Dataflow or another runner draws the same pairs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
from typing import Iterator, Sequence

from pipeline.passages import Passage, Sentence

ICT, BFS, WLP = "ict", "bfs", "wlp"
TASKS = (ICT, BFS, WLP)


@dataclasses.dataclass(frozen=True)
class PairConfig:
    max_query_len: int = 64
    max_doc_len: int = 288
    max_title_tokens: int = 32
    min_passage_tokens: int = 64
    ict_per_article: int = 4
    ict_keep_query_prob: float = 0.1
    bfs_per_article: int = 2
    wlp_max_per_target: int = 4
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class TokenIds:
    """Special token ids of the vocabulary in use."""

    cls: int
    sep: int


@dataclasses.dataclass(frozen=True)
class Pair:
    task: str
    pair_id: str
    query_article_id: int
    doc_article_id: int
    query_title: str
    doc_title: str
    query_ids: tuple[int, ...]
    doc_ids: tuple[int, ...]
    query_text: str
    doc_text: str
    query_truncated: bool
    doc_truncated: bool


def rng_for(seed: int, article_id: int, task: str) -> random.Random:
    """A generator that depends only on (seed, article, task), never on worker or order."""
    digest = hashlib.blake2b(f"{seed}/{article_id}/{task}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "little"))


def query_ids(sentence: Sentence, config: PairConfig, ids: TokenIds) -> tuple[tuple[int, ...], bool]:
    room = config.max_query_len - 2
    return (ids.cls, *sentence.ids[:room], ids.sep), len(sentence.ids) > room


def doc_ids(title_ids: Sequence[int], sentences: Sequence[Sentence], config: PairConfig,
            ids: TokenIds) -> tuple[tuple[int, ...], bool]:
    body = [token for sentence in sentences for token in sentence.ids]
    room = config.max_doc_len - 3 - len(title_ids)
    return (ids.cls, *title_ids, ids.sep, *body[:room], ids.sep), len(body) > room


@dataclasses.dataclass(frozen=True)
class ArticleView:
    """What the samplers need of one article: its passages, already packed."""

    id: int
    title: str
    title_ids: tuple[int, ...]
    passages: tuple[Passage, ...]

    def lead_sentences(self) -> list[Sentence]:
        return [s for p in self.passages if p.is_lead for s in p.sentences]


def _pair(task: str, k: int, query_article: ArticleView, query: Sentence,
          doc_article: ArticleView, doc_sentences: Sequence[Sentence], config: PairConfig,
          ids: TokenIds) -> Pair:
    q_ids, q_cut = query_ids(query, config, ids)
    d_ids, d_cut = doc_ids(doc_article.title_ids, doc_sentences, config, ids)
    return Pair(task=task, pair_id=f"{task}-{query_article.id}-{doc_article.id}-{k}",
                query_article_id=query_article.id, doc_article_id=doc_article.id,
                query_title=query_article.title, doc_title=doc_article.title,
                query_ids=q_ids, doc_ids=d_ids, query_text=query.text,
                doc_text=" ".join(s.text for s in doc_sentences),
                query_truncated=q_cut, doc_truncated=d_cut)


def ict_pairs(article: ArticleView, config: PairConfig, ids: TokenIds) -> Iterator[Pair]:
    """q: a random sentence s of a passage with >= 2 sentences; d: title + the passage without s
    (with s kept with probability ict_keep_query_prob, as ORQA does)."""
    rng = rng_for(config.seed, article.id, ICT)
    candidates = [p for p in article.passages if len(p.sentences) >= 2]
    chosen = rng.sample(candidates, min(config.ict_per_article, len(candidates)))
    for k, passage in enumerate(chosen):
        i = rng.randrange(len(passage.sentences))
        keep = rng.random() < config.ict_keep_query_prob
        rest = passage.sentences if keep else passage.sentences[:i] + passage.sentences[i + 1:]
        yield _pair(ICT, k, article, passage.sentences[i], article, rest, config, ids)


def bfs_pairs(article: ArticleView, config: PairConfig, ids: TokenIds) -> Iterator[Pair]:
    """q: a random sentence of the lead; d: a random passage of the same article outside it."""
    rng = rng_for(config.seed, article.id, BFS)
    lead = article.lead_sentences()
    body = [p for p in article.passages if not p.is_lead]
    if not lead or not body:
        return
    for k in range(config.bfs_per_article):
        query = rng.choice(lead)
        yield _pair(BFS, k, article, query, article, rng.choice(body).sentences, config, ids)


@dataclasses.dataclass(frozen=True)
class WlpRequest:
    """A WLP pair waiting for its document: the passage of `source_id` that links to the target."""

    k: int
    target: ArticleView  # article A: its lead gives the query
    query: Sentence
    section: int
    paragraph: int
    sentence: int


def wlp_requests(article: ArticleView, inbound: Sequence[tuple[int, int, int, int]],
                 config: PairConfig) -> Iterator[tuple[int, WlpRequest]]:
    """For target A, up to wlp_max_per_target linking articles B (one link each, sampled so hub
    pages do not dominate), keyed by B: the document side is built where B's passages are."""
    rng = rng_for(config.seed, article.id, WLP)
    lead = article.lead_sentences()
    by_source: dict[int, list[tuple[int, int, int]]] = {}
    for source, section, paragraph, sentence in sorted(set(inbound)):
        if source != article.id:
            by_source.setdefault(source, []).append((section, paragraph, sentence))
    if not lead or not by_source:
        return
    sources = rng.sample(sorted(by_source), min(config.wlp_max_per_target, len(by_source)))
    slim = dataclasses.replace(article, passages=())  # the query needs no passages
    for k, source in enumerate(sources):
        section, paragraph, sentence = rng.choice(by_source[source])
        yield source, WlpRequest(k, slim, rng.choice(lead), section, paragraph, sentence)


def wlp_pair(request: WlpRequest, source: ArticleView, config: PairConfig,
             ids: TokenIds) -> Pair | None:
    """q: the sentence of A's lead; d: title of B + the passage of B that holds the link."""
    for passage in source.passages:
        if passage.section == request.section and passage.holds(request.paragraph,
                                                                request.sentence):
            return _pair(WLP, request.k, request.target, request.query, source,
                         passage.sentences, config, ids)
    return None


def split_of(article_id: int, fractions: Sequence[float], names=("train", "valid", "test")) -> str:
    """Train/valid/test by a hash of the query's article id: an article is in one split only."""
    digest = hashlib.blake2b(str(article_id).encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "little") / 2**64
    total = 0.0
    for name, fraction in zip(names, fractions):
        total += fraction / sum(fractions)
        if point < total:
            return name
    return names[len(fractions) - 1]
