"""What reading stripped wikitext builds: sections of plain text with link spans (`RawSection`),
and the links of file captions; and the links of any piece of wikitext without a parse.

The two readers, `wikitext_plain` (most pages, without a tokenizer) and `wikitext_tokens` (the
rest, over mwparserfromhell's token stream), both fill a `Flattener`, so they agree by
construction on what a text, a link, a heading or a tag becomes; tests/test_wikitext_walk.py
holds them to each other and to mwparserfromhell's node tree.
"""
from __future__ import annotations

import dataclasses
import re
import time

from pipeline.records import Link, SiteInfo
from pipeline.titles import CATEGORY_NAMESPACE, FILE_NAMESPACES, MAIN_NAMESPACE, Title, title_parser
from pipeline.titles import _LANGUAGE_CODE as LANGUAGE_CODE  # noqa: PLC2701 - one definition
from pipeline.wikitext_strip import Piece
from schemas.corpus import CAPTION

_STYLE_QUOTES = re.compile(r"'{2,}")
# HTML tags that reach the text because their other half was cut with a template or table.
_STRAY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^<>]*>")
_LINK_TRAIL = re.compile(r"[a-z]+")
_BRACKETS = re.compile(r"\[\[|\]\]")
_LINK_TARGET = re.compile(r"[^\[\]{}|\n]*(?=\||\]\])")  # what may follow `[[` in a link
_LINE_BREAK_TAGS = frozenset({"br", "hr", "p", "div"})
_DROPPED_TAGS = frozenset({"ref", "references", "math", "table", "gallery", "nowiki"})


class ParseTimeout(Exception):
    """Raised when a page takes longer than its parse budget."""


@dataclasses.dataclass
class RawSection:
    heading: str
    level: int
    parts: list[str] = dataclasses.field(default_factory=list)
    length: int = 0
    links: list[tuple[int, int, str]] = dataclasses.field(default_factory=list)

    def append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def check_deadline(deadline: float, stage: str) -> None:
    if time.monotonic() > deadline:
        raise ParseTimeout(f"page took longer than its parse budget (while {stage})")


class Flattener:
    """What both readers of the stripped text build: sections of plain text with link spans,
    and the links of file captions. A reader calls `_text`, `_link`, `_heading` and `_tag`."""

    def __init__(self, site: SiteInfo, deadline: float):
        self.site = site
        self.title_of = title_parser(site)
        self.deadline = deadline
        self.sections = [RawSection("", 0)]
        self.captions: list[Link] = []  # links in the captions of files shown in the text
        self.trailing_link: tuple[int, int, str] | None = None
        self.visited = 0

    def _count_node(self) -> None:
        self.visited += 1
        if self.visited % 2000 == 0:
            check_deadline(self.deadline, "walking the parse tree")

    def _text(self, text: str) -> None:
        text = _STRAY_TAG.sub("", _STYLE_QUOTES.sub("", text)) if "'" in text or "<" in text else text
        section = self.sections[-1]
        if self.trailing_link is not None:
            start, end, target = self.trailing_link
            trail = _LINK_TRAIL.match(text)
            if trail and section.length == end:
                section.links[-1] = (start, end + trail.end(), target)
            self.trailing_link = None
        section.append(text)

    def _link(self, raw_target: str, shown: str | None, text) -> None:
        """A wikilink: its target and the wikitext of its text (None without a `|`), as written;
        `text` is where the reader finds that text, for `_walk_text`."""
        title = self.title_of(raw_target)
        if title.interwiki and _is_interlanguage(raw_target):
            return
        if title.namespace in FILE_NAMESPACES:
            if shown is not None:
                self.captions += markup_links(shown, CAPTION, self.site)
            return
        if title.namespace == CATEGORY_NAMESPACE and not raw_target.lstrip().startswith(":"):
            return
        section = self.sections[-1]
        start = section.length
        if shown and shown.strip():
            self._walk_text(text, shown)
        else:
            self._text(raw_target.strip().lstrip(":"))
        link_end = section.length
        if link_end > start and is_article_link(title):
            self.trailing_link = link = (start, link_end, title.key)
            section.links.append(link)

    def _walk_text(self, text, shown: str) -> None:
        """Reads a link's text `shown`, found where `text` says (each reader's own way)."""
        raise NotImplementedError

    def _heading(self, plain_title: str, level: int) -> None:
        self.sections.append(RawSection(heading_text(plain_title), level))

    def _tag(self, name: str, walk_contents) -> None:
        """A tag `name` (stripped, lower-cased); `walk_contents()` walks what it holds."""
        if name in _DROPPED_TAGS:
            return
        if name in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")
        walk_contents()
        if name in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")


def _is_interlanguage(raw_target: str) -> bool:
    """`[[fr:Anarchisme]]` goes to the page's language list, not into its text; a link to a
    sister project (`[[wikt:ambi-|ambi]]`) or `[[:fr:...]]` shows its text like any link."""
    prefix = raw_target.split(":", 1)[0].strip()
    return not raw_target.lstrip().startswith(":") and bool(LANGUAGE_CODE.match(prefix.lower()))


def is_article_link(title: Title) -> bool:
    """A link the graph keeps: to a page of the main namespace of this wiki."""
    return title.namespace == MAIN_NAMESPACE and not title.interwiki and bool(title.text)


def _plain(markup: str) -> str:
    if "''" in markup:
        markup = _STYLE_QUOTES.sub("", markup)
    return " ".join(markup.split())


def markup_links(markup: str, kind: str, site: SiteInfo) -> list[Link]:
    """The article links of a piece of wikitext, found by matching `[[` with `]]` as they nest,
    without a parse (the corpus stage runs this over most of every page); a link nested in a
    file link stands in its caption. No place in the text: the piece is not prose."""
    title_of = title_parser(site)
    links: list[Link] = []
    stack: list[tuple[int, Title | None]] = []  # after each open `[[`: its target, if a link
    for match in _BRACKETS.finditer(markup):
        if match.group() == "[[":
            target = _LINK_TARGET.match(markup, match.end())
            stack.append((match.end(), target and title_of(target.group())))
            continue
        if not stack:
            continue
        start, title = stack.pop()
        if title is None or not is_article_link(title):
            continue
        in_file = bool(stack) and any(
            t is not None and t.namespace in FILE_NAMESPACES for _, t in stack)
        target, _, text = markup[start:match.start()].partition("|")
        links.append(Link(title.key, _plain(text) or _plain(target.lstrip(":")),
                          CAPTION if in_file else kind))
    return links


def cut_links(pieces: list[Piece], site: SiteInfo) -> list[Link]:
    """The article links of everything the strip cut, with the kind of each piece."""
    return [link for kind, piece in pieces for link in markup_links(piece, kind, site)]


def heading_text(stripped_code: str) -> str:
    return " ".join(_STYLE_QUOTES.sub("", stripped_code).split())
