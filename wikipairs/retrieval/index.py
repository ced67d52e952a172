"""Maximum-inner-product indexes over passage embeddings, behind one interface:

    index = ExactIndex.build(embeddings)        # or FaissIndex.build(embeddings, FaissConfig())
    scores, ids = index.search(queries, k)      # [q, min(k, n)], best first, ties by lower id
    index.save(directory); ExactIndex.load(directory)

`ExactIndex` is numpy brute force in blocks (memory stays bounded however many passages there
are; `load` memory-maps the embeddings); `FaissIndex` is approximate, for above
`EXACT_LIMIT` passages. Where an approximate index finds fewer than k hits, the row is padded with
id -1 and score -inf.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile

import numpy as np

from pipeline.optional import require


def _faiss():
    """faiss (the `search` extra), or one line saying how to install it."""
    return require("faiss", "a faiss index (--index faiss, or auto above EXACT_LIMIT passages)")

EMBEDDINGS_FILE = "embeddings.npy"
EXACT_LIMIT = 1_000_000  # passages; `auto` switches to the approximate index above this
KINDS = ("exact", "faiss")


def choose_kind(requested: str, count: int) -> str:
    """'exact' or 'faiss' for `--index exact|faiss|auto` and a corpus of `count` passages (an
    empty corpus is always 'exact': there is nothing to train faiss' k-means on)."""
    if requested not in ("auto", *KINDS):
        raise ValueError(f"unknown index kind {requested!r} (known: auto, {', '.join(KINDS)})")
    if requested == "auto":
        return "exact" if count <= EXACT_LIMIT else "faiss"
    return "exact" if count == 0 else requested


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of scores [q, n], the k best (score desc, ties by lower column): (scores, columns).

    argpartition is O(n) per row but picks arbitrarily among ties at the k-th score; the few rows
    where such a tie straddles the cut are redone exactly, so the result equals a stable sort's.
    """
    rows, n = scores.shape
    k = min(k, n)
    if k == 0:
        return np.zeros((rows, 0), np.float32), np.zeros((rows, 0), np.int64)
    columns = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k < n else (
        np.broadcast_to(np.arange(n), (rows, n)).copy())  # (no negated copy of a whole block)
    picked = np.take_along_axis(scores, columns, axis=1)
    if k < n:
        kth = picked.min(axis=1, keepdims=True)
        straddling = np.flatnonzero((scores == kth).sum(axis=1) > (picked == kth).sum(axis=1))
        for row in straddling:
            above = np.flatnonzero(scores[row] > kth[row])
            tied = np.flatnonzero(scores[row] == kth[row])[:k - len(above)]
            columns[row] = np.concatenate([above, tied])
            picked[row] = scores[row, columns[row]]
    return sort_hits(picked, columns)


def sort_hits(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row ordered by score desc, then id asc."""
    order = np.lexsort((ids, -scores), axis=1)
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)


def merge_top_k(best: tuple[np.ndarray, np.ndarray], more: tuple[np.ndarray, np.ndarray],
                k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of two (scores, ids) candidate sets per row."""
    scores, ids = sort_hits(np.concatenate([best[0], more[0]], axis=1),
                            np.concatenate([best[1], more[1]], axis=1))
    return scores[:, :k], ids[:, :k]


def _as_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if queries.ndim != 2 or queries.shape[1] != dim:
        raise ValueError(f"queries of shape {queries.shape}; the index holds {dim}-dim vectors")
    return queries


@dataclasses.dataclass(frozen=True)
class ExactConfig:
    """Block sizes: a block's scores are queries_per_block x passages_per_block float32 (64 MB by
    default), whatever the corpus size."""

    passages_per_block: int = 65_536
    queries_per_block: int = 256


class ExactIndex:
    """Brute-force inner product: every score computed, so the result is the true top k."""

    kind = "exact"

    def __init__(self, embeddings: np.ndarray, config: ExactConfig = ExactConfig()):
        self.embeddings, self.config = embeddings, config

    @classmethod
    def build(cls, embeddings: np.ndarray, config: ExactConfig = ExactConfig()) -> "ExactIndex":
        return cls(np.ascontiguousarray(embeddings, dtype=np.float32), config)

    def __len__(self) -> int:
        return len(self.embeddings)

    @property
    def dim(self) -> int:
        return self.embeddings.shape[1]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = _as_queries(queries, self.dim)
        parts = [self._search_block_of_queries(queries[start:start + self.config.queries_per_block],
                                               k)
                 for start in range(0, len(queries), self.config.queries_per_block)]
        if not parts:
            return np.zeros((0, min(k, len(self))), np.float32), np.zeros((0, min(k, len(self))),
                                                                           np.int64)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _search_block_of_queries(self, queries: np.ndarray, k: int):
        best = (np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64))
        step = self.config.passages_per_block
        for start in range(0, len(self), step):
            block = np.asarray(self.embeddings[start:start + step], dtype=np.float32)
            scores, columns = top_k(queries @ block.T, k)
            best = merge_top_k(best, (scores, columns + start), k)
        return best

    def save(self, directory: str) -> str:
        path = os.path.join(directory, EMBEDDINGS_FILE)
        np.save(path, np.asarray(self.embeddings, dtype=np.float32))
        return path

    @classmethod
    def load(cls, directory: str, config: ExactConfig = ExactConfig()) -> "ExactIndex":
        """Memory-mapped: pages are read as blocks are scored, not all up front."""
        return cls(np.load(os.path.join(directory, EMBEDDINGS_FILE), mmap_mode="r"), config)


@dataclasses.dataclass(frozen=True)
class FaissConfig:
    """An inverted file of flat (uncompressed) vectors scored by inner product, faiss
    `IndexIVFFlat(quantizer, dim, nlist, METRIC_INNER_PRODUCT)`, over *centred* embeddings.

    Centring: q.x = q.(x - mean) + q.mean, and q.mean is the same for every passage, so ranking
    by q.(x - mean) is ranking by q.x; the index holds x - mean and adds q.mean back to the scores.
    Without it, IVF fails on embeddings like the tiny model's, whose common mean is most of each
    vector's norm: which centroid has the largest inner product with a vector is then decided
    mostly by the shared mean's part of it, not by how the vector differs from the others, so the
    cells a query probes miss most of its true neighbours (recall@10 at 1M vectors falls from 0.98
    to 0.49 at the same nprobe; the cells are no less balanced, just not neighbourhoods).

    Chosen over HNSW (`IndexHNSWFlat(dim, 32, METRIC_INNER_PRODUCT)`) by measurement on 1M
    mixture-of-Gaussians vectors fitted to the tiny model's embeddings (not normalised, as they
    are not; bench/search_README_section.md): IVF-flat reaches a recall@10 of 0.98 at 12,000
    queries/s where HNSW stays under 0.8 at any efSearch up to 256 (centred or not: its greedy
    graph walk assumes a metric, which inner product over vectors of unequal norms is not), and
    it builds 4x faster (k-means on a sample, then one assignment per vector, against a graph
    insertion per vector: 10 s against 43 s on 2 cores). The scores it returns are exact (flat
    vectors); only which passages it looks at is approximate: the nprobe cells nearest the query.
    """

    lists_per_sqrt_n: float = 4.0  # nlist = 4 sqrt(n), faiss' rule of thumb ...
    min_points_per_list: int = 39  # ... capped so k-means has faiss' minimum of points per list
    train_points_per_list: int = 64  # k-means sample: bounded, whatever n is
    nprobe: int = 64  # cells scanned per query: recall vs speed, set at search time
    seed: int = 0  # the k-means sample

    def nlist(self, count: int) -> int:
        return max(1, min(round(self.lists_per_sqrt_n * count ** 0.5),
                          count // self.min_points_per_list))

    @property
    def file_name(self) -> str:
        """Build parameters only: one built index serves any nprobe."""
        return f"faiss-ivfflat-centred-{self.lists_per_sqrt_n:g}sqrtn-seed{self.seed}.index"

    @property
    def mean_file_name(self) -> str:
        return self.file_name + ".mean.npy"


def column_mean(embeddings: np.ndarray, batch: int = 65_536) -> np.ndarray:
    """float32 [dim], accumulated in float64 a batch at a time (a memory-mapped matrix is read in
    pieces)."""
    total = np.zeros(embeddings.shape[1], np.float64)
    for start in range(0, len(embeddings), batch):
        total += np.asarray(embeddings[start:start + batch], dtype=np.float64).sum(axis=0)
    return (total / max(len(embeddings), 1)).astype(np.float32)


class FaissIndex:
    """Approximate inner product with faiss (centred IVF-flat, see FaissConfig): ExactIndex's
    interface."""

    kind = "faiss"

    def __init__(self, index, mean: np.ndarray, config: FaissConfig = FaissConfig()):
        faiss = _faiss()

        self.index, self.mean, self.config = index, mean, config
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = min(config.nprobe, ivf.nlist)

    @classmethod
    def build(cls, embeddings: np.ndarray, config: FaissConfig = FaissConfig(),
              add_batch: int = 65_536, progress=None) -> "FaissIndex":
        """k-means on a seeded sample, then adds in batches (progress(n) after each), so a
        memory-mapped matrix is read in pieces."""
        faiss = _faiss()

        count, dim = embeddings.shape
        mean = column_mean(embeddings, add_batch)
        nlist = config.nlist(count)
        index = faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        sample_size = min(count, nlist * config.train_points_per_list)
        sample = np.sort(np.random.default_rng(config.seed).choice(count, sample_size,
                                                                   replace=False))
        index.train(np.asarray(embeddings[sample], dtype=np.float32) - mean)
        for start in range(0, count, add_batch):
            batch = np.asarray(embeddings[start:start + add_batch], dtype=np.float32) - mean
            index.add(batch)
            if progress:
                progress(len(batch))
        return cls(index, mean, config)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = _as_queries(queries, self.dim)
        k = min(k, len(self))
        if k == 0 or len(queries) == 0:
            return np.zeros((len(queries), k), np.float32), np.zeros((len(queries), k), np.int64)
        centred_scores, ids = self.index.search(queries, k)
        ids = ids.astype(np.int64)
        scores = centred_scores + (queries @ self.mean)[:, None]
        scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
        return _sorted_with_missing_last(scores, ids)

    def save(self, directory: str) -> str:
        """The mean, then the index, each written to a temporary file and renamed: the index file
        (what `exists` looks for) appears last and whole."""
        faiss = _faiss()

        def write_mean(path: str) -> None:
            with open(path, "wb") as handle:  # np.save(path) would append '.npy' to the name
                np.save(handle, self.mean)

        _write_atomically(directory, self.config.mean_file_name, write_mean)
        return _write_atomically(directory, self.config.file_name,
                                 lambda path: faiss.write_index(self.index, path))

    @classmethod
    def exists(cls, directory: str, config: FaissConfig = FaissConfig()) -> bool:
        return all(os.path.exists(os.path.join(directory, name))
                   for name in (config.file_name, config.mean_file_name))

    @classmethod
    def load(cls, directory: str, config: FaissConfig = FaissConfig()) -> "FaissIndex":
        faiss = _faiss()

        return cls(faiss.read_index(os.path.join(directory, config.file_name)),
                   np.load(os.path.join(directory, config.mean_file_name)), config)


def _write_atomically(directory: str, name: str, write) -> str:
    """write(temporary path) in `directory`, then rename it to `name`."""
    path = os.path.join(directory, name)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}-", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _sorted_with_missing_last(scores: np.ndarray, ids: np.ndarray):
    """sort_hits, with faiss' missing hits (id -1, score -inf) after every real one."""
    order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -scores), axis=1)
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)
