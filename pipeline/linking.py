"""Link resolution as pure steps of Beam joins keyed by normalized title.

Redirects are chased one hop per join round (chains too, with a cycle guard); links then meet the
title index (article titles plus resolved redirect titles). Nothing is guessed: a link or redirect
whose target is not an article of the dump is reported as unresolved.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Iterator


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


@dataclasses.dataclass(frozen=True)
class LinkRef:
    """An outbound link as it travels to its target's key: who holds it and where."""

    source_id: int
    index: int  # position in the source article's link list
    section: int
    passage: int
    sentence: int
    anchor: str


@dataclasses.dataclass(frozen=True)
class ResolvedLink:
    ref: LinkRef
    target_title: str
    target_id: int | None
    via_redirect: bool


def resolve_links(title: str, refs: Iterable[LinkRef],
                  index_entries: Iterable[tuple[int, bool]]) -> Iterator[ResolvedLink]:
    """Give every link to `title` the article id the title index holds for it (None if absent).

    An article title wins over a redirect of the same title; ties go to the smallest id so that
    reruns agree."""
    entries = sorted(index_entries, key=lambda entry: (entry[1], entry[0]))
    target_id, via_redirect = entries[0] if entries else (None, False)
    for ref in refs:
        yield ResolvedLink(ref, title, target_id, via_redirect)
