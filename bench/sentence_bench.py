"""Which sentence splitter should the pipeline use? Measure quality and speed of the candidates.

Quality: the hand-labelled paragraphs of `sentence_cases.py`; boundary precision / recall / F1
(micro-averaged over the cases) and the share of paragraphs split exactly right, separately for
the cases the project's rules were written against and for the held-out ones.
Speed: every paragraph of the Wikipedia sample (markup stripped roughly by regex; the text only
has to look like Wikipedia prose for timing), one thread, after a warm-up, best of `--repeat`
passes. Each splitter is timed on its own native output (strings or spans); turning strings into
spans for scoring is not timed.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/sentence_bench.py [--dump PATH] [--repeat 3] [--only NAME] [--errors]
"""
from __future__ import annotations

import argparse
import bz2
import dataclasses
import gc
import html
import pathlib
import re
import sys
import time
from typing import Any, Callable, Iterable, Sequence

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sentence_cases import CASES, HELD_OUT, Case  # noqa: E402

Span = tuple[int, int]


# --- scoring -------------------------------------------------------------------------------------

def trimmed_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans without surrounding whitespace, empty ones dropped: splitters differ on both."""
    result = []
    for start, end in spans:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            start += len(piece) - len(piece.lstrip())
            result.append((start, start + len(stripped)))
    return result


def spans_of_pieces(text: str, pieces: Iterable[str]) -> list[Span]:
    """Locate sentence strings in `text`, in order, matching non-space characters only (splitters
    that return strings may normalise whitespace)."""
    spans = []
    pos = 0
    for piece in pieces:
        wanted = "".join(piece.split())
        if not wanted:
            continue
        start = None
        for char in wanted:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos == len(text) or text[pos] != char:
                raise ValueError(f"sentence {piece!r} does not continue the text at {pos}")
            start = pos if start is None else start
            pos += 1
        spans.append((start, pos))
    return spans


def spans_between_cuts(text: str, cuts: Sequence[int]) -> list[Span]:
    """The trimmed pieces of `text` between sorted cut offsets."""
    return trimmed_spans(text, zip([0, *cuts], [*cuts, len(text)]))


def sentence_starts(spans: Sequence[Span]) -> set[int]:
    """Boundaries of a split: where every sentence but the first starts."""
    return {start for start, _ in spans[1:]}


@dataclasses.dataclass
class Quality:
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0
    exact: int = 0
    cases: int = 0
    errors: list[tuple[Case, list[str]]] = dataclasses.field(default_factory=list)

    def add(self, case: Case, predicted_spans: list[Span]) -> None:
        expected = sentence_starts(spans_of_pieces(case.text, case.sentences))
        predicted = sentence_starts(predicted_spans)
        self.true_positives += len(expected & predicted)
        self.predicted += len(predicted)
        self.expected += len(expected)
        self.cases += 1
        got = [case.text[start:end] for start, end in predicted_spans]
        if got == list(case.sentences):
            self.exact += 1
        else:
            self.errors.append((case, got))

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_share(self) -> float:
        return self.exact / self.cases if self.cases else 1.0


def score(split: Callable[[str], list[Span]], cases: Iterable[Case] = CASES) -> Quality:
    """Quality of a text -> spans splitter on the labelled cases."""
    quality = Quality()
    for case in cases:
        quality.add(case, trimmed_spans(case.text, split(case.text)))
    return quality


# --- the candidates ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Splitter:
    """`run` is what gets timed (the library's own call); `spans` turns its output into spans."""

    name: str
    run: Callable[[str], Any]
    spans: Callable[[str, Any], list[Span]]

    def split(self, text: str) -> list[Span]:
        return self.spans(text, self.run(text))


def _given_spans(text: str, output: Any) -> list[Span]:
    return list(output)


def _project_splitter() -> Splitter:
    from pipeline.sentences import split_sentences

    return Splitter("regex + rules (pipeline.sentences)", split_sentences, _given_spans)


_NAIVE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]*[A-Z0-9])")


def naive_regex(text: str) -> list[Span]:
    """The simplest splitter: a full stop, "?" or "!" before a capitalised word, no exceptions."""
    return spans_between_cuts(text, [match.end() for match in _NAIVE_END.finditer(text)])


def _naive_splitter() -> Splitter:
    return Splitter("regex, no rules", naive_regex, _given_spans)


_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _blingfire_spans(text: str) -> list[Span]:
    import blingfire

    if not text.strip():  # blingfire's wrapper fails on "" and returns a span of blank text
        return []
    return blingfire.text_to_sentences_and_offsets(text)[1]


def _blingfire_splitter() -> Splitter:
    return Splitter("blingfire", _blingfire_spans, _given_spans)


def blingfire_fixed(text: str) -> list[Span]:
    """blingfire's cuts, minus those the project's rules reject ("U.S. Congress", initials),
    plus cuts at line breaks."""
    from pipeline.sentences import rejects_end

    cuts = {end for _, end in _blingfire_spans(text)[:-1] if not rejects_end(text, end)}
    cuts.update(match.start() for match in _LINE_BREAK.finditer(text))
    return spans_between_cuts(text, sorted(cuts))


def _blingfire_fixed_splitter() -> Splitter:
    return Splitter("blingfire + rules", blingfire_fixed, _given_spans)


def _pysbd_splitter() -> Splitter:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return Splitter("pysbd", segmenter.segment, spans_of_pieces)


def _syntok_splitter() -> Splitter:
    from syntok import segmenter

    def run(text: str) -> list[list[list]]:
        return [[list(sentence) for sentence in paragraph] for paragraph in segmenter.analyze(text)]

    def spans(text: str, paragraphs: list[list[list]]) -> list[Span]:
        return [(tokens[0].offset, tokens[-1].offset + len(tokens[-1].value))
                for paragraph in paragraphs for tokens in paragraph if tokens]

    return Splitter("syntok", run, spans)


def _punkt_untrained_splitter() -> Splitter:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    tokenizer = PunktSentenceTokenizer()
    return Splitter("nltk punkt, untrained",
                    lambda text: list(tokenizer.span_tokenize(text)), _given_spans)


def _punkt_trained_splitter(corpus: Sequence[str]) -> Splitter:
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train("\n\n".join(corpus), finalize=True)
    tokenizer = PunktSentenceTokenizer(trainer.get_params())
    return Splitter("nltk punkt, trained on sample",
                    lambda text: list(tokenizer.span_tokenize(text)), _given_spans)


def candidates(corpus: Sequence[str]) -> list[Splitter]:
    return [
        _project_splitter(),
        _naive_splitter(),
        _blingfire_splitter(),
        _blingfire_fixed_splitter(),
        _pysbd_splitter(),
        _syntok_splitter(),
        _punkt_untrained_splitter(),
        _punkt_trained_splitter(corpus),
    ]


# --- the speed corpus ----------------------------------------------------------------------------

_PAGE_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)
_STRIP = tuple((re.compile(pattern, flags), replacement) for pattern, flags, replacement in (
    (r"<!--.*?-->", re.S, ""),
    (r"<ref[^>]*/>", 0, ""),
    (r"<ref[^>]*>.*?</ref>", re.S, ""),
    (r"<(math|gallery|timeline)[^>]*>.*?</\1>", re.S, ""),
    (r"<[^>]+>", 0, ""),
    (r"\[https?://[^\s\]]+ ?([^\]]*)\]", 0, r"\1"),
    (r"'{2,}", 0, ""),
))
_INNERMOST_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}|\{\|[^{}]*?\|\}")
_INNERMOST_LINK = re.compile(r"\[\[([^\[\]]*)\]\]")
_NOT_PROSE_LINE = re.compile(r"^[=*#:;|!{}\[].*$", re.M)


def wikitext_paragraphs(dump: pathlib.Path, min_chars: int = 20) -> list[str]:
    """Roughly cleaned paragraphs of every article of a dump, whitespace collapsed as the
    pipeline does: prose for timing, not for training."""
    with bz2.open(dump, "rt", encoding="utf-8") as handle:
        xml = handle.read()
    paragraphs = []
    for page in _PAGE_TEXT.finditer(xml):
        wikitext = html.unescape(page.group(1))
        if wikitext.lstrip()[:9].lower() == "#redirect":
            continue
        for block in re.split(r"\n\s*\n", _strip_markup(wikitext)):
            paragraph = " ".join(block.split())
            if len(paragraph) >= min_chars and any(char.isalpha() for char in paragraph):
                paragraphs.append(paragraph)
    return paragraphs


def _strip_markup(wikitext: str) -> str:
    text = _remove_innermost(_INNERMOST_TEMPLATE, wikitext, lambda match: "")
    text = _remove_innermost(_INNERMOST_LINK, text, _link_text)
    for pattern, replacement in _STRIP:
        text = pattern.sub(replacement, text)
    return _NOT_PROSE_LINE.sub("", text)


def _remove_innermost(pattern: re.Pattern[str], text: str, replace) -> str:
    """Apply `pattern` until nothing changes, so nested constructs go from the inside out."""
    while True:
        text, count = pattern.subn(replace, text)
        if not count:
            return text


def _link_text(match: re.Match[str]) -> str:
    target, _, label = match.group(1).rpartition("|")
    if re.match(r"\s*(file|image|category|[a-z]{2,3}(-[a-z]+)?)\s*:", target or label, re.I):
        return ""  # images, categories, interlanguage links
    return label


# --- timing and the table ------------------------------------------------------------------------

@dataclasses.dataclass
class Speed:
    seconds: float
    megabytes: float
    sentences: int

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.seconds


def time_splitter(splitter: Splitter, corpus: Sequence[str], repeat: int) -> Speed:
    """Best of `repeat` single-threaded passes over the corpus, after a warm-up pass over a
    slice of it; slow splitters (> 20 s a pass) get one pass."""
    for paragraph in corpus[:200]:
        splitter.run(paragraph)
    megabytes = sum(len(paragraph.encode("utf-8")) for paragraph in corpus) / 1e6
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        outputs = [splitter.run(paragraph) for paragraph in corpus]
        best = min(best, time.perf_counter() - started)
        if best > 20:
            break
    count = sum(len(splitter.spans(text, output)) for text, output in zip(corpus, outputs))
    return Speed(best, megabytes, count)


@dataclasses.dataclass
class Row:
    splitter: Splitter
    dev: Quality
    held_out: Quality
    speed: Speed


def table(rows: list[Row]) -> str:
    reference = next((row.speed for row in rows if row.splitter.name == "blingfire"),
                     rows[0].speed)
    lines = [
        f"| splitter | F1 ({len(CASES)} dev) | exact (dev) | F1 ({len(HELD_OUT)} held-out) "
        "| exact (held-out) | P / R (dev) | MB/s | sentences/s | speed vs blingfire |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda row: -row.dev.f1 - row.held_out.f1):
        dev, held_out, speed = row.dev, row.held_out, row.speed
        lines.append(
            f"| {row.splitter.name} | {dev.f1:.3f} | {100 * dev.exact_share:.1f}% "
            f"| {held_out.f1:.3f} | {100 * held_out.exact_share:.1f}% "
            f"| {dev.precision:.3f} / {dev.recall:.3f} | {speed.mb_per_s:.2f} "
            f"| {speed.sentences_per_s:,.0f} | {speed.mb_per_s / reference.mb_per_s:.2f}x |")
    return "\n".join(lines)


def _print_errors(splitter: Splitter, quality: Quality, cases: str) -> None:
    print(f"\n## {splitter.name}: {len(quality.errors)} {cases} paragraphs split differently")
    for case, got in quality.errors:
        print(f"- [{case.source}]")
        for line in got:
            print(f"    got      | {line}")
        for line in case.sentences:
            print(f"    expected | {line}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=pathlib.Path, default=None,
                        help="a pages-articles .xml.bz2 (default: the project's sample)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", action="append", help="run only splitters whose name has this")
    parser.add_argument("--errors", action="store_true", help="print the paragraphs split wrong")
    args = parser.parse_args(argv)
    if args.dump is None:
        from pipeline.sample_data import sample_path

        args.dump = sample_path()

    corpus = wikitext_paragraphs(args.dump)
    size = sum(len(paragraph.encode("utf-8")) for paragraph in corpus) / 1e6
    print(f"speed corpus: {len(corpus):,} paragraphs, {size:.2f} MB from {args.dump.name}; "
          f"quality: {len(CASES)} + {len(HELD_OUT)} labelled paragraphs, "
          f"{sum(len(case.sentences) for case in CASES + HELD_OUT)} sentences", file=sys.stderr)
    rows = []
    for splitter in candidates(corpus):
        if args.only and not any(part in splitter.name for part in args.only):
            continue
        row = Row(splitter, score(splitter.split, CASES), score(splitter.split, HELD_OUT),
                  time_splitter(splitter, corpus, args.repeat))
        print(f"  {splitter.name}: F1 {row.dev.f1:.3f} / {row.held_out.f1:.3f}, "
              f"{row.speed.mb_per_s:.2f} MB/s", file=sys.stderr)
        rows.append(row)
        if args.errors:
            _print_errors(splitter, row.dev, "dev")
            _print_errors(splitter, row.held_out, "held-out")
    print(table(rows))


if __name__ == "__main__":
    main()
