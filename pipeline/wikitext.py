"""Wikitext of one article -> sections, passages, sentences and links (a pure function).

`wikitext_strip` cuts what never becomes text, `read_stripped` reads the rest into sections of
plain text with link spans; here the sections become cleaned paragraphs split into sentences, and
every internal link keeps its character span through cleaning and sentence splitting. The links
of what the strip cut (templates, tables, list lines, galleries) and of file captions join the
article's links with their kind but no place in the text.
"""
from __future__ import annotations

import bisect
import dataclasses
import re

from pipeline import spans as span_ops
from pipeline.records import Link, Section, SiteInfo
from pipeline.sentences import split_sentences
from pipeline.wikitext_flatten import Flattener, ParseTimeout, RawSection, check_deadline, cut_links
from pipeline.wikitext_plain import NotPlain, PlainReader
from pipeline.wikitext_strip import Stripped, strip_wikitext
from pipeline.wikitext_tokens import token_walk
from schemas.corpus import PROSE

__all__ = ["ParseTimeout", "TextConfig", "parse_stripped", "parse_wikitext", "assemble_sections"]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Whitespace that is not already a single space: same result as `\s+` -> " ", far fewer matches.
_LOOSE_SPACE = re.compile(r"\s{2,}|[^\S ]")
# Brackets emptied by removed templates ("Anarchism ( ; from Greek ...").
_EMPTIED_BRACKETS = re.compile(r"\(\s*[,;:\u2013\u2014-]*\s*\)")
_BRACKET_THEN_PUNCTUATION = re.compile(r"\(\s*[,;:]\s*")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +(?=[,.;:!?)])")
# What _LOOSE_SPACE and _SPACE_BEFORE_PUNCTUATION need in a text to match at all, found faster
# than those patterns find nothing.
_NON_SPACE_WHITESPACE = re.compile(r"[^\S ]")
_PUNCTUATION_AFTER_SPACE = re.compile(r" [,.;:!?)]")


@dataclasses.dataclass(frozen=True)
class TextConfig:
    drop_sections: tuple[str, ...] = (
        "references", "external links", "see also", "further reading", "notes", "bibliography",
        "sources", "footnotes", "citations", "notes and references", "works cited",
    )
    min_passage_chars: int = 20


def _paragraphs(text: str, links: list[tuple[int, int, str]]):
    """Split section text at blank lines; yield (paragraph text, [(start, end, target)])."""
    bounds = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)] + [(len(text), len(text))]
    starts = [0] + [cut_end for _, cut_end in bounds[:-1]]
    inside: list[list[tuple[int, int, str]]] = [[] for _ in bounds]
    for s, e, t in links:  # a link can only be in the paragraph it starts in
        i = bisect.bisect_right(starts, s) - 1
        if e <= bounds[i][0]:
            inside[i].append((s - starts[i], e - starts[i], t))
    for start, (cut_start, _), para_links in zip(starts, bounds, inside):
        yield text[start:cut_start], para_links


def _clean_paragraph(text: str, links: list[tuple[int, int, str]]):
    """Whitespace made single spaces, emptied brackets and spaces before punctuation removed,
    link spans kept on their words. A pass whose pattern cannot match is not run: the bracket
    passes need a "(", and the last whitespace pass is needed only if a removal before it could
    have put two spaces side by side (the first pass leaves no loose whitespace)."""
    if not text or text.isspace():  # nearly half the paragraphs: what stood between two breaks
        return "", []
    spans = [(s, e) for s, e, _ in links]
    if _may_have_loose_space(text):
        text, spans = span_ops.substitute(text, spans, _LOOSE_SPACE, " ")
    spaced = text
    if "(" in text:
        text, spans = span_ops.substitute(text, spans, _EMPTIED_BRACKETS, "")
        text, spans = span_ops.substitute(text, spans, _BRACKET_THEN_PUNCTUATION, "(")
    if _PUNCTUATION_AFTER_SPACE.search(text):
        text, spans = span_ops.substitute(text, spans, _SPACE_BEFORE_PUNCTUATION, "")
    if text is not spaced:
        text, spans = span_ops.substitute(text, spans, _LOOSE_SPACE, " ")
    text, spans = span_ops.strip(text, spans)
    return text, [(s, e, t) for (s, e), (_, _, t) in zip(spans, links) if e > s]


def _may_have_loose_space(text: str) -> bool:
    """False only if `_LOOSE_SPACE` cannot match: a printable ASCII text's only whitespace is the
    space (tabs, line breaks and the other spaces are not printable, or not ASCII)."""
    if "  " in text:
        return True
    if text.isascii() and text.isprintable():
        return False
    return _NON_SPACE_WHITESPACE.search(text) is not None


def _section_paths(raw_sections: list[RawSection]) -> list[tuple[str, ...]]:
    paths, stack = [], []  # stack of (level, heading)
    for section in raw_sections:
        if section.level == 0:
            paths.append(())
            continue
        while stack and stack[-1][0] >= section.level:
            stack.pop()
        stack.append((section.level, section.heading))
        paths.append(tuple(h for _, h in stack))
    return paths


def parse_wikitext(wikitext: str, site: SiteInfo, config: TextConfig = TextConfig(),
                   deadline: float = float("inf")) -> tuple[tuple[Section, ...], tuple[Link, ...]]:
    """Sections (the lead first, always present) and the internal links of an article's wikitext."""
    return parse_stripped(strip_wikitext(wikitext), site, config, deadline)


def read_stripped(text: str, site: SiteInfo, deadline: float = float("inf")):
    """The raw sections (lead first) and caption links of text that `strip_wikitext` left: by
    the plain reader when it can, else by the token walk (both give the same)."""
    try:
        reader: Flattener = PlainReader(text, site, deadline)
        reader.read()
    except NotPlain:
        reader = token_walk(text, site, deadline)
    return reader.sections, reader.captions


def parse_stripped(stripped: Stripped, site: SiteInfo, config: TextConfig = TextConfig(),
                   deadline: float = float("inf")) -> tuple[tuple[Section, ...], tuple[Link, ...]]:
    """`parse_wikitext` for text that `strip_wikitext` already cleaned."""
    check_deadline(deadline, "stripping")
    raw_sections, captions = read_stripped(stripped.text, site, deadline)
    sections, prose_links = assemble_sections(raw_sections, config)
    return sections, prose_links + tuple(captions) + tuple(cut_links(stripped.cut, site))


def assemble_sections(raw_sections: list[RawSection], config: TextConfig):
    """Paragraphs -> cleaned passages -> sentences, with each prose link placed in its sentence
    (or kept without a place when its text is not kept)."""
    dropped = {name.casefold() for name in config.drop_sections}
    sections: list[Section] = []
    links: list[Link] = []
    for raw, path in zip(raw_sections, _section_paths(raw_sections)):
        if path and path[0].casefold() in dropped:
            links.extend(_place_links(raw.links, [], raw.text()))
            continue
        section_index = len(sections)
        passages = []
        for paragraph, para_links in _paragraphs(raw.text(), raw.links):
            text, para_links = _clean_paragraph(paragraph, para_links)
            sentence_spans = _prose_sentences(text, config)
            links.extend(_place_links(para_links, sentence_spans, text,
                                      section_index, len(passages)))
            if sentence_spans:
                passages.append(tuple(text[s:e] for s, e in sentence_spans))
        if passages or raw.level == 0:
            sections.append(Section(heading=raw.heading, path=path, level=raw.level,
                                    is_lead=raw.level == 0, passages=tuple(passages)))
    return tuple(sections), tuple(links)


def _prose_sentences(text: str, config: TextConfig) -> list[tuple[int, int]]:
    """The sentence spans a paragraph keeps: none if it is too short or has no letters, and not
    a last sentence that ends in ':', which introduces a block the text does not keep (on the
    sample: a list two times in three, else a quote template, a table or a formula) and would
    be left dangling ("... they cover different concepts:")."""
    if len(text) < config.min_passage_chars or not any(c.isalpha() for c in text):
        return []
    spans = split_sentences(text)
    if spans and text[spans[-1][0]:spans[-1][1]].rstrip().endswith(":"):
        spans.pop()
    return spans


def _place_links(para_links, sentence_spans, text, section_index=None, passage_index=None):
    """Each link goes to the sentence its anchor starts in (clipped to that sentence); a link
    outside every kept sentence is still a prose link of the page, with no place."""
    starts = [s for s, _ in sentence_spans]
    for start, end, target in para_links:
        i = bisect.bisect_right(starts, start) - 1
        s_start, s_end = sentence_spans[i] if i >= 0 else (0, 0)
        if start < s_end and start < end:
            end = min(end, s_end)
            yield Link(target=target, anchor=text[start:end], kind=PROSE, section=section_index,
                       passage=passage_index, sentence=i, start=start - s_start, end=end - s_start)
        else:
            yield Link(target=target, anchor=" ".join(text[start:end].split()), kind=PROSE)
