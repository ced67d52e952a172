"""Paragraphs -> passages that fit `[CLS] title [SEP] passage [SEP]` in the document length.

Long paragraphs are split and short neighbours packed, always at sentence boundaries and never
across sections, so that a passage is a run of consecutive sentences of one section.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Sentence:
    text: str
    ids: tuple[int, ...]  # WordPiece ids, without [CLS]/[SEP]


@dataclasses.dataclass(frozen=True)
class Passage:
    section: int
    is_lead: bool
    sentences: tuple[Sentence, ...]
    origins: tuple[tuple[int, int], ...]  # (paragraph, sentence) in the corpus, one per sentence

    @property
    def length(self) -> int:
        return sum(len(s.ids) for s in self.sentences)

    def holds(self, paragraph: int, sentence: int) -> bool:
        return (paragraph, sentence) in self.origins


@dataclasses.dataclass(frozen=True)
class TokenizedSection:
    is_lead: bool
    paragraphs: tuple[tuple[Sentence, ...], ...]


@dataclasses.dataclass(frozen=True)
class TokenizedArticle:
    id: int
    title: str
    title_ids: tuple[int, ...]
    sections: tuple[TokenizedSection, ...]  # the lead first, as in the corpus


def pack_section(index: int, section: TokenizedSection, budget: int,
                 min_tokens: int) -> list[Passage]:
    """Greedy packing: a passage grows by whole sentences while it fits `budget` tokens; a new
    paragraph starts a new passage unless the current one is still shorter than `min_tokens`."""
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    origins: list[tuple[int, int]] = []
    length = 0

    def close():
        nonlocal sentences, origins, length
        if sentences:
            passages.append(Passage(index, section.is_lead, tuple(sentences), tuple(origins)))
        sentences, origins, length = [], [], 0

    for p, paragraph in enumerate(section.paragraphs):
        if length >= min_tokens:
            close()
        for s, sentence in enumerate(paragraph):
            if sentences and length + len(sentence.ids) > budget:
                close()
            sentences.append(sentence)
            origins.append((p, s))
            length += len(sentence.ids)
    close()
    return passages


def doc_budget(title_ids: tuple[int, ...], max_doc_len: int) -> int:
    """Tokens left for the passage once [CLS] title [SEP] ... [SEP] are in."""
    return max(max_doc_len - 3 - len(title_ids), 1)


def pack_article(article: TokenizedArticle, max_doc_len: int, min_tokens: int) -> list[Passage]:
    budget = doc_budget(article.title_ids, max_doc_len)
    return [passage for i, section in enumerate(article.sections)
            for passage in pack_section(i, section, budget, min_tokens)]
