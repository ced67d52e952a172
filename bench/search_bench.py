"""`wikipairs search` speed and the approximate index's quality, as markdown tables:

1. encoding: passages/s of the document tower over the sample corpus (the one-off cost of an
   index), queries/s of the query tower, and opening a cached index;
2. search at (a) the sample's real passage embeddings and (b) 1,000,000 synthetic vectors of the
   model's dimension: exact brute force (wikipairs.retrieval.index.ExactIndex) against faiss IVF-flat over
   centred vectors (the FaissIndex the CLI uses, at several nprobe), IVF-flat over the raw vectors
   and HNSW (the alternatives it was chosen over): build time, queries/s and recall@10 (the share
   of the exact top 10 the index returns).

The synthetic vectors are a Gaussian mixture fitted to the real embeddings (the components'
centres drawn with the real embeddings' per-dimension mean and spread, each point its centre plus
noise at half that spread, each component scaled by a factor in [0.5, 1.5]) and not normalised,
like the tiny model's embeddings; the queries are drawn from the same mixture. Every timing is the
median of --runs runs.

    .venv/bin/python bench/search_bench.py --model out/demo/model --corpus out/demo
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

K = 10


def timed(function, runs: int):
    """(median seconds, the last result)."""
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


@dataclasses.dataclass(frozen=True)
class GaussianMixture:
    centres: np.ndarray  # [components, dim]
    scales: np.ndarray  # [components, 1]
    noise: np.ndarray  # [dim], the within-component standard deviation

    @classmethod
    def like(cls, real: np.ndarray, components: int, seed: int) -> "GaussianMixture":
        """Centres spread like the real embeddings, per dimension."""
        rng = np.random.default_rng(seed)
        mean, spread = real.mean(axis=0), real.std(axis=0)
        return cls(mean + spread * rng.normal(size=(components, real.shape[1])),
                   rng.uniform(0.5, 1.5, size=(components, 1)), 0.5 * spread)

    def sample(self, count: int, seed: int, chunk: int = 100_000) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((count, self.centres.shape[1]), np.float32)
        for start in range(0, count, chunk):  # bounded temporaries
            n = min(chunk, count - start)
            labels = rng.integers(0, len(self.centres), n)
            out[start:start + n] = (self.centres[labels] + self.noise * rng.normal(
                size=(n, self.centres.shape[1]))) * self.scales[labels]
        return out


@dataclasses.dataclass
class Row:
    index: str
    setting: str
    build_s: float | None
    queries_per_s: float
    recall: float | None


def compare_indexes(embeddings: np.ndarray, queries: np.ndarray, runs: int, nprobes, efs,
                    hnsw_runs: int) -> list[Row]:
    """Exact, then FaissIndex (centred IVF-flat) at each nprobe, IVF-flat on the raw vectors at
    the default nprobe (what centring buys), HNSW at each efSearch."""
    import faiss

    from wikipairs.retrieval.index import ExactIndex, FaissConfig, FaissIndex

    exact = ExactIndex.build(embeddings)
    seconds, (_, truth) = timed(lambda: exact.search(queries, K), runs)
    rows = [Row("exact (numpy, blocks)", "", None, len(queries) / seconds, 1.0)]

    def measure(name: str, setting: str, build_s: float, search) -> None:
        seconds, (_, found) = timed(lambda: search(queries, K), runs)
        rows.append(Row(name, setting, build_s, len(queries) / seconds, recall_at_k(found, truth)))

    default = FaissConfig()
    nlist = default.nlist(len(embeddings))
    build_s, ivf = timed(lambda: FaissIndex.build(embeddings), runs)
    for nprobe in nprobes:
        index = FaissIndex(ivf.index, ivf.mean, FaissConfig(nprobe=nprobe))
        note = " (default)" if nprobe == default.nprobe else ""
        measure("faiss IVF-flat, centred (FaissIndex)",
                f"nlist {nlist}, nprobe {min(nprobe, nlist)}{note}", build_s, index.search)

    def build_raw_ivf():
        raw = faiss.index_factory(embeddings.shape[1], f"IVF{nlist},Flat",
                                  faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(default.seed).choice(
            len(embeddings), min(len(embeddings), nlist * default.train_points_per_list),
            replace=False)
        raw.train(embeddings[np.sort(sample)])
        raw.add(embeddings)
        raw.nprobe = min(default.nprobe, nlist)
        return raw

    build_s, raw = timed(build_raw_ivf, runs)
    measure("faiss IVF-flat, not centred", f"nlist {nlist}, nprobe {min(default.nprobe, nlist)}",
            build_s, raw.search)

    def build_hnsw():
        index = faiss.IndexHNSWFlat(embeddings.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.add(embeddings)
        return index

    build_s, hnsw = timed(build_hnsw, hnsw_runs)
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        measure("faiss HNSW", f"M 32, efConstruction 80, efSearch {ef}", build_s, hnsw.search)
    return rows


def index_table(title: str, rows: list[Row]) -> str:
    lines = [f"**{title}**", "", "| index | setting | build (s) | queries/s | recall@10 |",
             "| --- | --- | ---: | ---: | ---: |"]
    for row in rows:
        build = ("—" if row.build_s is None else f"{row.build_s:,.1f}" if row.build_s >= 10
                 else f"{row.build_s:.2f}")
        recall = "—" if row.recall is None else f"{row.recall:.3f}"
        lines.append(f"| {row.index} | {row.setting} | {build} | {row.queries_per_s:,.0f} "
                     f"| {recall} |")
    return "\n".join(lines)


def encoding_table(encoders, corpus: str, runs: int, query_texts: list[str]) -> tuple[str, dict]:
    from wikipairs.retrieval import search as searching
    from wikipairs.retrieval.passages import passage_table

    load_s, passages = timed(lambda: passage_table(corpus), runs)
    titles, texts = passages["title"].to_pylist(), passages["text"].to_pylist()
    encoders.encode_docs(titles[:256], texts[:256])  # traces the signature once
    encode_s, embeddings = timed(lambda: encoders.encode_docs(titles, texts), runs)
    encoders.encode_queries(query_texts[:256])
    query_s, queries = timed(lambda: encoders.encode_queries(query_texts), runs)
    one_query_s, _ = timed(lambda: encoders.encode_queries(query_texts[:1]), max(runs, 5))
    with tempfile.TemporaryDirectory() as index_dir:
        config = searching.SearchConfig(index_dir=index_dir, kind="exact")
        build_s, _ = timed(lambda: searching.open_passage_index(encoders, corpus, config), 1)
        open_s, _ = timed(lambda: searching.open_passage_index(encoders, corpus, config), runs)
    n = passages.num_rows
    lines = ["| what | measured |", "| --- | --- |",
             f"| passages in the sample corpus | {n:,} ({np.mean([len(t) for t in texts]):.0f} "
             f"characters on average) |",
             f"| reading the corpus into passages | {load_s:.2f} s |",
             f"| document tower, batch 128 | {n / encode_s:,.0f} passages/s |",
             f"| query tower, batch 256 | {len(query_texts) / query_s:,.0f} queries/s |",
             f"| query tower, one query | {one_query_s * 1000:.1f} ms |",
             f"| first search: encode + write the index | {build_s:.1f} s |",
             f"| later searches: open the cached index (fingerprint, read, mmap) | "
             f"{open_s:.2f} s |"]
    return "\n".join(lines), {"embeddings": embeddings, "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a model_dir with export/")
    parser.add_argument("--corpus", required=True, help="a corpus dir (articles/*.parquet)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hnsw_runs", type=int, default=3, help="HNSW builds are slow at 1M")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    parser.add_argument("--components", type=int, default=1000)
    args = parser.parse_args()

    from wikipairs.retrieval.encoders import Encoders
    from wikipairs.retrieval.passages import passage_table

    encoders = Encoders.load(args.model)
    sentences = [text.split(". ")[0] for text in passage_table(args.corpus)["text"].to_pylist()]
    query_texts = (sentences * (args.queries // len(sentences) + 1))[:args.queries]
    print(f"## encoding ({args.model}, {args.corpus}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start)\n")
    table, real = encoding_table(encoders, args.corpus, args.runs, query_texts)
    print(table + "\n", flush=True)

    print(index_table(
        f"(a) the sample's {len(real['embeddings']):,} real passage embeddings, "
        f"{len(real['queries']):,} real queries (first sentences of passages)",
        compare_indexes(real["embeddings"], real["queries"], args.runs, (8, 16, 64), (64, 128),
                        args.runs)) + "\n", flush=True)

    mixture = GaussianMixture.like(real["embeddings"], args.components, seed=0)
    vectors, queries = mixture.sample(args.synthetic, seed=1), mixture.sample(args.queries, seed=2)
    print(index_table(
        f"(b) {args.synthetic:,} synthetic {vectors.shape[1]}-dim vectors (mixture of "
        f"{args.components:,} Gaussians, not normalised), {args.queries:,} queries from it",
        compare_indexes(vectors, queries, args.runs, (16, 32, 64, 128), (64, 128, 256),
                        args.hnsw_runs)), flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (1 min), "
          f"{os.getloadavg()[2]:.1f} (15 min)")


if __name__ == "__main__":
    main()
