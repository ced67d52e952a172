"""Plain records that flow between the stages of the job.

They are dataclasses of builtins so Beam pickles them cheaply and unit tests build them by hand.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

# MediaWiki's canonical English namespace names and aliases, valid on every wiki in any language
# (a German page may write [[Image:x.jpg]] or [[Datei:x.jpg]]), but not listed in <siteinfo>.
CANONICAL_NAMESPACES = {
    "media": -2, "special": -1, "talk": 1, "user": 2, "user talk": 3, "project": 4,
    "project talk": 5, "file": 6, "image": 6, "file talk": 7, "image talk": 7, "mediawiki": 8,
    "mediawiki talk": 9, "template": 10, "template talk": 11, "help": 12, "help talk": 13,
    "category": 14, "category talk": 15,
}


@dataclasses.dataclass(frozen=True)
class SiteInfo:
    """What a dump says about its wiki in `<siteinfo>`: needed to handle any language's dump."""

    dbname: str = ""
    case: str = "first-letter"  # 'first-letter' or 'case-sensitive'
    namespaces: tuple[tuple[int, str], ...] = ()  # (key, local name); main namespace has ''
    namespace_cases: tuple[tuple[int, str], ...] = ()

    def namespace_names(self) -> dict[str, int]:
        """Namespace name (case-folded), local or canonical English -> key."""
        names = dict(CANONICAL_NAMESPACES)
        names.update({name.casefold(): key for key, name in self.namespaces if name})
        return names

    def case_of(self, namespace: int) -> str:
        return dict(self.namespace_cases).get(namespace, self.case)


@dataclasses.dataclass(frozen=True)
class RawPage:
    """One `<page>...</page>` element, as bytes, cut out of a dump without parsing the whole file."""

    source: str  # the dump file it came from
    record: str  # where in that file, for error messages: e.g. 'page 17' or 'stream@123456 page 3'
    xml: bytes
    # (byte offset of the range it was read from, page number in that range): sorts the pages of
    # one file in dump order, which the record's text does not ('page 10' < 'page 9').
    position: tuple[int, int] = (0, 0)


@dataclasses.dataclass(frozen=True)
class ReadProblem:
    """Something the reader could not turn into a page: a broken page, a cut file, an empty file.

    `is_page` says whether a page was (partly) read, so that page buckets still add up.
    """

    source: str
    record: str
    reason: str
    is_page: bool = False
    page_id: int | None = None
    title: str | None = None


class Link(NamedTuple):
    """A main-namespace link of an article's wikitext: where it points, what kind of markup it
    stands in, and, for a prose link whose sentence is kept, where it sits in the text. A named
    tuple, not a frozen dataclass: a page makes hundreds of them, and a frozen dataclass takes
    about 2 us to build where a named tuple takes a fifth of that."""

    target: str  # normalized title (the join key)
    anchor: str
    kind: str  # one of schemas.corpus.LINK_KINDS
    section: int | None = None
    passage: int | None = None
    sentence: int | None = None
    start: int | None = None  # character span of the anchor inside its sentence
    end: int | None = None


@dataclasses.dataclass(frozen=True)
class Section:
    heading: str  # '' for the lead
    path: tuple[str, ...]  # headings from the top level down to this one
    level: int  # 0 for the lead, else the heading level (2 for '== x ==')
    is_lead: bool
    passages: tuple[tuple[str, ...], ...]  # paragraphs, each a tuple of sentences


@dataclasses.dataclass(frozen=True)
class Article:
    id: int
    title: str
    sections: tuple[Section, ...]  # the lead first
    links: tuple[Link, ...]
    source: str = ""


@dataclasses.dataclass(frozen=True)
class Redirect:
    id: int
    title: str
    target: str  # normalized title


@dataclasses.dataclass(frozen=True)
class Skip:
    """A page that is not an article: filtered (`skipped`) or broken (`failed`), with its reason."""

    outcome: str  # 'skipped' or 'failed'
    stage: str  # 'read', 'filter', 'parse'
    reason: str  # short, countable: 'namespace', 'disambiguation', 'timeout', ...
    detail: str = ""
    page_id: int | None = None
    title: str | None = None
    source: str = ""
    record: str = ""

    @property
    def bucket(self) -> str:
        return f"{self.outcome}:{self.reason}"


@dataclasses.dataclass(frozen=True)
class PageOrigin:
    """Where a page was read (a RawPage without its XML): what settles pages that share an id."""

    source: str
    record: str
    position: tuple[int, int] = (0, 0)


@dataclasses.dataclass(frozen=True)
class ArticleHead:
    """What the corpus stage's joins need of a parsed article, whose text stays where it was
    parsed (`pipeline.staging`): its id and title, where it is staged (read task, ordinal in
    that task's staged file), and its links for the link join, in link order: their target
    titles (a line each: a title has no line break) and their refs (`linking.pack_refs`), each
    zlib-compressed. Two small objects however many links: a runner that holds grouped values
    in memory (the local one) keeps two objects per article, not two per link, and Dataflow
    shuffles about a third of the bytes."""

    id: int
    title: str
    staged: tuple[int, int]
    targets: bytes = b""
    refs: bytes = b""

    @classmethod
    def of(cls, id: int, title: str, staged: tuple[int, int], targets: list[str], refs: bytes):
        import zlib

        return cls(id, title, staged, zlib.compress("\n".join(targets).encode("utf-8"), 1),
                   zlib.compress(refs, 1))

    def link_targets(self) -> list[str]:
        import zlib

        text = zlib.decompress(self.targets).decode("utf-8") if self.targets else ""
        return text.split("\n") if text else []

    def link_refs(self) -> bytes:
        import zlib

        return zlib.decompress(self.refs) if self.refs else b""
