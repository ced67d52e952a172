"""Shared fixtures: the real English Wikipedia sample, parsed once per session; and the `slow`
marker: `pytest -m "not slow"` runs the fast tests (under a minute), `make test` runs all (on
pytest-xdist workers, which build the job's outputs and the trained model once between them)."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
from typing import Callable, TypeVar

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow

import pytest  # noqa: E402

from pipeline.sample_data import sample_path  # noqa: E402

# Fixtures that run the whole job on the sample or train a model: a test that uses one (directly
# or through another fixture) is slow. Tests that are slow on their own say @pytest.mark.slow.
SLOW_FIXTURES = {"sample_pairs", "tiny_model", "sample_results"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def sample() -> str:
    return str(sample_path())


@pytest.fixture(scope="session")
def sample_site(sample):
    from pipeline.dump_reader import read_siteinfo

    return read_siteinfo(sample)


@pytest.fixture(scope="session")
def sample_pages(sample):
    from pipeline.dump_reader import iter_pages

    return list(iter_pages(sample))


@pytest.fixture(scope="session")
def sample_results(sample_pages, sample_site):
    """title -> parse_page result for every page of the sample."""
    from pipeline.parse_page import parse_page

    results = [parse_page(page, sample_site) for page in sample_pages]
    return {result.title: result for result in results}


@pytest.fixture(scope="session")
def sample_article_sentences(sample_results) -> list[list[str]]:
    """Each article's sentences of the sample, in order."""
    from pipeline.records import Article

    return [[sentence for section in result.sections for passage in section.passages
             for sentence in passage]
            for result in sample_results.values() if isinstance(result, Article)]


@pytest.fixture(scope="session")
def sample_sentences(sample_article_sentences) -> list[str]:
    return [sentence for article in sample_article_sentences for sentence in article]


T = TypeVar("T")


def built_once(tmp_path_factory, name: str, build: Callable[[pathlib.Path], T],
               load: Callable[[pathlib.Path], T]) -> T:
    """`build(directory)` in this process, or, under pytest-xdist, in whichever worker asks first:
    it builds in a directory all workers of the run share while the others wait, then they
    `load(directory)` what it wrote. A build that fails leaves nothing a later worker would load."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(tmp_path_factory.mktemp(name))
    from filelock import FileLock

    directory = tmp_path_factory.getbasetemp().parent / name  # the run's root, above gw0, gw1...
    complete = directory.with_name(f"{name}.complete")
    with FileLock(directory.with_name(f"{name}.lock")):
        if complete.exists():
            return load(directory)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        built = build(directory)
        complete.touch()
        return built


@pytest.fixture(scope="session")
def sample_pairs(tmp_path_factory):
    """The whole job on the sample (tests/pairs_run.sample_job): corpus tables under
    `pairs['dir'].parent`, shards under `pairs['dir']`."""
    from tests.pairs_run import read_job, sample_job

    return built_once(tmp_path_factory, "sample_job", sample_job, read_job)


@pytest.fixture(scope="session")
def tiny_model(sample_pairs, tmp_path_factory):
    """`tiny` trained and exported on sample_pairs: (result of trainer.task.main, its stdout,
    model_dir with export/). A worker that did not train gets the model restored from the run's
    last checkpoint, the rest of the result and the stdout as the training worker saw them."""
    import contextlib
    import io

    from tests.pairs_run import TINY_TRAIN_STEPS, tiny_flags

    def train(directory: pathlib.Path):
        from trainer.task import main

        model_dir, out = directory / "model", io.StringIO()
        with contextlib.redirect_stdout(out):
            result = main(tiny_flags(sample_pairs, model_dir, f"train.steps={TINY_TRAIN_STEPS}",
                                     "train.log_every=25"))
        (directory / "result.json").write_text(json.dumps(
            {k: v for k, v in result.items() if k != "model"}))
        (directory / "stdout.txt").write_text(out.getvalue())
        return result, out.getvalue(), model_dir

    def restore(directory: pathlib.Path):
        from trainer.evaluate import read_config, restore_model

        model_dir = directory / "model"
        result = json.loads((directory / "result.json").read_text())
        result["model"], _ = restore_model(read_config(str(model_dir)), str(model_dir), None)
        return result, (directory / "stdout.txt").read_text(), model_dir

    return built_once(tmp_path_factory, "tiny_model", train, restore)
