"""Records -> rows of the Parquet tables declared in `schemas.corpus` (pure functions)."""
from __future__ import annotations

from pipeline.linking import InboundLink, RedirectOutcome, ResolvedLink, inbound_row
from pipeline.records import Article, ReadProblem, Skip


def article_row(article: Article, target_ids: dict[int, int], inbound: list[InboundLink],
                inbound_count: int) -> dict:
    """`target_ids`: link index -> resolved article id; `inbound`: the kept sample of the links to
    the article (all of them unless there were more than the cap), `inbound_count`: all of them."""
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


def link_row(link: ResolvedLink) -> dict:
    ref = link.ref
    return {"source_id": ref.source_id, "kind": ref.kind, "section": ref.section,
            "passage": ref.passage, "sentence": ref.sentence, "anchor": ref.anchor, "target_title": link.target_title,
            "target_id": link.target_id, "via_redirect": link.via_redirect}


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
