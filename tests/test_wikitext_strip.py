"""The linear-scan pre-strip gives the same articles as removing nodes from mwparserfromhell's
full parse, on every article of the real sample."""
from __future__ import annotations

import pytest

from pipeline.parse_page import page_fields
from pipeline.records import RawPage
from pipeline.wikitext import parse_stripped, parse_wikitext
from pipeline.wikitext_strip import (_MAGIC_WORD, OPAQUE_TAGS, TRANSPARENT_TAGS, Stripped,
                                     cut_list_lines, strip_wikitext, table_regions,
                                     template_regions)


def reference_strip(wikitext: str) -> str:
    """The slow, obviously right way: parse everything, then remove the unwanted nodes, unwrap
    transparent tags, cut list lines."""
    import mwparserfromhell
    from mwparserfromhell import nodes

    def clean(code):
        i = 0
        while i < len(code.nodes):
            node = code.nodes[i]
            if isinstance(node, nodes.Tag) and str(node.tag).lower() in TRANSPARENT_TAGS:
                code.nodes[i:i + 1] = node.contents.nodes if node.contents is not None else []
                continue
            if isinstance(node, (nodes.Comment, nodes.Template, nodes.Argument)) or isinstance(
                    node, nodes.Tag) and (
                    str(node.tag).lower() in OPAQUE_TAGS or node.wiki_markup == "{|"):
                code.remove(node, recursive=False)
            else:
                i += 1
                for child in (getattr(node, attr, None) for attr in ("contents", "text", "title")):
                    if child is not None and hasattr(child, "nodes"):
                        clean(child)

    # Without style tags, as the walk parses: an unclosed ''' would swallow what follows.
    code = mwparserfromhell.parse(wikitext, skip_style_tags=True)
    clean(code)
    return cut_list_lines(_MAGIC_WORD.sub("", str(code)))


def _articles(sample_pages):
    for page in sample_pages:
        if not isinstance(page, RawPage):
            continue
        fields = page_fields(page.xml)
        if fields.namespace == 0 and fields.redirect is None:
            yield fields


def test_strip_equals_full_parse_on_sample(sample_pages, sample_site):
    compared = 0
    for fields in _articles(sample_pages):
        fast = parse_wikitext(fields.text, sample_site)
        slow = parse_stripped(Stripped(reference_strip(fields.text), [], set()), sample_site)
        assert fast == slow, fields.title
        compared += 1
    assert compared == 106


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
