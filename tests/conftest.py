"""Shared fixtures: the real English Wikipedia sample, parsed once per session; and the `slow`
marker: `pytest -m "not slow"` runs the fast tests (under a minute), `make test` runs all."""
from __future__ import annotations

import os

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
def sample_pairs(tmp_path_factory):
    """The whole job on the sample (tests/pairs_run.sample_job): corpus tables under
    `pairs['dir'].parent`, shards under `pairs['dir']`."""
    from tests.pairs_run import sample_job

    return sample_job(tmp_path_factory.mktemp("sample_job"))


@pytest.fixture(scope="session")
def tiny_model(sample_pairs, tmp_path_factory):
    """`tiny` trained and exported in this process on sample_pairs:
    (result of trainer.task.main, its stdout, model_dir with export/)."""
    import contextlib
    import io

    from tests.pairs_run import TINY_TRAIN_STEPS, tiny_flags
    from trainer.task import main

    model_dir = tmp_path_factory.mktemp("tiny_model")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = main(tiny_flags(sample_pairs, model_dir, f"train.steps={TINY_TRAIN_STEPS}",
                                 "train.log_every=25"))
    return result, out.getvalue(), model_dir
