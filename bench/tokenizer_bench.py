"""Which tensorflow-text tokenizer should the project use, and is the pipeline's call fast enough?

Tokens per second on one core, on every sentence of the Wikipedia sample, with the bert-base-uncased
vocabulary, best of `--repeat` passes after a warm-up pass:
- tensorflow-text FastBertTokenizer and BertTokenizer: one batch of all sentences (list in,
  RaggedTensor of ids out);
- HuggingFace `tokenizers` BertWordPieceTokenizer.encode_batch (the same), single-threaded;
- the pipeline's call, `WordPieceTokenizer.tokenize`: one call per article (all its sentences),
  Python lists of ids out, as the pairs DoFn uses it; and variants of it that show where its time
  goes (rows marked "variant").
The process is pinned to one CPU (the syscall behind `taskset`), TensorFlow runs with one intra-op
and one inter-op thread, and Rayon (HuggingFace) with one thread. The script also checks that the
candidates give the same ids.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/tokenizer_bench.py [--repeat 10] [--cpu 0]
"""
from __future__ import annotations

import os

# Before TensorFlow or tokenizers load: Keras 2 for tf-models-official, one thread everywhere.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclasses.dataclass
class Candidate:
    name: str
    what: str
    run: Callable[[], Any]  # tokenizes the whole corpus once
    count_tokens: Callable[[Any], int]  # tokens in run()'s output


@dataclasses.dataclass
class Row:
    candidate: Candidate
    tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


def article_rows(dump: pathlib.Path) -> list[dict]:
    """The corpus rows of the articles of a dump, as the corpus stage writes them."""
    from pipeline.corpus_rows import article_row, staged_article
    from pipeline.dump_reader import iter_pages, read_siteinfo
    from pipeline.parse_page import parse_page
    from pipeline.records import Article, RawPage

    site = read_siteinfo(str(dump))
    results = (parse_page(page, site) for page in iter_pages(str(dump))
               if isinstance(page, RawPage))
    return [article_row(staged_article(result), {}, [], 0) for result in results
            if isinstance(result, Article)]


def one_thread(cpu: int) -> None:
    """Pins the process to one CPU and TensorFlow to one thread per pool."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


@dataclasses.dataclass
class Tokenizers:
    """The contenders, built once with the same vocabulary."""

    ours: Any  # pipeline.tokenizer.WordPieceTokenizer (FastBertTokenizer inside)
    bert: Callable  # tensorflow-text BertTokenizer: strings -> RaggedTensor of ids
    hf: Any  # tokenizers.BertWordPieceTokenizer


def build_tokenizers(vocab_path: str) -> Tokenizers:
    from tokenizers import BertWordPieceTokenizer

    from pipeline.tokenizer import TokenizerSpec, make_tf_tokenizer

    ours = TokenizerSpec(vocab_path, lower_case=True).build()
    return Tokenizers(ours=ours, bert=make_tf_tokenizer(ours.vocab, lower_case=True, kind="bert"),
                      hf=BertWordPieceTokenizer(vocab_path, lowercase=True))


def candidates(articles: list[list[str]], tokenizers: Tokenizers) -> list[Candidate]:
    import tensorflow as tf

    ours, bert, hf = tokenizers.ours, tokenizers.bert, tokenizers.hf
    sentences = [sentence for article in articles for sentence in article]
    in_tf_function = tf.function(ours.tf_tokenize,
                                 input_signature=[tf.TensorSpec([None], tf.string)])

    def ragged_tokens(ragged) -> int:
        return int(ragged.flat_values.shape[0])

    def nested_tokens(batches) -> int:
        return sum(len(ids) for batch in batches for ids in batch)

    def per_article(tokenize_one):
        return lambda: [tokenize_one(article) for article in articles]

    return [
        Candidate("tensorflow-text FastBertTokenizer", "one batch of all sentences -> RaggedTensor",
                  lambda: ours.tf_tokenize(tf.constant(sentences)), ragged_tokens),
        Candidate("tensorflow-text BertTokenizer", "one batch of all sentences -> RaggedTensor",
                  lambda: bert(tf.constant(sentences)), ragged_tokens),
        Candidate("HuggingFace tokenizers BertWordPieceTokenizer",
                  "encode_batch of all sentences -> Encodings",
                  lambda: hf.encode_batch(sentences, add_special_tokens=False),
                  lambda encodings: sum(len(encoding.ids) for encoding in encodings)),
        Candidate("**pipeline call**: WordPieceTokenizer.tokenize",
                  "one call per article -> Python lists (RaggedTensor.to_list())",
                  per_article(ours.tokenize), nested_tokens),
        Candidate("variant: same, ids left in the RaggedTensor", "one call per article",
                  per_article(lambda article: ours.tf_tokenize(tf.constant(article))),
                  lambda raggeds: sum(ragged_tokens(ragged) for ragged in raggeds)),
        Candidate("variant: same, lists built from flat_values + row_splits",
                  "one call per article -> Python lists",
                  per_article(lambda article: lists_from_splits(ours.tf_tokenize(
                      tf.constant(article)))), nested_tokens),
        Candidate("variant: same, ops inside a tf.function",
                  "one call per article -> Python lists",
                  per_article(lambda article: in_tf_function(article).to_list()), nested_tokens),
    ]


def job_dofn(rows: list[dict], vocab_path: str) -> Candidate:
    """The tokenizing step of the job as Beam runs it: the DoFn over one bundle of article rows,
    with the Sentence records it builds for packing (DoFn overhead included)."""
    from pipeline.pairs_stage import TokenizeArticles

    dofn = TokenizeArticles(lower_case=True, max_title_tokens=32)
    dofn.setup()

    def tokens(outputs) -> int:
        return sum(len(sentence.ids) for article, _ in outputs for section in article.sections
                   for paragraph in section.paragraphs for sentence in paragraph)

    def run():
        dofn.start_bundle()
        outputs = [out for row in rows for out in dofn.process(row, vocab_path)]
        return outputs + [windowed.value for windowed in dofn.finish_bundle()]

    return Candidate("**the job's DoFn**: TokenizeArticles.process",
                     "article rows, batched per tokenizer call -> TokenizedArticle", run, tokens)


def lists_from_splits(ragged) -> list[list[int]]:
    """RaggedTensor -> lists by slicing one flat Python list at the row splits."""
    values, splits = ragged.flat_values.numpy().tolist(), ragged.row_splits.numpy().tolist()
    return [values[start:end] for start, end in zip(splits, splits[1:])]


def agreement(articles: list[list[str]], tokenizers: Tokenizers) -> str:
    """How many sentences get ids different from FastBertTokenizer's (all sentences, one batch)."""
    import tensorflow as tf

    sentences = [sentence for article in articles for sentence in article]
    reference = tokenizers.ours.tokenize(sentences)
    others = {
        "BertTokenizer": tokenizers.bert(tf.constant(sentences)).to_list(),
        "HuggingFace": [encoding.ids for encoding in tokenizers.hf.encode_batch(
            sentences, add_special_tokens=False)],
        "pipeline call (per article)": [ids for article in articles
                                        for ids in tokenizers.ours.tokenize(article)],
    }
    counts = ", ".join(f"{name} {sum(a != b for a, b in zip(reference, ids))}"
                       for name, ids in others.items())
    return f"sentences (of {len(sentences):,}) whose ids differ from FastBertTokenizer's: {counts}"


def time_candidates(candidates: list[Candidate], repeat: int) -> list[Row]:
    """Best of `repeat` passes each, after a warm-up pass (traces, caches, allocations).

    Passes go round-robin over the candidates, so a burst of load from other processes on a
    shared machine slows one pass of each rather than all passes of one.
    """
    tokens = [candidate.count_tokens(candidate.run()) for candidate in candidates]
    best = [float("inf")] * len(candidates)
    for _ in range(repeat):
        for index, candidate in enumerate(candidates):
            gc.collect()
            started = time.perf_counter()
            candidate.run()
            best[index] = min(best[index], time.perf_counter() - started)
    return [Row(*fields) for fields in zip(candidates, tokens, best)]


def table(rows: list[Row]) -> str:
    hf = next(row for row in rows if row.candidate.name.startswith("HuggingFace"))
    lines = ["| tokenizer | what is timed | tokens | best pass (s) | tokens/s | vs HuggingFace |",
             "|---|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row.candidate.name} | {row.candidate.what} | {row.tokens:,} "
                     f"| {row.seconds:.3f} | {row.tokens_per_s:,.0f} "
                     f"| {row.tokens_per_s / hf.tokens_per_s:.2f}x |")
    return "\n".join(lines)


def machine() -> str:
    from importlib.metadata import version

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from corpus_bench import machine as machine_and_load

    return (f"{machine_and_load()}, tensorflow-text {version('tensorflow-text')}, "
            f"tokenizers {version('tokenizers')}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=pathlib.Path, default=None,
                        help="a pages-articles .xml.bz2 (default: the project's sample)")
    parser.add_argument("--vocab", default=None, help="BERT vocab.txt (default: bert-base-uncased)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin the process to")
    args = parser.parse_args(argv)
    from pipeline.sample_data import bert_uncased_vocab_path, sample_path

    dump = args.dump or sample_path()
    vocab_path = args.vocab or str(bert_uncased_vocab_path())
    one_thread(args.cpu)
    from schemas.corpus import row_sentences

    rows = article_rows(dump)
    articles = [row_sentences(row) for row in rows]
    sentences = sum(len(article) for article in articles)
    size = sum(len(s.encode("utf-8")) for article in articles for s in article) / 1e6
    print(f"corpus: {len(articles)} articles, {sentences:,} sentences, {size:.2f} MB "
          f"from {dump.name}; {machine()}", file=sys.stderr)
    tokenizers = build_tokenizers(vocab_path)
    print(agreement(articles, tokenizers), file=sys.stderr)
    contenders = candidates(articles, tokenizers) + [job_dofn(rows, vocab_path)]
    print(table(time_candidates(contenders, args.repeat)))


if __name__ == "__main__":
    main()
