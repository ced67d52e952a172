"""Title normalization, span-keeping substitutions and the redirect/link resolution steps."""
from __future__ import annotations

import re

import pytest

from pipeline import linking, spans
from pipeline.records import SiteInfo
from pipeline.titles import normalize_title, parse_title, title_parser

GERMAN = SiteInfo("dewiki", "first-letter", ((0, ""), (6, "Datei"), (14, "Kategorie")))
CASE_SENSITIVE = SiteInfo("wiktionary", "case-sensitive", ((0, ""), (14, "Category")))


@pytest.mark.parametrize("raw, key", [
    ("anarchism", "Anarchism"),
    ("Anarchism#History", "Anarchism"),
    ("  free_software  movement ", "Free software movement"),
    ("AT&amp;T", "AT&T"),
    (":category:Physics", "Category:Physics"),
    ("image:Foo.jpg", "File:Foo.jpg"),
])
def test_english_titles(sample_site, raw, key):
    assert normalize_title(raw, sample_site) == key


def test_namespaces_come_from_siteinfo():
    assert parse_title("kategorie:physik", GERMAN).key == "Kategorie:Physik"
    assert parse_title("Datei:x.jpg", GERMAN).namespace == 6
    assert parse_title("Image:x.jpg", GERMAN).namespace == 6  # canonical alias, any language
    assert parse_title("fr:Anarchisme", GERMAN).interwiki
    assert parse_title("wikt:word", GERMAN).interwiki


def test_case_sensitive_wiki_keeps_first_letter():
    assert normalize_title("iPod", CASE_SENSITIVE) == "iPod"


def test_title_parser_remembers_each_wiki_apart(sample_site):
    """The cached parser of one wiki never answers with another wiki's namespaces or case."""
    for raw in ("kategorie:physik", "Datei:x.jpg", "iPod", "image:Foo.jpg", "fr:Anarchisme"):
        for site in (sample_site, GERMAN, CASE_SENSITIVE, sample_site):
            assert title_parser(site)(raw) == parse_title(raw, site), (raw, site.dbname)
    assert title_parser(GERMAN)("kategorie:physik").namespace == 14
    assert title_parser(sample_site)("kategorie:physik").namespace == 0


def test_substitute_moves_spans_with_their_text():
    text = "a  (;)  [[b]] ,  c"
    link = (text.index("[[b]]"), text.index("[[b]]") + 5)
    out, (moved,) = spans.substitute(text, [link], re.compile(r"\s+"), " ")
    out, (moved,) = spans.substitute(out, [moved], re.compile(r"\(\s*;?\s*\)"), "")
    assert out[moved[0]:moved[1]] == "[[b]]"
    out, (moved,) = spans.strip("  " + out, [(moved[0] + 2, moved[1] + 2)])
    assert out[moved[0]:moved[1]] == "[[b]]"


def _chase_all(redirects: dict[str, str], articles: dict[str, int], max_hops: int = 5):
    """Drive the pure hop function the way the Beam rounds do."""
    chasing = [linking.start_chase(i, title, target)
               for i, (title, target) in enumerate(sorted(redirects.items()))]
    outcomes = []
    for _ in range(max_hops):
        following = []
        for current, chase in chasing:
            ids = [articles[current]] if current in articles else []
            targets = [redirects[current]] if current in redirects else []
            for kind, value in linking.advance_chases(current, [chase], ids, targets):
                (outcomes if kind == "done" else following).append(value)
        chasing = following
    outcomes += [linking.give_up(current, chase) for current, chase in chasing]
    return {o.origin_title: (o.status, o.target_id, o.target_title) for o in outcomes}


def test_redirect_hops():
    redirects = {"R1": "R2", "R2": "A", "C1": "C2", "C2": "C1", "M": "Nowhere",
                 "L1": "L2", "L2": "L3", "L3": "A"}
    result = _chase_all(redirects, {"A": 7}, max_hops=3)
    assert result["R1"] == ("resolved", 7, "R2")
    assert result["R2"] == ("resolved", 7, "A")
    assert result["C1"][0] == result["C2"][0] == "cycle"
    assert result["M"] == ("missing", None, "Nowhere")
    assert result["L1"] == ("resolved", 7, "L2")
    assert _chase_all(redirects, {"A": 7}, max_hops=2)["L1"] == ("too_long", None, "L2")


def test_resolve_links_prefers_articles_then_smallest_id():
    ref = linking.link_ref(1, 4, "prose", 0, 0, 0)
    routed = list(linking.resolve_links("T", [ref], [(9, True), (5, False)]))
    assert routed == [("outbound", (1, (4, 5, False))),
                      ("inbound", (5, linking.ranked_inbound(5, (1, "prose", 0, 0, 0))))]
    assert list(linking.resolve_links("T", [ref], [])) == []  # its source counts it missing


def test_link_refs_are_plain_tuples_that_beam_encodes_without_pickling():
    """One LinkRef travels per link: Beam's FastPrimitivesCoder writes a tuple of ints and
    strings itself, where a class instance goes through pickle (with its class's name)."""
    from apache_beam.coders.coders import FastPrimitivesCoder

    ref = linking.link_ref(7, 3, "list", None, None, None)
    assert ref == (7, 3, "list", linking.NO_PLACE, linking.NO_PLACE, linking.NO_PLACE)
    assert all(type(value) in (int, str) for value in ref)
    encoded = FastPrimitivesCoder().encode(("Some title", ref))
    assert b"linking" not in encoded and b"pipeline" not in encoded
    assert FastPrimitivesCoder().decode(encoded) == ("Some title", ref)


def test_inbound_links_of_every_kind_sort_and_come_back_null():
    """A non-prose link has no place: NO_PLACE in the sample's tuples (None would not sort
    against ints), null again in the row."""
    refs = [linking.link_ref(7, 0, "prose", 1, 2, 3),
            linking.link_ref(7, 1, "list", None, None, None),
            linking.link_ref(5, 0, "template", None, None, None)]
    count, kept = linking.sample_inbound(9, [linking.inbound_link(r) for r in refs], 10)
    assert count == 3 and kept == [(5, "template", -1, -1, -1), (7, "list", -1, -1, -1),
                                   (7, "prose", 1, 2, 3)]
    assert [linking.inbound_row(link) for link in kept[1:]] == [
        {"source_id": 7, "kind": "list", "section": None, "passage": None, "sentence": None},
        {"source_id": 7, "kind": "prose", "section": 1, "passage": 2, "sentence": 3}]


def test_loose_space_precheck_never_misses_a_match():
    """The paragraph cleanup skips its whitespace pass when the cheap check says it cannot
    match: that must hold for every whitespace character of Unicode, alone or next to a space."""
    from pipeline.wikitext import _LOOSE_SPACE, _may_have_loose_space

    texts = ["plain ascii text, one space each.", "two  spaces", "caf\u00e9 \u2013 na\u00efve",
             "zero\u200bwidth", "\x00 control"]
    for code in range(0x110000):
        char = chr(code)
        if char.isspace() or code < 0x80:
            texts += [f"a{char}b", f"a {char}b", f"a{char} b"]
    for text in texts:
        if _LOOSE_SPACE.search(text):
            assert _may_have_loose_space(text), repr(text)
