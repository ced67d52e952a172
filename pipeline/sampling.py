"""ICT, BFS and WLP pair sampling (Chang et al. 2020) as pure functions over tokenized articles.

Every random choice comes from an RNG seeded by (seed, article id, task), so a rerun, a retry on
Dataflow or another runner draws the same pairs.
"""
from __future__ import annotations

import dataclasses
import random
from typing import Iterator, Sequence

from pipeline.passages import Passage, Sentence
from pipeline.splits import hash64, split_of
from schemas.corpus import LINK_KINDS, passage_text
from schemas.framing import frame_doc, frame_query

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
    wlp_link_kinds: tuple[str, ...] = LINK_KINDS  # which inbound links feed WLP
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
    doc_sentences: tuple[str, ...]
    query_truncated: bool
    doc_truncated: bool
    link_kind: str = ""  # WLP: where the link from the document's page to the query's stands

    @property
    def doc_text(self) -> str:
        return passage_text(self.doc_sentences)


def rng_for(seed: int, article_id: int, task: str) -> random.Random:
    """A generator that depends only on (seed, article, task), never on worker or order."""
    return random.Random(hash64(f"{seed}/{article_id}/{task}"))


def query_ids(sentence: Sentence, config: PairConfig, ids: TokenIds) -> tuple[tuple[int, ...], bool]:
    return frame_query(sentence.ids, ids.cls, ids.sep, config.max_query_len)


def doc_ids(title_ids: Sequence[int], sentences: Sequence[Sentence], config: PairConfig,
            ids: TokenIds) -> tuple[tuple[int, ...], bool]:
    body = [token for sentence in sentences for token in sentence.ids]
    return frame_doc(title_ids, body, ids.cls, ids.sep, config.max_doc_len)


@dataclasses.dataclass(frozen=True)
class ArticleView:
    """What the samplers need of one article: its passages, already packed."""

    id: int
    title: str
    title_ids: tuple[int, ...]
    passages: tuple[Passage, ...]

    def lead_sentences(self) -> list[Sentence]:
        return [s for p in self.passages if p.is_lead for s in p.sentences]

    def packed(self) -> bytes:
        """The view as one pickle of nested tuples of str, int and bool: how it is staged for the
        WLP join (`pairs_stage.StageViews`). Plain values pickle and unpickle at C speed (a
        dataclass each would go through its class); one bytes object per article lets the
        reader skip the views nobody asked for without unpickling them. Not compressed: the
        staged file is written once, read once and deleted, and zlib (even at level 1) cost more
        CPU than the rest of staging together for half the bytes."""
        import pickle

        return pickle.dumps((self.id, self.title, self.title_ids, tuple(
            (p.section, p.is_lead, tuple((s.text, s.ids) for s in p.sentences), p.origins)
            for p in self.passages)), pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_packed(cls, data: bytes) -> "ArticleView":
        import pickle

        id_, title, title_ids, passages = pickle.loads(data)
        return cls(id_, title, tuple(title_ids), tuple(
            Passage(section, is_lead, tuple(Sentence(text, tuple(ids)) for text, ids in sentences),
                    tuple(tuple(origin) for origin in origins))
            for section, is_lead, sentences, origins in passages))


def _pair(task: str, k: int, query_article: ArticleView, query: Sentence,
          doc_article: ArticleView, doc_sentences: Sequence[Sentence], config: PairConfig,
          ids: TokenIds, link_kind: str = "") -> Pair:
    q_ids, q_cut = query_ids(query, config, ids)
    d_ids, d_cut = doc_ids(doc_article.title_ids, doc_sentences, config, ids)
    return Pair(task=task, pair_id=f"{task}-{query_article.id}-{doc_article.id}-{k}",
                query_article_id=query_article.id, doc_article_id=doc_article.id,
                query_title=query_article.title, doc_title=doc_article.title,
                query_ids=q_ids, doc_ids=d_ids, query_text=query.text,
                doc_sentences=tuple(s.text for s in doc_sentences),
                query_truncated=q_cut, doc_truncated=d_cut, link_kind=link_kind)


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
    """q: a random sentence of the lead; d: a random passage of the same article outside it.

    (query, document) combinations are drawn without replacement, over distinct texts, so an
    article never gives the same pair twice."""
    rng = rng_for(config.seed, article.id, BFS)
    lead = _distinct(article.lead_sentences(), key=lambda s: s.text)
    body = _distinct([p for p in article.passages if not p.is_lead],
                     key=lambda p: tuple(s.text for s in p.sentences))
    if not lead or not body:
        return
    combinations = len(lead) * len(body)
    for k, drawn in enumerate(rng.sample(range(combinations),
                                         min(config.bfs_per_article, combinations))):
        query, passage = lead[drawn // len(body)], body[drawn % len(body)]
        yield _pair(BFS, k, article, query, article, passage.sentences, config, ids)


def _distinct(items: list, key) -> list:
    """`items` without repeats of `key`, first occurrences in order."""
    seen: set = set()
    return [item for item in items if not (key(item) in seen or seen.add(key(item)))]


@dataclasses.dataclass(frozen=True)
class WlpRequest:
    """A WLP pair waiting for its document, a passage of the linking article: the one that holds
    the link when the corpus knows where it stands (a prose link: `paragraph`, `sentence` in
    `section`), else the one `draw` picks (a number in [0, 1) from the target's generator)."""

    k: int
    target: ArticleView  # article A: its lead gives the query
    query: Sentence
    link_kind: str
    section: int
    paragraph: int
    sentence: int
    draw: float


# An inbound link as the pair stage reads it: (source_id, kind, section, paragraph, sentence);
# the position is (-1, -1, -1) where the corpus has none: every link outside prose, and prose
# links in text the corpus leaves out (a dropped section, a too-short paragraph).
NO_POSITION = -1
InboundLink = tuple[int, str, int, int, int]


def linking_sources(article_id: int, inbound: Sequence[InboundLink], config: PairConfig,
                    fractions: Sequence[float]) -> tuple[dict[int, list[InboundLink]], int]:
    """The articles B that may give WLP documents for target A, with their links to A: other
    articles, links of the kinds `wlp_link_kinds` names, and only B in A's split (a pair carries
    text of both, so a pair across splits would leak held-out text into train). Also returns how
    many linking articles were left out for being in another split."""
    split = split_of(article_id, fractions)
    by_source: dict[int, list[InboundLink]] = {}
    crossing: set[int] = set()
    for link in sorted(set(inbound)):
        source, kind = link[0], link[1]
        if source == article_id or kind not in config.wlp_link_kinds:
            continue
        if split_of(source, fractions) != split:
            crossing.add(source)
        else:
            by_source.setdefault(source, []).append(link)
    return by_source, len(crossing)


def wlp_requests(article: ArticleView, by_source: dict[int, list[InboundLink]],
                 config: PairConfig) -> Iterator[tuple[int, WlpRequest]]:
    """For target A, up to wlp_max_per_target linking articles B (one link each, sampled so hub
    pages do not dominate), keyed by B: the document side is built where B's passages are."""
    rng = rng_for(config.seed, article.id, WLP)
    lead = article.lead_sentences()
    if not lead or not by_source:
        return
    sources = rng.sample(sorted(by_source), min(config.wlp_max_per_target, len(by_source)))
    slim = dataclasses.replace(article, passages=())  # the query needs no passages
    for k, source in enumerate(sources):
        _, kind, section, paragraph, sentence = rng.choice(by_source[source])
        yield source, WlpRequest(k, slim, rng.choice(lead), kind, section, paragraph, sentence,
                                 rng.random())


def wlp_pair(request: WlpRequest, source: ArticleView, config: PairConfig,
             ids: TokenIds) -> Pair | None:
    """q: the sentence of A's lead; d: title of B + the passage of B that holds the link (prose),
    or a passage of B drawn uniformly (a link in a list, table, template or caption, or in prose
    the corpus left out)."""
    if not source.passages:
        return None
    if request.section != NO_POSITION:
        holding = [p for p in source.passages if p.section == request.section
                   and p.holds(request.paragraph, request.sentence)]
        if not holding:
            return None
        passage = holding[0]
    else:
        passage = source.passages[int(request.draw * len(source.passages))]
    return _pair(WLP, request.k, request.target, request.query, source, passage.sentences,
                 config, ids, request.link_kind)
