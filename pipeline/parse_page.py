"""One `<page>` element -> Article | Redirect | Skip: the pure function the Beam job maps."""
from __future__ import annotations

import dataclasses
import time
import xml.etree.ElementTree as ET

from pipeline.dump_reader import MAX_PAGE_ID, page_id_of, page_identity
from pipeline.page_filters import FilterConfig, disambiguation_reason, is_list_title
from pipeline.records import Article, RawPage, Redirect, SiteInfo, Skip
from pipeline.titles import normalize_title
from pipeline.wikitext import ParseTimeout, TextConfig, parse_stripped
from pipeline.wikitext_strip import strip_wikitext



@dataclasses.dataclass(frozen=True)
class ParseConfig:
    filters: FilterConfig = FilterConfig()
    text: TextConfig = TextConfig()


@dataclasses.dataclass(frozen=True)
class PageFields:
    id: int
    title: str
    namespace: int
    redirect: str | None
    text: str


class BadPageId(ValueError):
    """A page id the tables cannot hold (not a number from 0 to 2^63-1), or none."""


def page_fields(xml: bytes) -> PageFields:
    """The fields of a `<page>` element (raises ET.ParseError on malformed XML or bad bytes,
    BadPageId for an id that is missing or not an int64).

    The text is that of the last `<revision>`: a history dump writes them oldest first, so the
    last is the page as it stands; a current-version dump has just one.
    """
    page = ET.fromstring(xml)
    redirect = page.find("redirect")
    revisions = page.findall("revision")
    text = revisions[-1].find("text") if revisions else None
    return PageFields(
        id=_checked_id(page.findtext("id"), xml),
        title=page.findtext("title") or "",
        namespace=int(page.findtext("ns") or 0),
        redirect=None if redirect is None else redirect.get("title", ""),
        text=(text.text or "") if text is not None else "",
    )


def _checked_id(id_text: str | None, xml: bytes) -> int:
    page_id = page_id_of(id_text)
    if page_id is None:
        shown = "no <id>" if id_text is None else f"page id {id_text.strip()[:40]!r}"
        raise BadPageId(f"{shown}: a page id is a number from 0 to {MAX_PAGE_ID}")
    if page_identity(xml)[0] != page_id:  # the id the job groups pages by must be this one
        raise BadPageId(f"page id {page_id} does not stand before the first <revision>")
    return page_id


def parse_page(raw: RawPage, site: SiteInfo, config: ParseConfig = ParseConfig()):
    """Classify and parse a page; every failure becomes a Skip that names the page and the cause."""
    where = dict(source=raw.source, record=raw.record)
    if len(raw.xml) > config.filters.max_page_bytes:
        page_id, title = page_identity(raw.xml[:4096])
        return Skip("failed", "parse", "too_large", f"{len(raw.xml)} bytes", page_id, title, **where)
    try:
        fields = page_fields(raw.xml)
    except BadPageId as error:
        title = page_identity(raw.xml)[1]
        return Skip("failed", "parse", "bad_id", str(error), None, title, **where)
    except (ET.ParseError, ValueError, TypeError) as error:
        page_id, title = page_identity(raw.xml)
        return Skip("failed", "parse", "malformed_xml", str(error), page_id, title, **where)
    try:
        return classify_and_parse(fields, site, config, raw.source)
    except ParseTimeout as error:
        return Skip("failed", "parse", "timeout", str(error), fields.id, fields.title, **where)
    except Exception as error:  # noqa: BLE001 - one bad page must never stop the job
        return Skip("failed", "parse", "parser_error", f"{type(error).__name__}: {error}",
                    fields.id, fields.title, **where)


def classify_and_parse(fields: PageFields, site: SiteInfo, config: ParseConfig, source: str = ""):
    """Filters in order (namespace, redirect, list, disambiguation, empty), then the article."""
    def skip(reason: str, detail: str = "") -> Skip:
        return Skip("skipped", "filter", reason, detail, fields.id, fields.title, source)

    filters = config.filters
    if fields.namespace not in filters.namespaces:
        return skip("namespace", f"namespace {fields.namespace}")
    if fields.redirect is not None:
        target = normalize_title(fields.redirect, site)
        if not target:
            return skip("empty_redirect")
        return Redirect(fields.id, fields.title, target)
    if is_list_title(fields.title, filters):
        return skip("list", "title prefix")
    deadline = time.monotonic() + filters.parse_timeout_s
    stripped = strip_wikitext(fields.text)
    why = disambiguation_reason(fields.title, stripped.template_names, stripped.magic_words, filters)
    if why:
        return skip("disambiguation", why)
    sections, links = parse_stripped(stripped, site, config.text, deadline)
    if not any(section.passages for section in sections):
        return skip("empty", "no text left after cleaning")
    return Article(fields.id, fields.title, sections, links, source)
