"""`wikipairs search`: questions -> the corpus passages the exported towers rank highest.

Plumbing (arguments -> wikipairs.retrieval.search -> stdout) and the two renderings, text and JSON Lines.
TensorFlow loads only when a search runs, never for --help.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import textwrap

from pipeline.progress import make_progress
from wikipairs.cli.shards import CliError

TEXT_CHARS = 200  # of a passage, in the text rendering (--json has the whole passage)


def add_arguments(parser) -> None:
    parser.add_argument("queries", metavar="QUERY", nargs="+", help="a question (quote it)")
    parser.add_argument("--model", required=True, metavar="DIR",
                        help="a training run's --model_dir (holding export/) or its export dir")
    parser.add_argument("--corpus", required=True, metavar="CORPUS_DIR",
                        help="the pipeline's --output_dir (holding articles/*.parquet)")
    parser.add_argument("--top_k", type=int, default=10, help="hits per query")
    parser.add_argument("--index", choices=("auto", "exact", "faiss"), default="auto",
                        help="exact brute force, or faiss IVF-flat (approximate); auto: exact "
                             "up to 1,000,000 passages")
    parser.add_argument("--index_dir", metavar="DIR",
                        help="where encoded corpora are kept (default: $WIKIPAIRS_CACHE/search, "
                             "else ~/.cache/wikipairs/search)")
    parser.add_argument("--json", action="store_true", help="one JSON object per query")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def shorten(text: str, limit: int = TEXT_CHARS) -> str:
    """At most `limit` characters, cut at a word boundary, '…' when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def render_text(query: str, number: int, total: int, hits, width: int) -> str:
    lines = [f"── query {number}/{total}: {query}",
             f"{'rank':>4}  {'score':>9}  article · section"]
    indent = " " * 17
    for hit in hits:
        lines.append(f"{hit.rank:>4}  {hit.score:>9.4f}  {hit.title} · "
                     f"{hit.heading or '(lead)'}")
        lines.append(textwrap.fill(shorten(hit.text), width=max(width, 40), initial_indent=indent,
                                   subsequent_indent=indent))
    if not hits:
        lines.append("  (no passages)")
    return "\n".join(lines)


def render_json(query: str, hits) -> str:
    return json.dumps({"query": query, "hits": [dataclasses.asdict(hit) for hit in hits]},
                      ensure_ascii=False)


def _progress(enabled: bool):
    return lambda what, total: make_progress(what, total, enabled)


def run(args) -> int:
    from wikipairs.retrieval import search as searching

    try:
        searching.check_queries(args.queries)
    except ValueError as error:
        raise CliError(f"{error}: give a question in quotes") from error
    if args.top_k < 1:
        raise CliError(f"--top_k is {args.top_k}; give at least 1")
    config = searching.SearchConfig(index_dir=args.index_dir or searching.default_index_dir(),
                                    kind=args.index)
    encoders = _load(args.model, args.corpus)
    try:
        passage_index = searching.open_passage_index(encoders, args.corpus, config,
                                                     _progress(not args.quiet))
    except PermissionError as error:
        raise CliError(f"cannot write the index under {config.index_dir}: {error.strerror} "
                       f"(give --index_dir)") from error
    manifest = passage_index.manifest
    print(f"{'built' if passage_index.built else 'using'} index {passage_index.directory}: "
          f"{manifest['count']:,} passages, {manifest['dim']}-dim, {passage_index.index.kind} "
          f"search", file=sys.stderr)
    results = searching.search(encoders, passage_index, args.queries, args.top_k)
    width = shutil.get_terminal_size().columns
    for number, (query, hits) in enumerate(zip(args.queries, results), 1):
        print(render_json(query, hits) if args.json
              else render_text(query, number, len(args.queries), hits, width) + "\n")
    return 0


def _load(model: str, corpus: str):
    """The towers, after checking the corpus (cheap) so that either mistake costs no model load."""
    from wikipairs.retrieval.encoders import Encoders
    from wikipairs.retrieval.passages import article_files
    from schemas.corpus import check_schema_version

    try:
        article_files(corpus)
        check_schema_version(corpus)
        return Encoders.load(model)
    except (FileNotFoundError, ValueError) as error:
        raise CliError(str(error)) from error
