"""The two readers of stripped wikitext (pipeline.wikitext_tokens, pipeline.wikitext_plain), each
against a reference, on every sample article and on markup the sample lacks: they must give the
same sections, text, link spans and caption links.

- The walk over mwparserfromhell's token stream against the walk over the node tree that
  mwparserfromhell.parse builds from the same tokens (the walker the project used before; kept
  here only, as the reference).
- The plain reader (no tokenizer, for pages of text, links, plain headings, bare tags and named
  entities) against that token walk, also on thousands of random mixes of markup.
"""
from __future__ import annotations

import random
from html.entities import name2codepoint

import pytest

from pipeline.parse_page import page_fields
from pipeline.records import Link, RawPage
from pipeline.titles import CATEGORY_NAMESPACE, FILE_NAMESPACES, parse_title
from pipeline.wikitext_flatten import (
    _DROPPED_TAGS, _LINE_BREAK_TAGS, _LINK_TRAIL, _STRAY_TAG, _STYLE_QUOTES, RawSection,
    _is_interlanguage, heading_text, is_article_link, markup_links)
from pipeline.wikitext_plain import NotPlain, PlainReader
from pipeline.wikitext_tokens import TokenWalker, token_walk
from pipeline.wikitext_strip import strip_wikitext
from schemas.corpus import CAPTION


class TreeWalker:
    """The reference: flattens mwparserfromhell's node tree into sections with link spans."""

    def __init__(self, site):
        self.site = site
        self.sections = [RawSection("", 0)]
        self.captions: list[Link] = []
        self.trailing_link = None

    def walk(self, nodes) -> None:
        from mwparserfromhell import nodes as n

        for node in nodes:
            if isinstance(node, n.Text):
                self._text(str(node.value))
            elif isinstance(node, n.Wikilink):
                self._wikilink(node)
            elif isinstance(node, n.Heading):
                self.sections.append(RawSection(heading_text(node.title.strip_code()), node.level))
            elif isinstance(node, n.HTMLEntity):
                self._text(node.normalize())
            elif isinstance(node, n.ExternalLink):
                if node.title:
                    self.walk(node.title.nodes)
            elif isinstance(node, n.Tag):
                self._tag(node)

    def _text(self, text: str) -> None:
        text = _STRAY_TAG.sub("", _STYLE_QUOTES.sub("", text))
        section = self.sections[-1]
        if self.trailing_link is not None:
            start, end, target = self.trailing_link
            trail = _LINK_TRAIL.match(text)
            if trail and section.length == end:
                section.links[-1] = (start, end + trail.end(), target)
            self.trailing_link = None
        section.append(text)

    def _wikilink(self, node) -> None:
        raw_target = str(node.title)
        title = parse_title(raw_target, self.site)
        if title.interwiki and _is_interlanguage(raw_target):
            return
        if title.namespace in FILE_NAMESPACES:
            if node.text is not None:
                self.captions += markup_links(str(node.text), CAPTION, self.site)
            return
        if title.namespace == CATEGORY_NAMESPACE and not raw_target.lstrip().startswith(":"):
            return
        section = self.sections[-1]
        start = section.length
        if node.text is not None and str(node.text).strip():
            self.walk(node.text.nodes)
        else:
            self._text(raw_target.strip().lstrip(":"))
        end = section.length
        if is_article_link(title) and end > start:
            section.links.append((start, end, title.key))
            self.trailing_link = (start, end, title.key)

    def _tag(self, node) -> None:
        tag = str(node.tag).strip().lower()
        if tag in _DROPPED_TAGS:
            return
        if tag in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")
        if node.contents is not None and not node.self_closing:
            self.walk(node.contents.nodes)
        if tag in _LINE_BREAK_TAGS:
            self.sections[-1].append("\n")


def _flat(walker):
    return ([(s.heading, s.level, s.text(), s.links) for s in walker.sections], walker.captions)


def walks(text: str, site):
    """(token walk, tree walk) of one wikitext."""
    import mwparserfromhell
    from mwparserfromhell.parser import Parser

    tokens = Parser()._tokenizer.tokenize(text, 0, True)  # noqa: SLF001
    ours = TokenWalker(tokens, site, float("inf"))
    ours.walk(0, len(tokens))
    reference = TreeWalker(site)
    reference.walk(mwparserfromhell.parse(text, skip_style_tags=True).nodes)
    return _flat(ours), _flat(reference)


def sample_articles(sample_pages):
    """(title, stripped wikitext) of every main-namespace article of the sample."""
    for page in sample_pages:
        if not isinstance(page, RawPage):
            continue
        fields = page_fields(page.xml)
        if fields.namespace == 0 and fields.redirect is None:
            yield fields.title, strip_wikitext(fields.text).text


def test_token_walk_equals_tree_walk_on_every_sample_article(sample_pages, sample_site):
    compared = links = 0
    for title, text in sample_articles(sample_pages):
        ours, reference = walks(text, sample_site)
        assert ours == reference, title
        compared += 1
        links += sum(len(section_links) for *_, section_links in ours[0])
    assert compared > 90 and links > 10000  # the whole sample, not a few pages


MARKUP_THE_SAMPLE_LACKS = [
    "A &eacute; &#233; &#xE9; &amp;nbsp; &bogus; entity.",
    "An [http://example.org external link] and [http://example.org] and http://example.org bare.",
    "[http://example.org '''bold''' [[Dog|dogs]] title] after.",
    "== A ''heading'' with [[Cat|a link]] &amp; <span>tag</span> ==\nText.\n=== Sub ===\nMore.",
    'Tags <span class="x" id=\'y\'>with attributes</span>, <br/>, <br>, <hr />, <div>block</div>.',
    "<ref name=a>dropped [[Dog]]</ref> <nowiki>[[not a link]]</nowiki> <p>para</p> kept.",
    "A [[{{tmpl|x}}Dog|templated target]] and [[Dog&amp;Cat]] and [[Dog<!-- c -->]] targets.",
    "[[File:x.jpg|thumb|A caption with [[Dog]] and [[File:y.png|[[Cat]]]] nested]] after.",
    "[[Image:x.jpg]] [[Category:Dogs]] [[:Category:Dogs]] [[fr:Chien]] [[wikt:dog|dog]] [[:fr:Chien]]",
    "[[Dog|]] [[Dog| ]] [[ dog ]]s [[Dog|a]]bc [[Dog]]'s [[Dog|x|y]] [[]] [[|x]] [[Dog#Part|p]].",
    "Leftover {{broken [[Dog]] template}} and {{{arg|[[Cat]]}}} and <!-- comment [[Dog]] --> text.",
    "<blockquote>quoted [[Dog]]<sub>2</sub></blockquote> <math>x</math> <unknown>u</unknown>",
    "</span> stray close, <span unclosed, < b >spaced</ b >, <b/>, '''''quotes''''' and ''' '''.",
    "Unclosed [[Dog and [[Cat|cat]] and ]] and [[Dog|unclosed text",
    "- - - -\n----\n; term\n: definition\n* item [[Dog]]\n# numbered\n",
]


@pytest.mark.parametrize("text", MARKUP_THE_SAMPLE_LACKS)
def testtoken_walk_equals_tree_walk_on_markup_the_sample_lacks(text, sample_site):
    ours, reference = walks(text, sample_site)
    assert ours == reference


def plain_read(text: str, site):
    """The plain reader's result, or None when it leaves the text to the tokenizer."""
    reader = PlainReader(text, site, float("inf"))
    try:
        reader.read()
    except NotPlain:
        return None
    return _flat(reader)


def test_plain_reader_equals_token_walk_on_every_sample_article(sample_pages, sample_site):
    read = 0
    for title, text in sample_articles(sample_pages):
        plain = plain_read(text, sample_site)
        if plain is not None:
            assert plain == _flat(token_walk(text, sample_site, float("inf"))), title
            read += 1
    assert read >= 60  # of 104: the fast path is the usual one, or it is not worth having


# Pieces of markup: lone markup characters, which the plain reader reads as text or leaves to the
# tokenizer by context; text and whole constructs, which it reads; and what it always leaves to
# the tokenizer, drawn rarely so that both paths run often.
LONE_MARKUP = ["[[", "]]", "[", "]", "|", "<", ">", "&", ";", "=", "==", ":", "//", "'"]
SNIPPETS = [
    "\n", "\n\n", " ", "a", "Dog", "cat", "''", "'''b'''", "Note:", "&nbsp;", "&amp;",
    "&Auml;", "<sub>x</sub>", "<br>", "<br/>", "<br />", "<div>a\n\nb</div>", "<li>x</li>",
    "<span>[[Dog|d]]s</span>", "<blockquote>q <sub>2</sub></blockquote>", "== H ==\n",
    "\n== H ==\n", "\n=== H ===  \n", "\n== [H] ==\n", "[[Dog]]", "[[dog|dogs]]", "[[Dog|]]",
    "[[Dog#Part|p]]", "[[Dog|a|b]]", "[[File:x.jpg|thumb|cap [[Cat]] x]]", "[[Image:y.png]]",
    "[[fr:Chien]]", "[[Category:X]]", "[[:Category:X]]", "[[wikt:dog|dog]]",
    "[[Dog|a [[Cat]] b]]", "[[Dog|b<sub>2</sub>]]", "[[Dog|x&nbsp;y]]", "[[Dog|a\nb]]", "s",
    "A < B", "x > y", "<5", "[t]he", "AT&T", "&T", "\u00e9", "\u2028", "\t", "~~~~", "__TOC__",
    "[[AT&amp;T]]", "[[Lewis & Clark]]", "[[35&nbsp;mm]]s", '<div class="a b">x\n\ny</div>',
    '<ol start="4"><li>a [b]</li></ol>', '<span style="a:b" id="c">d</span>',
    "<blockquote>[T]he [[Dog]]</blockquote>", "organisms:", "xmailto:", "Mailto_:", "\u00e9news:",
]
REFUSED = [
    "http://x.org", "mailto:me", "News:", "a.sms:", "&#233;", "&#x3b1;", "&apos;", "&bogus;",
    "<b>", "</b>", "<Sub>", "<span/>", "<sub>", "</sub>", "</br>", "<div>", "</li>", "<!--",
    "-->", "[//x.org y]", "[http://x.org y]", "[[ ]]", '<div class=x>', '<span a="{">',
    '</span x="y">', "[[Dog|a\n== H ==\nb]]",
    "\n== H ==x\n", "\n= H =\n", "\n== H ===\n", "\n======= H =======\n", "\n=", "{{", "}}",
    "*", "#", "\n*", "\n#", "\n:", "\n;", "\n----",
]


def _random_markup(count: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)

    def piece() -> str:
        draw = rng.random()
        return rng.choice(REFUSED if draw < 0.02 else LONE_MARKUP if draw < 0.12 else SNIPPETS)

    return ["".join(piece() for _ in range(rng.randrange(1, 25))) for _ in range(count)]


def test_plain_reader_equalstoken_walk_on_random_markup(sample_site):
    read = refused = 0
    for text in _random_markup(4000):
        plain = plain_read(text, sample_site)
        if plain is None:
            refused += 1
            continue
        assert plain == _flat(token_walk(text, sample_site, float("inf"))), repr(text)
        read += 1
    assert read > 400 and refused > 400  # both paths taken, many times


@pytest.mark.parametrize("text", MARKUP_THE_SAMPLE_LACKS)
def test_plain_reader_on_markup_the_sample_lacks(text, sample_site):
    plain = plain_read(text, sample_site)
    if plain is not None:
        assert plain == _flat(token_walk(text, sample_site, float("inf")))


def test_named_entities_are_those_the_tokenizer_knows():
    """The plain reader decodes `&name;` by Python's table; the tokenizer must read every one
    of those names as an entity too (else it leaves the text as written)."""
    from mwparserfromhell.parser import Parser
    from mwparserfromhell.parser import tokens as t

    for name in name2codepoint:
        tokens = Parser()._tokenizer.tokenize(f"a &{name}; b", 0, True)  # noqa: SLF001
        assert [type(token) for token in tokens][1:4] == [
            t.HTMLEntityStart, t.Text, t.HTMLEntityEnd], name
