"""Pages that share a page id: the first in dump order is kept, the others are dead-lettered.

Every table is keyed by page id (articles.id, redirects.id, the links' source and target ids), so
two kept pages with one id would leave one of them in no table although counted as kept. The
corpus stage groups the raw pages by id before parsing (`grouping_key`, in place of a plain
Reshuffle: no extra shuffle), then settles each group here. Which one is kept does not depend on
the order a group arrives in: the first by (file, place in the file).
"""
from __future__ import annotations

from typing import Iterable

from pipeline.dump_reader import page_identity
from pipeline.records import Article, RawPage, Redirect, Skip

Parsed = Article | Redirect | Skip


def grouping_key(page: RawPage) -> str:
    """The page id the parser will find (`parse_page` checks that it is this one), or, for a
    page without a usable id, its place: such a page fails to parse and shares no key."""
    page_id, _ = page_identity(page.xml)
    return f"id {page_id}" if page_id is not None else f"at {page.source} {page.record}"


def dump_order(page: RawPage) -> tuple[str, tuple[int, int]]:
    return page.source, page.position


def settle_duplicate_ids(parsed: Iterable[tuple[RawPage, Parsed]]) -> list[Parsed]:
    """Each page's result, except that of two kept pages (articles or redirects) with one id,
    the later is a `failed:duplicate_id` Skip naming the kept one. Pages that a filter skipped
    or that failed are in no table, so they keep their own bucket."""
    kept: dict[int, tuple[RawPage, Parsed]] = {}
    results = []
    for page, result in sorted(parsed, key=lambda item: dump_order(item[0])):
        if isinstance(result, (Article, Redirect)):
            first = kept.setdefault(result.id, (page, result))
            if first[1] is not result:
                result = _duplicate(page, result, *first)
        results.append(result)
    return results


def _duplicate(page: RawPage, result: Parsed, first_page: RawPage, first: Parsed) -> Skip:
    detail = (f"page id {result.id} is also that of {first.title!r} "
              f"({first_page.source} {first_page.record}), which is kept")
    return Skip("failed", "parse", "duplicate_id", detail, result.id, result.title, page.source,
                page.record)
