"""Wikitext of one article -> sections, passages, sentences and links (a pure function).

mwparserfromhell's tokenizer reads only what `wikitext_strip` leaves: headings, links, formatting
tags and text. Link anchors are kept as text and every internal link keeps its character span through
cleaning and sentence splitting. The links of what the strip cut (templates, tables, list lines,
galleries) and of file captions join the article's links with their kind but no place in the text.
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import time
from html.entities import name2codepoint as _NAMED_ENTITIES

from pipeline import spans as span_ops
from pipeline.records import Link, Section, SiteInfo
from pipeline.sentences import split_sentences
from pipeline.titles import CATEGORY_NAMESPACE, FILE_NAMESPACES, MAIN_NAMESPACE, Title, title_parser
from pipeline.titles import _LANGUAGE_CODE as LANGUAGE_CODE  # noqa: PLC2701 - one definition
from pipeline.wikitext_strip import Piece, Stripped, strip_wikitext
from schemas.corpus import CAPTION, PROSE

_STYLE_QUOTES = re.compile(r"'{2,}")
# HTML tags that reach the text because their other half was cut with a template or table.
_STRAY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^<>]*>")
_LINK_TRAIL = re.compile(r"[a-z]+")
_BRACKETS = re.compile(r"\[\[|\]\]")
_LINK_TARGET = re.compile(r"[^\[\]{}|\n]*(?=\||\]\])")  # what may follow `[[` in a link
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Whitespace that is not already a single space: same result as `\s+` -> " ", far fewer matches.
_LOOSE_SPACE = re.compile(r"\s{2,}|[^\S ]")
# Brackets emptied by removed templates ("Anarchism ( ; from Greek ...").
_EMPTIED_BRACKETS = re.compile(r"\(\s*[,;:\u2013\u2014-]*\s*\)")
_BRACKET_THEN_PUNCTUATION = re.compile(r"\(\s*[,;:]\s*")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +(?=[,.;:!?)])")
# What those two need somewhere in a text to match at all, found faster than they find nothing.
_NON_SPACE_WHITESPACE = re.compile(r"[^\S ]")
_PUNCTUATION_AFTER_SPACE = re.compile(r" [,.;:!?)]")
_LINE_BREAK_TAGS = frozenset({"br", "hr", "p", "div"})
_DROPPED_TAGS = frozenset({"ref", "references", "math", "table", "gallery", "nowiki"})


class ParseTimeout(Exception):
    """Raised when a page takes longer than its parse budget."""


@dataclasses.dataclass(frozen=True)
class TextConfig:
    drop_sections: tuple[str, ...] = (
        "references", "external links", "see also", "further reading", "notes", "bibliography",
        "sources", "footnotes", "citations", "notes and references", "works cited",
    )
    min_passage_chars: int = 20


@dataclasses.dataclass
class _RawSection:
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


def _check(deadline: float, stage: str) -> None:
    if time.monotonic() > deadline:
        raise ParseTimeout(f"page took longer than its parse budget (while {stage})")


class _Flattener:
    """What both readers of the stripped text build: sections of plain text with link spans,
    and the links of file captions. A reader calls `_text`, `_link`, `_heading` and `_tag`."""

    def __init__(self, site: SiteInfo, deadline: float):
        self.site = site
        self.title_of = title_parser(site)
        self.deadline = deadline
        self.sections = [_RawSection("", 0)]
        self.captions: list[Link] = []  # links in the captions of files shown in the text
        self.trailing_link: tuple[int, int, str] | None = None
        self.visited = 0

    def _count_node(self) -> None:
        self.visited += 1
        if self.visited % 2000 == 0:
            _check(self.deadline, "walking the parse tree")

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
        raise NotImplementedError

    def _heading(self, plain_title: str, level: int) -> None:
        self.sections.append(_RawSection(_heading_text(plain_title), level))

    def _tag(self, name: str, walk_contents) -> None:
        """A tag `name` (stripped, lower-cased); `walk_contents()` walks what it holds."""
        if name in _DROPPED_TAGS:
            return
        if name in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")
        walk_contents()
        if name in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")


class _Walker(_Flattener):
    """Flattens mwparserfromhell's token stream into sections of plain text with link spans.

    It reads the tokens of the C tokenizer the way mwparserfromhell's builder does, without
    building the node tree (building it cost more than the tokenizing and our walk together).
    The rare nodes whose exact text needs mwparserfromhell's own rendering (a heading, an
    entity, a link target or tag name that is not plain text) are built from their tokens alone.
    """

    def __init__(self, tokens: list, site: SiteInfo, deadline: float):
        super().__init__(site, deadline)
        self.tokens = tokens
        self.kinds, _, _ = _token_kinds()
        self.link_markup = _link_markup()
        self.ends, self.separators = _token_structure(tokens)

    def walk(self, start: int, stop: int) -> None:
        """The nodes whose tokens are tokens[start:stop]."""
        tokens, ends, kinds, text_kind = self.tokens, self.ends, self.kinds, self.kinds.Text
        i = start
        while i < stop:
            token = tokens[i]
            kind = type(token)
            self.visited += 1
            if self.visited % 2000 == 0:
                _check(self.deadline, "walking the parse tree")
            if kind is text_kind:
                self._text(token["text"])
                i += 1
                continue
            end = ends[i]
            if kind is kinds.WikilinkOpen:
                self._wikilink(i, end)
            elif kind is kinds.HeadingStart:
                self._heading(self._heading_title(i + 1, end), token["level"])
            elif kind is kinds.HTMLEntityStart:
                self._text(_build(tokens, i, end + 1).nodes[0].normalize())
            elif kind is kinds.ExternalLinkOpen:
                title = self._last_part(i, end)
                if title is not None and self._render(*title):
                    self.walk(*title)
            elif kind is kinds.TagOpenOpen:
                self._tag_tokens(i, end)
            # Templates, arguments and comments left by broken markup carry no article text.
            i = end + 1

    def _last_part(self, opened: int, end: int) -> tuple[int, int] | None:
        """The tokens after the last separator of a link (its text), if it has one."""
        separators = self.separators.get(opened, ())
        return (separators[-1] + 1, end) if separators else None

    def _plain(self, start: int, stop: int) -> str | None:
        """The text of tokens[start:stop] if they are all text (nearly always), else None."""
        tokens, text_kind = self.tokens, self.kinds.Text
        if stop - start == 1 and type(tokens[start]) is text_kind:
            return tokens[start]["text"]
        if all(type(token) is text_kind for token in tokens[start:stop]):
            return "".join(token["text"] for token in tokens[start:stop])
        return None

    def _render(self, start: int, stop: int) -> str:
        """The wikitext of tokens[start:stop], as str() of their nodes gives it: text and link
        markup (a file caption's links) written out here, anything else by the nodes."""
        tokens, text_kind, link_markup = self.tokens, self.kinds.Text, self.link_markup
        if stop - start == 1 and type(tokens[start]) is text_kind:
            return tokens[start]["text"]
        parts = []
        for token in tokens[start:stop]:
            kind = type(token)
            if kind is text_kind:
                parts.append(token["text"])
            elif kind in link_markup:
                parts.append(link_markup[kind])
            else:
                return str(_build(tokens, start, stop))
        return "".join(parts)

    def _heading_title(self, start: int, stop: int) -> str:
        """The title of a heading, tokens[start:stop], as strip_code() shows it (for plain
        text, that is the text: the newlines it trims do not survive `_heading_text`)."""
        plain = self._plain(start, stop)
        return _build(self.tokens, start, stop).strip_code() if plain is None else plain

    def _wikilink(self, opened: int, end: int) -> None:
        separators = self.separators.get(opened)
        if separators is None:  # [[target]]
            self._link(self._render(opened + 1, end), None, None)
            return
        # As the builder reads them: the target ends at the last `|`, the text follows it.
        title_start = separators[-2] + 1 if len(separators) > 1 else opened + 1
        text = (separators[-1] + 1, end)
        self._link(self._render(title_start, separators[-1]), self._render(*text), text)

    def _walk_text(self, text: tuple[int, int], shown: str) -> None:
        if text[1] - text[0] == 1 and type(self.tokens[text[0]]) is self.kinds.Text:
            self._text(shown)  # the walk of its one text token
        else:
            self.walk(*text)

    def _tag_tokens(self, opened: int, end: int) -> None:
        tokens, kinds = self.tokens, self.kinds
        separators = self.separators.get(opened, ())
        # The name runs to the first attribute or the end of the opening tag.
        name = self._render(opened + 1, separators[0] if separators else end).strip().lower()

        def walk_contents() -> None:
            if type(tokens[end]) is kinds.TagCloseClose:  # not self-closing: it has contents
                kind_at = [(type(tokens[s]), s) for s in separators]
                contents_start = next(s for kind, s in kind_at if kind is kinds.TagCloseOpen)
                contents_end = next(s for kind, s in kind_at if kind is kinds.TagOpenClose)
                self.walk(contents_start + 1, contents_end)

        self._tag(name, walk_contents)


class _NotPlain(Exception):
    """The page holds markup that only mwparserfromhell's tokenizer reads right."""


# What the plain reader reads itself (and where it looks next), and what it leaves to the
# tokenizer: anything else, and anything where the tokenizer has rules of its own.
_PLAIN_NEXT = re.compile(r"[\[\]<>&=]")  # one character class: the regex engine skips to it fast
# A target as written (entities and all: the token walk renders the target back to its source).
_PLAIN_LINK_TARGET = re.compile(r"([^\[\]{}<>|\n]+)(\||\]\])")
_PLAIN_LINK_TEXT = re.compile(r"([^\[\]<>&=]*)\]\]")
_PLAIN_TAG = re.compile(r'<(/?)([a-z]+)((?: [a-z-]+="[^"<>{}\[\]|&\n=]*")*)( ?/)?>')
_PLAIN_TAGS = frozenset(
    "sub sup small big span blockquote code s u center tt div ol ul li em strong".split())
_PLAIN_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_PLAIN_HEADING = re.compile(r"(={2,6})([^=\n\[\]{}<>&]+)\1(?=[ \t]*(?:\n|\Z))")
_LINE_START_MARKUP = ("*", "#", ";", ":", "----")  # lists and rules, which the strip cut
_LINE_START_MARKUP_INSIDE = re.compile(r"\n(?:[*#;:]|----)")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_SPACE_DIGIT_OR_EQUALS = frozenset(" \t\n0123456789=")
_PLAIN_DEPTH = 8  # the tokenizer gives up on deep nesting; the plain reader leaves it to it


@functools.cache
def _uri_schemes() -> frozenset[str]:
    from mwparserfromhell.definitions import URI_SCHEMES

    return frozenset(scheme.lower() for scheme in URI_SCHEMES)


def _may_need_the_tokenizer(text: str) -> bool:
    """Markup the plain reader never reads: templates or tables left by broken markup, lists,
    and anything that could be a free external link (a URI scheme, or an end of one, before a
    colon, in any case; or `://`)."""
    if "{" in text or "}" in text or "://" in text or text.startswith(_LINE_START_MARKUP):
        return True
    if _LINE_START_MARKUP_INSIDE.search(text):
        return True
    schemes = _uri_schemes()
    colon = text.find(":")
    while colon >= 0:
        start = colon
        while start > 0 and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        word = text[start:colon].lower()
        if any(word[i:] in schemes for i in range(len(word))):
            return True
        colon = text.find(":", colon + 1)
    return False


def _is_plain_text(source: str, at: int, markup: str, closer: str | None) -> bool:
    """Whether the tokenizer reads this markup character as text: an `&` that starts no entity,
    a `<` before a space, digit or `=` ("A < B"), and outside links a lone bracket ("[t]he")
    or `>` (a `[` before `//` could open an external link)."""
    if markup == "&":
        return _PLAIN_ENTITY.match(source, at) is None and source[at + 1:at + 2] != "#"
    if markup == "<":
        return source[at + 1:at + 2] in _SPACE_DIGIT_OR_EQUALS
    if markup in ("[", "]", ">") and closer != "]]":
        return source[at + 1:at + 3] != "//"
    return False


class _PlainReader(_Flattener):
    """Reads stripped wikitext that holds only text, wikilinks, plain headings, a few bare tags
    and named entities (most pages), giving what the token walk gives, without the tokenizer:
    tokenizing and walking the tokens cost several times more. Anything else raises
    `_NotPlain`, and the page goes to the tokenizer. tests/test_wikitext_walk.py holds it to
    the token walk on every sample page and on random markup."""

    def __init__(self, text: str, site: SiteInfo, deadline: float):
        super().__init__(site, deadline)
        self.source = text
        self.depth = 0

    def read(self) -> None:
        if _may_need_the_tokenizer(self.source):
            raise _NotPlain
        self._scan(0, None, True)

    def _scan(self, pos: int, closer: str | None, emit: bool) -> int:
        """Reads from `pos` up to `closer` (`]]`, `</tag>`, or None: the end of the text) and
        returns where it ends; `emit`: whether what it reads goes into the sections."""
        if self.depth > _PLAIN_DEPTH:
            raise _NotPlain
        self.depth += 1
        source, search = self.source, _PLAIN_NEXT.search
        text_start = pos
        while True:
            self._count_node()
            found = search(source, pos)
            if found is None:
                if closer is not None:
                    raise _NotPlain  # unclosed: the tokenizer reads it as text
                self._run(text_start, len(source), emit)
                self.depth -= 1
                return len(source)
            at, markup = found.start(), found.group()
            if markup == "[" or markup == "]":
                if source[at + 1:at + 2] == markup:
                    markup += markup
            elif markup == "=" and at and source[at - 1] != "\n":
                pos = found.end()  # only a line start can open a heading
                continue
            if _is_plain_text(source, at, markup, closer):
                pos = found.end()  # the tokenizer keeps it in the text around it
                continue
            self._run(text_start, at, emit)
            if markup == "[[":
                pos = self._wikilink(at, emit)
            elif markup == "<":
                tag = _PLAIN_TAG.match(source, at)
                if tag is None:
                    raise _NotPlain
                slash, name, attributes, self_closing = tag.groups()
                if slash:
                    if attributes or self_closing or closer != f"</{name}>":
                        raise _NotPlain
                    self.depth -= 1
                    return tag.end()
                pos = self._tag_at(tag, name, self_closing, emit)
            elif markup == "&":
                entity = _PLAIN_ENTITY.match(source, at)
                codepoint = entity and _NAMED_ENTITIES.get(entity.group(1))
                if codepoint is None:  # numeric, or a name the tokenizer may know and Python not
                    raise _NotPlain
                if emit:
                    self._text(chr(codepoint))
                pos = entity.end()
            elif markup == "=":  # at a line start
                heading = _PLAIN_HEADING.match(source, at)
                if heading is None or closer is not None:
                    raise _NotPlain
                if emit:
                    self._heading(heading.group(2), len(heading.group(1)))
                pos = heading.end()
            elif markup == "]]" and closer == "]]":
                self.depth -= 1
                return at + 2
            else:  # a stray `]]`, or a bracket inside a link or tag
                raise _NotPlain
            text_start = pos

    def _run(self, start: int, stop: int, emit: bool) -> None:
        if emit and stop > start:
            self._text(self.source[start:stop])

    def _wikilink(self, at: int, emit: bool) -> int:
        target = _PLAIN_LINK_TARGET.match(self.source, at + 2)
        if target is None or target.group(1).isspace():
            raise _NotPlain
        raw_target = target.group(1)
        if target.group(2) == "]]":
            if emit:
                self._link(raw_target, None, None)
            return target.end()
        text_start = target.end()
        simple = _PLAIN_LINK_TEXT.match(self.source, text_start)
        if simple is not None:  # nearly always: text alone, which the scan reads as one run
            if emit:
                self._link(raw_target, simple.group(1), None)
            return simple.end()
        end = self._scan(text_start, "]]", False)  # where it ends, and that it is plain
        if emit:
            self._link(raw_target, self.source[text_start:end - 2], text_start)
        return end

    def _walk_text(self, text_start: int | None, shown: str) -> None:
        if text_start is None:
            self._text(shown)
        else:
            self._scan(text_start, "]]", True)

    def _tag_at(self, tag: re.Match[str], name: str, self_closing: str | None, emit: bool) -> int:
        if name == "br":  # closes itself, written `<br>` or `<br/>`
            if emit:
                self._tag(name, lambda: None)
            return tag.end()
        if self_closing or name not in _PLAIN_TAGS:
            raise _NotPlain
        closer = f"</{name}>"
        if not emit:
            return self._scan(tag.end(), closer, False)
        ends: list[int] = []
        self._tag(name, lambda: ends.append(self._scan(tag.end(), closer, True)))
        return ends[0]


@functools.cache
def _token_kinds():
    """mwparserfromhell's token classes (imported when first used), the tokens that open a
    node, and for each token that closes one, the token that opened it."""
    from mwparserfromhell.parser import tokens as t

    closing = {t.TemplateClose: t.TemplateOpen, t.ArgumentClose: t.ArgumentOpen,
               t.WikilinkClose: t.WikilinkOpen, t.ExternalLinkClose: t.ExternalLinkOpen,
               t.HTMLEntityEnd: t.HTMLEntityStart, t.HeadingEnd: t.HeadingStart,
               t.CommentEnd: t.CommentStart, t.TagCloseSelfclose: t.TagOpenOpen,
               t.TagCloseClose: t.TagOpenOpen}
    return t, frozenset(closing.values()), closing


@functools.cache
def _link_markup() -> dict[type, str]:
    """The wikitext of each link token, as str() of a Wikilink writes it (the tokenizer gives a
    link at most one separator)."""
    kinds, _, _ = _token_kinds()
    return {kinds.WikilinkOpen: "[[", kinds.WikilinkSeparator: "|", kinds.WikilinkClose: "]]"}


def _build(tokens: list, start: int, stop: int):
    """mwparserfromhell's nodes of tokens[start:stop] (whole nodes), as its parse builds them."""
    from mwparserfromhell.parser.builder import Builder

    return Builder().build(tokens[start:stop])


def _token_structure(tokens: list) -> tuple[dict[int, int], dict[int, list[int]]]:
    """For each token that opens a node: the index of the token that closes it, and the indexes
    of its own separators (`|` of a link, `>` and `</` of a tag) if it has any, paired in one
    pass with a stack as mwparserfromhell's builder pairs them."""
    from mwparserfromhell.parser import ParserError

    kinds, opening, closing = _token_kinds()
    text_kind = kinds.Text
    ends: dict[int, int] = {}
    separators: dict[int, list[int]] = {}
    stack: list[int] = []
    for i, token in enumerate(tokens):
        kind = type(token)
        if kind is text_kind:
            continue
        if kind in opening:
            stack.append(i)
        elif kind in closing:
            if not stack or type(tokens[stack[-1]]) is not closing[kind]:
                raise ParserError(f"_handle_token() got unexpected {kind.__name__}")
            ends[stack.pop()] = i
        elif stack:
            separators.setdefault(stack[-1], []).append(i)
        else:
            raise ParserError(f"_handle_token() got unexpected {kind.__name__}")
    if stack:
        raise ParserError(f"{type(tokens[stack[-1]]).__name__} missed a close token")
    return ends, separators


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


def _heading_text(stripped_code: str) -> str:
    return " ".join(_STYLE_QUOTES.sub("", stripped_code).split())


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


def _section_paths(raw_sections: list[_RawSection]) -> list[tuple[str, ...]]:
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


def parse_stripped(stripped: Stripped, site: SiteInfo, config: TextConfig = TextConfig(),
                   deadline: float = float("inf")) -> tuple[tuple[Section, ...], tuple[Link, ...]]:
    """`parse_wikitext` for text that `strip_wikitext` already cleaned."""
    _check(deadline, "stripping")
    try:
        walker: _Flattener = _PlainReader(stripped.text, site, deadline)
        walker.read()
    except _NotPlain:
        walker = _token_walk(stripped.text, site, deadline)
    sections, prose_links = assemble_sections(walker.sections, config)
    return sections, prose_links + tuple(walker.captions) + tuple(cut_links(stripped.cut, site))


def _token_walk(text: str, site: SiteInfo, deadline: float) -> _Walker:
    from mwparserfromhell.parser import Parser

    # The tokenizer mwparserfromhell.parse uses (its C one when built), without the tree.
    tokens = Parser()._tokenizer.tokenize(text, 0, True)  # noqa: SLF001
    _check(deadline, "parsing")
    walker = _Walker(tokens, site, deadline)
    walker.walk(0, len(tokens))
    return walker


def assemble_sections(raw_sections: list[_RawSection], config: TextConfig):
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
