"""ReQA throughput on CPU: the `tiny` towers' candidates/s encoded and questions/s answered, and
BM25's index and query times (bm25s, the project's choice, against rank-bm25, the most used pure
Python BM25), all on the same candidates and questions: the bundled sample's hand-written questions
resolved over every article of the sample corpus (`wikipairs.reqa.from_corpus --all_articles`).

Medians of `--repeat` runs after a warm-up; TensorFlow and BLAS get one thread each (`--threads`),
so the numbers are per core. Recall@10 is printed beside each system: fast and wrong is no use.

    make demo   # the corpus and a tiny model under out/demo
    .venv/bin/python bench/reqa_bench.py --corpus out/demo --model out/demo/model [--repeat 3]
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(function, repeat: int):
    """(median seconds over `repeat` runs after one warm-up, last result)."""
    result = function()
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_squad(corpus: str, questions: str) -> str:
    from wikipairs.reqa.from_corpus import main as from_corpus

    path = os.path.join(tempfile.mkdtemp(prefix="reqa_bench_"), "sample_squad.json")
    from_corpus(["--corpus", corpus, "--questions", questions, "--output", path,
                 "--all_articles"])
    return path


def bench_dense(reqa_set, model: str, repeat: int, batch_size: int):
    from trainer.ranking import inner_product_blocks, metrics, rank_all
    from wikipairs.retrieval.encoders import Encoders

    encoders = Encoders.load(model)
    candidates = reqa_set.candidates
    encode_seconds, doc_embeddings = timed(lambda: encoders.encode_docs(
        [c.sentence for c in candidates], [c.context for c in candidates], batch_size), repeat)

    def answer():
        queries = encoders.encode_queries(reqa_set.questions, batch_size)
        return rank_all(inner_product_blocks(queries, doc_embeddings), reqa_set.targets,
                        len(candidates))

    query_seconds, ranks = timed(answer, repeat)
    return encode_seconds, query_seconds, metrics(ranks)["recall@10"]


def bench_bm25s(reqa_set, repeat: int):
    from wikipairs.reqa.bm25 import BM25Scorer
    from trainer.ranking import metrics, rank_all

    index_seconds, scorer = timed(lambda: BM25Scorer(reqa_set.candidates), repeat)
    query_seconds, ranks = timed(lambda: rank_all(
        lambda a, b: scorer.score_questions(reqa_set.questions[a:b]), reqa_set.targets,
        len(reqa_set.candidates)), repeat)
    return index_seconds, query_seconds, metrics(ranks)["recall@10"]


def bench_rank_bm25(reqa_set, repeat: int):
    """rank-bm25's BM25Okapi with the same tokens (bm25s's tokenizer: stop words, Snowball)."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    from wikipairs.reqa.bm25 import BM25Config, candidate_text, tokenize
    from trainer.ranking import metrics, rank_all

    config = BM25Config()
    texts = [candidate_text(c, config.document) for c in reqa_set.candidates]
    index_seconds, index = timed(lambda: BM25Okapi(tokenize(texts, config)), repeat)
    questions = tokenize(reqa_set.questions, config)
    query_seconds, ranks = timed(lambda: rank_all(
        lambda a, b: np.stack([index.get_scores(q) for q in questions[a:b]]), reqa_set.targets,
        len(reqa_set.candidates)), max(1, repeat // 3))
    return index_seconds, query_seconds, metrics(ranks)["recall@10"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="out/demo")
    parser.add_argument("--model", default="out/demo/model")
    parser.add_argument("--questions", default=str(ROOT / "wikipairs" / "reqa" / "sample_qa.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip_rank_bm25", action="store_true")
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    from wikipairs.reqa.candidates import build_reqa_set
    from wikipairs.reqa.squad import read_squad

    reqa_set = build_reqa_set(read_squad(build_squad(args.corpus, args.questions)))
    n_c, n_q = len(reqa_set.candidates), len(reqa_set.questions)
    print(f"{n_q} questions, {n_c:,} candidates; {args.threads} thread(s); median of "
          f"{args.repeat}\n")
    rows = []
    encode_s, query_s, recall = bench_dense(reqa_set, args.model, args.repeat, args.batch_size)
    rows.append(("tiny towers (SavedModel, CPU)", f"{n_c / encode_s:,.0f} candidates/s "
                 f"({encode_s:.1f} s)", f"{n_q / query_s:,.0f} questions/s", recall))
    index_s, query_s, recall = bench_bm25s(reqa_set, args.repeat)
    rows.append(("BM25, bm25s (ours)", f"{n_c / index_s:,.0f} candidates/s ({index_s:.2f} s)",
                 f"{n_q / query_s:,.0f} questions/s", recall))
    if not args.skip_rank_bm25:
        index_s, query_s, recall = bench_rank_bm25(reqa_set, args.repeat)
        rows.append(("BM25, rank-bm25 (peer)", f"{n_c / index_s:,.0f} candidates/s "
                     f"({index_s:.2f} s)", f"{n_q / query_s:,.0f} questions/s", recall))
    print("| system | index / encode candidates | answer questions (rank all) | R@10 |")
    print("|---|---:|---:|---:|")
    for name, index, query, recall in rows:
        print(f"| {name} | {index} | {query} | {recall:.3f} |")
    print(f"\npeak RSS {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
