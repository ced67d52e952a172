"""MediaWiki title normalization: the key every join of the job uses.

Two spellings of one page ("anarchism", "Anarchism#History", "Anarchism_") must meet under one key,
the way MediaWiki itself resolves them, using the namespace names and case rule of the dump's
`<siteinfo>` so that any language's dump works.
"""
from __future__ import annotations

import dataclasses
import functools
import html
import re
from typing import Callable

from pipeline.records import SiteInfo

MAIN_NAMESPACE = 0
FILE_NAMESPACES = (6, -2)  # File:, Media:
CATEGORY_NAMESPACE = 14

# Interwiki prefixes that are not in <siteinfo>: sister projects, and language codes such as
# "fr:" or "zh-yue:". A link with one of these points outside the dump.
_SISTER_PROJECTS = frozenset("""
w wikipedia wikt wiktionary commons c meta m metawikimedia species wikispecies s wikisource
q wikiquote b wikibooks n wikinews v wikiversity voy wikivoyage d wikidata mw mediawikiwiki
foundation wmf incubator phab phabricator
""".split())
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z]{2,8})*$|^simple$")
_SPACES = re.compile(r"[\s_]+")


@dataclasses.dataclass(frozen=True)
class Title:
    """A normalized link target: its namespace and its text without the namespace prefix."""

    namespace: int
    text: str
    interwiki: bool = False

    @property
    def key(self) -> str:
        """The normalized full title: what `<title>` of that page says in the dump."""
        return self.text


def _clean(raw: str) -> str:
    return _SPACES.sub(" ", html.unescape(raw)).strip()


def _upper_first(text: str, case: str) -> str:
    if case != "first-letter" or not text:
        return text
    return text[0].upper() + text[1:]


def parse_title(raw: str, site: SiteInfo, namespace_names: dict[str, int] | None = None) -> Title:
    """Normalize a link target or page title: entities decoded, `_` to space, `#fragment` dropped,
    namespace prefix resolved, first letter upper-cased per the dump's case rule."""
    text = _clean(raw.split("#", 1)[0])
    text = text.lstrip(":").strip()  # [[:Category:X]] links to the page, not into the category
    names = namespace_names if namespace_names is not None else site.namespace_names()
    namespace = MAIN_NAMESPACE
    if ":" in text:
        prefix, rest = (part.strip() for part in text.split(":", 1))
        folded = prefix.casefold()
        if folded in names:
            namespace = names[folded]
            local_name = dict(site.namespaces).get(namespace) or prefix
            rest = _upper_first(rest, site.case_of(namespace))
            return Title(namespace, f"{local_name}:{rest}" if rest else local_name)
        if folded in _SISTER_PROJECTS or _LANGUAGE_CODE.match(prefix):
            return Title(MAIN_NAMESPACE, text, interwiki=True)
    return Title(namespace, _upper_first(text, site.case_of(namespace)))


@functools.lru_cache(maxsize=8)
def title_parser(site: SiteInfo) -> Callable[[str], Title]:
    """`parse_title` for one wiki, remembering recent targets: a page links to the same pages
    again and again, and pages of one dump share most of their targets."""
    names = site.namespace_names()

    @functools.lru_cache(maxsize=1 << 15)
    def title_of(raw: str) -> Title:
        return parse_title(raw, site, names)

    return title_of


def normalize_title(raw: str, site: SiteInfo) -> str:
    """The join key of a title (see `parse_title`)."""
    return parse_title(raw, site).key
