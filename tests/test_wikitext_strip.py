"""The linear-scan pre-strip gives the same articles as removing nodes from mwparserfromhell's
full parse, on every article of the real sample: the same text, the same prose links, and the
same links of every other kind (what the strip cuts, found in the parse's own link nodes)."""
from __future__ import annotations

import collections
import re

import pytest

from pipeline.parse_page import page_fields
from pipeline.records import RawPage
from pipeline.titles import FILE_NAMESPACES, parse_title
from pipeline.wikitext import parse_stripped, parse_wikitext
from pipeline.wikitext_flatten import is_article_link
from pipeline.wikitext_strip import (_MAGIC_WORD, LINKING_TAGS, OPAQUE_TAGS, TRANSPARENT_TAGS,
                                     Stripped, cut_list_lines, strip_wikitext, table_regions,
                                     template_regions)
from schemas.corpus import CAPTION, LIST, PROSE, TABLE, TEMPLATE

def _anchor(node) -> str:
    from mwparserfromhell import nodes

    text = "".join(str(n) for n in node.text.nodes if not (
        isinstance(n, nodes.Tag) and str(n.tag).lower() in OPAQUE_TAGS)) if node.text else ""
    return " ".join(re.sub(r"'{2,}", "", text or str(node.title).strip().lstrip(":")).split())


def tree_links(code, kind, site, out, locked=False):
    """(kind, target, anchor) of every article link under `code`, a node the strip cuts: the
    first cut wins (tag blocks, then templates, then tables), a link in a file link is a
    caption, links under other opaque tags and comments are not the page's."""
    from mwparserfromhell import nodes

    for node in code.nodes:
        if isinstance(node, nodes.Tag):
            tag = "{|" if node.wiki_markup == "{|" else str(node.tag).lower()
            if tag in LINKING_TAGS and not locked:  # its content is not parsed as wikitext
                import mwparserfromhell
                tree_links(mwparserfromhell.parse(str(node.contents or "")), LINKING_TAGS[tag],
                           site, out, locked=True)
            elif tag not in OPAQUE_TAGS and node.contents is not None:
                tree_links(node.contents, kind, site, out, locked)
        elif isinstance(node, (nodes.Template, nodes.Argument)):
            inner = kind if locked else TEMPLATE
            for part in ([p.value for p in node.params] if isinstance(node, nodes.Template)
                         else [node.default] if node.default is not None else []):
                tree_links(part, inner, site, out, locked)
        elif isinstance(node, nodes.Wikilink):
            title = parse_title(str(node.title), site)
            if is_article_link(title):
                out.append((kind, title.key, _anchor(node)))
            if node.text is not None:
                is_file = title.namespace in FILE_NAMESPACES and not title.interwiki
                tree_links(node.text, CAPTION if is_file else kind, site, out, locked)
        elif isinstance(node, nodes.ExternalLink) and node.title is not None:
            tree_links(node.title, kind, site, out, locked)


def reference_strip(wikitext: str, site) -> tuple[str, list[tuple[str, str, str]]]:
    """The slow, obviously right way: parse everything, then remove the unwanted nodes (taking
    the links out of those that hold page links), unwrap transparent tags, cut list lines."""
    import mwparserfromhell
    from mwparserfromhell import nodes

    links: list[tuple[str, str, str]] = []

    def clean(code):
        i = 0
        while i < len(code.nodes):
            node = code.nodes[i]
            if isinstance(node, nodes.Tag) and str(node.tag).lower() in TRANSPARENT_TAGS:
                code.nodes[i:i + 1] = node.contents.nodes if node.contents is not None else []
                continue
            if isinstance(node, nodes.Comment):
                code.remove(node, recursive=False)
            elif isinstance(node, (nodes.Template, nodes.Argument)) or isinstance(node, nodes.Tag) and (
                    str(node.tag).lower() in OPAQUE_TAGS or node.wiki_markup == "{|"):
                kind = TABLE if isinstance(node, nodes.Tag) and node.wiki_markup == "{|" else TEMPLATE
                tree_links(mwparserfromhell.wikicode.Wikicode([node]), kind, site, links)
                code.remove(node, recursive=False)
            else:
                i += 1
                for child in (getattr(node, attr, None) for attr in ("contents", "text", "title")):
                    if child is not None and hasattr(child, "nodes"):
                        clean(child)

    # Without style tags, as the walk parses: an unclosed ''' would swallow what follows.
    code = mwparserfromhell.parse(wikitext, skip_style_tags=True)
    clean(code)
    pieces = []
    text = cut_list_lines(_MAGIC_WORD.sub("", str(code)), pieces)
    for _, line in pieces:
        tree_links(mwparserfromhell.parse(line), LIST, site, links)
    return text, links


def _articles(sample_pages):
    for page in sample_pages:
        if not isinstance(page, RawPage):
            continue
        fields = page_fields(page.xml)
        if fields.namespace == 0 and fields.redirect is None:
            yield fields


@pytest.mark.slow
def test_strip_equals_full_parse_on_sample(sample_pages, sample_site):
    compared = 0
    kinds = collections.Counter()
    for fields in _articles(sample_pages):
        sections, links = parse_wikitext(fields.text, sample_site)
        text, cut = reference_strip(fields.text, sample_site)
        slow_sections, slow_links = parse_stripped(Stripped(text, [], set()), sample_site)
        assert sections == slow_sections, fields.title
        # The walk's links (prose, captions of files in the text) first, then what was cut.
        assert links[:len(slow_links)] == slow_links, fields.title
        fast_cut = collections.Counter((l.kind, l.target, l.anchor) for l in links[len(slow_links):])
        assert fast_cut == collections.Counter(cut), fields.title
        kinds.update(l.kind for l in links)
        compared += 1
    assert compared == 106
    assert all(kinds[kind] > 50 for kind in (PROSE, LIST, TABLE, TEMPLATE, CAPTION)), kinds


@pytest.mark.parametrize("text, regions", [
    ("a {{x|{{y}}}} b", [(2, 13)]),
    ("{{{param|default}}} tail", [(0, 19)]),
    ("{{a}}{{b}}", [(0, 5), (5, 10)]),
    ("{{ unclosed and [[link]]", []),
    ("x }} y", []),
])
def test_template_regions(text, regions):
    assert template_regions(text) == regions


def test_nested_tables_are_removed_whole():
    text = "before\n{| class=x\n| a\n{|\n| inner\n|}\n| b\n|}\nafter"
    (start, end), = table_regions(text)
    assert text[:start] + text[end:] == "before\n\nafter"


def test_strip_collects_template_names_and_magic_words():
    stripped = strip_wikitext("{{Disambiguation}} x<!-- {{Hidden}} --> __NOTOC__ <ref>{{cite}}</ref>")
    assert stripped.template_names == ["Disambiguation"]
    assert stripped.magic_words == {"__NOTOC__"}
    assert stripped.text.strip() == "x"


def test_transclusion_tags_keep_what_the_page_itself_shows():
    """MediaWiki shows <onlyinclude> and <noinclude> content on the page; <includeonly> only
    where the page is transcluded."""
    stripped = strip_wikitext("<onlyinclude>Shown one.</onlyinclude> <noinclude>Shown two."
                              "</noinclude><includeonly>Hidden.</includeonly>")
    assert stripped.text.split() == ["Shown", "one.", "Shown", "two."]


def test_a_list_ends_the_paragraph_before_it():
    text = strip_wikitext("Intro line:\n* item one\n* item two\nAfter the list.").text
    assert [p.strip() for p in text.split("\n\n")] == ["Intro line:", "After the list."]


def test_every_link_of_the_page_with_its_kind(sample_site):
    """Prose first (in text order), the captions of files in the text, then what was cut, in the
    order of the cuts; not links: refs, comments, nowiki, interlanguage and category links."""
    wikitext = ("Prose with [[a]] and [[File:x.jpg|thumb|a [[B|''b'']] caption]] in it.\n"
                "{{Infobox|x=[[C]]|y=<ref>[[Cited]]</ref>}}\n"
                "{|\n| [[D]] {{flag|[[E]]}}\n|}\n"
                "* [[F|''f'']] <!-- [[Hidden]] --> [[Image:y.png|[[H]]]]\n"
                "<gallery>\nG.jpg|[[G]]\n</gallery>\n"
                "<nowiki>[[N]]</nowiki> [[fr:Ailleurs]] [[Category:K]] [[:Category:L]]\n")
    _, links = parse_wikitext(wikitext, sample_site)
    assert [(l.kind, l.target, l.anchor) for l in links] == [
        (PROSE, "A", "a"), (CAPTION, "B", "b"), (CAPTION, "G", "G"), (TEMPLATE, "C", "C"),
        (TEMPLATE, "E", "E"), (TABLE, "D", "D"), (LIST, "F", "f"), (CAPTION, "H", "H")]
    assert links[0].section == 0 and all(l.section is None for l in links[1:])
