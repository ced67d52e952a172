"""Search a corpus's passages with exported towers: the corpus is encoded once into an on-disk index
named by a fingerprint of the model and the corpus, reused by later searches and rebuilt when
either changes.

    INDEX_DIR/<fingerprint>/          appears whole or not at all (built in a temp dir, renamed)
        manifest.json                 fingerprint, model, corpus, count, dim, created, ...
        passages.parquet              article_id, title, heading, section, passage, text (row = id)
        embeddings.npy                float32 [count, dim], the document tower's embeddings
        faiss-ivfflat-*.index         the approximate index, built the first time it is asked for

The fingerprint covers what changes the embeddings: the export's export_info.json and both towers'
saved_model.pb and variables/variables.index (which holds each tensor's crc32c, so new weights
change it), the names and sizes of the corpus's articles files and its corpus_stats.json, and
INDEX_FORMAT (how passages are cut and stored).
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import posixpath
import shutil
import tempfile
import time
from typing import Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa

from pipeline.progress import Progress, Silent
from pipeline.sample_data import cache_root

from wikipairs.retrieval.index import (EMBEDDINGS_FILE, ExactConfig, ExactIndex, FaissConfig,
                                       FaissIndex, choose_kind)

INDEX_FORMAT = 1
MANIFEST_FILE = "manifest.json"
PASSAGES_FILE = "passages.parquet"
BUILDING_PREFIX = ".building-"  # temp dirs: never read, whatever they hold
MODEL_FILES = ("export_info.json", "query_encoder/saved_model.pb",
               "query_encoder/variables/variables.index", "doc_encoder/saved_model.pb",
               "doc_encoder/variables/variables.index")


def default_index_dir() -> str:
    """$WIKIPAIRS_CACHE/search when that is set, else ~/.cache/wikipairs/search."""
    return str(cache_root() / "search")


ProgressFactory = Callable[[str, int], Progress]  # (what, total) -> progress


def no_progress(what: str, total: int) -> Progress:
    return Silent()


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    index_dir: str = dataclasses.field(default_factory=default_index_dir)
    kind: str = "auto"  # exact | faiss | auto (by passage count, index.EXACT_LIMIT)
    encode_batch_size: int = 128
    exact: ExactConfig = ExactConfig()
    faiss: FaissConfig = FaissConfig()


# --- fingerprint ---------------------------------------------------------------------------------


def fingerprint_of(parts: Iterable[tuple[str, bytes]]) -> str:
    """sha256 over named byte strings, each framed by its name and length (no two different lists
    of parts hash the same bytes)."""
    digest = hashlib.sha256(f"wikipairs-search-index {INDEX_FORMAT}\n".encode())
    for name, data in parts:
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def model_parts(export_dir: str) -> list[tuple[str, bytes]]:
    import tensorflow as tf

    parts = []
    for name in MODEL_FILES:
        with tf.io.gfile.GFile(posixpath.join(export_dir, name), "rb") as handle:
            parts.append((f"model/{name}", handle.read()))
    return parts


def corpus_parts(corpus_dir: str) -> list[tuple[str, bytes]]:
    """The articles files' names and sizes (not their bytes: a full corpus is gigabytes) and
    corpus_stats.json, which changes with any rerun on other inputs."""
    from wikipairs.retrieval.passages import article_files, corpus_stats_bytes

    listing = "\n".join(f"{posixpath.basename(f.path)} {f.size}" for f in article_files(corpus_dir))
    return [("corpus/articles", listing.encode()),
            ("corpus/corpus_stats.json", corpus_stats_bytes(corpus_dir))]


def fingerprint(export_dir: str, corpus_dir: str) -> str:
    return fingerprint_of(model_parts(export_dir) + corpus_parts(corpus_dir))


# --- the on-disk index ---------------------------------------------------------------------------


@dataclasses.dataclass
class PassageIndex:
    """One (model, corpus) pair encoded: where it lives, its manifest, its passages (row i is
    passage id i) and the vector index searched."""

    directory: str
    manifest: dict
    passages: pa.Table
    index: ExactIndex | FaissIndex
    built: bool  # encoded by this call (False: loaded from the cache)

    @property
    def count(self) -> int:
        return int(self.manifest["count"])


def read_manifest(directory: str, fingerprint_hex: str) -> dict | None:
    """The manifest of a complete index for this fingerprint, or None."""
    try:
        with open(os.path.join(directory, MANIFEST_FILE)) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    complete = all(os.path.exists(os.path.join(directory, name))
                   for name in (PASSAGES_FILE, EMBEDDINGS_FILE))
    if manifest.get("fingerprint") != fingerprint_hex or manifest.get("format") != INDEX_FORMAT:
        return None
    return manifest if complete else None


def write_index_dir(directory: str, passages, embeddings: np.ndarray, manifest: dict) -> None:
    """The files of an index, manifest last."""
    import pyarrow.parquet as pq

    pq.write_table(passages, os.path.join(directory, PASSAGES_FILE))
    ExactIndex.build(embeddings).save(directory)
    with open(os.path.join(directory, MANIFEST_FILE), "w") as handle:
        json.dump(manifest, handle, indent=2)


def publish(temporary: str, final: str) -> bool:
    """Rename a finished temp dir into place; False (and the temp dir removed) when another
    process published the same index first."""
    try:
        os.rename(temporary, final)
        return True
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)
        if not os.path.isdir(final):
            raise
        return False


def _temporary_dir(parent: str, prefix: str) -> str:
    """mkdtemp, with mkdir's permissions instead of 0700: the published index is shareable."""
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)
    return path


def build_index_dir(encoders, corpus_dir: str, final: str, fingerprint_hex: str,
                    config: SearchConfig, progress: ProgressFactory) -> None:
    """Encode every passage of the corpus and publish the index at `final`, atomically: a build
    killed half-way leaves only a BUILDING_PREFIX temp dir, which nothing reads."""
    from wikipairs.retrieval.passages import passage_table

    passages = passage_table(corpus_dir)
    bar = progress("encoding passages", passages.num_rows)
    started = time.monotonic()
    embeddings = encoders.encode_docs(passages.column("title").to_pylist(),
                                      passages.column("text").to_pylist(),
                                      batch_size=config.encode_batch_size, progress=bar.update)
    bar.close()
    if passages.num_rows == 0:
        embeddings = np.zeros((0, encoders.dim), np.float32)
    manifest = {"format": INDEX_FORMAT, "fingerprint": fingerprint_hex,
                "model": encoders.export_dir, "corpus": corpus_dir,
                "count": int(passages.num_rows), "dim": int(embeddings.shape[1]),
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "encode_seconds": round(time.monotonic() - started, 3)}
    temporary = _temporary_dir(os.path.dirname(final), f"{BUILDING_PREFIX}{fingerprint_hex[:16]}-")
    try:
        write_index_dir(temporary, passages, embeddings, manifest)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    publish(temporary, final)


def open_passage_index(encoders, corpus_dir: str, config: SearchConfig = SearchConfig(),
                       progress: ProgressFactory = no_progress) -> PassageIndex:
    """The index of (encoders, corpus): loaded from config.index_dir when a complete one with the
    same fingerprint is there, built (and stored) otherwise."""
    import pyarrow.parquet as pq

    fingerprint_hex = fingerprint(encoders.export_dir, corpus_dir)
    os.makedirs(config.index_dir, exist_ok=True)
    directory = os.path.join(config.index_dir, fingerprint_hex)
    manifest = read_manifest(directory, fingerprint_hex)
    built = manifest is None
    if built:
        shutil.rmtree(directory, ignore_errors=True)  # an incomplete or foreign dir of that name
        build_index_dir(encoders, corpus_dir, directory, fingerprint_hex, config, progress)
        manifest = read_manifest(directory, fingerprint_hex)
        if manifest is None:
            raise RuntimeError(f"{directory}: the index just built is incomplete")
    kind = choose_kind(config.kind, int(manifest["count"]))
    index = (ExactIndex.load(directory, config.exact) if kind == "exact"
             else _faiss_index(directory, config.faiss, progress))
    return PassageIndex(directory, manifest, pq.read_table(os.path.join(directory, PASSAGES_FILE)),
                        index, built)


def _faiss_index(directory: str, config: FaissConfig, progress: ProgressFactory) -> FaissIndex:
    """Loaded if built before, else built from the stored embeddings (no re-encoding) and saved."""
    if FaissIndex.exists(directory, config):
        return FaissIndex.load(directory, config)
    embeddings = ExactIndex.load(directory).embeddings
    bar = progress("building the faiss index", len(embeddings))
    index = FaissIndex.build(embeddings, config, progress=bar.update)
    bar.close()
    index.save(directory)
    return index


# --- search --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hit:
    rank: int  # 1 = best
    score: float  # inner product of the query's and the passage's embeddings
    passage_id: int  # row of passages.parquet / embeddings.npy
    article_id: int
    title: str
    heading: str  # '' for the lead
    section: int
    passage: int
    text: str


def check_queries(queries: Sequence[str]) -> None:
    """ValueError naming the first empty query (the towers would embed [CLS] [SEP] alone)."""
    if not queries:
        raise ValueError("no query given")
    for number, query in enumerate(queries, 1):
        if not query.strip():
            raise ValueError(f"query {number} of {len(queries)} is empty")


def hits_of(scores: np.ndarray, ids: np.ndarray, passages) -> list[Hit]:
    """One query's (scores, ids) row -> Hits, skipping the approximate index's missing ones."""
    keep = ids >= 0
    rows = passages.take(ids[keep]).to_pylist()
    return [Hit(rank, float(score), int(passage_id), **row)
            for rank, (score, passage_id, row) in enumerate(zip(scores[keep], ids[keep], rows), 1)]


def search(encoders, passage_index: PassageIndex, queries: Sequence[str],
           top_k: int) -> list[list[Hit]]:
    """The top_k passages of each query, best first."""
    check_queries(queries)
    if top_k < 1:
        raise ValueError(f"top_k is {top_k}; give at least 1")
    embeddings = encoders.encode_queries(list(queries))
    scores, ids = passage_index.index.search(embeddings, top_k)
    return [hits_of(s, i, passage_index.passages) for s, i in zip(scores, ids)]
