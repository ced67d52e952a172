"""The walk over mwparserfromhell's token stream: reads any stripped wikitext as
mwparserfromhell's builder would, without building its node tree."""
from __future__ import annotations

import functools

from pipeline.records import SiteInfo
from pipeline.wikitext_flatten import Flattener, check_deadline


class TokenWalker(Flattener):
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
                check_deadline(self.deadline, "walking the parse tree")
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
        text, that is the text: the newlines it trims do not survive `heading_text`)."""
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


def token_walk(text: str, site: SiteInfo, deadline: float) -> TokenWalker:
    """The token walk of a whole text."""
    from mwparserfromhell.parser import Parser

    # The tokenizer mwparserfromhell.parse uses (its C one when built), without the tree.
    tokens = Parser()._tokenizer.tokenize(text, 0, True)  # noqa: SLF001
    check_deadline(deadline, "parsing")
    walker = TokenWalker(tokens, site, deadline)
    walker.walk(0, len(tokens))
    return walker


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
