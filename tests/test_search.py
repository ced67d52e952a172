"""`wikipairs search` on the real sample: the session's corpus (tests/conftest.sample_pairs) and its
exported `tiny` model (tiny_model). Scores are checked against embeddings computed directly through
the SavedModels; the index is built once for the module and its cache reuse, invalidation and
atomicity are checked on a three-article copy of the corpus (cheap to encode again)."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from wikipairs.cli.main import main
from pipeline.sample_data import CACHE_ENV
from wikipairs.retrieval import index as vector_index
from wikipairs.retrieval import search as searching
from wikipairs.retrieval.encoders import Encoders
from wikipairs.retrieval.passages import passage_table
from schemas.corpus import STATS_FILE, read_table

REPO = pathlib.Path(__file__).resolve().parent.parent
QUESTIONS = ["who founded the city?", "what is asphalt made of", "when did apollo 8 launch",
             "anarchism and the state", "the largest city in alabama"]


@pytest.fixture(scope="module")
def corpus_dir(sample_pairs) -> str:
    return str(sample_pairs["dir"].parent)


@pytest.fixture(scope="module")
def model_dir(tiny_model) -> str:
    return str(tiny_model[2])


@pytest.fixture(scope="module")
def export_dir(model_dir) -> str:
    return os.path.join(model_dir, "export")


@pytest.fixture(scope="module")
def encoders(model_dir) -> Encoders:
    return Encoders.load(model_dir)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("search_index"))


class Recorder:
    """A progress factory that remembers what was reported: 'encoding passages' means the corpus
    went through the document tower."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []
        self.updates = 0

    def __call__(self, what: str, total: int):
        self.calls.append((what, total))
        return self

    def update(self, n: int) -> None:
        self.updates += n

    def close(self) -> None:
        pass

    @property
    def encoded(self) -> bool:
        return any(what == "encoding passages" for what, _ in self.calls)


@pytest.fixture(scope="module")
def exact(encoders, corpus_dir, index_dir):
    recorder = Recorder()
    built = searching.open_passage_index(
        encoders, corpus_dir, searching.SearchConfig(index_dir=index_dir, kind="exact"), recorder)
    return built, recorder


@pytest.fixture(scope="module")
def corpus_queries(exact) -> list[str]:
    """The first sentence of 30 passages spread over the corpus: queries with a known answer."""
    passages = exact[0].passages
    step = passages.num_rows // 30
    return [passages["text"][i].as_py().split(". ")[0] for i in range(0, step * 30, step)]


class DirectTowers:
    """The exported SavedModels called through their serving signatures with plain TensorFlow
    (not wikipairs.retrieval.encoders): documents one at a time, so no batching is shared with the code
    under test."""

    def __init__(self, export_dir: str):
        import tensorflow as tf

        self.tf = tf
        self.query = tf.saved_model.load(os.path.join(export_dir, "query_encoder")).signatures[
            "serving_default"]
        self.doc = tf.saved_model.load(os.path.join(export_dir, "doc_encoder")).signatures[
            "serving_default"]

    def docs(self, titles: list[str], texts: list[str]) -> np.ndarray:
        constant = self.tf.constant
        return np.concatenate([self.doc(title=constant([title]), text=constant([text]))[
            "embedding"].numpy() for title, text in zip(titles, texts)])

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.query(text=self.tf.constant(texts))["embedding"].numpy()


@pytest.fixture(scope="module")
def direct(export_dir) -> DirectTowers:
    return DirectTowers(export_dir)


# --- the passages --------------------------------------------------------------------------------


def test_every_passage_of_every_section_is_indexed_in_corpus_order(exact, corpus_dir):
    built, recorder = exact
    articles = read_table(corpus_dir, "articles").to_pylist()
    expected = [(a["id"], a["title"], s["heading"], " ".join(p))
                for a in articles for s in a["sections"] for p in s["passages"]]
    got = built.passages.select(["article_id", "title", "heading", "text"]).to_pylist()
    assert [tuple(row.values()) for row in got] == expected
    assert built.count == len(expected) > 1000
    assert built.built and recorder.encoded and recorder.updates == len(expected)
    assert built.manifest["dim"] == 64 and built.index.kind == "exact"


def test_stored_embeddings_are_the_doc_towers_of_title_and_text(exact, direct):
    built, _ = exact
    rows = np.random.default_rng(0).choice(built.count, 12, replace=False)
    passages = built.passages.take(rows).to_pylist()
    stored = np.load(os.path.join(built.directory, "embeddings.npy"))[rows]
    np.testing.assert_allclose(stored, direct.docs([p["title"] for p in passages],
                                                   [p["text"] for p in passages]), atol=1e-4)


# --- exact search --------------------------------------------------------------------------------


def test_hit_scores_are_inner_products_through_the_saved_models(exact, encoders, direct):
    built, _ = exact
    results = searching.search(encoders, built, QUESTIONS, top_k=7)
    queries = direct.queries(QUESTIONS)
    for query, hits in zip(queries, results):
        assert [hit.rank for hit in hits] == list(range(1, 8))
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        docs = direct.docs([h.title for h in hits], [h.text for h in hits])
        np.testing.assert_allclose(scores, docs @ query, atol=1e-4)


def test_exact_hits_are_the_true_top_k(exact, encoders):
    built, _ = exact
    queries = encoders.encode_queries(QUESTIONS)
    all_scores = queries @ np.load(os.path.join(built.directory, "embeddings.npy")).T
    for k in (1, 10, 50):
        results = searching.search(encoders, built, QUESTIONS, top_k=k)
        for scores, hits in zip(all_scores, results):
            best = np.lexsort((np.arange(len(scores)), -scores))[:k]  # stable: ties by id
            assert [hit.passage_id for hit in hits] == best.tolist()
            passages = built.passages.take(best).to_pylist()
            assert [(h.title, h.text) for h in hits] == [(p["title"], p["text"]) for p in passages]


def test_top_k_matches_a_stable_sort_with_many_ties():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=(40, 300)).astype(np.float32)  # ties everywhere
    for k in (1, 7, 300, 400):
        got_scores, got_ids = vector_index.top_k(scores, k)
        expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(got_ids, expected)
        np.testing.assert_array_equal(got_scores, np.take_along_axis(scores, expected, axis=1))


def test_exact_index_in_small_blocks_equals_one_block(tmp_path):
    rng = np.random.default_rng(4)
    embeddings = rng.normal(size=(1000, 8)).astype(np.float32)
    embeddings[500] = embeddings[3]  # a duplicate passage: a tie across blocks
    queries = np.vstack([embeddings[3], rng.normal(size=(20, 8))]).astype(np.float32)
    whole = vector_index.ExactIndex.build(embeddings).search(queries, 10)
    blocks = vector_index.ExactConfig(passages_per_block=64, queries_per_block=4)
    vector_index.ExactIndex.build(embeddings).save(str(tmp_path))
    loaded = vector_index.ExactIndex.load(str(tmp_path), blocks)
    assert isinstance(loaded.embeddings, np.memmap)
    in_blocks = loaded.search(queries, 10)
    np.testing.assert_array_equal(in_blocks[1], whole[1])
    np.testing.assert_allclose(in_blocks[0], whole[0], rtol=1e-6)
    assert whole[1][0][:2].tolist() == [3, 500]


def test_auto_picks_faiss_only_above_the_limit():
    assert vector_index.choose_kind("auto", vector_index.EXACT_LIMIT) == "exact"
    assert vector_index.choose_kind("auto", vector_index.EXACT_LIMIT + 1) == "faiss"
    assert vector_index.choose_kind("faiss", 10) == "faiss"
    assert vector_index.choose_kind("faiss", 0) == "exact"
    with pytest.raises(ValueError, match="unknown index kind"):
        vector_index.choose_kind("annoy", 10)


# --- faiss ---------------------------------------------------------------------------------------


def test_faiss_agrees_with_exact_and_reuses_the_embeddings(exact, encoders, corpus_dir,
                                                            index_dir, corpus_queries):
    built, _ = exact
    recorder = Recorder()
    approximate = searching.open_passage_index(
        encoders, corpus_dir, searching.SearchConfig(index_dir=index_dir, kind="faiss"), recorder)
    assert approximate.index.kind == "faiss" and approximate.directory == built.directory
    assert not approximate.built and not recorder.encoded  # the stored embeddings, not the tower
    assert [what for what, _ in recorder.calls] == ["building the faiss index"]
    assert len(approximate.index) == built.count
    assert any(name.startswith("faiss-") for name in os.listdir(built.directory))

    queries = QUESTIONS + corpus_queries
    exact_hits = searching.search(encoders, built, queries, top_k=10)
    faiss_hits = searching.search(encoders, approximate, queries, top_k=10)
    same_top1 = [e[0].passage_id == f[0].passage_id for e, f in zip(exact_hits, faiss_hits)]
    assert np.mean(same_top1) >= 0.8, same_top1
    recall = np.mean([len({h.passage_id for h in e} & {h.passage_id for h in f}) / 10
                      for e, f in zip(exact_hits, faiss_hits)])
    assert recall >= 0.7, recall
    for e, f in zip(exact_hits, faiss_hits):
        exact_scores = {h.passage_id: h.score for h in e}
        shared = [h for h in f if h.passage_id in exact_scores]
        assert shared
        np.testing.assert_allclose([h.score for h in shared],
                                   [exact_scores[h.passage_id] for h in shared], atol=1e-4)
        assert [h.score for h in f] == sorted((h.score for h in f), reverse=True)

    again = Recorder()
    reloaded = searching.open_passage_index(
        encoders, corpus_dir, searching.SearchConfig(index_dir=index_dir, kind="faiss"), again)
    assert again.calls == []  # the saved faiss index, not built again
    assert [h.passage_id for h in searching.search(encoders, reloaded, queries, 10)[0]] == [
        h.passage_id for h in faiss_hits[0]]


def test_faiss_keeps_its_recall_when_a_common_mean_dominates(tmp_path):
    """Like the tiny model's embeddings: most of each vector's norm is a shared offset (here 8 per
    dimension). Inner-product IVF on the raw vectors finds ~15% of the true top 10; centred, all."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(200, 32)) + 8
    labels, query_labels = rng.integers(0, 200, 20_000), rng.integers(0, 200, 100)
    scales = rng.uniform(0.5, 1.5, size=(200, 1))
    vectors = ((centres[labels] + 0.5 * rng.normal(size=(20_000, 32))) * scales[labels]).astype(
        np.float32)
    queries = (centres[query_labels] + 0.5 * rng.normal(size=(100, 32))).astype(np.float32)
    exact_scores, exact_ids = vector_index.ExactIndex.build(vectors).search(queries, 10)
    vector_index.FaissIndex.build(vectors).save(str(tmp_path))
    scores, ids = vector_index.FaissIndex.load(str(tmp_path)).search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)])
    assert recall >= 0.95, recall
    same = ids == exact_ids
    np.testing.assert_allclose(scores[same], exact_scores[same], rtol=1e-5)


# --- the cache -----------------------------------------------------------------------------------


@pytest.fixture
def small_corpus(corpus_dir, tmp_path) -> pathlib.Path:
    """A corpus of the sample's first three articles, in the pipeline's layout."""
    return write_corpus(tmp_path / "small_corpus", read_table(corpus_dir, "articles").slice(0, 3),
                        pathlib.Path(corpus_dir) / STATS_FILE)


def write_corpus(directory: pathlib.Path, articles, stats_file: pathlib.Path) -> pathlib.Path:
    (directory / "articles").mkdir(parents=True, exist_ok=True)
    pq.write_table(articles, directory / "articles" / "part-00000-of-00001.parquet")
    shutil.copy(stats_file, directory / STATS_FILE)
    return directory


def open_exact(encoders, corpus, index_dir) -> tuple[searching.PassageIndex, Recorder]:
    recorder = Recorder()
    return searching.open_passage_index(encoders, str(corpus), searching.SearchConfig(
        index_dir=str(index_dir), kind="exact"), recorder), recorder


def test_a_second_search_reuses_the_index(exact, encoders, corpus_dir, index_dir):
    built, _ = exact
    embeddings = pathlib.Path(built.directory) / "embeddings.npy"
    modified = embeddings.stat().st_mtime_ns
    again, recorder = open_exact(encoders, corpus_dir, index_dir)
    assert not again.built and not recorder.encoded
    assert again.directory == built.directory
    assert again.manifest == built.manifest  # same 'created'
    assert embeddings.stat().st_mtime_ns == modified


def test_index_files_and_manifest(exact, corpus_dir, export_dir):
    built, _ = exact
    manifest = json.loads((pathlib.Path(built.directory) / "manifest.json").read_text())
    assert os.path.basename(built.directory) == manifest["fingerprint"]
    assert manifest["fingerprint"] == searching.fingerprint(export_dir, corpus_dir)
    assert manifest["count"] == built.count and manifest["corpus"] == corpus_dir
    assert manifest["model"] == export_dir and manifest["created"]
    stored = np.load(os.path.join(built.directory, "embeddings.npy"))
    assert stored.dtype == np.float32 and stored.shape == (built.count, 64)
    assert pq.read_table(os.path.join(built.directory, "passages.parquet")).column_names == [
        "article_id", "title", "heading", "section", "passage", "text"]


def test_different_weights_rebuild_the_index(encoders, small_corpus, export_dir, tmp_path):
    import tensorflow as tf

    first, _ = open_exact(encoders, small_corpus, tmp_path / "cache")
    changed = tmp_path / "changed_model"
    shutil.copytree(export_dir, changed)
    for name in ("query_encoder", "doc_encoder"):  # the same graphs, one variable scaled
        module = tf.saved_model.load(os.path.join(export_dir, name))
        variable = module.tower.variables[0]
        variable.assign(variable * 1.5)
        tf.saved_model.save(module, str(changed / name), signatures=dict(module.signatures))
    changed_encoders = Encoders.load(str(changed))

    second, recorder = open_exact(changed_encoders, small_corpus, tmp_path / "cache")
    assert second.built and recorder.encoded
    assert second.manifest["fingerprint"] != first.manifest["fingerprint"]
    new = np.load(os.path.join(second.directory, "embeddings.npy"))
    old = np.load(os.path.join(first.directory, "embeddings.npy"))
    assert not np.allclose(new, old, atol=1e-3)
    passages = second.passages.to_pylist()[:3]
    np.testing.assert_allclose(new[:3], DirectTowers(str(changed)).docs(
        [p["title"] for p in passages], [p["text"] for p in passages]), atol=1e-4)


def test_a_changed_corpus_rebuilds_the_index(encoders, small_corpus, corpus_dir, tmp_path):
    first, _ = open_exact(encoders, small_corpus, tmp_path / "cache")
    write_corpus(small_corpus, read_table(corpus_dir, "articles").slice(0, 2),
                 pathlib.Path(corpus_dir) / STATS_FILE)
    fewer, recorder = open_exact(encoders, small_corpus, tmp_path / "cache")
    assert fewer.built and recorder.encoded and fewer.count < first.count
    assert fewer.count == passage_table(str(small_corpus)).num_rows

    stats = json.loads((small_corpus / STATS_FILE).read_text())
    (small_corpus / STATS_FILE).write_text(json.dumps({**stats, "pages_read": 1}))
    restated, recorder = open_exact(encoders, small_corpus, tmp_path / "cache")
    assert restated.built and recorder.encoded
    assert len({first.directory, fewer.directory, restated.directory}) == 3


def test_a_half_written_index_is_never_trusted(encoders, small_corpus, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    fingerprint = searching.fingerprint(encoders.export_dir, str(small_corpus))
    passages = passage_table(str(small_corpus))
    garbage = np.full((passages.num_rows, 64), 7.0, np.float32)
    manifest = {"format": searching.INDEX_FORMAT, "fingerprint": fingerprint,
                "count": passages.num_rows, "dim": 64, "created": "killed"}
    # A build killed before its rename: a complete-looking temp dir.
    killed = cache / f"{searching.BUILDING_PREFIX}{fingerprint[:16]}-killed"
    killed.mkdir()
    searching.write_index_dir(str(killed), passages, garbage, manifest)
    # A directory of the final name without its manifest (copied by hand, say).
    (cache / fingerprint).mkdir()
    np.save(cache / fingerprint / "embeddings.npy", garbage)

    built, recorder = open_exact(encoders, small_corpus, cache)
    assert built.built and recorder.encoded and built.manifest["created"] != "killed"
    stored = np.load(os.path.join(built.directory, "embeddings.npy"))
    np.testing.assert_allclose(stored, encoders.encode_docs(
        passages["title"].to_pylist(), passages["text"].to_pylist()), atol=1e-5)
    assert killed.exists()  # left alone: it may be another process's build in progress


def test_a_concurrent_publisher_wins_without_error(tmp_path):
    final = tmp_path / "index"
    final.mkdir()
    (final / "manifest.json").write_text("{}")
    late = tmp_path / ".building-late"
    late.mkdir()
    (late / "manifest.json").write_text("{}")
    assert searching.publish(str(late), str(final)) is False
    assert not late.exists() and (final / "manifest.json").exists()


def test_fingerprint_frames_its_parts():
    parts = [("a", b"xy"), ("b", b"z")]
    assert searching.fingerprint_of(parts) == searching.fingerprint_of(list(parts))
    assert searching.fingerprint_of(parts) != searching.fingerprint_of([("a", b"x"),
                                                                        ("b", b"yz")])
    assert searching.fingerprint_of(parts) != searching.fingerprint_of([("a", b"xy")])


def test_the_cache_dir_honours_wikipairs_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert searching.default_index_dir() == str(tmp_path / "search")
    monkeypatch.delenv(CACHE_ENV)
    assert searching.default_index_dir() == os.path.expanduser("~/.cache/wikipairs/search")


def test_downloaded_data_stays_out_of_an_installed_package(monkeypatch, tmp_path):
    """A source checkout keeps data/ (what make and the README use); an installed package (no
    pyproject.toml beside its modules) caches under $WIKIPAIRS_CACHE/data, never site-packages."""
    from pipeline.sample_data import REPO_ROOT, default_data_dir

    assert default_data_dir() == REPO_ROOT / "data"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    installed = tmp_path / "site-packages"
    (installed / "pipeline").mkdir(parents=True)
    assert default_data_dir(installed) == tmp_path / "cache" / "data"


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        status = main(["search", *map(str, args)])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_cli_prints_ranked_hits(cli, exact, encoders, model_dir, corpus_dir, index_dir):
    built, _ = exact
    status, out, err = cli("--model", model_dir, "--corpus", corpus_dir, "--index_dir", index_dir,
                           "--top_k", "3", *QUESTIONS[:2])
    assert status == 0, err
    assert f"using index {built.directory}" in err  # the module's index, not encoded again
    expected = searching.search(encoders, built, QUESTIONS[:2], 3)
    assert f"query 1/2: {QUESTIONS[0]}" in out and f"query 2/2: {QUESTIONS[1]}" in out
    lines = out.splitlines()
    for hits in expected:
        for hit in hits:
            assert any(line.split()[:2] == [str(hit.rank), f"{hit.score:.4f}"]
                       and f"{hit.title} · {hit.heading or '(lead)'}" in line for line in lines)


def test_cli_json_has_full_passages(cli, exact, encoders, model_dir, corpus_dir, index_dir):
    built, _ = exact
    status, out, err = cli("--model", os.path.join(model_dir, "export"), "--corpus", corpus_dir,
                           "--index_dir", index_dir, "--top_k", "4", "--json", *QUESTIONS)
    assert status == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    expected = searching.search(encoders, built, QUESTIONS, 4)
    assert [r["query"] for r in records] == QUESTIONS
    for record, hits in zip(records, expected):
        assert [h["passage_id"] for h in record["hits"]] == [h.passage_id for h in hits]
        assert [h["text"] for h in record["hits"]] == [h.text for h in hits]  # not shortened
        assert [h["rank"] for h in record["hits"]] == [1, 2, 3, 4]
        np.testing.assert_allclose([h["score"] for h in record["hits"]],
                                   [h.score for h in hits], atol=1e-5)


def test_cli_builds_with_progress_and_faiss(cli, small_corpus, model_dir, tmp_path):
    status, out, err = cli("--model", model_dir, "--corpus", small_corpus, "--index_dir",
                           tmp_path / "cache", "--index", "faiss", "--top_k", "2", "asphalt")
    assert status == 0, err
    assert "encoding passages" in err and "building the faiss index" in err
    assert "faiss search" in err and "query 1/1: asphalt" in out


@pytest.mark.parametrize("case, expected", [
    ("no_export", "no exported encoders"),
    ("no_model", "no such directory (give a training run's --model_dir"),
    ("no_corpus", "no corpus here"),
    ("empty_query", "query 2 of 2 is empty"),
])
def test_cli_errors_name_the_problem(cli, case, expected, model_dir, corpus_dir, tmp_path):
    model, corpus, queries = model_dir, corpus_dir, ["fine", "  "]
    if case == "no_export":
        model, queries = str(tmp_path / "not_a_model"), ["fine"]
        os.makedirs(model)
    elif case == "no_model":  # not a reason to suggest the exporter
        model, queries = str(tmp_path / "nope"), ["fine"]
    elif case == "no_corpus":
        corpus, queries = str(tmp_path / "not_a_corpus"), ["fine"]
    status, out, err = cli("--model", model, "--corpus", corpus, "--index_dir", tmp_path,
                           *queries)
    assert status == 2 and out == ""
    assert err.startswith("wikipairs search: error: ") and expected in err
    assert "Traceback" not in err
    if case != "empty_query":
        assert (model if case in ("no_export", "no_model") else corpus) in err
    if case in ("no_export", "no_model"):  # neither holds a checkpoint to export
        assert "trainer.export" not in err and len(err.strip().splitlines()) == 1


HEAVY_MODULES_AFTER_HELP = """
import contextlib, io, sys
from wikipairs.cli.main import main
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(["search", "--help"])
print(sorted({"tensorflow", "faiss", "apache_beam", "pyarrow"} & set(sys.modules)))
"""


def test_search_help_imports_nothing_heavy():
    result = subprocess.run([sys.executable, "-c", HEAVY_MODULES_AFTER_HELP], cwd=REPO,
                            text=True, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    status = subprocess.run([sys.executable, "-m", "wikipairs.cli", "search", "--help"], cwd=REPO,
                            text=True, capture_output=True, timeout=60)
    assert "--model DIR" in status.stdout and "--index {auto,exact,faiss}" in status.stdout
