"""Pages that share a page id: the first in dump order is kept, the others are dead-lettered.

Every table is keyed by page id (articles.id, redirects.id, the links' source and target ids), so
two kept pages with one id would leave one of them in no table although counted as kept. The
corpus stage parses pages where they are read and groups what it kept (article heads, redirects)
by id, then settles each group here. Which one is kept does not depend on the order a group
arrives in: the first by (file, place in the file).
"""
from __future__ import annotations

from typing import Iterable

from pipeline.records import Article, ArticleHead, PageOrigin, RawPage, Redirect, Skip

Parsed = Article | ArticleHead | Redirect | Skip
Origin = RawPage | PageOrigin  # anything with the source, record and position of a page
KEPT = (Article, ArticleHead, Redirect)  # what ends up in a table, keyed by its page id


def dump_order(page: Origin) -> tuple[str, tuple[int, int]]:
    return page.source, page.position


def settle_duplicate_ids(parsed: Iterable[tuple[Origin, Parsed]]) -> list[Parsed]:
    """Each page's result, except that of two kept pages (articles or redirects) with one id,
    the later is a `failed:duplicate_id` Skip naming the kept one. Pages that a filter skipped
    or that failed are in no table, so they keep their own bucket."""
    kept: dict[int, tuple[Origin, Parsed]] = {}
    results = []
    for page, result in sorted(parsed, key=lambda item: dump_order(item[0])):
        if isinstance(result, KEPT):
            first = kept.setdefault(result.id, (page, result))
            if first[1] is not result:
                result = _duplicate(page, result, *first)
        results.append(result)
    return results


def _duplicate(page: Origin, result: Parsed, first_page: Origin, first: Parsed) -> Skip:
    detail = (f"page id {result.id} is also that of {first.title!r} "
              f"({first_page.source} {first_page.record}), which is kept")
    return Skip("failed", "parse", "duplicate_id", detail, result.id, result.title, page.source,
                page.record)
