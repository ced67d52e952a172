"""Shared fixtures: the real English Wikipedia sample, parsed once per session."""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow

import pytest  # noqa: E402

from pipeline.sample_data import sample_path  # noqa: E402


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
