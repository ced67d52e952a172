"""The searchable passages of a corpus: every passage of every section of every article, in corpus
order, with the article and section it comes from.

A passage's text is its sentences joined by a space; the document tower sees `title` + `text`
(`[CLS] title [SEP] text [SEP]`), the way the pair stage frames documents.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Iterator

import pyarrow as pa

from schemas.corpus import (ARTICLES_TABLE as ARTICLES, PASSAGES, STATS_FILE, passage_text,
                            row_passages)



@dataclasses.dataclass(frozen=True)
class CorpusFile:
    path: str
    size: int


def article_files(corpus_dir: str) -> list[CorpusFile]:
    """The Parquet shards of the corpus's `articles` table (local or gs://), sorted by path;
    FileNotFoundError naming the directory when there are none."""
    from apache_beam.io.filesystems import FileSystems

    pattern = FileSystems.join(corpus_dir, ARTICLES, "*.parquet")
    found = FileSystems.match([pattern])[0].metadata_list
    if not found:
        raise FileNotFoundError(
            f"{corpus_dir}: no corpus here ({pattern} matches no file); give the --output_dir of "
            f"`python -m pipeline.run` (its corpus stage writes {ARTICLES}/*.parquet)")
    return sorted((CorpusFile(m.path, m.size_in_bytes) for m in found), key=lambda f: f.path)


def corpus_stats_bytes(corpus_dir: str) -> bytes:
    """The corpus's corpus_stats.json as bytes (b'' when it is missing)."""
    from apache_beam.io.filesystems import FileSystems

    path = FileSystems.join(corpus_dir, STATS_FILE)
    if not FileSystems.exists(path):
        return b""
    with FileSystems.open(path) as handle:
        return handle.read()


def article_passages(article: dict) -> Iterator[dict]:
    """One row per non-blank passage of one `articles` row (a dict with id, title, sections)."""
    for passage in row_passages(article):
        text = passage_text(passage.sentences)
        if text.strip():
            yield {"article_id": article["id"], "title": article["title"],
                   "heading": passage.heading, "section": passage.section,
                   "passage": passage.passage, "text": text}


def passage_rows(articles: Iterable[dict]) -> Iterator[dict]:
    for article in articles:
        yield from article_passages(article)


def passage_table(corpus_dir: str) -> pa.Table:
    """Every passage of the corpus (schema PASSAGES), in corpus order: row i is passage id i."""
    from schemas.corpus import check_schema_version, read_table

    article_files(corpus_dir)  # a clear error before read_table quietly returns no rows
    check_schema_version(corpus_dir)
    articles = read_table(corpus_dir, ARTICLES).select(["id", "title", "sections"])
    rows = []
    for batch in articles.to_batches(max_chunksize=1024):
        rows.extend(passage_rows(batch.to_pylist()))
    return pa.Table.from_pylist(rows, schema=PASSAGES)
