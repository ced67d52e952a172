"""parse_page on the real English Wikipedia sample and on broken pages."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

import pytest

from pipeline.parse_page import ParseConfig, parse_page
from pipeline.page_filters import FilterConfig
from pipeline.records import Article, RawPage, Redirect, Skip
from schemas.corpus import LINK_KINDS, PROSE

SKIPPED_IN_SAMPLE = {
    "List of Atlas Shrugged characters": "list",
    "List of anthropologists": "list",
    "Alien": "disambiguation",
    "Austin (disambiguation)": "disambiguation",
    "Ada": "disambiguation",
    "Aberdeen (disambiguation)": "disambiguation",
    "Argument (disambiguation)": "disambiguation",
    "Animal (disambiguation)": "disambiguation",
    "Asia Minor (disambiguation)": "disambiguation",
    "Aa River": "disambiguation",
}
MARKUP = re.compile(r"\{\{|\}\}|\[\[|\]\]|<ref|thumb\||^\s*\|[-}+]?|\{\||<!--|__[A-Z]+__")


def _sentences(article: Article):
    for section in article.sections:
        for passage in section.passages:
            yield from passage


def test_sample_buckets(sample_results):
    results = list(sample_results.values())
    assert len(results) == 206
    redirects = [r for r in results if isinstance(r, Redirect)]
    articles = [r for r in results if isinstance(r, Article)]
    skips = {r.title: r for r in results if isinstance(r, Skip)}
    assert len(redirects) == 99
    namespace_skips = [s for s in skips.values() if s.reason == "namespace"]
    assert len(namespace_skips) == 1 and namespace_skips[0].title.startswith("Wikipedia:")
    content_skips = {t: s.reason for t, s in skips.items() if s.reason != "namespace"}
    assert content_skips == SKIPPED_IN_SAMPLE
    assert len(articles) == 106 - len(SKIPPED_IN_SAMPLE)
    assert all(s.outcome == "skipped" for s in skips.values())


def test_anarchism_lead_is_first_and_clean(sample_results):
    anarchism = sample_results["Anarchism"]
    lead = anarchism.sections[0]
    assert lead.is_lead and lead.level == 0 and lead.path == ()
    assert lead.passages[0][0].startswith("Anarchism is a political philosophy that advocates")
    assert not any(section.is_lead for section in anarchism.sections[1:])


def test_heading_paths(sample_results):
    anarchism = sample_results["Anarchism"]
    by_heading = {s.heading: s for s in anarchism.sections}
    assert by_heading["Origins"].path == ("History", "Origins")
    assert by_heading["Origins"].level == 3
    assert "References" not in by_heading and "External links" not in by_heading


def test_no_markup_left_in_any_sentence(sample_results):
    articles = [r for r in sample_results.values() if isinstance(r, Article)]
    dirty = [(a.title, s) for a in articles for s in _sentences(a) if MARKUP.search(s)]
    assert dirty == []
    assert sum(1 for a in articles for _ in _sentences(a)) > 10_000


def test_link_spans_point_at_their_anchor(sample_results):
    articles = [r for r in sample_results.values() if isinstance(r, Article)]
    total = 0
    for article in articles:
        for link in article.links:
            assert link.kind in LINK_KINDS
            assert link.anchor.strip() and link.target
            assert link.target[0] == link.target[0].upper() and "_" not in link.target
            assert "#" not in link.target
            if link.section is None:
                assert (link.passage, link.sentence, link.start, link.end) == (None,) * 4
                continue
            assert link.kind == PROSE
            section = article.sections[link.section]
            sentence = section.passages[link.passage][link.sentence]
            assert sentence[link.start:link.end] == link.anchor, (article.title, link)
            total += 1
    assert total > 10_000


def test_link_trail_joins_the_anchor(sample_site):
    page = _page("Trail", "Some [[dog]]s bark at [[Cat|cats]].\n")
    article = parse_page(page, sample_site)
    assert [(l.anchor, l.target) for l in article.links] == [("dogs", "Dog"), ("cats", "Cat")]


def _page(title: str, text: str, page_id: int = 1, ns: int = 0) -> RawPage:
    xml = (f"<page><title>{title}</title><ns>{ns}</ns><id>{page_id}</id><revision><id>9</id>"
           f"<text>{escape(text)}</text></revision></page>")
    return RawPage("test.xml", "page 1", xml.encode("utf-8"))


def test_malformed_xml_goes_to_dead_letter(sample_site):
    raw = RawPage("dump.xml", "page 7", b"<page><title>Broken</title><id>7</id><revision><text>a</page>")
    result = parse_page(raw, sample_site)
    assert isinstance(result, Skip) and result.outcome == "failed"
    assert (result.reason, result.page_id, result.title) == ("malformed_xml", 7, "Broken")
    assert (result.source, result.record) == ("dump.xml", "page 7")


def test_non_utf8_byte_goes_to_dead_letter(sample_site):
    raw = _page("Bytes", "good text that is long enough here.")
    raw = RawPage(raw.source, raw.record, raw.xml.replace(b"good", b"go\xffd"))
    result = parse_page(raw, sample_site)
    assert isinstance(result, Skip) and result.reason == "malformed_xml" and result.title == "Bytes"


def test_page_that_breaks_mwparserfromhell_does_not_break_the_job(sample_site):
    import mwparserfromhell

    nested = "{{" * 3000 + "x" + "}}" * 3000
    with pytest.raises(RecursionError):
        mwparserfromhell.parse(nested)
    result = parse_page(_page("Nested", f"Before the templates. {nested} After them."), sample_site)
    assert isinstance(result, Article)
    assert result.sections[0].passages == (("Before the templates.", "After them."),)


def test_slow_page_times_out_into_dead_letter(sample_site):
    config = ParseConfig(filters=FilterConfig(parse_timeout_s=0.05))
    slow = "Text that is long enough. " + "<div>" * 6000
    result = parse_page(_page("Slow", slow), sample_site, config)
    assert isinstance(result, Skip) and (result.outcome, result.reason) == ("failed", "timeout")


def test_too_large_page_is_refused(sample_site):
    config = ParseConfig(filters=FilterConfig(max_page_bytes=100))
    result = parse_page(_page("Big", "x" * 200), sample_site, config)
    assert isinstance(result, Skip) and result.reason == "too_large" and result.page_id == 1


def test_redirect_target_is_normalized(sample_site):
    xml = (b'<page><title>Old name</title><ns>0</ns><id>3</id><redirect title="new_name#Part" />'
           b"<revision><text>#REDIRECT [[new_name#Part]]</text></revision></page>")
    result = parse_page(RawPage("d", "page 1", xml), sample_site)
    assert result == Redirect(3, "Old name", "New name")


def test_disambiguation_by_magic_word(sample_site):
    result = parse_page(_page("Thing", "Thing may mean many things here. __DISAMBIG__"), sample_site)
    assert isinstance(result, Skip) and result.reason == "disambiguation"


def test_empty_after_cleaning(sample_site):
    result = parse_page(_page("Stub", "{{Infobox|a=b}}\n[[Category:Stubs]]"), sample_site)
    assert isinstance(result, Skip) and result.reason == "empty"


def test_no_sentence_is_left_introducing_a_dropped_list(sample_results):
    """Lists stay out of the text (their links go to the graph), so the sentence that introduced
    one would dangle: "However, they cover different concepts: Agricultural sciences include
    research and development on:" was one sentence, glued across the dropped list."""
    section = next(s for s in sample_results["Agricultural science"].sections
                   if s.heading == "Agriculture, agricultural science, and agronomy")
    assert section.passages == (("The three terms are often confused.",),)
    articles = [r for r in sample_results.values() if isinstance(r, Article)]
    dangling = [(a.title, p[-1]) for a in articles for s in a.sections for p in s.passages
                if p[-1].endswith(":")]
    assert dangling == []


# --- page ids and revisions (issue 15) -------------------------------------------------------


def _with_id(id_text: str, title: str = "Odd id") -> RawPage:
    page = _page(title, "A page with text that is long enough to keep.")
    xml = page.xml.replace(b"<id>1</id>", f"<id>{id_text}</id>".encode(), 1)
    return RawPage(page.source, page.record, xml)


@pytest.mark.parametrize("id_text", ["99999999999999999999999", "9223372036854775808", "-5", "+5",
                                     "1_000", "\u0665", "", "5 5"])
def test_page_id_that_is_not_an_int64_is_dead_lettered_with_the_title(sample_site, id_text):
    """The id columns are int64: such a page killed the whole job at the Parquet write."""
    result = parse_page(_with_id(id_text), sample_site)

    assert isinstance(result, Skip), result
    assert (result.outcome, result.stage, result.reason) == ("failed", "parse", "bad_id")
    assert (result.page_id, result.title, result.record) == (None, "Odd id", "page 1")


def test_page_without_id_is_dead_lettered_as_bad_id(sample_site):
    page = _page("No id", "A page with text that is long enough to keep.")
    result = parse_page(RawPage(page.source, page.record, page.xml.replace(b"<id>1</id>", b"", 1)),
                        sample_site)
    assert isinstance(result, Skip) and (result.reason, result.title) == ("bad_id", "No id")


@pytest.mark.parametrize("id_text, expected", [("9223372036854775807", 2**63 - 1), (" 42\n", 42),
                                               ("&#53;", 5)])
def test_page_id_that_fits_int64_is_kept(sample_site, id_text, expected):
    result = parse_page(_with_id(id_text), sample_site)
    assert isinstance(result, Article) and result.id == expected


def test_page_with_several_revisions_uses_the_newest(sample_site):
    """History dumps write a page's revisions oldest first: the last one is the page today."""
    from tests.dumpfactory import history_page_xml

    xml = history_page_xml(5, "History", ["The oldest text of the page, long enough.",
                                          "A middle text of the page, long enough too.",
                                          "The newest text of the page is this one here."])
    result = parse_page(RawPage("history.xml", "page 1", xml), sample_site)

    assert isinstance(result, Article)
    assert result.sections[0].passages == (("The newest text of the page is this one here.",),)
