"""Learning a WordPiece vocabulary from the corpus, in two stages as tensorflow/text's
`tools/wordpiece_vocab` does: words are counted in Beam (distributed, any corpus size), then the
counts of the frequent words go to one worker, where tensorflow-text's single-machine learner
(`wordpiece_tokenizer_learner_lib.learn`) picks the pieces.

Words are cut exactly as the tokenizer (`pipeline.tokenizer`, FastBertTokenizer) cuts text before
WordPiece: a vocabulary learned on differently split words would be broken for it.
"""
from __future__ import annotations

import collections
import functools
import logging
import re
import sys
import unicodedata
from typing import Iterable

import apache_beam as beam

from schemas.vocab import RESERVED_TOKENS, SUFFIX_INDICATOR

WordCount = tuple[str, int]

# BERT splits these ASCII symbols off as punctuation although Unicode does not class all of them
# as P* ('$', '+', '<', '=', '>', '^', '`', '|', '~').
ASCII_PUNCTUATION_RANGES = ((33, 47), (58, 64), (91, 96), (123, 126))
# CJK ideographs are words of their own (BERT's _is_chinese_char).
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt; Python's unicodedata lacks
# it). Lower-casing in tensorflow-text is ICU's NFKC_Casefold, which deletes these characters
# (soft hyphen, zero-width space, joiners, variation selectors, ...) instead of splitting there.
DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


# ---------------------------------------------------------------------------------------------
# Words: BERT's basic pre-tokenization


class _Patterns:
    """Regexes over Unicode categories, which Python's `re` cannot name (no \\p{P})."""

    def __init__(self):
        classes = _classify_code_points()
        self.word = re.compile(
            f"[{classes['split']}]|[^{classes['split']}{classes['space']}]+")
        self.control = re.compile(f"[{classes['control']}]")
        self.nonspacing_marks = re.compile(f"[{classes['mark']}]+")
        self.ignorable = re.compile(f"[{_class_of_ranges(DEFAULT_IGNORABLE_RANGES)}]+")


def _classify_code_points() -> dict[str, str]:
    """One pass over all of Unicode: regex character classes of the split characters
    (punctuation, BERT's ASCII symbols, CJK), whitespace, other control/format characters and
    non-spacing marks (the accents lower-casing strips)."""
    codes: dict[str, list[int]] = {"split": [], "space": [], "control": [], "mark": []}
    always_split = {code for start, end in ASCII_PUNCTUATION_RANGES + CJK_RANGES
                    for code in range(start, end + 1)}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category.startswith("P") or code in always_split:
            codes["split"].append(code)
        elif char.isspace():
            codes["space"].append(code)
        elif category in ("Cc", "Cf"):
            codes["control"].append(code)
        if category == "Mn":
            codes["mark"].append(code)
    return {name: _class_of_ranges(_ranges(found)) for name, found in codes.items()}


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    """Sorted code points -> (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def _class_of_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    """The inside of a regex character class, e.g. 'a-z_'."""
    return "".join(re.escape(chr(first)) if first == last
                   else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
                   for first, last in ranges)


@functools.cache
def _patterns() -> _Patterns:
    return _Patterns()  # built on first use (about a second), once per process


def lower_strip_accents(text: str) -> str:
    """tensorflow-text's lower-casing: NFKC_Casefold (so 'ß' -> 'ss', 'ﬁ' -> 'fi', ignorable
    characters deleted), then NFD and non-spacing marks removed ('é' -> 'e')."""
    if text.isascii():
        return text.lower()
    patterns = _patterns()
    text = patterns.ignorable.sub("", text)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return patterns.nonspacing_marks.sub("", unicodedata.normalize("NFD", text))


def words(text: str, lower_case: bool) -> list[str]:
    """The words the tokenizer hands to WordPiece: split on whitespace and on control characters,
    each punctuation character (Unicode P* plus BERT's ASCII symbols) and CJK ideograph a word of
    its own; lower-cased and accent-stripped first when `lower_case`.

    Matches FastBertTokenizer on every character Python's Unicode database knows (characters
    added to Unicode after Python's version may be classified differently).
    """
    if lower_case:
        text = lower_strip_accents(text)
    patterns = _patterns()
    return patterns.word.findall(patterns.control.sub(" ", text))


def count_words(texts: Iterable[str], lower_case: bool) -> collections.Counter:
    """Word counts of a corpus small enough for one process (what LearnVocab counts in Beam)."""
    counts: collections.Counter = collections.Counter()
    for text in texts:
        counts.update(words(text, lower_case))
    return counts


# ---------------------------------------------------------------------------------------------
# Learning


def prune_entry(word_count: WordCount, min_word_count: int) -> list[WordCount]:
    """A frequent word stays; a rare one becomes the counts of its characters.

    Dropping rare words keeps the counts that travel to the learner small; keeping their
    characters keeps every character of the corpus in the alphabet, so none becomes [UNK].
    """
    word, count = word_count
    if count >= min_word_count:
        return [word_count]
    return [(char, count) for char in word]


def prune_word_counts(word_counts: Iterable[WordCount], min_word_count: int) -> list[WordCount]:
    """`prune_entry` over all counts, merged by key: what LearnVocab gathers on one worker."""
    merged: collections.Counter = collections.Counter()
    for entry in word_counts:
        for key, count in prune_entry(entry, min_word_count):
            merged[key] += count
    return list(merged.items())


def learn_vocab(
    word_counts: Iterable[WordCount],
    vocab_size: int,
    *,
    reserved_tokens: Iterable[str] = RESERVED_TOKENS,
    lower_thresh: int = 10,
    upper_thresh: int = 10_000_000,
    num_iterations: int = 4,
    max_input_tokens: int = 5_000_000,
    max_token_length: int = 50,
    max_unique_chars: int = 1000,
    slack_ratio: float = 0.05,
) -> list[str]:
    """WordPiece tokens for these word counts: reserved tokens first ([PAD] = 0), then every
    character (alone and as '##' suffix), then pieces by count.

    `vocab_size` is a target: fewer tokens when the corpus is too small to fill it (a piece must be
    seen `lower_thresh` times), more when the alphabet alone (reserved tokens + each character
    twice) is larger or the threshold search hits `upper_thresh`; a warning says so.
    tensorflow-text's learner (its defaults; `learn_wordpieces`), with the counts sorted first so the
    result never depends on the order the counts arrived in.
    """
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    ordered = sorted(word_counts, key=lambda word_count: (-word_count[1], word_count[0]))
    if not ordered:
        raise ValueError("no words to learn a vocabulary from")
    params = learner.Params(
        upper_thresh, lower_thresh, num_iterations, max_input_tokens, max_token_length,
        max_unique_chars, vocab_size, slack_ratio, True, SUFFIX_INDICATOR, list(reserved_tokens))
    vocab = learn_wordpieces(ordered, params)
    if len(vocab) > vocab_size:
        logging.warning("learned %d WordPiece tokens, more than vocab_size=%d (alphabet of %d "
                        "characters)", len(vocab), vocab_size,
                        sum(1 for token in vocab if len(token) == 1))
    return vocab


def learn_wordpieces(word_counts: list[WordCount], params) -> list[str]:
    """tensorflow-text's `learn` (the same vocabulary, token for token), with its binary search
    over thresholds run by a `ThresholdLearner`, which counts the first iteration once."""
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    upper, lower = learner.get_search_threshs(word_counts, params.upper_thresh,
                                              params.lower_thresh)
    counts = learner.get_input_words(word_counts, params.reserved_tokens, params.max_token_length)
    allowed_chars = learner.get_allowed_chars(counts, params.max_unique_chars)
    counts = learner.filter_input_words(counts, allowed_chars, params.max_input_tokens)
    at_threshold = ThresholdLearner(counts, params)
    slack_count = max(params.slack_ratio * params.vocab_size, 0)
    while True:  # the library's learn_binary_search, as a loop
        thresh = (upper + lower) // 2
        vocab = at_threshold.learn(thresh)
        within_slack = (len(vocab) <= params.vocab_size
                        and params.vocab_size - len(vocab) <= slack_count)
        if within_slack or lower >= upper or thresh <= 1:
            return vocab
        if len(vocab) > params.vocab_size:
            lower = thresh + 1
        else:
            upper = thresh - 1


class ThresholdLearner:
    """tensorflow-text's `learn_with_thresh` for one list of word counts at many thresholds.

    The library's binary search relearns from scratch at each threshold (a dozen times), and its
    first iteration, which counts every substring of every word, costs most. That iteration does
    not depend on the threshold: it counts all substrings and takes each piece's count off its
    prefixes whatever the threshold, and only then keeps the pieces at or above it. So its counts
    are computed once, and each threshold only filters them. Every iteration is the library's
    algorithm, its prefix bookkeeping done cheaper (`_final_counts`); tests/test_vocab.py checks
    the vocabularies equal to the library's.
    """

    def __init__(self, word_counts: list[WordCount], params):
        from tensorflow_text.tools.wordpiece_vocab import (
            wordpiece_tokenizer_learner_lib as learner)

        self.learner, self.word_counts, self.params = learner, word_counts, params
        self.char_tokens = learner.extract_char_tokens(word_counts)
        self._first_counts: list[WordCount] | None = None

    def learn(self, thresh: int) -> list[str]:
        learner, params = self.learner, self.params
        curr_tokens = learner.ensure_all_tokens_exist(
            self.char_tokens, {}, params.include_joiner_token, params.joiner)
        for iteration in range(params.num_iterations):
            counts = (self._first_iteration() if iteration == 0
                      else self._final_counts(self._subtoken_counts(curr_tokens)))
            next_tokens = {token: count for token, count in counts if count >= thresh}
            curr_tokens = learner.ensure_all_tokens_exist(
                self.char_tokens, next_tokens, params.include_joiner_token, params.joiner)
        return learner.generate_final_vocabulary(params.reserved_tokens, self.char_tokens,
                                                 curr_tokens)

    def _first_iteration(self) -> list[WordCount]:
        if self._first_counts is None:
            self._first_counts = self._final_counts(self._subtoken_counts(None))
        return self._first_counts

    def _subtoken_counts(self, curr_tokens: dict | None) -> list[dict[str, int]]:
        """Counts of the substrings of every word, by length, that start where a piece of
        `curr_tokens` starts (None: at every character, the first iteration)."""
        params = self.params
        joiner = params.joiner if params.include_joiner_token else ""
        subtokens = [collections.defaultdict(int) for _ in range(params.max_token_length + 1)]
        for word, count in self.word_counts:
            if curr_tokens is None:
                split_indices = range(1, len(word) + 1)
            else:
                split_indices = self.learner.get_split_indices(
                    word, curr_tokens, params.include_joiner_token, params.joiner)
                if not split_indices:
                    continue
            start = 0
            for index in split_indices:
                # The pieces starting at `start` are the prefixes of `tail` (joiner included).
                tail, skip = (joiner + word[start:], len(joiner)) if start > 0 else (word, 0)
                for length in range(1, len(word) - start + 1):
                    subtokens[length][tail[:skip + length]] += count
                start = index
        return subtokens

    def _final_counts(self, subtokens: list[dict[str, int]]) -> list[WordCount]:
        """(piece, its count less the counts of its longer extensions), longest pieces first: the
        counts the library compares with the threshold, in its order.

        The library takes each piece's (already reduced) count off every shorter prefix, which
        costs a slice and a look-up per prefix. The result is the same as taking each piece's
        own count off its parent, the prefix one character shorter, only: a piece's reduced
        count plus all that was taken off it is its own count. Every prefix of a counted piece
        is counted (its substrings are counted for every end), so no chain breaks."""
        final: list[WordCount] = []
        taken = collections.defaultdict(int)  # piece -> the counts of its one-longer extensions
        for length in range(self.params.max_token_length, 0, -1):
            for token, count in subtokens[length].items():
                final.append((token, count - taken.get(token, 0)))
                if length > 1:
                    taken[token[:-1]] += count
        return final


class CountWordsPerBundle(beam.DoFn):
    """Texts -> (word, count) of each word of a bundle's texts, emitted when the bundle ends: one
    element per distinct word of a bundle instead of one per word of the corpus, which Beam
    would move and combine one by one (most of the cost of counting)."""

    def __init__(self, lower_case: bool):
        self.lower_case = lower_case

    def start_bundle(self):
        self.counts = collections.Counter()

    def process(self, text: str):
        self.counts.update(words(text, self.lower_case))

    def finish_bundle(self):
        from apache_beam.transforms.window import GlobalWindows

        for word_count in self.counts.items():
            yield GlobalWindows.windowed_value(word_count)
        self.counts = collections.Counter()


class LearnVocab(beam.PTransform):
    """PCollection of texts (sentences) -> singleton PCollection holding the vocab token list.

    Counting and pruning are distributed; only the pruned counts (frequent words plus the
    characters of rare ones) are gathered on one worker to learn. `learn_params` go to
    `learn_vocab`.
    """

    def __init__(self, vocab_size: int, lower_case: bool, min_word_count: int = 2,
                 **learn_params):
        super().__init__()
        self.vocab_size = vocab_size
        self.lower_case = lower_case
        self.min_word_count = min_word_count
        self.learn_params = learn_params

    def expand(self, texts):
        return (texts
                | "CountWords" >> beam.ParDo(CountWordsPerBundle(self.lower_case))
                | "SumCounts" >> beam.CombinePerKey(sum)
                | "PruneRareWords" >> beam.FlatMap(prune_entry, self.min_word_count)
                | "MergeCounts" >> beam.CombinePerKey(sum)
                | "GatherCounts" >> beam.combiners.ToList()
                | "Learn" >> beam.Map(learn_vocab, self.vocab_size, **self.learn_params))


def write_vocab(tokens: Iterable[str], path: str) -> str:
    """Writes a BERT vocab.txt (one token per line; local or gs://), visible only once complete,
    and returns its path."""
    from schemas.commit import write_bytes

    tokens = list(tokens)
    bad = [token for token in tokens if not token or "\n" in token or "\r" in token]
    if bad:
        raise ValueError(f"tokens that cannot be lines of vocab.txt: {bad[:5]!r}")
    return write_bytes(path, "".join(f"{token}\n" for token in tokens).encode("utf-8"))
