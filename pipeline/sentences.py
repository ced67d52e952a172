"""The project's one sentence splitter: paragraph text -> character spans of its sentences.

Chosen by measurement (bench/sentence_bench.py; table and reasons in bench/README.md): one
regular expression finds every place a sentence could end, and a few rules about the word before
and the word after reject the false ones ("U.S. Congress", "Dr. Hugh", "J. R. R. Tolkien",
"No. 5", "e.g. Siberia", "c. 1100", "Jr. was"). On hand-labelled Wikipedia paragraphs it beats
blingfire, pysbd, syntok and Punkt, and it is faster than all of them: pure Python, no model file,
deterministic, nothing to load.

Spans rather than strings, because the caller places hyperlinks inside sentences by offset.
"""
from __future__ import annotations

import re
from typing import Iterator

Span = tuple[int, int]

_TERMINATORS = ".!?…‼⁇⁈⁉।॥؟۔։።။。！？｡"
# Chinese and Japanese put no space between sentences.
_UNSPACED_TERMINATORS = frozenset("。！？｡")
_CLOSERS = "\"'”’»)]}」』）"
_OPENERS = "\"'“‘«([{¿¡「『（"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on

# A run of terminators, the quotes and brackets it closes and the space after it; or a line break.
_CANDIDATE = re.compile(
    rf"(?P<stop>[{re.escape(_TERMINATORS)}]+)(?P<close>[{re.escape(_CLOSERS)}]*)"
    rf"(?P<space>[^\S{_LINE_BREAKS}]*)"
    rf"|(?P<line>[{_LINE_BREAKS}])"
)
# Where a candidate can start: a plain character class, which the regex engine skips to fast,
# while _CANDIDATE's alternation is tried at every position (most of the splitter's time).
_CANDIDATE_START = re.compile(rf"[{re.escape(_TERMINATORS)}{_LINE_BREAKS}]")
_NEXT_WORD = re.compile(rf"[{re.escape(_OPENERS)}]*(\w*)")
_WORD_CHAR = re.compile(r"\w")
# What cannot start a sentence: the text's end, or punctuation that continues one ('..." .').
_NOT_A_START = frozenset(("", *_CLOSERS, *_TERMINATORS, ",", ";", ":"))
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")  # U.S, D.C, B.C.E, Ph.D, p.m

# Abbreviations that do not end a sentence whatever follows: titles, "e.g.", "c. 1100", "vs.".
_NEVER_FINAL = frozenset(
    "mr mrs ms messrs dr prof st mt rev hon gen col lt capt cmdr adm brig maj sgt cpl gov sen rep "
    "pres fr vs v e.g i.e cf viz c ca approx".split()
)
# Abbreviations that do not end a sentence before a number: "No. 5", "pp. 3", "Jan. 12".
_BEFORE_NUMBER = frozenset(
    "no nos vol vols pp p fig figs art ch sec op jan feb mar apr jun jul aug sep sept oct nov dec"
    .split()
)
# Words whose full stop ends a sentence only before a word that usually starts one: "lowest in the
# U.S. The current ..." ends, "the U.S. Congress" does not. Initials and dotted acronyms count too.
_RARELY_FINAL = frozenset("jr sr al".split())
_SENTENCE_STARTERS = frozenset(
    "a an the this that these those it its he she they we i you his her their our my there here "
    "in on at as after before by for from with without during since until while when where once "
    "although though however but and or yet so thus then also today later meanwhile if some many "
    "most other others both each all another such one two three several".split()
)


def split_sentences(text: str) -> list[Span]:
    """Character spans (start, end) of the sentences of `text`, in order.

    Spans exclude the whitespace around sentences and together cover every other character, so
    the caller finds any link anchor in exactly one sentence. Blank text gives []."""
    spans: list[Span] = []
    start = 0
    for end in _sentence_ends(text):
        _append_trimmed(spans, text, start, end)
        start = end
    _append_trimmed(spans, text, start, len(text))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of `text` as strings (see `split_sentences`)."""
    return [text[start:end] for start, end in split_sentences(text)]


def rejects_end(text: str, end: int) -> bool:
    """Whether these rules say a sentence does not end at `end` (just after a terminator and the
    quotes or brackets it closes). The benchmark post-fixes other splitters' cuts with it."""
    stop_start = end
    while stop_start > 0 and text[stop_start - 1] in _CLOSERS:
        stop_start -= 1
    while stop_start > 0 and text[stop_start - 1] in _TERMINATORS:
        stop_start -= 1
    match = _CANDIDATE.match(text, stop_start)
    return bool(match and match.group("stop") and not _ends_sentence(text, match))


def _sentence_ends(text: str) -> Iterator[int]:
    """The offsets where sentences end: after their closing quotes and brackets. A sentence
    needs a word: a leading "..." joins the sentence it introduces."""
    last_end = 0
    for match in _candidates(text):
        if match.group("line") is not None:
            last_end = match.start()
            yield last_end
        elif (_ends_sentence(text, match)
              and _WORD_CHAR.search(text, last_end, match.start()) is not None):
            last_end = match.end("close")
            yield last_end


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """`_CANDIDATE.finditer(text)`, faster: every match starts at a terminator or a line break,
    so each is the match at the next such character after the one before."""
    search, match = _CANDIDATE_START.search, _CANDIDATE.match
    start = search(text)
    while start is not None:
        candidate = match(text, start.start())
        yield candidate
        start = search(text, candidate.end())


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether a run of terminators ends a sentence, judging by the words on both sides."""
    stop = match.group("stop")
    after = match.end()
    if after == len(text):
        return False  # the end of the text ends the sentence anyway
    if not match.group("space") and not _may_end_unspaced(text, match):
        return False  # "3.14", "U.S.", "Budd!es", '"...Turing's'
    next_word = _NEXT_WORD.match(text, after)
    first_char = next_word.group(1)[:1] or text[next_word.end():next_word.end() + 1]
    if first_char.islower() or first_char in _NOT_A_START:
        return False  # "Jr. was", 'better!" as', "Turing... that"
    if stop != "." or match.group("close"):
        return True  # "?", "!", "..", "...", or a full stop after a closing quote or bracket
    return not _is_abbreviation(_word_before(text, match.start()), text, next_word)


def _may_end_unspaced(text: str, match: re.Match[str]) -> bool:
    """Chinese and Japanese write no space after a sentence; an ellipsis is often typed unspaced
    after a word ("French….They"), but not one opening a quotation ('"...Turing's')."""
    stop = match.group("stop")
    if stop[-1] in _UNSPACED_TERMINATORS:
        return True
    before = text[match.start() - 1:match.start()]
    after_a_word = before not in ("", *_OPENERS) and not before.isspace()
    return after_a_word and ("…" in stop or "..." in stop)


def _word_before(text: str, end: int) -> str:
    """The word ending at `end`, without the quotes or brackets opening it."""
    window = text[max(0, end - 40):end]
    if not window or window[-1].isspace():
        return ""
    return window.rsplit(None, 1)[-1].lstrip(_OPENERS)


def _is_abbreviation(word: str, text: str, next_word: re.Match[str]) -> bool:
    """Whether the full stop after `word` is an abbreviation's rather than a sentence's end."""
    if word.endswith(tuple(_CLOSERS)):
        return False  # 'aboard the "St. Peter". After'
    if len(word) == 1 and word.isupper():  # an initial, "Lyndon B. Johnson"; not "p. 5"
        return not _usually_starts_sentence(text, next_word)
    key = word.lower()
    if key in _NEVER_FINAL:  # before the acronyms: "e.g. The Beatles"
        return True
    if key in _BEFORE_NUMBER:
        return next_word.group(1)[:1].isdigit()
    if key in _RARELY_FINAL or _DOTTED_ACRONYM.fullmatch(word):
        return not _usually_starts_sentence(text, next_word)
    return False


def _usually_starts_sentence(text: str, next_word: re.Match[str]) -> bool:
    """Whether the next word is one that often starts a sentence ("The", "In", "He"), and not an
    initial itself ("J. A. Smith")."""
    word = next_word.group(1)
    if len(word) == 1 and text[next_word.end():next_word.end() + 1] == ".":
        return False
    return word.lower() in _SENTENCE_STARTERS


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    """Append text[start:end] as a span without its surrounding whitespace, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
