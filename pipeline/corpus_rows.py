"""Records -> rows of the Parquet tables declared in `schemas.corpus` (pure functions)."""
from __future__ import annotations

from pipeline.linking import InboundLink, RedirectOutcome, inbound_row
from pipeline.records import Article, ReadProblem, Skip


def article_row(article: Article, resolved: dict[int, tuple[int, bool]], inbound: list[InboundLink],
                inbound_count: int) -> dict:
    """`resolved`: link index -> (article id, via_redirect) of the links that resolved; `inbound`:
    the kept sample of the links to the article (all of them unless there were more than the
    cap), `inbound_count`: all of them."""
    target_ids = {index: target_id for index, (target_id, _) in resolved.items()}
    return {
        "id": article.id,
        "title": article.title,
        "sections": [
            {"heading": s.heading, "path": list(s.path), "level": s.level, "is_lead": s.is_lead,
             "passages": [list(p) for p in s.passages]}
            for s in article.sections
        ],
        "links": [
            {"target_title": link.target, "target_id": target_ids.get(i), "anchor": link.anchor,
             "kind": link.kind, "section": link.section, "passage": link.passage,
             "sentence": link.sentence, "start": link.start, "end": link.end}
            for i, link in enumerate(article.links)
        ],
        "inbound_links": [inbound_row(link) for link in sorted(inbound)],
        "inbound_link_count": inbound_count,
        "source": article.source,
    }


def link_rows(article: Article, resolved: dict[int, tuple[int, bool]]) -> list[dict]:
    """The rows of the links table for the links of `article` that resolved (index order)."""
    rows = []
    for index, (target_id, via_redirect) in sorted(resolved.items()):
        link = article.links[index]
        rows.append({"source_id": article.id, "kind": link.kind, "section": link.section,
                     "passage": link.passage, "sentence": link.sentence, "anchor": link.anchor,
                     "target_title": link.target, "target_id": target_id,
                     "via_redirect": via_redirect})
    return rows


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
