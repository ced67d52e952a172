"""A job that asks for the DirectRunner, or for no runner, runs on Beam's FnApiRunner with the
job's options for its workers, and never tries Prism first (pipeline/local_runner.py): Beam
2.77's DirectRunner would download and start Prism wherever GitHub is reachable, an engine that
ignores --direct_running_mode, and offline pays a graph conversion for the failed attempt."""
from __future__ import annotations

import logging

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to
from google.protobuf import json_format

from pipeline.local_runner import runner_for
from pipeline.run import pipeline_options


@pytest.mark.parametrize("flags", [
    [], ["--runner=DirectRunner"], ["--runner=direct"], ["--runner=SwitchingDirectRunner"],
    ["--runner=apache_beam.runners.direct.direct_runner.DirectRunner"],
])
def test_the_direct_runner_is_the_fn_api_runner_with_the_jobs_options(flags):
    options = pipeline_options([*flags, "--direct_running_mode=in_memory", "--job_name=probe"])
    runner = runner_for(options)
    assert isinstance(runner, FnApiRunner)
    # What the runner's workers are given: the multi-process workers read their options here.
    given = json_format.MessageToDict(runner._provision_info.provision_info.pipeline_options)
    assert given["beam:option:direct_running_mode:v1"] == "in_memory"
    assert given["beam:option:job_name:v1"] == "probe"


@pytest.mark.parametrize("runner", ["PrismRunner", "DataflowRunner", "PortableRunner"])
def test_any_other_runner_is_the_one_beam_makes(runner):
    assert runner_for(PipelineOptions([f"--runner={runner}"])) is None


def test_a_local_pipeline_runs_without_trying_prism(caplog):
    caplog.set_level(logging.INFO)  # the DirectRunner says 'Running pipeline with PrismRunner.'
    options = pipeline_options(["--direct_running_mode=in_memory"])
    with beam.Pipeline(runner=runner_for(options), options=options) as pipeline:
        doubled = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda n: 2 * n)
        assert_that(doubled, equal_to([2, 4, 6]))
    assert "Prism" not in caplog.text
