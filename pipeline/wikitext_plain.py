"""The plain reader: stripped wikitext of text, wikilinks, plain headings, bare tags and named
entities (most pages) read as mwparserfromhell's tokenizer would, without it; anything else raises
`NotPlain` and goes to the token walk (`wikitext_tokens`)."""
from __future__ import annotations

import functools
import re
from html.entities import name2codepoint as _NAMED_ENTITIES

from pipeline.records import SiteInfo
from pipeline.wikitext_flatten import Flattener


class NotPlain(Exception):
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
_WORD_BEFORE = re.compile(r"\w+\Z")  # what the tokenizer takes for a scheme before a colon
_SPACE_DIGIT_OR_EQUALS = frozenset(" \t\n0123456789=")
_PLAIN_DEPTH = 8  # the tokenizer gives up on deep nesting; the plain reader leaves it to it


@functools.cache
def _uri_schemes() -> frozenset[str]:
    from mwparserfromhell.definitions import URI_SCHEMES

    return frozenset(scheme.lower() for scheme in URI_SCHEMES)


def _may_need_the_tokenizer(text: str) -> bool:
    """Markup the plain reader never reads: templates or tables left by broken markup, lists,
    and anything that could be a free external link: `://`, or a colon after a word that is a
    URI scheme in any case (the tokenizer takes the word characters before a colon for the
    scheme: "organisms:" is none, "News:" is one)."""
    if "{" in text or "}" in text or "://" in text or text.startswith(_LINE_START_MARKUP):
        return True
    if _LINE_START_MARKUP_INSIDE.search(text):
        return True
    schemes = _uri_schemes()
    colon = text.find(":")
    while colon >= 0:
        word = _WORD_BEFORE.search(text, max(0, colon - 40), colon)  # no scheme is that long
        if word is not None and word.group().lower() in schemes:
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


class PlainReader(Flattener):
    """Reads stripped wikitext that holds only text, wikilinks, plain headings, a few bare tags
    and named entities (most pages), giving what the token walk gives, without the tokenizer:
    tokenizing and walking the tokens cost several times more. Anything else raises
    `NotPlain`, and the page goes to the tokenizer. tests/test_wikitext_walk.py holds it to
    the token walk on every sample page and on random markup."""

    def __init__(self, text: str, site: SiteInfo, deadline: float):
        super().__init__(site, deadline)
        self.source = text
        self.depth = 0

    def read(self) -> None:
        if _may_need_the_tokenizer(self.source):
            raise NotPlain
        self._scan(0, None, True)

    def _scan(self, pos: int, closer: str | None, emit: bool) -> int:
        """Reads from `pos` up to `closer` (`]]`, `</tag>`, or None: the end of the text) and
        returns where it ends; `emit`: whether what it reads goes into the sections."""
        if self.depth > _PLAIN_DEPTH:
            raise NotPlain
        self.depth += 1
        source, search = self.source, _PLAIN_NEXT.search
        text_start = pos
        while True:
            self._count_node()
            found = search(source, pos)
            if found is None:
                if closer is not None:
                    raise NotPlain  # unclosed: the tokenizer reads it as text
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
                    raise NotPlain
                slash, name, attributes, self_closing = tag.groups()
                if slash:
                    if attributes or self_closing or closer != f"</{name}>":
                        raise NotPlain
                    self.depth -= 1
                    return tag.end()
                pos = self._tag_at(tag, name, self_closing, emit)
            elif markup == "&":
                entity = _PLAIN_ENTITY.match(source, at)
                codepoint = entity and _NAMED_ENTITIES.get(entity.group(1))
                if codepoint is None:  # numeric, or a name the tokenizer may know and Python not
                    raise NotPlain
                if emit:
                    self._text(chr(codepoint))
                pos = entity.end()
            elif markup == "=":  # at a line start
                heading = _PLAIN_HEADING.match(source, at)
                if heading is None or closer is not None:
                    raise NotPlain
                if emit:
                    self._heading(heading.group(2), len(heading.group(1)))
                pos = heading.end()
            elif markup == "]]" and closer == "]]":
                self.depth -= 1
                return at + 2
            else:  # a stray `]]`, or a bracket inside a link or tag
                raise NotPlain
            text_start = pos

    def _run(self, start: int, stop: int, emit: bool) -> None:
        if emit and stop > start:
            self._text(self.source[start:stop])

    def _wikilink(self, at: int, emit: bool) -> int:
        target = _PLAIN_LINK_TARGET.match(self.source, at + 2)
        if target is None or target.group(1).isspace():
            raise NotPlain
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
            raise NotPlain
        closer = f"</{name}>"
        if not emit:
            return self._scan(tag.end(), closer, False)
        ends: list[int] = []
        self._tag(name, lambda: ends.append(self._scan(tag.end(), closer, True)))
        return ends[0]
