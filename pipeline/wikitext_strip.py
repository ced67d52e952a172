"""Remove the wikitext that never becomes article text, before mwparserfromhell sees the page.

Templates, references, tables, comments and opaque tags are most of a Wikipedia page's wikitext.
Parsing them into node trees only to throw the trees away is most of the cost of a full parse, so
they are cut here by linear scans. `tests/test_wikitext_strip.py` checks that the result equals
removing the same nodes from mwparserfromhell's full parse.

What is cut is not prose, but the links in it are the page's own links (an infobox parameter, a
table cell, a list item, a gallery caption): the cut pieces that hold links are kept with their
link kind, so that `wikitext.cut_links` puts those links in the graph. A piece takes the kind of
the first cut that removes it: tag blocks, then templates, then tables, then list lines.
"""
from __future__ import annotations

import dataclasses
import re

from schemas.corpus import CAPTION, LIST, TABLE, TEMPLATE

# Tags whose content is not prose: dropped with their content. `<includeonly>` content is shown
# only where the page is transcluded, never on the page itself. Links inside `<ref>`, `<nowiki>`,
# `<math>` & co. are citations or code, not links of the page: they go too.
OPAQUE_TAGS = (
    "ref", "references", "math", "chem", "ce", "score", "syntaxhighlight", "source", "pre",
    "gallery", "imagemap", "timeline", "graph", "mapframe", "maplink", "templatedata", "table",
    "hiero", "inputbox", "categorytree", "nowiki", "includeonly", "templatestyles", "indicator",
)
# Opaque tags whose links are links of the page, with their kind.
LINKING_TAGS = {"gallery": CAPTION, "imagemap": CAPTION, "table": TABLE}
# Tags that only matter when the page is transcluded: the page itself shows their content, so
# only the tags go.
TRANSPARENT_TAGS = ("noinclude", "onlyinclude")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_OPAQUE_BLOCK = re.compile(
    rf"<({'|'.join(OPAQUE_TAGS)})\b[^>]*?(?:/>|>.*?</\1\s*>)", re.S | re.I)
# Opaque tags left without their other half, and transparent tags.
_BARE_TAG = re.compile(rf"</?(?:{'|'.join(OPAQUE_TAGS + TRANSPARENT_TAGS)})\b[^>]*>", re.I)
_BRACE_RUN = re.compile(r"\{\{+|\}\}+")
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
_TABLE_OPEN = re.compile(r"^[ \t:]*\{\|", re.M)
_TABLE_LINE = re.compile(r"^[ \t:]*(\{\||\|\})", re.M)
_LIST_LINE = re.compile(r"^[*#;:][^\n]*\n?", re.M)
_TEMPLATE_NAME = re.compile(r"\{\{\s*([^|{}\n]*)")


Piece = tuple[str, str]  # (link kind, wikitext that was cut)


@dataclasses.dataclass
class Stripped:
    text: str
    template_names: list[str]  # top-level templates, as written (used to spot disambiguation pages)
    magic_words: set[str]
    cut: list[Piece] = dataclasses.field(default_factory=list)  # cut pieces that hold links


def _keep_linked(cut: list[Piece], kind: str, piece: str) -> None:
    if "[[" in piece:
        cut.append((kind, piece))


def _cut(text: str, regions: list[tuple[int, int]], kind: str, cut: list[Piece]) -> str:
    if not regions:
        return text
    out, last = [], 0
    for start, end in regions:
        out.append(text[last:start])
        _keep_linked(cut, kind, text[start:end])
        last = end
    out.append(text[last:])
    return "".join(out)


def _cut_tag_blocks(text: str, cut: list[Piece]) -> str:
    def drop(match: re.Match[str]) -> str:
        kind = LINKING_TAGS.get(match.group(1).lower())
        if kind:
            _keep_linked(cut, kind, match.group())
        return ""
    return _OPAQUE_BLOCK.sub(drop, text)


def cut_list_lines(text: str, cut: list[Piece]) -> str:
    """List lines out; each leaves a line break, so that a list ends the paragraph before it and
    starts a new one after it, as on the rendered page (the lines around it are not one
    paragraph)."""
    def drop(match: re.Match[str]) -> str:
        _keep_linked(cut, LIST, match.group())
        return "\n"
    return _LIST_LINE.sub(drop, text)


def template_regions(text: str) -> list[tuple[int, int]]:
    """Outermost `{{...}}` / `{{{...}}}` regions, matched as MediaWiki's preprocessor does with runs
    of braces; an unclosed opening run is left as text."""
    regions: list[tuple[int, int]] = []
    stack: list[list[int]] = []  # [position of run start, braces still open in this run]
    for match in _BRACE_RUN.finditer(text):
        run = match.end() - match.start()
        if match.group()[0] == "{":
            stack.append([match.start(), run])
            continue
        while run >= 2 and stack:
            top = stack[-1]
            used = 3 if run >= 3 and top[1] >= 3 else 2
            top[1] -= used
            run -= used
            if top[1] < 2:
                opened_at = top[0]
                stack.pop()
                if not stack:
                    end = match.end() - run
                    while regions and regions[-1][0] >= opened_at:
                        regions.pop()
                    regions.append((opened_at, end))
    return regions


def table_regions(text: str) -> list[tuple[int, int]]:
    """Outermost `{| ... |}` tables (nested tables included); an unclosed table runs to the end."""
    regions: list[tuple[int, int]] = []
    depth, start = 0, 0
    for match in _TABLE_LINE.finditer(text):
        if match.group(1) == "{|":
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                line_end = text.find("\n", match.end())
                regions.append((start, len(text) if line_end < 0 else line_end))
    if depth:
        regions.append((start, len(text)))
    return regions


def strip_wikitext(wikitext: str) -> Stripped:
    """Comments, opaque tags, templates, tables, magic words and list lines removed, the tags of
    transparent tags too; the cut pieces that hold links kept aside with their kind."""
    cut: list[Piece] = []
    text = _COMMENT.sub("", wikitext)
    text = _cut_tag_blocks(text, cut)
    text = _BARE_TAG.sub("", text)
    regions = template_regions(text)
    names = [m.group(1).strip() for m in (_TEMPLATE_NAME.match(text, s) for s, _ in regions) if m]
    text = _cut(text, regions, TEMPLATE, cut)
    magic = set(_MAGIC_WORD.findall(text))
    text = _MAGIC_WORD.sub("", text)
    if "{|" in text and _TABLE_OPEN.search(text):  # the plain test first: most pages have none
        text = _cut(text, table_regions(text), TABLE, cut)
    text = cut_list_lines(text, cut)
    return Stripped(text=text, template_names=names, magic_words=magic, cut=cut)
