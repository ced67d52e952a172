"""The lead of every sample article against an extraction of the lead made without the project's
stripping: the text before the first heading line of the raw wikitext, as mwparserfromhell's own
`strip_code()` shows it once templates, comments, references, hidden tags, tables, file and
category links are removed. Lists are left out of both (they are not prose, by design).

What must hold: every sentence of our lead is in the independent lead (the same words in the
same order, case and punctuation aside), and when that lead has some prose (20 words or more),
ours holds nearly all of its words: nothing the page shows in its lead is lost. "Nearly": the
sentence ending in ':' that introduces a dropped list or formula goes by design (as in
"Afroasiatic languages", "Affirming the consequent"; the whole 4-word lead of "Transport in
Angola" is one), and a template that mwparserfromhell cannot parse leaves its parameters in the
independent text ("Algae")."""
from __future__ import annotations

import re

from pipeline.parse_page import page_fields
from pipeline.records import Article, RawPage

HEADING_LINE = re.compile(r"^=+[^\n]*=+[ \t]*$", re.M)
LIST_LINE = re.compile(r"^[*#;:][^\n]*$", re.M)
HIDDEN_TAGS = {"ref", "references", "includeonly", "math", "chem", "ce", "gallery", "imagemap",
               "nowiki", "pre", "source", "syntaxhighlight", "score", "timeline", "templatestyles"}
NOT_TEXT_LINKS = {"file", "image", "media", "category"}
WORD = re.compile(r"\w+")
MIN_COVERAGE = 0.9  # our lead's words / the independent lead's words...
MIN_PROSE_WORDS = 20  # ...for an independent lead of at least this many words


def independent_lead(wikitext: str) -> str:
    import mwparserfromhell
    from mwparserfromhell import nodes

    heading = HEADING_LINE.search(wikitext)
    code = mwparserfromhell.parse(LIST_LINE.sub("", wikitext[:heading.start() if heading else None]))
    for node in code.filter(recursive=True):
        if isinstance(node, nodes.Tag):
            drop = str(node.tag).lower() in HIDDEN_TAGS or node.wiki_markup == "{|"
        elif isinstance(node, nodes.Wikilink):
            prefix, colon, _ = str(node.title).strip().partition(":")
            drop = bool(colon) and (prefix.strip().lower() in NOT_TEXT_LINKS
                                    or re.fullmatch(r"[a-z]{2,3}(-[a-z]+)*", prefix.strip()))
        else:
            drop = isinstance(node, (nodes.Template, nodes.Comment, nodes.Argument))
        if drop:
            try:
                code.remove(node)
            except ValueError:  # inside a node removed before it
                pass
    return code.strip_code()


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _lead_checks(sample_pages, sample_results):
    for page in sample_pages:
        if not isinstance(page, RawPage):
            continue
        fields = page_fields(page.xml)
        article = sample_results.get(fields.title)
        if not isinstance(article, Article):
            continue
        theirs = words(independent_lead(fields.text))
        ours = [s for passage in article.sections[0].passages for s in passage]
        yield fields.title, theirs, ours


def test_every_sentence_of_every_lead_is_in_the_page_lead(sample_pages, sample_results):
    checked, not_found = 0, []
    for title, theirs, ours in _lead_checks(sample_pages, sample_results):
        text = f" {' '.join(theirs)} "
        not_found += [(title, s) for s in ours if f" {' '.join(words(s))} " not in text]
        checked += len(ours)
    assert not_found == [] and checked > 500


def test_no_lead_loses_its_text(sample_pages, sample_results):
    """"Agricultural science" lost its whole lead to the <onlyinclude> around it; "Ambiguity"
    lost the text of its links to Wiktionary."""
    short = {}
    for title, theirs, ours in _lead_checks(sample_pages, sample_results):
        n_ours = sum(len(words(s)) for s in ours)
        if len(theirs) >= MIN_PROSE_WORDS and n_ours < MIN_COVERAGE * len(theirs):
            short[title] = (n_ours, len(theirs))
    assert short == {}
