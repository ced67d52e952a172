"""What the corpus stage hands from one step to the next: article text staged on disk where it is
parsed and read back whole, only heads (id, title, links) through the shuffles."""
from __future__ import annotations

import pickle

import pytest

from pipeline import corpus_rows, linking, staging
from pipeline.corpus_stage import _head
from pipeline.parse_page import parse_page
from pipeline.records import Article, RawPage


@pytest.fixture(scope="module")
def sample_articles(sample_pages, sample_site):
    articles = [a for a in (parse_page(p, sample_site) for p in sample_pages
                            if isinstance(p, RawPage)) if isinstance(a, Article)]
    assert len(articles) > 10
    return articles


def write_staged(directory, articles, task=3):
    writer = staging.StagedWriter(staging.staged_path(str(directory), task))
    ordinals = [writer.write(corpus_rows.staged_article(a)) for a in articles]
    return writer.close(), ordinals


def test_staged_articles_come_back_whole_and_in_order(tmp_path, sample_articles):
    path, ordinals = write_staged(tmp_path, sample_articles)
    back = list(staging.read_staged(path))
    assert ordinals == list(range(len(sample_articles))) == [o for o, _, _ in back]
    assert [record for _, record, _ in back] == [corpus_rows.staged_article(a) for a in sample_articles]
    assert [size for _, _, size in back] == [
        len(pickle.dumps(corpus_rows.staged_article(a), pickle.HIGHEST_PROTOCOL)) for a in sample_articles]


def test_a_staged_article_gives_the_row_the_article_does(sample_articles):
    """The row built from the staged form holds every field of the parsed article."""
    article = max(sample_articles, key=lambda a: len(a.links))
    resolved = {0: (42, False), 2: (7, True)}
    row = corpus_rows.article_row(corpus_rows.staged_article(article), resolved, [(5, "prose", 0, 0, 1)], 3)
    assert (row["id"], row["title"], row["source"]) == (article.id, article.title, article.source)
    assert [s["passages"] for s in row["sections"]] == [[list(p) for p in s.passages] for s in article.sections]
    assert [link["anchor"] for link in row["links"]] == [link.anchor for link in article.links]
    assert [link["target_id"] for link in row["links"][:3]] == [42, None, 7]
    assert row["inbound_links"] == [{"source_id": 5, "kind": "prose", "section": 0, "passage": 0,
                                     "sentence": 1}]
    links = corpus_rows.link_rows(corpus_rows.staged_article(article), resolved)
    assert [(r["target_title"], r["target_id"], r["via_redirect"]) for r in links] == [
        (article.links[0].target, 42, False), (article.links[2].target, 7, True)]


def test_a_cut_staged_file_is_an_error_naming_it(tmp_path, sample_articles):
    path, _ = write_staged(tmp_path, sample_articles[:3])
    with open(path, "r+b") as handle:
        handle.truncate(handle.seek(0, 2) - 5)
    with pytest.raises(OSError, match=r"staged file cut short in record 2"):
        list(staging.read_staged(path))


def test_staged_files_are_hidden_and_removed_with_those_of_other_attempts(tmp_path, sample_articles):
    first, _ = write_staged(tmp_path, sample_articles[:2])
    retried, _ = write_staged(tmp_path, sample_articles[:2])
    (tmp_path / "part-00000-of-00001.parquet").write_bytes(b"kept")
    assert first != retried
    assert all(p.name.startswith(".") for p in tmp_path.iterdir() if p.suffix != ".parquet")
    assert staging.remove_staged(str(tmp_path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000-of-00001.parquet"]


def test_what_crosses_the_shuffles_holds_no_text(sample_articles):
    """An article's head carries its id, title, where it is staged and its links' refs: no
    sentence, no anchor."""
    article = max(sample_articles, key=lambda a: len(a.links))
    head = _head(article, (0, 5))
    assert (head.id, head.title, head.staged) == (article.id, article.title, (0, 5))
    assert head.link_targets() == [link.target for link in article.links]
    assert [ref[:3] for ref in linking.unpack_refs(head.link_refs())] == [
        (article.id, index, link.kind) for index, link in enumerate(article.links)]
    shipped = pickle.dumps(head)
    sentences = [s for section in article.sections for p in section.passages for s in p]
    assert not any(s.encode() in shipped for s in sentences if len(s) > 30)
    heads = sum(len(pickle.dumps(_head(a, (0, i)))) for i, a in enumerate(sample_articles))
    assert heads < sum(len(pickle.dumps(a)) for a in sample_articles) / 2
