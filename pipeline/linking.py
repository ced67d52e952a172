"""Link resolution as pure steps of Beam joins keyed by normalized title.

Redirects are chased one hop per join round (chains too, with a cycle guard); links then meet the
title index (article titles plus resolved redirect titles). Nothing is guessed: a link or redirect
whose target is not an article of the dump is reported as unresolved. Each article then keeps a
bounded sample of its inbound links and their count (below).
"""
from __future__ import annotations

import dataclasses
import struct
from typing import Iterable, Iterator

from pipeline.splits import hash64


@dataclasses.dataclass(frozen=True)
class Chase:
    """A redirect being followed: where it started and the titles it went through."""

    origin_id: int
    origin_title: str
    path: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RedirectOutcome:
    origin_id: int
    origin_title: str
    target_title: str  # the redirect's own target as written (normalized)
    target_id: int | None
    status: str  # 'resolved', 'missing', 'cycle', 'too_long'


def start_chase(redirect_id: int, title: str, target: str) -> tuple[str, Chase]:
    return target, Chase(redirect_id, title, (title,))


def advance_chases(current: str, chases: Iterable[Chase], article_ids: Iterable[int],
                   redirect_targets: Iterable[str]) -> Iterator[tuple[str, object]]:
    """One hop for every chase standing at title `current`.

    Yields ('done', RedirectOutcome) or ('next', (next_title, Chase))."""
    article_ids = sorted(article_ids)
    redirect_targets = sorted(redirect_targets)
    for chase in chases:
        first_target = chase.path[1] if len(chase.path) > 1 else current
        if article_ids:
            yield "done", RedirectOutcome(chase.origin_id, chase.origin_title, first_target,
                                          article_ids[0], "resolved")
        elif redirect_targets:
            nxt = redirect_targets[0]
            if nxt in chase.path or nxt == current:
                yield "done", RedirectOutcome(chase.origin_id, chase.origin_title, first_target,
                                              None, "cycle")
            else:
                yield "next", (nxt, Chase(chase.origin_id, chase.origin_title,
                                          chase.path + (current,)))
        else:
            yield "done", RedirectOutcome(chase.origin_id, chase.origin_title, first_target,
                                          None, "missing")


def give_up(current: str, chase: Chase) -> RedirectOutcome:
    """A chase still running after the last allowed hop."""
    first_target = chase.path[1] if len(chase.path) > 1 else current
    return RedirectOutcome(chase.origin_id, chase.origin_title, first_target, None, "too_long")


# An outbound link as it travels to its target's key: (source id, index in the source's link list,
# kind, section, passage, sentence), a position the link does not have as NO_PLACE. A plain tuple
# of ints and a short string, so that Beam's coder writes it without pickling (there is one per
# link: hundreds of thousands at 10x the sample); the anchor and the rest of the link stay with
# the source article, which builds the link's rows once the join has given it the target id.
LinkRef = tuple[int, int, str, int, int, int]
NO_PLACE = -1


def link_ref(source_id: int, index: int, kind: str, section: int | None, passage: int | None,
             sentence: int | None) -> LinkRef:
    return (source_id, index, kind, NO_PLACE if section is None else section,
            NO_PLACE if passage is None else passage, NO_PLACE if sentence is None else sentence)


# Link refs travel packed, REF_BYTES each, concatenated: the refs of one bundle's links to one
# title go as one value (`corpus_stage.BatchLinkRefs`). A runner that holds a shuffle in memory
# (the local one) then keeps one bytes object per title and bundle, not a tuple per link.
_REF = struct.Struct("<qiBiii")  # source id, index, kind (its place in LINK_KINDS), the places
REF_BYTES = _REF.size


def pack_refs(refs: Iterable[LinkRef]) -> bytes:
    from schemas.corpus import LINK_KINDS

    kinds = {kind: i for i, kind in enumerate(LINK_KINDS)}
    return b"".join(_REF.pack(source, index, kinds[kind], *place)
                    for source, index, kind, *place in refs)


def unpack_refs(packed: bytes) -> Iterator[LinkRef]:
    from schemas.corpus import LINK_KINDS

    for source, index, kind, *place in _REF.iter_unpack(packed):
        yield (source, index, LINK_KINDS[kind], *place)


# What a resolved link is for its source article: (index in its link list, target id, via_redirect).
Outbound = tuple[int, int, bool]


def resolve_links(title: str, refs: Iterable[LinkRef],
                  index_entries: Iterable[tuple[int, bool]]) -> Iterator[tuple[str, tuple]]:
    """Every link to `title` that the title index holds an article id for, routed both ways:
    ('outbound', (source id, Outbound)) back to the article that holds the link, and
    ('inbound', (target id, RankedLink)) to the article it points to. A link to a title that is
    not in the dump yields nothing (its source counts it as missing): the refs are not even read.

    An article title wins over a redirect of the same title; ties go to the smallest id so that
    reruns agree."""
    entries = sorted(index_entries, key=lambda entry: (entry[1], entry[0]))
    if not entries:
        return
    target_id, via_redirect = entries[0]
    for ref in refs:
        yield "outbound", (ref[0], (ref[1], target_id, via_redirect))
        yield "inbound", (target_id, ranked_inbound(target_id, inbound_link(ref)))


def resolve_packed_links(title: str, packed: Iterable[bytes],
                         index_entries: Iterable[tuple[int, bool]]) -> Iterator[tuple[str, tuple]]:
    """`resolve_links` over refs that come packed (`pack_refs`)."""
    return resolve_links(title, (ref for refs in packed for ref in unpack_refs(refs)),
                         index_entries)


# --- inbound links: a bounded, deterministic sample per article -----------------------------------
#
# A hub page ("United States": ~300k inbound links in English Wikipedia) must not put all its
# inbound links in one worker's memory or one Parquet row. Each article keeps at most `cap` of them
# plus the true count; the sample is a CombineFn's accumulator, so Beam combines it on each worker
# before the shuffle and never holds more than a few `cap` links per key.

# (source_id, kind, section, passage, sentence); a position the link does not have is NO_PLACE,
# so that links of every kind sort together (None does not compare with int).
InboundLink = tuple[int, str, int, int, int]
RankedLink = tuple[int, int, str, int, int, int]  # (rank hash, *InboundLink): sorts in sample order
InboundSample = tuple[int, list[RankedLink]]  # (links seen, the best-ranked of them)


def inbound_link(ref: LinkRef) -> InboundLink:
    """The inbound link that `ref` is for its target: the ref without its index."""
    return (ref[0], *ref[2:])


def inbound_row(link: InboundLink) -> dict:
    """An inbound link as a row of `schemas.corpus.INBOUND_LINK`: NO_PLACE -> null."""
    source_id, kind, *place = link
    section, passage, sentence = (None if p == NO_PLACE else p for p in place)
    return {"source_id": source_id, "kind": kind, "section": section, "passage": passage,
            "sentence": sentence}


def ranked_inbound(target_id: int, link: InboundLink) -> RankedLink:
    """A link to `target_id` with its place in the sample order: a hash of (target, source) first,
    so the sample takes whole linking articles in a uniform, run-independent order that differs
    per target, then the link's kind and position in its source (a source's links go in
    together)."""
    return (hash64(f"{target_id}/{link[0]}"), *link)


def _prune(ranked: list[RankedLink], cap: int) -> list[RankedLink]:
    ranked.sort()
    del ranked[cap:]
    return ranked


def add_to_sample(sample: InboundSample, link: RankedLink, cap: int) -> InboundSample:
    """One more link; the list is cut back to `cap` whenever it reaches 2 * cap, so memory stays
    under 2 * cap links and the sorting costs O(log cap) per link."""
    count, ranked = sample
    ranked.append(link)
    return count + 1, _prune(ranked, cap) if len(ranked) >= 2 * cap else ranked


def merge_samples(samples: Iterable[InboundSample], cap: int) -> InboundSample:
    """Samples of disjoint sets of links -> the sample of their union (folded: fewer than 4 * cap
    links at once, however many samples come in)."""
    count, ranked = 0, []
    for more_count, more in samples:
        count += more_count
        ranked.extend(more)
        if len(ranked) >= 2 * cap:
            _prune(ranked, cap)
    return count, ranked


def sampled_links(sample: InboundSample, cap: int) -> tuple[int, list[InboundLink]]:
    """(how many links there were, the `cap` best-ranked of them in (source, position) order).

    Order-free: the result depends on the set of links only, never on how Beam split them into
    bundles, so reruns and runners agree; an article with at most `cap` links keeps them all."""
    count, ranked = sample
    return count, sorted(link[1:] for link in _prune(list(ranked), cap))


def sample_inbound(target_id: int, links: Iterable[InboundLink], cap: int):
    """The whole sample of one article's links in one call (what the CombineFn computes)."""
    sample: InboundSample = (0, [])
    for link in links:
        sample = add_to_sample(sample, ranked_inbound(target_id, link), cap)
    return sampled_links(sample, cap)
