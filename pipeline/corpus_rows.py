"""Records -> rows of the Parquet tables declared in `schemas.corpus` (pure functions)."""
from __future__ import annotations

import collections

from pipeline.linking import InboundLink, RedirectOutcome, inbound_row
from pipeline.records import Article, ReadProblem, Skip


# An article as the corpus stage keeps it between parsing and the joins' results (staged on disk
# where it was parsed, `pipeline.staging`): its row without what the joins add (the links'
# target ids, the inbound links), with its links as plain tuples (LINK_FIELDS). Builtins only,
# so pickle writes and reads it at C speed.
StagedArticle = tuple[int, str, list[dict], list[tuple], str]  # id, title, sections, links, source
LINK_FIELDS = ("target_title", "anchor", "kind", "section", "passage", "sentence", "start", "end")
_KIND = LINK_FIELDS.index("kind")


def staged_article(article: Article) -> StagedArticle:
    sections = [{"heading": s.heading, "path": list(s.path), "level": s.level,
                 "is_lead": s.is_lead, "passages": [list(p) for p in s.passages]}
                for s in article.sections]
    links = [(link.target, link.anchor, link.kind, link.section, link.passage, link.sentence,
              link.start, link.end) for link in article.links]
    return article.id, article.title, sections, links, article.source


def article_row(article: StagedArticle, resolved: dict[int, tuple[int, bool]],
                inbound: list[InboundLink], inbound_count: int) -> dict:
    """`resolved`: link index -> (article id, via_redirect) of the links that resolved; `inbound`:
    the kept sample of the links to the article (all of them unless there were more than the
    cap), `inbound_count`: all of them."""
    article_id, title, sections, links, source = article
    rows = []
    for index, link in enumerate(links):
        row = dict(zip(LINK_FIELDS, link))
        found = resolved.get(index)
        row["target_id"] = None if found is None else found[0]
        rows.append(row)
    return {
        "id": article_id,
        "title": title,
        "sections": sections,
        "links": rows,
        "inbound_links": [inbound_row(link) for link in sorted(inbound)],
        "inbound_link_count": inbound_count,
        "source": source,
    }


def link_rows(article: StagedArticle, resolved: dict[int, tuple[int, bool]]) -> list[dict]:
    """The rows of the links table for the links of `article` that resolved (index order)."""
    article_id, links = article[0], article[3]
    rows = []
    for index, (target_id, via_redirect) in sorted(resolved.items()):
        link = dict(zip(LINK_FIELDS, links[index]))
        rows.append({"source_id": article_id, "kind": link["kind"], "section": link["section"],
                     "passage": link["passage"], "sentence": link["sentence"],
                     "anchor": link["anchor"], "target_title": link["target_title"],
                     "target_id": target_id, "via_redirect": via_redirect})
    return rows


def link_stats(article: StagedArticle, resolved: dict[int, tuple[int, bool]]) -> dict[str, int]:
    """The link counters of one article's links (`resolved`: index -> (target id, via_redirect)
    of those that resolved), where the article is: no element per link travels for them."""
    links = article[3]
    total = collections.Counter(link[_KIND] for link in links)
    found = collections.Counter(links[index][_KIND] for index in resolved)
    counts = {f"links_by_kind:{kind}:total": n for kind, n in total.items()}
    counts.update((f"links_by_kind:{kind}:resolved", n) for kind, n in found.items())
    via_redirect = sum(1 for _, via in resolved.values() if via)
    for key, n in (("links:total", len(links)), ("links:resolved", len(resolved)),
                   ("links:missing_target", len(links) - len(resolved)),
                   ("links:via_redirect", via_redirect)):
        if n:
            counts[key] = n
    return counts


def redirect_row(outcome: RedirectOutcome) -> dict:
    return {"id": outcome.origin_id, "title": outcome.origin_title,
            "target_title": outcome.target_title, "target_id": outcome.target_id,
            "status": outcome.status}


def dead_letter_row(item: Skip | ReadProblem) -> dict:
    if isinstance(item, ReadProblem):
        return {"page_id": item.page_id, "title": item.title, "stage": "read",
                "reason": "page" if item.is_page else "file", "detail": item.reason,
                "source": item.source, "record": item.record}
    return {"page_id": item.page_id, "title": item.title, "stage": item.stage,
            "reason": item.reason, "detail": item.detail, "source": item.source,
            "record": item.record}
