"""What the corpus stage's shuffles carry: the big payloads compressed, links as plain tuples."""
from __future__ import annotations

from pipeline import corpus_stage
from pipeline.parse_page import parse_page
from pipeline.records import Article, RawPage


def test_page_xml_crosses_the_shuffle_compressed_and_comes_back_whole(sample_pages):
    pages = [p for p in sample_pages if isinstance(p, RawPage)]
    shuffled = [corpus_stage.compressed_page(p) for p in pages]
    assert [corpus_stage.decompressed_page(p) for p in shuffled] == pages
    assert sum(len(p.xml) for p in shuffled) < sum(len(p.xml) for p in pages) / 2


def test_articles_cross_the_shuffle_compressed_and_come_back_equal(sample_pages, sample_site):
    import pickle

    articles = [a for a in (parse_page(p, sample_site) for p in sample_pages[:40]
                            if isinstance(p, RawPage)) if isinstance(a, Article)]
    assert articles
    shuffled = [corpus_stage.compressed(a) for a in articles]
    assert [corpus_stage.decompressed(a) for a in shuffled] == articles
    assert sum(map(len, shuffled)) < sum(len(pickle.dumps(a)) for a in articles) / 2
