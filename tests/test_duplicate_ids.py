"""Pages that share a page id: one is kept, the others are dead-lettered naming both titles."""
from __future__ import annotations

from pipeline.duplicate_ids import settle_duplicate_ids
from pipeline.dump_reader import iter_pages
from pipeline.parse_page import parse_page
from pipeline.records import Article, RawPage, Redirect, Skip
from tests import dumpfactory


def parsed_pages(tmp_path, pages: list[bytes], sample_site):
    path = dumpfactory.write_dump(tmp_path / "dump.xml", pages)
    raw = [item for item in iter_pages(str(path)) if isinstance(item, RawPage)]
    return [(page, parse_page(page, sample_site)) for page in raw]


def test_second_page_with_a_kept_id_is_dead_lettered_naming_both(tmp_path, sample_site):
    first = dumpfactory.page_xml(7, "First", "The first page with id seven has text.")
    second = dumpfactory.page_xml(7, "Second", "The second page with id seven has text.")
    parsed = parsed_pages(tmp_path, [first, dumpfactory.page_xml(8, "Other"), second], sample_site)
    same_id = [item for item in parsed if item[0].xml in (first, second)]

    for order in (same_id, same_id[::-1]):  # whatever order the group arrives in
        kept, duplicate = settle_duplicate_ids(order)
        assert isinstance(kept, Article) and kept.title == "First"
        assert isinstance(duplicate, Skip)
        assert (duplicate.outcome, duplicate.stage, duplicate.reason) == (
            "failed", "parse", "duplicate_id")
        assert (duplicate.page_id, duplicate.title, duplicate.record) == (7, "Second", "page 3")
        assert "'First'" in duplicate.detail and "page 1" in duplicate.detail


def test_a_redirect_and_an_article_with_one_id_keep_one_of_them(tmp_path, sample_site):
    redirect = (b'<page><title>Old</title><ns>0</ns><id>9</id><redirect title="New" />'
                b"<revision><text>#REDIRECT [[New]]</text></revision></page>")
    article = dumpfactory.page_xml(9, "New", "The article with the id nine has text.")
    kept, duplicate = settle_duplicate_ids(parsed_pages(tmp_path, [redirect, article], sample_site))
    assert isinstance(kept, Redirect) and kept.title == "Old"
    assert isinstance(duplicate, Skip)
    assert (duplicate.reason, duplicate.title) == ("duplicate_id", "New")


def test_only_kept_pages_compete_for_an_id(tmp_path, sample_site):
    """A page skipped by a filter (or failed) is in no table: it takes no id from another."""
    talk = dumpfactory.page_xml(4, "Talk:Four", "Talk page text that is long enough.", ns=1)
    article = dumpfactory.page_xml(4, "Four", "The article four has enough text here.")
    results = settle_duplicate_ids(parsed_pages(tmp_path, [talk, article], sample_site))
    assert [type(r).__name__ for r in results] == ["Skip", "Article"]
    assert results[0].reason == "namespace"


def test_pages_of_several_files_keep_the_first_file(tmp_path, sample_site):
    page = dumpfactory.page_xml(3, "Three", "Page three has some text in it here.")
    raw = [RawPage(f"{name}.xml", "page 1", page) for name in ("b", "a")]
    parsed = [(page, parse_page(page, sample_site)) for page in raw]
    kept, duplicate = settle_duplicate_ids(parsed)
    assert (kept.source, duplicate.source) == ("a.xml", "b.xml")
