"""Arrow schemas of the corpus tables the corpus stage writes as Parquet under `--output_dir`.

articles/    one row per kept article: sections -> passages -> sentences, outbound links, and its
             inbound links: all of them up to `max_inbound_links` (1,000), beyond that a sample of
             that many taken deterministically (a hub page is never held whole), with the true count
links/       one row per internal link whose target resolved to an article: every main-namespace
             link of the page's own wikitext, with its kind (LINK_KINDS)
redirects/   one row per redirect page, with the article it resolves to (null if it does not)
dead_letter/ one row per page or file the job could not use, with the stage and the reason
corpus_stats.json  counts: every page read lands in exactly one bucket

Each table is part-IIIII-of-NNNNN.parquet files laid out by the input and the rows alone (the
same dump gives byte-identical files on every run and runner): articles and links one part per
read task, rows in dump order (pipeline/corpus_stage.py WriteTaskParts), the others by row hash
(pipeline/table_parts.py); each renamed to its name once complete; corpus_stats.json is written after every part, so a corpus
without it is unfinished.
"""
from __future__ import annotations

import os
from typing import Iterator, NamedTuple

import pyarrow as pa

# 2: inbound_links is a capped sample, inbound_link_count added.
# 3: links of every kind (lists, tables, templates, captions, not only prose), each with its `kind`;
#    non-prose links have null section/passage/sentence/start/end.
CORPUS_SCHEMA_VERSION = 3

# Where a link stands in the page's wikitext. Only a prose link has a place in the article's text
# (section, passage, sentence, anchor span), and only when its sentence is kept: a prose link in a
# dropped section ("See also", "Notes"), a too-short paragraph or a dropped sentence that
# introduced a list has null positions like the other kinds. "caption": gallery lines, file and
# image captions; "template": template parameters (infoboxes, ...); "table": table cells.
PROSE, LIST, TABLE, TEMPLATE, CAPTION = LINK_KINDS = ("prose", "list", "table", "template", "caption")

TABLES = ARTICLES_TABLE, LINKS_TABLE, REDIRECTS_TABLE, DEAD_LETTER_TABLE = (
    "articles", "links", "redirects", "dead_letter")
STATS_FILE = "corpus_stats.json"

SECTION = pa.struct([
    ("heading", pa.string()),
    ("path", pa.list_(pa.string())),
    ("level", pa.int32()),
    ("is_lead", pa.bool_()),
    ("passages", pa.list_(pa.list_(pa.string()))),  # passage -> sentences
])

LINK_IN_ARTICLE = pa.struct([
    ("target_title", pa.string()),
    ("target_id", pa.int64()),  # null when the target is missing from the dump
    ("anchor", pa.string()),
    ("kind", pa.string()),  # one of LINK_KINDS
    ("section", pa.int32()),  # section, passage, sentence, start, end: null unless placed (above)
    ("passage", pa.int32()),
    ("sentence", pa.int32()),
    ("start", pa.int32()),  # character span of the anchor in its sentence
    ("end", pa.int32()),
])

INBOUND_LINK = pa.struct([
    ("source_id", pa.int64()),
    ("kind", pa.string()),  # one of LINK_KINDS
    ("section", pa.int32()),  # section, passage, sentence: null unless a placed prose link
    ("passage", pa.int32()),
    ("sentence", pa.int32()),
])

ARTICLES = pa.schema([
    ("id", pa.int64()),
    ("title", pa.string()),
    ("sections", pa.list_(SECTION)),  # the lead (is_lead) first
    ("links", pa.list_(LINK_IN_ARTICLE)),
    ("inbound_links", pa.list_(INBOUND_LINK)),  # at most max_inbound_links (corpus_stats.json)
    ("inbound_link_count", pa.int64()),  # every resolved link to the article; null in version 1
    ("source", pa.string()),
])

LINKS = pa.schema([
    ("source_id", pa.int64()),
    ("kind", pa.string()),  # one of LINK_KINDS
    ("section", pa.int32()),  # section, passage, sentence: null unless a placed prose link
    ("passage", pa.int32()),
    ("sentence", pa.int32()),
    ("anchor", pa.string()),
    ("target_title", pa.string()),
    ("target_id", pa.int64()),
    ("via_redirect", pa.bool_()),
])

REDIRECTS = pa.schema([
    ("id", pa.int64()),
    ("title", pa.string()),
    ("target_title", pa.string()),
    ("target_id", pa.int64()),  # null when unresolved
    ("status", pa.string()),  # 'resolved', 'missing', 'cycle', 'too_long'
])

DEAD_LETTER = pa.schema([
    ("page_id", pa.int64()),
    ("title", pa.string()),
    ("stage", pa.string()),  # 'read' or 'parse'
    ("reason", pa.string()),
    ("detail", pa.string()),
    ("source", pa.string()),  # the dump file
    ("record", pa.string()),  # where in that file
])

SCHEMAS = {"articles": ARTICLES, "links": LINKS, "redirects": REDIRECTS, "dead_letter": DEAD_LETTER}


class RowPassage(NamedTuple):
    """One passage of an `articles` row, where it stands in the row's nesting."""

    section: int  # index in the row's sections (0: the lead, when the article has one)
    passage: int  # index in that section's passages
    heading: str  # the section's heading ('' for the lead)
    is_lead: bool
    sentences: list[str]


def row_passages(row: dict) -> Iterator[RowPassage]:
    """Every passage of an `articles` row (a dict: Arrow's to_pylist), lead first, in order: the
    one walk over sections -> passages -> sentences that every reader of the table shares."""
    for section_index, section in enumerate(row["sections"] or ()):
        for passage_index, sentences in enumerate(section["passages"] or ()):
            yield RowPassage(section_index, passage_index, section["heading"] or "",
                             bool(section["is_lead"]), list(sentences))


def passage_text(sentences: list[str]) -> str:
    """A passage's text: its sentences joined by one space (what a document side, a ReQA context
    and a search hit show)."""
    return " ".join(sentences)


def row_sentences(row: dict) -> list[str]:
    """Every sentence of an `articles` row, in order."""
    return [sentence for passage in row_passages(row) for sentence in passage.sentences]


# A search index's passages.parquet (wikipairs/retrieval): one row per non-blank passage of the
# articles table, in corpus order (row i is passage id i).
PASSAGES = pa.schema([
    ("article_id", pa.int64()),
    ("title", pa.string()),
    ("heading", pa.string()),  # '' for the lead
    ("section", pa.int32()),  # index in the article's sections
    ("passage", pa.int32()),  # index in the section's passages
    ("text", pa.string()),  # passage_text of its sentences
])


def read_table(output_dir: str, name: str) -> pa.Table:
    """All Parquet shards of one corpus table (local or gs://), in the declared schema."""
    import pyarrow.parquet as pq
    from apache_beam.io.filesystems import FileSystems

    pattern = FileSystems.join(output_dir, name, "*.parquet")
    paths = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    tables = []
    for path in paths:
        with FileSystems.open(path) as handle:
            # One thread: a threaded read of a Python file object leaves Arrow work behind that
            # aborts the interpreter at exit ("terminate called without an active exception",
            # apache/arrow#33975), in half the processes that read a corpus this way.
            tables.append(pq.read_table(handle, schema=SCHEMAS[name], use_threads=False))
    return pa.concat_tables(tables) if tables else SCHEMAS[name].empty_table()


def read_stats(output_dir: str) -> dict | None:
    """corpus_stats.json of a corpus (local or gs://), None when there is none."""
    import json

    from apache_beam.io.filesystems import FileSystems

    path = FileSystems.join(output_dir, STATS_FILE)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return json.load(handle)


def check_schema_version(output_dir: str) -> None:
    """ValueError unless the corpus under `output_dir` has the tables this version reads: older
    corpora lack link kinds, and an inbound link's position may be null."""
    stats = read_stats(output_dir)
    if stats is None and "://" not in output_dir and not os.path.isdir(output_dir):
        raise ValueError(f"{output_dir}: no such directory (give the --output_dir of "
                         "`python -m pipeline.run`)")
    if stats is None:
        raise ValueError(f"{output_dir}: no {STATS_FILE}: not a finished corpus of "
                         "`python -m pipeline.run` (its corpus stage writes it last)")
    version = stats.get("schema_version")
    if version != CORPUS_SCHEMA_VERSION:
        raise ValueError(f"{output_dir}: corpus schema version {version}, this wikipairs reads "
                         f"{CORPUS_SCHEMA_VERSION}: run the corpus stage again "
                         "(`python -m pipeline.run --input=DUMP --output_dir=DIR`)")
